package account

import (
	"context"
	"errors"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// TestApplicationCache: a bot's application is read from the store once
// and then served from memory; SaveApplication makes the next read see the
// new flags; a bot without an application is not found (and not cached).
func TestApplicationCache(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	s := newService(t, st, Config{})
	app := chat.Application{ID: 10, OwnerID: 1, BotID: 20, Name: "app", Flags: 1 << 19}
	if err := s.SaveApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		got, err := s.ApplicationByBot(ctx, app.BotID)
		if err != nil || got.Flags != app.Flags {
			t.Fatalf("ApplicationByBot = %+v, %v", got, err)
		}
	}
	if n := st.appReads.Load(); n != 1 {
		t.Fatalf("store reads after 3 lookups = %d, want 1", n)
	}
	app.Flags = 0
	if err := s.SaveApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ApplicationByBot(ctx, app.BotID); err != nil || got.Flags != 0 {
		t.Fatalf("after SaveApplication: %+v, %v; want flags 0", got, err)
	}
	for range 2 {
		if _, err := s.ApplicationByBot(ctx, 99); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("bot without application: %v, want store.ErrNotFound", err)
		}
	}
	if n := st.appReads.Load(); n != 4 {
		t.Fatalf("store reads = %d, want 4 (1 + 1 after the save + 2 misses, not cached)", n)
	}
}
