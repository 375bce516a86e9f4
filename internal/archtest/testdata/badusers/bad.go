// Package badusers reads users from the store without the account service,
// in every way archtest's user checker must catch (lines marked "want"),
// next to uses it must let pass.
package badusers

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// accounts is a consumer-declared interface with a user method.
type accounts interface {
	TokenUser(ctx context.Context, tokenHash []byte) (chat.ID, error)
}

// guilds has no user method.
type guilds interface {
	Guild(ctx context.Context, id chat.ID) (chat.Guild, error)
}

type config struct {
	Accounts accounts
	Guilds   guilds
}

type wrapped struct{ store.Store }

func direct(ctx context.Context, st store.Store) {
	_, _ = st.User(ctx, 1)       // want
	_ = st.PutToken(ctx, nil, 1) // want
}

func methodValue(st store.Store) func(context.Context, string) (chat.User, error) {
	return st.UserByName // want
}

func embedded(ctx context.Context, w wrapped) {
	_ = w.CreateUser(ctx, chat.User{}, chat.Credentials{}) // want
}

func viaVar(st store.Store) accounts {
	var a accounts = st // want
	return a
}

func viaAssign(st store.Store) {
	var a accounts
	a = st // want
	_ = a
}

func viaField(st store.Store) config {
	return config{
		Accounts: st, // want
		Guilds:   st,
	}
}

func viaCall(st store.Store) {
	use(st) // want
	useGuilds(st)
}

func viaReturn(st store.Store) accounts {
	return st // want
}

func viaSlice(st store.Store) []accounts {
	return []accounts{st} // want
}

func fine(ctx context.Context, st store.Store, a accounts) {
	_, _ = st.Guild(ctx, 1)
	_, _ = st.UserGuilds(ctx, 1)
	_, _ = a.TokenUser(ctx, nil) // through an interface wired elsewhere
}

func use(accounts)     {}
func useGuilds(guilds) {}

// asStore passes: store.Store is the store's own interface.
func asStore(st wrapped) store.Store { return st }
