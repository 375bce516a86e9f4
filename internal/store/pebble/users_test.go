package pebble

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// TestConcurrentCreateUserUniqueNames: 8 names each registered by 8
// goroutines at once (in different cases) and 64 unique names, all
// together: exactly one registration per contested name wins, every unique
// one does, and each name's index points at its winner.
func TestConcurrentCreateUserUniqueNames(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	ids, _ := snowflake.New(0, 0)
	type attempt struct {
		name string
		id   chat.ID
	}
	var attempts []attempt
	for n := range 8 {
		for k := range 8 {
			name := fmt.Sprintf("contested%d", n)
			if k%2 == 1 {
				name = strings.ToUpper(name)
			}
			attempts = append(attempts, attempt{name, ids.Next()})
		}
	}
	for n := range 64 {
		attempts = append(attempts, attempt{fmt.Sprintf("unique%d", n), ids.Next()})
	}
	errs := make([]error, len(attempts))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, a := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.CreateUser(ctx, chat.User{ID: a.id, Username: a.name}, chat.Credentials{PasswordHash: []byte("x")})
		}()
	}
	close(start)
	wg.Wait()
	winners := map[string]chat.ID{}
	for i, a := range attempts {
		key := strings.ToLower(a.name)
		switch {
		case errs[i] == nil:
			if w, dup := winners[key]; dup {
				t.Fatalf("%q registered twice: users %d and %d", key, w, a.id)
			}
			winners[key] = a.id
		case !errors.Is(errs[i], store.ErrExists):
			t.Fatalf("%q: %v", a.name, errs[i])
		}
	}
	if len(winners) != 8+64 {
		t.Fatalf("%d names registered, want 72", len(winners))
	}
	for name, id := range winners {
		u, err := s.UserByName(ctx, name)
		if err != nil || u.ID != id {
			t.Fatalf("%q -> %+v %v, want user %d", name, u, err, id)
		}
	}
	// A rename onto a taken name fails; onto a free one it moves the index.
	if err := s.UpdateUser(ctx, chat.User{ID: winners["unique0"], Username: "CONTESTED0"}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("rename onto a taken name: %v", err)
	}
	if err := s.UpdateUser(ctx, chat.User{ID: winners["unique0"], Username: "renamed"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByName(ctx, "unique0"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old name still indexed: %v", err)
	}
	if err := s.CreateUser(ctx, chat.User{ID: ids.Next(), Username: "unique0"}, chat.Credentials{}); err != nil {
		t.Fatalf("the freed name: %v", err)
	}
}

// TestConcurrentRenameAndCreate: renames and registrations racing for the
// same names never leave two users on one name.
func TestConcurrentRenameAndCreate(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	ids, _ := snowflake.New(0, 0)
	var users []chat.ID
	for i := range 16 {
		id := ids.Next()
		if err := s.CreateUser(ctx, chat.User{ID: id, Username: fmt.Sprintf("old%d", i)}, chat.Credentials{}); err != nil {
			t.Fatal(err)
		}
		users = append(users, id)
	}
	var wg sync.WaitGroup
	var won atomic.Int64
	for i, id := range users {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if s.UpdateUser(ctx, chat.User{ID: id, Username: fmt.Sprintf("target%d", i%4)}) == nil {
				won.Add(1)
			}
		}()
		go func() {
			defer wg.Done()
			if s.CreateUser(ctx, chat.User{ID: ids.Next(), Username: fmt.Sprintf("target%d", i%4)}, chat.Credentials{}) == nil {
				won.Add(1)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 4 {
		t.Fatalf("%d renames and registrations took the 4 names", won.Load())
	}
	for i := range 4 {
		if _, err := s.UserByName(ctx, fmt.Sprintf("target%d", i)); err != nil {
			t.Fatal(err)
		}
	}
}

// slowSyncFS makes every fsync take delay, as on a disk with a slow
// flush, and counts them.
type slowSyncFS struct {
	vfs.FS
	delay time.Duration
	syncs *atomic.Int64
}

func (fs slowSyncFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, c)
	return slowSyncFile{f, fs}, err
}

func (fs slowSyncFS) ReuseForWrite(old, name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(old, name, c)
	return slowSyncFile{f, fs}, err
}

type slowSyncFile struct {
	vfs.File
	fs slowSyncFS
}

func (f slowSyncFile) Sync() error { f.fs.slow(); return f.File.Sync() }

func (f slowSyncFile) SyncData() error { f.fs.slow(); return f.File.SyncData() }

func (f slowSyncFile) SyncTo(n int64) (bool, error) { f.fs.slow(); return f.File.SyncTo(n) }

func (fs slowSyncFS) slow() { fs.syncs.Add(1); time.Sleep(fs.delay) }

// TestCreateUserSharesFsync: 32 concurrent registrations on a disk whose
// fsync takes 25 ms finish in far less than 32 fsyncs' time: they share
// Pebble's group commit instead of queueing behind a lock held across
// each one's fsync (which took 32 × 25 ms = 800 ms).
func TestCreateUserSharesFsync(t *testing.T) {
	const n, delay = 32, 25 * time.Millisecond
	var syncs atomic.Int64
	s, err := New(Config{Dir: "db", FS: slowSyncFS{FS: vfs.NewMem(), delay: delay, syncs: &syncs}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids, _ := snowflake.New(0, 0)
	ctx := context.Background()
	var wg sync.WaitGroup
	before := syncs.Load()
	t0 := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.CreateUser(ctx, chat.User{ID: ids.Next(), Username: fmt.Sprintf("u%d", i)}, chat.Credentials{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	took, used := time.Since(t0), syncs.Load()-before
	t.Logf("%d registrations in %s, %d fsyncs", n, took, used)
	if used >= n/2 || took >= n/2*delay {
		t.Fatalf("%d registrations took %s and %d fsyncs: serialised on the fsync", n, took, used)
	}
}
