package pebble

import (
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
