package pebble

import (
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/storetest"
)

func newTestStore(t testing.TB) *Store {
	t.Helper()
	s, err := New(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newTestStore(t) })
}

// TestReadsTouchOnlyNonEmptyBuckets proves the bucket index does its job: a
// channel whose messages are years apart is read by opening only the
// partitions that hold messages, never the hundred-odd empty ones between.
func TestReadsTouchOnlyNonEmptyBuckets(t *testing.T) {
	s := newTestStore(t)
	var reads []int64
	s.onBucketRead = func(_ chat.ID, b int64) { reads = append(reads, b) }
	ch := storetest.NewID()
	old := time.Date(2021, 1, 5, 0, 0, 0, 0, time.UTC)
	oldBucket := snowflake.Bucket(snowflake.FromTime(old))
	var ids []chat.ID
	for i := range 3 {
		m := storetest.MessageAt(ch, old.Add(time.Duration(i)*time.Hour), i)
		storetest.PutMessages(t, s, []chat.Message{m})
		ids = append(ids, m.ID)
	}
	recent := old.AddDate(3, 0, 0)
	recentBucket := snowflake.Bucket(snowflake.FromTime(recent))
	if recentBucket-oldBucket < 100 {
		t.Fatalf("buckets %d and %d are not 100 apart", oldBucket, recentBucket)
	}
	m := storetest.MessageAt(ch, recent, 0)
	storetest.PutMessages(t, s, []chat.Message{m})
	ids = append(ids, m.ID)

	cases := []struct {
		name string
		p    store.Page
		want []int64 // partitions opened, in order
	}{
		{"Latest", store.Page{Limit: 50}, []int64{recentBucket, oldBucket}},
		{"LatestStopsAtLimit", store.Page{Limit: 1}, []int64{recentBucket}},
		{"BeforeNow", store.Page{Before: snowflake.FromTime(time.Now()), Limit: 10}, []int64{recentBucket, oldBucket}},
		{"BeforeRecent", store.Page{Before: m.ID, Limit: 10}, []int64{recentBucket, oldBucket}},
		{"AfterOld", store.Page{After: ids[2], Limit: 10}, []int64{oldBucket, recentBucket}},
		{"AfterZeroish", store.Page{After: 1, Limit: 2}, []int64{oldBucket}},
		{"AroundGap", store.Page{Around: snowflake.FromTime(old.AddDate(1, 0, 0)), Limit: 4}, []int64{recentBucket, oldBucket}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reads = nil
			storetest.CheckPage(t, s, ch, ids, tc.p)
			if !equalInts(reads, tc.want) {
				t.Fatalf("opened partitions %v, want %v", reads, tc.want)
			}
		})
	}

	// Deleting the only recent message empties its bucket, which then
	// drops out of the index: the next read goes straight to the old one.
	if err := s.DeleteMessage(t.Context(), ch, m.ID); err != nil {
		t.Fatal(err)
	}
	reads = nil
	storetest.CheckPage(t, s, ch, ids[:3], store.Page{Limit: 50})
	if !equalInts(reads, []int64{oldBucket}) {
		t.Fatalf("after emptying the recent bucket, opened %v, want [%d]", reads, oldBucket)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBucketIndexUnderConcurrentPutAndDelete races deletes of a bucket's
// last message against puts into the same bucket. If a delete could drop
// the index entry after a put had committed, that put's message would be
// stored but invisible to Messages.
func TestBucketIndexUnderConcurrentPutAndDelete(t *testing.T) {
	s := newTestStore(t)
	ch := storetest.NewID()
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	const rounds = 200
	var wg sync.WaitGroup
	for r := range rounds {
		// Each round: one message alone in its bucket is deleted while
		// another is put into that bucket.
		at := storetest.BucketTime(snowflake.Bucket(snowflake.FromTime(base)) + int64(r))
		victim, newcomer := storetest.MessageAt(ch, at, 0), storetest.MessageAt(ch, at.Add(time.Hour), 1)
		storetest.PutMessages(t, s, []chat.Message{victim})
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := s.DeleteMessage(t.Context(), ch, victim.ID); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := s.PutMessage(t.Context(), newcomer); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var want []chat.ID
	for r := range rounds {
		at := storetest.BucketTime(snowflake.Bucket(snowflake.FromTime(base)) + int64(r))
		want = append(want, storetest.MessageAt(ch, at.Add(time.Hour), 1).ID)
	}
	storetest.CheckPage(t, s, ch, want, store.Page{Limit: store.MaxPage})
	storetest.CheckPage(t, s, ch, want, store.Page{After: 1, Limit: store.MaxPage})
}

// TestReopen checks that data written before Close is there after New.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	h := storetest.NewHistory(storetest.NewID(), time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	storetest.PutMessages(t, s, h.Messages)
	u := chat.User{ID: storetest.NewID(), Username: "Persistent"}
	if err := s.CreateUser(t.Context(), u, chat.Credentials{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s, err = New(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckPage(t, s, h.Channel, h.IDs, store.Page{Limit: store.MaxPage})
	storetest.CheckPage(t, s, h.Channel, h.IDs, store.Page{After: 1, Limit: store.MaxPage})
	got, err := s.UserByName(t.Context(), "persistent")
	if err != nil || got.ID != u.ID {
		t.Fatalf("UserByName after reopen = %+v, %v", got, err)
	}
}

func TestNewNeedsDir(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New with no Dir succeeded")
	}
}
