package account

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/accordchat/accord/internal/auth"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/pebble"
)

// The guild registry's user source and the gateway's Accounts read users
// through a Service.
var (
	_ interface {
		User(ctx context.Context, id chat.ID) (chat.User, error)
	} = (*Service)(nil)
	_ Store = store.Store(nil)
)

// countingStore counts the user reads that reach the store.
type countingStore struct {
	store.Store
	userReads  atomic.Int64
	appReads   atomic.Int64
	tokenReads atomic.Int64
	// duringTokenRead, if set, runs after a token read has reached the
	// store and before its answer returns.
	duringTokenRead func()
}

func (c *countingStore) TokenUser(ctx context.Context, tokenHash []byte) (chat.ID, error) {
	c.tokenReads.Add(1)
	id, err := c.Store.TokenUser(ctx, tokenHash)
	if f := c.duringTokenRead; f != nil {
		f()
	}
	return id, err
}

func (c *countingStore) ApplicationByBot(ctx context.Context, botID chat.ID) (chat.Application, error) {
	c.appReads.Add(1)
	return c.Store.ApplicationByBot(ctx, botID)
}

func (c *countingStore) User(ctx context.Context, id chat.ID) (chat.User, error) {
	c.userReads.Add(1)
	return c.Store.User(ctx, id)
}

func newStore(t *testing.T) *countingStore {
	t.Helper()
	st, err := pebble.New(pebble.Config{Dir: "db", FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &countingStore{Store: st}
}

func newService(t *testing.T, st Store, cfg Config) *Service {
	t.Helper()
	ids, err := snowflake.New(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.IDs = st, ids
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestNewValidates(t *testing.T) {
	ids, _ := snowflake.New(0, 0)
	for _, cfg := range []Config{{}, {Store: newStore(t)}, {IDs: ids}, {Store: newStore(t), IDs: ids, CacheSize: -1}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

func TestRegisterAndLogin(t *testing.T) {
	ctx := context.Background()
	s := newService(t, newStore(t), Config{})
	u, token, err := s.Register(ctx, "alice", "hunter22", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Username != "alice" || u.GlobalName != "Alice" || u.Bot {
		t.Fatalf("registered %+v", u)
	}
	if got, err := s.Authenticate(ctx, token); err != nil || got != u {
		t.Fatalf("Authenticate(first token) = %+v, %v; want %+v", got, err, u)
	}

	t.Run("duplicate username", func(t *testing.T) {
		for _, name := range []string{"alice", "ALICE"} {
			if _, _, err := s.Register(ctx, name, "whatever1", ""); !errors.Is(err, ErrUsernameTaken) {
				t.Errorf("Register(%q) = %v, want ErrUsernameTaken", name, err)
			}
		}
	})
	t.Run("right password", func(t *testing.T) {
		got, token2, err := s.Login(ctx, "alice", "hunter22")
		if err != nil || got.ID != u.ID {
			t.Fatalf("Login = %+v, %v", got, err)
		}
		if token2 == token {
			t.Fatal("login returned the registration token again")
		}
		if got, err := s.Authenticate(ctx, token2); err != nil || got.ID != u.ID {
			t.Fatalf("Authenticate(login token) = %+v, %v", got, err)
		}
	})
	bot, err := s.CreateBot(ctx, 42, 41, "my app")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, login, pw string }{
		{"wrong password", "alice", "hunter23"},
		{"unknown user", "bob", "hunter22"},
		{"bot without password", bot.Username, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := s.Login(ctx, c.login, c.pw); !errors.Is(err, ErrInvalidLogin) {
				t.Fatalf("Login(%q, %q) = %v, want ErrInvalidLogin", c.login, c.pw, err)
			}
		})
	}
}

func TestCreateBotNames(t *testing.T) {
	ctx := context.Background()
	s := newService(t, newStore(t), Config{})
	first, err := s.CreateBot(ctx, 10, 1, "Cool Bot!")
	if err != nil || first.Username != "Cool_Bot_" || !first.Bot || first.ApplicationID != 1 {
		t.Fatalf("first bot %+v, %v", first, err)
	}
	second, err := s.CreateBot(ctx, 20, 2, "Cool Bot!")
	if err != nil || second.Username != "Cool_Bot_-20" {
		t.Fatalf("second bot %+v, %v", second, err)
	}
	if got, err := s.User(ctx, 20); err != nil || got != second {
		t.Fatalf("User(20) = %+v, %v", got, err)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s := newService(t, newStore(t), Config{})
	u, token, err := s.Register(ctx, "carol", "secret123", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "nope", token + "x"} {
		if _, err := s.Authenticate(ctx, bad); !errors.Is(err, auth.ErrBadToken) {
			t.Errorf("Authenticate(%q) = %v, want auth.ErrBadToken", bad, err)
		}
	}
	if _, err := s.TokenUser(ctx, auth.HashToken("nope")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TokenUser(unknown) = %v, want store.ErrNotFound", err)
	}
	if id, err := s.TokenUser(ctx, auth.HashToken(token)); err != nil || id != u.ID {
		t.Errorf("TokenUser = %v, %v", id, err)
	}

	bot, err := s.CreateBot(ctx, 99, 98, "bot")
	if err != nil {
		t.Fatal(err)
	}
	t1, h1, err := s.ResetToken(ctx, bot.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	t2, h2, err := s.ResetToken(ctx, bot.ID, h1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, t1); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("reset left the old token valid: %v", err)
	}
	if got, err := s.Authenticate(ctx, t2); err != nil || got.ID != bot.ID {
		t.Errorf("Authenticate(new bot token) = %+v, %v", got, err)
	}
	if err := s.RevokeToken(ctx, h2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, t2); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("revoked token still valid: %v", err)
	}
	if err := s.RevokeToken(ctx, h2); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
}

// TestTokenCache checks the token cache with two services over one store,
// as two nodes over one CQL keyspace: a known token is read from the store
// once, an unknown one every time (a token issued on the other node works
// at once), and after a revocation on either node, told to the other
// (TokensRevoked, the cluster's "close" broadcast), the old token fails on
// both, including when the revocation lands during a store read.
func TestTokenCache(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	a, b := newService(t, st, Config{}), newService(t, st, Config{})
	bot, err := a.CreateBot(ctx, 99, 98, "bot")
	if err != nil {
		t.Fatal(err)
	}
	unknown := auth.HashToken("nope")
	for range 3 {
		if _, err := a.TokenUser(ctx, unknown); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("TokenUser(unknown) = %v", err)
		}
	}
	if n := st.tokenReads.Load(); n != 3 {
		t.Fatalf("unknown token: %d store reads, want 3 (not cached)", n)
	}
	old, oldHash, err := b.ResetToken(ctx, bot.ID, nil) // issued on b, used on a at once
	if err != nil {
		t.Fatal(err)
	}
	st.tokenReads.Store(0)
	for range 5 {
		for _, s := range []*Service{a, b} {
			if u, err := s.Authenticate(ctx, old); err != nil || u.ID != bot.ID {
				t.Fatalf("Authenticate = %v, %v", u.ID, err)
			}
		}
	}
	if n := st.tokenReads.Load(); n != 2 {
		t.Fatalf("10 authentications on 2 services: %d store reads, want 2", n)
	}

	// Reset on b: b forgets at once; a when told.
	fresh, _, err := b.ResetToken(ctx, bot.ID, oldHash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, old); !errors.Is(err, auth.ErrBadToken) {
		t.Fatalf("b: the token it revoked = %v", err)
	}
	a.TokensRevoked()
	if _, err := a.Authenticate(ctx, old); !errors.Is(err, auth.ErrBadToken) {
		t.Fatalf("a, after the news: the revoked token = %v", err)
	}
	if u, err := a.Authenticate(ctx, fresh); err != nil || u.ID != bot.ID {
		t.Fatalf("a: the new token = %v, %v", u.ID, err)
	}

	// A revocation that lands while a's read is in the store: the read
	// found the token, but its entry must not be trusted afterwards.
	if _, _, err := b.ResetToken(ctx, bot.ID, auth.HashToken(fresh)); err != nil {
		t.Fatal(err)
	}
	third, thirdHash, err := b.ResetToken(ctx, bot.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.duringTokenRead = func() {
		st.duringTokenRead = nil
		if err := b.RevokeToken(ctx, thirdHash); err != nil {
			t.Error(err)
		}
		a.TokensRevoked()
	}
	if u, err := a.Authenticate(ctx, third); err != nil || u.ID != bot.ID {
		t.Fatalf("the read that raced its revocation = %v, %v (it found the token)", u.ID, err)
	}
	if _, err := a.Authenticate(ctx, third); !errors.Is(err, auth.ErrBadToken) {
		t.Fatalf("a token revoked during its read stayed trusted: %v", err)
	}
}

func TestCacheHitsAndMisses(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	reg := prometheus.NewRegistry()
	s := newService(t, st, Config{Registerer: reg})
	u := chat.User{ID: 7, Username: "dave"}
	if err := st.CreateUser(ctx, u, chat.Credentials{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if got, err := s.User(ctx, u.ID); err != nil || got != u {
			t.Fatalf("User = %+v, %v", got, err)
		}
	}
	if _, err := s.User(ctx, 8); !errors.Is(err, chat.ErrUnknownUser) {
		t.Fatalf("User(missing) = %v, want chat.ErrUnknownUser", err)
	}
	// One load for dave, one for the missing user (absence is not cached).
	if _, err := s.User(ctx, 8); !errors.Is(err, chat.ErrUnknownUser) {
		t.Fatalf("User(missing) again = %v", err)
	}
	if n := st.userReads.Load(); n != 3 {
		t.Errorf("%d store reads, want 3", n)
	}
	if got := s.Stats(); got.Hits != 2 || got.Misses != 3 {
		t.Errorf("stats %+v, want 2 hits and 3 misses", got)
	}
	want := map[string]float64{"accord_account_user_cache_hits_total": 2, "accord_account_user_cache_misses_total": 3,
		"accord_account_user_cache_evictions_total": 0, "accord_account_user_cache_users": 1}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		got[mf.GetName()] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	for name, v := range want {
		if g, ok := got[name]; !ok || g != v {
			t.Errorf("%s = %v (exported %v), want %v", name, g, ok, v)
		}
	}
}

func TestCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	const size, users = 10, 50
	s := newService(t, st, Config{CacheSize: size})
	for i := 1; i <= users; i++ {
		u := chat.User{ID: chat.ID(i), Username: fmt.Sprint("user", i)}
		if err := st.CreateUser(ctx, u, chat.Credentials{UserID: u.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.User(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	s.users.CleanUp() // eviction runs in otter's maintenance; finish it now
	got := s.Stats()
	if got.Size > size || got.Evictions < users-size {
		t.Fatalf("stats %+v: want at most %d cached and at least %d evicted", got, size, users-size)
	}
}

func TestProfileUpdateInvalidatesCache(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	s := newService(t, st, Config{})
	u, _, err := s.Register(ctx, "erin", "secret123", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Register(ctx, "frank", "secret123", ""); err != nil {
		t.Fatal(err)
	}
	if got, err := s.User(ctx, u.ID); err != nil || got != u {
		t.Fatalf("User = %+v, %v", got, err)
	}
	if n := st.userReads.Load(); n != 0 {
		t.Fatalf("registration did not cache the user: %d store reads", n)
	}
	renamed := u
	renamed.Username, renamed.GlobalName, renamed.Avatar = "erin2", "Erin", "abc"
	if err := s.UpdateProfile(ctx, renamed); err != nil {
		t.Fatal(err)
	}
	if got, err := s.User(ctx, u.ID); err != nil || got != renamed {
		t.Fatalf("User after update = %+v, %v; want %+v", got, err, renamed)
	}
	taken := renamed
	taken.Username = "FRANK"
	if err := s.UpdateProfile(ctx, taken); !errors.Is(err, ErrUsernameTaken) {
		t.Fatalf("rename to a taken name = %v, want ErrUsernameTaken", err)
	}
	if got, err := s.User(ctx, u.ID); err != nil || got != renamed {
		t.Fatalf("User after failed rename = %+v, %v; want %+v", got, err, renamed)
	}
	if _, _, err := s.Login(ctx, "erin2", "secret123"); err != nil {
		t.Fatalf("login under the new name: %v", err)
	}
}
