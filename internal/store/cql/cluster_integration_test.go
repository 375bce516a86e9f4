//go:build integration3

package cql_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/cql"
	"github.com/accordchat/accord/internal/store/storetest"
)

// cassandra runs scripts/cassandra with args.
func cassandra(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("../../../scripts/cassandra", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/cassandra %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("scripts/cassandra %s: %s", strings.Join(args, " "), strings.TrimSpace(string(out)))
}

// TestKillOneNode needs the 3-node cluster of `scripts/cassandra start
// --nodes 3`. With replication 3 at QUORUM, it writes messages from several
// goroutines, SIGKILLs node 3 mid-stream, keeps writing, and then checks
// that every message whose write was acknowledged can be read back, and
// that writes kept succeeding with one node down.
func TestKillOneNode(t *testing.T) {
	hosts := []string{"127.0.0.1:9042", "127.0.0.2:9042", "127.0.0.3:9042"}
	if h := os.Getenv("ACCORD_CQL3_HOSTS"); h != "" {
		hosts = strings.Split(h, ",")
	}
	ctx := t.Context()
	s, err := cql.New(ctx, cql.Config{Hosts: hosts, Keyspace: "accord_ha", Replication: 3, Consistency: gocql.Quorum, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("cql.New: %v", err)
	}
	defer s.Close()
	t.Cleanup(func() { cassandra(t, "start", "--node", "3") }) // leave the cluster whole

	channel := storetest.NewID()
	const writers, before, after = 4, 200, 400
	var (
		mu     sync.Mutex
		acked  []chat.Message
		failed atomic.Int64
		stop   atomic.Bool
		killed atomic.Bool
		afterN atomic.Int64
	)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				m := storetest.MessageAt(channel, start.Add(time.Duration(i*writers+w)*time.Millisecond), w)
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				err := s.PutMessage(wctx, m)
				cancel()
				if err != nil {
					failed.Add(1) // not acknowledged: may or may not be stored
					continue
				}
				mu.Lock()
				acked = append(acked, m)
				mu.Unlock()
				if killed.Load() {
					afterN.Add(1)
				}
			}
		})
	}
	waitFor(t, 60*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= before })
	t.Logf("%d writes acknowledged in %v", before, time.Since(start).Round(time.Millisecond))
	cassandra(t, "kill", "3")
	killedAt := time.Now()
	killed.Store(true)
	waitFor(t, 120*time.Second, func() bool { return afterN.Load() >= after })
	stop.Store(true)
	wg.Wait()
	t.Logf("%d writes acknowledged (%d in the %v after the kill), %d failed",
		len(acked), afterN.Load(), time.Since(killedAt).Round(time.Millisecond), failed.Load())

	// Every acknowledged write is readable at QUORUM from the two survivors.
	for _, m := range acked {
		got, err := s.Message(ctx, channel, m.ID)
		if err != nil {
			t.Fatalf("acknowledged message %d lost: %v", m.ID, err)
		}
		if !storetest.Equal(got, m) {
			t.Fatalf("acknowledged message %d changed:\n got %+v\nwant %+v", m.ID, got, m)
		}
	}
	// And page reads see them all, in order.
	n := 0
	cursor := chat.ID(1) // After 0 would mean "no anchor"
	for {
		page, err := s.Messages(ctx, channel, store.Page{After: cursor, Limit: store.MaxPage})
		if err != nil {
			t.Fatalf("Messages: %v", err)
		}
		if len(page) == 0 {
			break
		}
		n += len(page)
		cursor = page[0].ID
	}
	if n < len(acked) {
		t.Fatalf("paging found %d messages, %d were acknowledged", n, len(acked))
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		t.Fatal("test context cancelled")
	}
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestQuorumLostAndRegained kills two of the three nodes: writes then fail
// (they cannot reach QUORUM, and are not acknowledged), and once one node
// is back the same Store writes again without being reopened.
func TestQuorumLostAndRegained(t *testing.T) {
	hosts := []string{"127.0.0.1:9042", "127.0.0.2:9042", "127.0.0.3:9042"}
	if h := os.Getenv("ACCORD_CQL3_HOSTS"); h != "" {
		hosts = strings.Split(h, ",")
	}
	ctx := t.Context()
	s, err := cql.New(ctx, cql.Config{Hosts: hosts, Keyspace: "accord_ha", Replication: 3, Consistency: gocql.Quorum, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatalf("cql.New: %v", err)
	}
	defer s.Close()
	channel := storetest.NewID()
	var acked []chat.ID
	put := func(i int) error {
		m := storetest.MessageAt(channel, time.Now(), i)
		err := s.PutMessage(ctx, m)
		if err == nil {
			acked = append(acked, m.ID)
		}
		return err
	}
	if err := put(0); err != nil {
		t.Fatalf("PutMessage with all nodes up: %v", err)
	}
	t.Cleanup(func() { cassandra(t, "start", "--node", "3") })
	cassandra(t, "kill", "3")
	cassandra(t, "kill", "2")
	start := time.Now()
	if err := put(1); err == nil {
		t.Fatal("PutMessage succeeded with 1 of 3 replicas up at QUORUM")
	} else {
		t.Logf("write with quorum lost failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	}
	cassandra(t, "start", "--node", "2")
	start = time.Now()
	var last error
	waitFor(t, 60*time.Second, func() bool { last = put(2); return last == nil })
	t.Logf("writes resumed %v after node 2 answered CQL", time.Since(start).Round(time.Millisecond))
	page, err := s.Messages(ctx, channel, store.Page{Limit: 10})
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	// A write that timed out may still have reached a replica: Cassandra
	// does not roll back. What must hold is that every acknowledged
	// write is there.
	got := storetest.MessageIDs(page)
	for _, id := range acked {
		if !slices.Contains(got, id) {
			t.Fatalf("acknowledged message %d missing; channel holds %v", id, got)
		}
	}
}
