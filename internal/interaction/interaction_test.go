package interaction

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestTokenLifetimeAndScope(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	r := New(Config{Now: c.now})
	a, err := r.Create(&Interaction{ID: 1, AppID: 10})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Create(&Interaction{ID: 2, AppID: 10})
	if err != nil {
		t.Fatal(err)
	}
	if a.Token == b.Token || len(a.Token) < 40 {
		t.Fatalf("tokens %q %q", a.Token, b.Token)
	}
	if _, err := r.Lookup(1, a.Token); err != nil {
		t.Fatalf("own token: %v", err)
	}
	// A token names one interaction: not another one, not another app.
	if _, err := r.Lookup(2, a.Token); !errors.Is(err, ErrUnknown) {
		t.Fatalf("token of interaction 1 for interaction 2: %v", err)
	}
	if _, err := r.ByToken(11, a.Token); !errors.Is(err, ErrUnknown) || r.Owns(11, a.Token) {
		t.Fatalf("token used for another application: %v", err)
	}
	if !r.Owns(10, a.Token) || r.Owns(10, "nope") {
		t.Fatal("Owns")
	}
	c.add(DefaultTTL - time.Second)
	if _, err := r.ByToken(10, a.Token); err != nil {
		t.Fatalf("before 15 minutes: %v", err)
	}
	c.add(time.Second)
	if _, err := r.ByToken(10, a.Token); !errors.Is(err, ErrUnknown) {
		t.Fatalf("after 15 minutes: %v", err)
	}
	if _, err := r.Lookup(2, b.Token); !errors.Is(err, ErrUnknown) {
		t.Fatalf("after 15 minutes: %v", err)
	}
}

func TestAckOnceWithinWindow(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	r := New(Config{Now: c.now})
	it, _ := r.Create(&Interaction{ID: 1, AppID: 10})
	if err := r.Ack(it); err != nil {
		t.Fatal(err)
	}
	if err := r.Ack(it); !errors.Is(err, ErrAcked) {
		t.Fatalf("second ack: %v", err)
	}
	if r.Fail(it) {
		t.Fatal("an acknowledged interaction failed")
	}
	select {
	case <-it.Acked():
	default:
		t.Fatal("Acked not closed")
	}

	late, _ := r.Create(&Interaction{ID: 2, AppID: 10})
	c.add(DefaultAckWindow + time.Millisecond)
	if err := r.Ack(late); !errors.Is(err, ErrUnknown) {
		t.Fatalf("ack after the window: %v", err)
	}
	failed, _ := r.Create(&Interaction{ID: 3, AppID: 10})
	if !r.Fail(failed) {
		t.Fatal("Fail of a pending interaction")
	}
	if err := r.Ack(failed); !errors.Is(err, ErrUnknown) {
		t.Fatalf("ack after failure: %v", err)
	}
}

func TestBound(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	r := New(Config{Now: c.now, Max: 2})
	for i := chat.ID(1); i <= 2; i++ {
		if _, err := r.Create(&Interaction{ID: i}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Create(&Interaction{ID: 3}); !errors.Is(err, ErrFull) {
		t.Fatalf("third of two: %v", err)
	}
	c.add(DefaultTTL)
	if _, err := r.Create(&Interaction{ID: 4}); err != nil {
		t.Fatalf("after the others expired: %v", err)
	}
}
