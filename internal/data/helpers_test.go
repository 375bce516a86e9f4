package data_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/pebble"
)

// countingStore is a real store that counts the message reads reaching it
// and lets a test hold them (gate runs inside every read, before it).
type countingStore struct {
	store.Store
	pages, singles atomic.Int64
	gate           func()
}

func (c *countingStore) Messages(ctx context.Context, ch chat.ID, p store.Page) ([]chat.Message, error) {
	c.pages.Add(1)
	if c.gate != nil {
		c.gate()
	}
	return c.Store.Messages(ctx, ch, p)
}

func (c *countingStore) Message(ctx context.Context, ch, id chat.ID) (chat.Message, error) {
	c.singles.Add(1)
	if c.gate != nil {
		c.gate()
	}
	return c.Store.Message(ctx, ch, id)
}

// memStore opens a Pebble store on an in-memory file system.
func memStore(t testing.TB) store.Store {
	t.Helper()
	st, err := pebble.New(pebble.Config{Dir: "mem", FS: vfs.NewMem(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func newService(t testing.TB, cfg data.Config) *data.Service {
	t.Helper()
	s, err := data.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

var ids = func() *snowflake.Generator {
	g, err := snowflake.New(1, 0)
	if err != nil {
		panic(err)
	}
	return g
}()

// fill posts n messages to ch through s and returns their IDs, oldest first.
func fill(t testing.TB, s *data.Service, ch chat.ID, n int) []chat.ID {
	t.Helper()
	out := make([]chat.ID, 0, n)
	for i := 0; i < n; i++ {
		m := chat.Message{ID: ids.Next(), ChannelID: ch, AuthorID: 7, Content: "v0"}
		if err := s.CreateMessage(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m.ID)
	}
	return out
}
