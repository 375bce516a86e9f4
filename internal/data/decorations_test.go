package data_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/store"
)

// decoStore is a real store that counts the reaction and pin reads reaching
// it and lets a test hold the reaction reads once they have read.
type decoStore struct {
	store.Store
	reactions, pins atomic.Int64
	gate            func()
}

func (d *decoStore) Reactions(ctx context.Context, ch chat.ID, ids []chat.ID) ([]chat.Reaction, error) {
	d.reactions.Add(1)
	rs, err := d.Store.Reactions(ctx, ch, ids)
	if d.gate != nil {
		d.gate() // after the read: a held read has read the store as it was
	}
	return rs, err
}

func (d *decoStore) Pins(ctx context.Context, ch chat.ID) ([]chat.Pin, error) {
	d.pins.Add(1)
	return d.Store.Pins(ctx, ch)
}

func reaction(ch, msg, user chat.ID, name string) chat.Reaction {
	return chat.Reaction{ChannelID: ch, MessageID: msg, Emoji: chat.Emoji{Name: name}, UserID: user, At: time.Now()}
}

// A herd asking for the decorations of one page shares one store read, and
// later askers are answered from memory until a reaction or pin changes.
func TestDecorationsCoalescedAndKept(t *testing.T) {
	ctx := context.Background()
	ds := &decoStore{Store: memStore(t)}
	s := newService(t, data.Config{Store: ds})
	const ch chat.ID = 42
	made := fill(t, s, ch, 10)
	if err := s.PutReaction(ctx, reaction(ch, made[3], 7, "👍")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPin(ctx, chat.Pin{ChannelID: ch, MessageID: made[5], PinnedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	const n = 32
	var first sync.Once
	ds.gate = func() {
		first.Do(func() {
			if !waitUntil(10*time.Second, func() bool { return s.Stats().Waiting == n }) {
				t.Errorf("only %d of %d requests waiting", s.Stats().Waiting, n)
			}
		})
	}
	var wg sync.WaitGroup
	got := make([]data.Decorations, n)
	for i := range n {
		wg.Go(func() {
			d, err := s.Decorations(ctx, ch, made)
			if err != nil {
				t.Error(err)
			}
			got[i] = d
		})
	}
	wg.Wait()
	ds.gate = nil
	if r, p := ds.reactions.Load(), ds.pins.Load(); r != 1 || p != 1 {
		t.Fatalf("%d concurrent requests: %d reaction reads and %d pin reads, want 1 and 1", n, r, p)
	}
	for i, d := range got {
		if len(d.Reactions[made[3]]) != 1 || !d.Pinned[made[5]] || len(d.Reactions) != 1 || len(d.Pinned) != 1 {
			t.Fatalf("request %d: %+v", i, d)
		}
	}
	// Kept: the next reader of the same page reads nothing.
	if _, err := s.Decorations(ctx, ch, made); err != nil {
		t.Fatal(err)
	}
	if r := ds.reactions.Load(); r != 1 {
		t.Fatalf("a repeated read reached the store (%d reaction reads)", r)
	}
	// A message write keeps them (reactions and pins are not messages).
	fill(t, s, ch, 1)
	if _, err := s.Decorations(ctx, ch, made); err != nil {
		t.Fatal(err)
	}
	if r := ds.reactions.Load(); r != 1 {
		t.Fatalf("a message write dropped the decorations (%d reaction reads)", r)
	}
}

// Every reaction and pin write is seen by the next read: the kept answer
// and the kept pins never outlive a change.
func TestDecorationsSeeEveryWrite(t *testing.T) {
	ctx := context.Background()
	for _, direct := range []bool{false, true} {
		ds := &decoStore{Store: memStore(t)}
		s := newService(t, data.Config{Store: ds, Direct: direct})
		const ch chat.ID = 43
		made := fill(t, s, ch, 3)
		read := func() data.Decorations {
			t.Helper()
			d, err := s.Decorations(ctx, ch, made)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		pins := func() []chat.Pin {
			t.Helper()
			ps, err := s.Pins(ctx, ch)
			if err != nil {
				t.Fatal(err)
			}
			return ps
		}
		if d := read(); len(d.Reactions)+len(d.Pinned) != 0 || len(pins()) != 0 {
			t.Fatalf("direct=%t: fresh channel decorated %+v", direct, d)
		}
		steps := []struct {
			name  string
			write func() error
			check func(data.Decorations, []chat.Pin) bool
		}{
			{"react", func() error { return s.PutReaction(ctx, reaction(ch, made[0], 7, "a")) },
				func(d data.Decorations, _ []chat.Pin) bool { return len(d.Reactions[made[0]]) == 1 }},
			{"second user", func() error { return s.PutReaction(ctx, reaction(ch, made[0], 8, "a")) },
				func(d data.Decorations, _ []chat.Pin) bool { return len(d.Reactions[made[0]]) == 2 }},
			{"unreact", func() error { return s.DeleteReaction(ctx, ch, made[0], "a", 7) },
				func(d data.Decorations, _ []chat.Pin) bool { return len(d.Reactions[made[0]]) == 1 }},
			{"pin", func() error { return s.PutPin(ctx, chat.Pin{ChannelID: ch, MessageID: made[1], PinnedAt: time.Now()}) },
				func(d data.Decorations, ps []chat.Pin) bool { return d.Pinned[made[1]] && len(ps) == 1 }},
			{"clear", func() error { return s.DeleteReactions(ctx, ch, made[0], "") },
				func(d data.Decorations, _ []chat.Pin) bool { return len(d.Reactions) == 0 }},
			{"unpin", func() error { return s.DeletePin(ctx, ch, made[1]) },
				func(d data.Decorations, ps []chat.Pin) bool { return len(d.Pinned) == 0 && len(ps) == 0 }},
		}
		for _, st := range steps {
			if err := st.write(); err != nil {
				t.Fatal(err)
			}
			if d, ps := read(), pins(); !st.check(d, ps) {
				t.Fatalf("direct=%t: after %s: %+v, pins %+v", direct, st.name, d, ps)
			}
		}
	}
}

// A read that began before a write is not kept after it: the reader that
// raced the write may be answered with what it read, but the next reader
// sees the write.
func TestDecorationsRacingWriteNotKept(t *testing.T) {
	ctx := context.Background()
	ds := &decoStore{Store: memStore(t)}
	s := newService(t, data.Config{Store: ds})
	const ch chat.ID = 44
	made := fill(t, s, ch, 2)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ds.gate = func() {
		once.Do(func() {
			close(entered)
			<-release
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := s.Decorations(ctx, ch, made); err != nil {
			t.Error(err)
		}
	}()
	<-entered
	if err := s.PutReaction(ctx, reaction(ch, made[1], 9, "b")); err != nil {
		t.Fatal(err)
	}
	close(release)
	<-done
	d, err := s.Decorations(ctx, ch, made)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Reactions[made[1]]) != 1 {
		t.Fatalf("a read begun before the reaction was kept past it: %+v", d)
	}
}
