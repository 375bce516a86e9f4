package guild

import (
	"context"
	"slices"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

// The actor caches its sorted member IDs; joins and kicks must show up in
// the member list right after, not only once something else changes.
func TestMemberListFollowsJoinsAndKicks(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	owner := e.user("owner", false)
	bob := e.user("bob", false)
	g, err := e.r.CreateGuild(ctx, owner, "members")
	if err != nil {
		t.Fatal(err)
	}
	ids := func() []chat.ID {
		t.Helper()
		ms, err := e.r.Members(ctx, g.ID, owner, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []chat.ID
		for _, m := range ms {
			out = append(out, m.User.ID)
		}
		return out
	}
	if got := ids(); !slices.Equal(got, []chat.ID{owner}) {
		t.Fatalf("before join: %v", got)
	}
	if _, err := e.r.AddMember(ctx, g.ID, bob); err != nil {
		t.Fatal(err)
	}
	want := []chat.ID{owner, bob}
	slices.Sort(want)
	if got := ids(); !slices.Equal(got, want) {
		t.Fatalf("after join: %v, want %v", got, want)
	}
	if err := e.r.RemoveMember(ctx, g.ID, owner, bob); err != nil {
		t.Fatal(err)
	}
	if got := ids(); !slices.Equal(got, []chat.ID{owner}) {
		t.Fatalf("after kick: %v", got)
	}
}
