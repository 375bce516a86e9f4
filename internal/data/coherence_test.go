package data_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/store"
)

// slowStore delays every read by a random few hundred microseconds, so that
// store reads begun before a write often finish after it: the race the
// service's generations must win.
type slowStore struct{ store.Store }

func (s slowStore) Messages(ctx context.Context, ch chat.ID, p store.Page) ([]chat.Message, error) {
	ms, err := s.Store.Messages(ctx, ch, p)
	time.Sleep(time.Duration(rand.IntN(400)) * time.Microsecond)
	return ms, err
}

func (s slowStore) Message(ctx context.Context, ch, id chat.ID) (chat.Message, error) {
	m, err := s.Store.Message(ctx, ch, id)
	time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
	return m, err
}

// tracked is what writers have acknowledged about one message. Each flag
// only ever goes from false to true and version only grows, so a value
// read before a request started was true before it started.
type tracked struct {
	createAcked   atomic.Bool
	version       atomic.Int64 // highest acknowledged edit
	deleteStarted atomic.Bool
	deleteAcked   atomic.Bool
}

type snapshot struct {
	id          chat.ID
	t           *tracked
	created     bool
	deleted     bool
	ackedVersen int64
}

// TestCoherenceUnderConcurrentWrites hammers one channel with creates,
// edits and deletes while readers check each answer against what had been
// acknowledged before the read began: no acknowledged message missing from
// the range a page covers, no acknowledged delete undone, no edit older
// than the last acknowledged one.
func TestCoherenceUnderConcurrentWrites(t *testing.T) {
	for _, cfg := range []struct {
		name string
		cfg  data.Config
	}{
		{"default", data.Config{}},
		{"small hot page", data.Config{HotMessages: 12}},
		{"direct", data.Config{Direct: true}},
	} {
		t.Run(cfg.name, func(t *testing.T) {
			c := cfg.cfg
			c.Store = slowStore{memStore(t)}
			s := newService(t, c)
			hammer(t, s)
		})
	}
}

func hammer(t *testing.T, s *data.Service) {
	ctx := context.Background()
	const ch chat.ID = 1234
	var msgs sync.Map // chat.ID -> *tracked
	var all []chat.ID
	var allMu sync.Mutex
	track := func(id chat.ID) *tracked {
		tr := &tracked{}
		msgs.Store(id, tr)
		allMu.Lock()
		all = append(all, id)
		allMu.Unlock()
		return tr
	}
	initial := make([]chat.ID, 40)
	for i := range initial {
		m := chat.Message{ID: ids.Next(), ChannelID: ch, Content: "v0"}
		tr := track(m.ID)
		if err := s.CreateMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		tr.createAcked.Store(true)
		initial[i] = m.ID
	}

	// Writers go on until the readers have checked enough answers.
	const wantReads = 1500
	var reads, failures atomic.Int64
	enough := func() bool { return reads.Load() >= wantReads }
	var writers sync.WaitGroup
	stop := make(chan struct{})
	// Two creators.
	for w := 0; w < 2; w++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; i < 300 && !enough(); i++ {
				m := chat.Message{ID: ids.Next(), ChannelID: ch, Content: "v0"}
				tr := track(m.ID)
				if err := s.CreateMessage(ctx, m); err != nil {
					t.Error(err)
					return
				}
				tr.createAcked.Store(true)
				time.Sleep(100 * time.Microsecond) // leave the readers some of the CPU
			}
		}()
	}
	// Two editors, each owning ten of the initial messages (the guild
	// actor serialises edits of one message; so do they).
	for w := 0; w < 2; w++ {
		writers.Add(1)
		own := initial[w*10 : w*10+10]
		go func() {
			defer writers.Done()
			for v := int64(1); !enough(); v++ {
				for _, id := range own {
					m := chat.Message{ID: id, ChannelID: ch, Content: "v" + strconv.FormatInt(v, 10)}
					if err := s.UpdateMessage(ctx, m); err != nil {
						t.Error(err)
						return
					}
					tr, _ := msgs.Load(id)
					tr.(*tracked).version.Store(v)
				}
				time.Sleep(500 * time.Microsecond)
			}
		}()
	}
	// One deleter, for the other twenty initial messages.
	writers.Add(1)
	go func() {
		defer writers.Done()
		for _, i := range rand.Perm(20) {
			id := initial[20+i]
			v, _ := msgs.Load(id)
			tr := v.(*tracked)
			tr.deleteStarted.Store(true)
			if err := s.DeleteMessages(ctx, ch, id); err != nil {
				t.Error(err)
				return
			}
			tr.deleteAcked.Store(true)
			// Spread the deletes over the run.
			waitUntil(time.Second, func() bool { return reads.Load() >= int64(i+1)*wantReads/25 })
		}
	}()
	go func() { writers.Wait(); close(stop) }()

	var readers sync.WaitGroup
	for r := 0; r < 4; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := checkRead(ctx, s, ch, &msgs, &all, &allMu); err != nil {
					if failures.Add(1) <= 5 {
						t.Error(err)
					}
				}
				reads.Add(1)
			}
		}()
	}
	readers.Wait()
	// A final quiet read must match the store exactly.
	if err := checkRead(ctx, s, ch, &msgs, &all, &allMu); err != nil {
		t.Error(err)
	}
	t.Logf("%d checked reads, %+v", reads.Load(), s.Stats())
}

// checkRead makes one random read and checks it against the
// acknowledgements that preceded it.
func checkRead(ctx context.Context, s *data.Service, ch chat.ID, msgs *sync.Map, all *[]chat.ID, allMu *sync.Mutex) error {
	allMu.Lock()
	known := append([]chat.ID(nil), (*all)...)
	allMu.Unlock()
	before := make([]snapshot, 0, len(known))
	for _, id := range known {
		v, _ := msgs.Load(id)
		tr := v.(*tracked)
		before = append(before, snapshot{id: id, t: tr, created: tr.createAcked.Load(), deleted: tr.deleteAcked.Load(), ackedVersen: tr.version.Load()})
	}
	pick := known[rand.IntN(len(known))]
	if rand.IntN(5) == 0 { // one message
		m, err := s.Message(ctx, ch, pick)
		var sn snapshot
		for _, x := range before {
			if x.id == pick {
				sn = x
			}
		}
		switch {
		case errors.Is(err, chat.ErrUnknownMessage):
			if sn.created && !sn.t.deleteStarted.Load() {
				return fmt.Errorf("message %d: unknown, but its create was acknowledged and no delete started", pick)
			}
		case err != nil:
			return err
		default:
			if sn.deleted {
				return fmt.Errorf("message %d: found after its delete was acknowledged", pick)
			}
			if v := version(m); v < sn.ackedVersen {
				return fmt.Errorf("message %d: version %d after %d was acknowledged", pick, v, sn.ackedVersen)
			}
		}
		return nil
	}
	limits := []int{2, 10, 50, 100}
	p := store.Page{Limit: limits[rand.IntN(len(limits))]}
	switch rand.IntN(4) {
	case 1:
		p.Before = pick
	case 2:
		p.After = pick
	}
	ms, err := s.Messages(ctx, ch, p)
	if err != nil {
		return err
	}
	got := map[chat.ID]chat.Message{}
	for i, m := range ms {
		if i > 0 && m.ID >= ms[i-1].ID {
			return fmt.Errorf("%+v: not newest first", p)
		}
		got[m.ID] = m
	}
	// The ID range the answer vouches for: everything in it that existed
	// throughout the read must be in it.
	lo, hi := chat.ID(0), ^chat.ID(0)
	switch {
	case p.After != 0:
		lo = p.After + 1
		if len(ms) == p.Limit {
			hi = ms[0].ID
		}
	default:
		if p.Before != 0 {
			hi = p.Before - 1
		}
		if len(ms) == p.Limit {
			lo = ms[len(ms)-1].ID
		}
	}
	for _, sn := range before {
		m, in := got[sn.id]
		if in && sn.deleted {
			return fmt.Errorf("%+v: message %d returned after its delete was acknowledged", p, sn.id)
		}
		if in && version(m) < sn.ackedVersen {
			return fmt.Errorf("%+v: message %d at version %d after %d was acknowledged", p, sn.id, version(m), sn.ackedVersen)
		}
		if !in && sn.created && sn.id >= lo && sn.id <= hi && !sn.t.deleteStarted.Load() {
			ids := make([]chat.ID, 0, len(ms))
			for _, m := range ms {
				ids = append(ids, m.ID)
			}
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			return fmt.Errorf("%+v: acknowledged message %d missing from [%d, %d]; got %v", p, sn.id, lo, hi, ids)
		}
	}
	return nil
}

func version(m chat.Message) int64 {
	v, _ := strconv.ParseInt(m.Content[1:], 10, 64)
	return v
}

// TestPagesMatchStore compares every kind of page the hot cache answers
// with what the store answers, over channels of random sizes and holes.
func TestPagesMatchStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, hot := range []int{100, 16} {
		cs := &countingStore{Store: memStore(t)}
		s := newService(t, data.Config{Store: cs, HotMessages: hot})
		ctx := context.Background()
		for round := 0; round < 8; round++ {
			ch := chat.ID(1000*hot + round)
			made := fill(t, s, ch, rng.IntN(150))
			if _, err := s.Messages(ctx, ch, store.Page{Limit: 50}); err != nil {
				t.Fatal(err)
			}
			// Holes and edits after the page is hot.
			for i := 0; i < len(made)/5; i++ {
				id := made[rng.IntN(len(made))]
				if rng.IntN(2) == 0 {
					if err := s.DeleteMessages(ctx, ch, id); err != nil {
						t.Fatal(err)
					}
				} else if err := s.UpdateMessage(ctx, chat.Message{ID: id, ChannelID: ch, Content: "v9"}); err != nil {
					t.Fatal(err)
				}
			}
			fill(t, s, ch, rng.IntN(20))
			anchor := func() chat.ID {
				if len(made) == 0 || rng.IntN(6) == 0 {
					return chat.ID(rng.Uint64N(1 << 62))
				}
				return made[rng.IntN(len(made))] + chat.ID(rng.IntN(3)) - 1
			}
			for q := 0; q < 200; q++ {
				p := store.Page{Limit: rng.IntN(102)}
				switch rng.IntN(4) {
				case 1:
					p.Before = anchor()
				case 2:
					p.After = anchor()
				case 3:
					p.Around = anchor()
				}
				got, err := s.Messages(ctx, ch, p)
				if err != nil {
					t.Fatal(err)
				}
				want, err := cs.Store.Messages(ctx, ch, p)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 && len(want) == 0 {
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("hot %d, %d messages, %+v: got %d messages, store %d", hot, len(made), p, len(got), len(want))
				}
			}
		}
		if st := s.Stats(); st.CacheHits < uint64(10*hot) {
			t.Fatalf("hot %d: only %d of %d reads from the cache", hot, st.CacheHits, st.Requests)
		}
	}
}
