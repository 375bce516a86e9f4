package account

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/ratelimit"
)

// TestThrottles: with Limits, an account whose failed logins are used up
// is refused even with its password, other accounts are not, and a
// username asked for too often is refused before any password is hashed.
func TestThrottles(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	l, err := ratelimit.New(ratelimit.Config{Now: func() time.Time { return now },
		LoginFailures: ratelimit.Limit{Requests: 2, Window: time.Minute}, Registrations: ratelimit.Limit{Requests: 2, Window: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	s := newService(t, newStore(t), Config{Limits: l})
	for _, name := range []string{"alice", "bob"} {
		if _, _, err := s.Register(ctx, name, "secret123", ""); err != nil {
			t.Fatal(err)
		}
	}
	var limited *ratelimit.Error
	for range 2 {
		if _, _, err := s.Login(ctx, "alice", "wrong"); !errors.Is(err, ErrInvalidLogin) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if _, _, err := s.Login(ctx, "ALICE", "secret123"); !errors.As(err, &limited) || limited.Scope != ratelimit.ScopeUser {
		t.Fatalf("login after 2 failures = %v, want *ratelimit.Error", err)
	}
	if _, _, err := s.Login(ctx, "bob", "secret123"); err != nil {
		t.Fatalf("bob: %v", err)
	}
	now = now.Add(time.Minute)
	if _, _, err := s.Login(ctx, "alice", "secret123"); err != nil {
		t.Fatalf("after the window: %v", err)
	}

	// The window of alice's first registration has ended: two more tries.
	for range 2 {
		if _, _, err := s.Register(ctx, "Alice", "secret123", ""); !errors.Is(err, ErrUsernameTaken) {
			t.Fatalf("registration of a taken name = %v, want ErrUsernameTaken", err)
		}
	}
	if _, _, err := s.Register(ctx, "alice", "secret123", ""); !errors.As(err, &limited) {
		t.Fatalf("third registration of alice = %v, want *ratelimit.Error", err)
	}
}
