package tiered_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/pebble"
	"github.com/accordchat/accord/internal/store/storetest"
	"github.com/accordchat/accord/internal/store/tiered"
)

// These tests use a second Pebble store as the durable tier, so the tier
// logic is checked without Cassandra; tiered_integration_test.go runs the
// same suite over store/cql.

func openPebble(t *testing.T, dir string) *pebble.Store {
	t.Helper()
	s, err := pebble.New(pebble.Config{Dir: dir})
	if err != nil {
		t.Fatalf("pebble.New: %v", err)
	}
	return s
}

func newTiered(t *testing.T, local, durable store.Store) *tiered.Store {
	t.Helper()
	s, err := tiered.New(local, durable, tiered.Config{})
	if err != nil {
		t.Fatalf("tiered.New: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := newTiered(t, openPebble(t, t.TempDir()), openPebble(t, t.TempDir()))
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// counting counts the page reads that reach the durable tier.
type counting struct {
	store.Store
	pages, singles atomic.Int64
}

func (c *counting) Message(ctx context.Context, ch, id chat.ID) (chat.Message, error) {
	c.singles.Add(1)
	return c.Store.Message(ctx, ch, id)
}

func (c *counting) Messages(ctx context.Context, ch chat.ID, p store.Page) ([]chat.Message, error) {
	c.pages.Add(1)
	return c.Store.Messages(ctx, ch, p)
}

// TestPagesServedLocally shows the point of the tier: once a page has been
// read (or written through), reading it again does not reach the durable
// tier, and writes keep the local copy exact.
func TestPagesServedLocally(t *testing.T) {
	durable := &counting{Store: openPebble(t, t.TempDir())}
	ch := storetest.NewID()
	h := storetest.NewHistory(ch, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	storetest.PutMessages(t, durable, h.Messages) // written before the tier existed
	s := newTiered(t, openPebble(t, t.TempDir()), durable)
	defer s.Close()

	latest := store.Page{Limit: 50}
	storetest.CheckPage(t, s, ch, h.IDs, latest)
	if n := durable.pages.Load(); n != 1 {
		t.Fatalf("first read: %d durable page reads, want 1", n)
	}
	storetest.CheckPage(t, s, ch, h.IDs, latest)
	storetest.CheckPage(t, s, ch, h.IDs, store.Page{Limit: 10})
	storetest.CheckPage(t, s, ch, h.IDs, store.Page{Before: h.IDs[len(h.IDs)-5], Limit: 20})
	if n := durable.pages.Load(); n != 1 {
		t.Fatalf("pages inside the fetched range: %d durable page reads, want still 1", n)
	}
	// A write through the tier keeps the covered range exact.
	m := storetest.MessageAt(ch, time.Now(), 1)
	storetest.PutMessages(t, s, []chat.Message{m})
	ids := append(h.IDs, m.ID)
	storetest.CheckPage(t, s, ch, ids, latest)
	if err := s.DeleteMessage(t.Context(), ch, h.IDs[len(h.IDs)-2]); err != nil {
		t.Fatal(err)
	}
	ids = append(ids[:len(ids)-3:len(ids)-3], ids[len(ids)-2:]...)
	storetest.CheckPage(t, s, ch, ids, latest)
	if n := durable.pages.Load(); n != 1 {
		t.Fatalf("after writes: %d durable page reads, want still 1", n)
	}
	// Single messages in the covered range come from the local tier,
	// found or not.
	if _, err := s.Message(t.Context(), ch, ids[len(ids)-1]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Message(t.Context(), ch, h.IDs[len(h.IDs)-2]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Message of a deleted message: %v, want ErrNotFound", err)
	}
	if n := durable.singles.Load(); n != 0 {
		t.Fatalf("single reads in the covered range: %d durable reads, want 0", n)
	}
	// Older history is fetched once, then local.
	old := store.Page{Before: h.GapEnd, Limit: 30}
	storetest.CheckPage(t, s, ch, ids, old)
	storetest.CheckPage(t, s, ch, ids, old)
	if n := durable.pages.Load(); n != 2 {
		t.Fatalf("older page twice: %d durable page reads, want 2", n)
	}
}

// TestLoseLocal deletes the local tier's directory between runs: nothing
// acknowledged is lost, and stale local data left by a run is reconciled.
func TestLoseLocal(t *testing.T) {
	durableDir, localDir := t.TempDir(), filepath.Join(t.TempDir(), "local")
	ch := storetest.NewID()
	h := storetest.NewHistory(ch, time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC))
	u := chat.User{ID: storetest.NewID(), Username: "lose_local"}

	s := newTiered(t, openPebble(t, localDir), openPebble(t, durableDir))
	storetest.PutMessages(t, s, h.Messages)
	if err := s.CreateUser(t.Context(), u, chat.Credentials{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(localDir); err != nil {
		t.Fatal(err)
	}

	s = newTiered(t, openPebble(t, localDir), openPebble(t, durableDir))
	defer s.Close()
	for _, p := range []store.Page{{Limit: 100}, {After: 1, Limit: 100}, {Around: h.Boundary, Limit: 9}} {
		storetest.CheckPage(t, s, ch, h.IDs, p)
	}
	got, err := s.UserByName(t.Context(), "LOSE_LOCAL")
	if err != nil || got.ID != u.ID {
		t.Fatalf("UserByName after losing the local tier = %+v, %v", got, err)
	}
}

// TestStaleLocalReconciled opens a tier whose local store holds a message
// the durable one does not (as a crash between the tiers' writes of a
// delete would leave): the first read fixes the local copy.
func TestStaleLocalReconciled(t *testing.T) {
	local, durable := openPebble(t, t.TempDir()), openPebble(t, t.TempDir())
	ch := storetest.NewID()
	at := time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC)
	var live []chat.Message
	for i := range 10 {
		live = append(live, storetest.MessageAt(ch, at.Add(time.Duration(i)*time.Minute), i))
	}
	stale := storetest.MessageAt(ch, at.Add(90*time.Second), 99)
	storetest.PutMessages(t, durable, live)
	storetest.PutMessages(t, local, append(live[:3:3], stale))
	s := newTiered(t, local, durable)
	defer s.Close()
	ids := storetest.MessageIDs(live)
	storetest.CheckPage(t, s, ch, ids, store.Page{Limit: 100})
	storetest.CheckPage(t, s, ch, ids, store.Page{Limit: 100}) // now served locally
	storetest.CheckPage(t, local, ch, ids, store.Page{Limit: 100})
	if _, err := s.Message(t.Context(), ch, stale.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Message of the stale message: %v, want ErrNotFound", err)
	}
}

// TestUncoveredLocalMessageNotTrusted: a message present only in the local
// tier (its delete never reached it) is not served by Message until a page
// read has reconciled its range.
func TestUncoveredLocalMessageNotTrusted(t *testing.T) {
	local, durable := openPebble(t, t.TempDir()), openPebble(t, t.TempDir())
	ch := storetest.NewID()
	stale := storetest.MessageAt(ch, time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC), 1)
	storetest.PutMessages(t, local, []chat.Message{stale})
	s := newTiered(t, local, durable)
	defer s.Close()
	if _, err := s.Message(t.Context(), ch, stale.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Message of a message only the local tier has: %v, want ErrNotFound", err)
	}
}

// guildCounting counts the guild reads that reach the durable tier.
type guildCounting struct {
	store.Store
	guilds atomic.Int64
}

func (c *guildCounting) Guild(ctx context.Context, id chat.ID) (chat.Guild, error) {
	c.guilds.Add(1)
	return c.Store.Guild(ctx, id)
}

// TestEntityBehindAfterCrash: a crash between the durable and the local
// write leaves the local tier holding the old version. The next process
// does not trust it: the first read goes to the durable tier and refreshes
// the local copy, later reads are local.
func TestEntityBehindAfterCrash(t *testing.T) {
	local := openPebble(t, t.TempDir())
	durable := &guildCounting{Store: openPebble(t, t.TempDir())}
	g := chat.Guild{ID: storetest.NewID(), Name: "old name", OwnerID: storetest.NewID()}
	if err := local.PutGuild(t.Context(), g); err != nil {
		t.Fatal(err)
	}
	g.Name = "new name" // acknowledged by the durable tier only
	if err := durable.Store.PutGuild(t.Context(), g); err != nil {
		t.Fatal(err)
	}
	s := newTiered(t, local, durable)
	defer s.Close()
	for i := range 3 {
		got, err := s.Guild(t.Context(), g.ID)
		if err != nil || got.Name != g.Name {
			t.Fatalf("read %d: Guild = %+v, %v; want %q", i, got, err, g.Name)
		}
	}
	if n := durable.guilds.Load(); n != 1 {
		t.Fatalf("%d durable guild reads, want 1 (then local)", n)
	}
	// A write through the tier is served locally at once.
	g.Name = "newer"
	if err := s.PutGuild(t.Context(), g); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Guild(t.Context(), g.ID); err != nil || got.Name != g.Name {
		t.Fatalf("Guild after write = %+v, %v", got, err)
	}
	if n := durable.guilds.Load(); n != 1 {
		t.Fatalf("%d durable guild reads after a write-through, want still 1", n)
	}
}
