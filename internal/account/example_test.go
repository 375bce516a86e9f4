package account_test

import (
	"context"
	"fmt"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/accordchat/accord/internal/account"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store/pebble"
)

func Example() {
	st, err := pebble.New(pebble.Config{Dir: "db", FS: vfs.NewMem()})
	if err != nil {
		panic(err)
	}
	defer st.Close()
	ids, _ := snowflake.New(0, 0)
	accounts, err := account.New(account.Config{Store: st, IDs: ids, CacheSize: 1000})
	if err != nil {
		panic(err)
	}
	defer accounts.Close()

	ctx := context.Background()
	if _, _, err := accounts.Register(ctx, "alice", "correct horse", "Alice"); err != nil {
		panic(err)
	}
	_, token, err := accounts.Login(ctx, "alice", "correct horse")
	if err != nil {
		panic(err)
	}
	u, err := accounts.Authenticate(ctx, token) // what every request does
	fmt.Println(u.Username, u.GlobalName, err)
	// Output: alice Alice <nil>
}
