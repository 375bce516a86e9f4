package pebble

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/storetest"
)

// restartDirEnv, when set, makes TestRestartChild the writer process of
// TestRestartKeepsAcknowledgedWrites, writing into that directory.
const restartDirEnv = "ACCORD_PEBBLE_RESTART_CHILD_DIR"

const (
	restartChannel = chat.ID(4242)
	restartWriters = 4
)

// restartMessage is the i-th message of writer w: six hours apart, so the
// stream crosses many buckets and exercises the bucket index too.
func restartMessage(w, i int) chat.Message {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 6 * time.Hour)
	m := storetest.MessageAt(restartChannel, at, w)
	m.Content = fmt.Sprintf("writer %d message %d", w, i)
	return m
}

// TestRestartChild is not a test on its own: it is the child process that
// TestRestartKeepsAcknowledgedWrites starts and SIGKILLs. It writes
// messages from several goroutines and prints "ack <id>" for each one only
// after PutMessage has returned.
func TestRestartChild(t *testing.T) {
	dir := os.Getenv(restartDirEnv)
	if dir == "" {
		t.Skip("child process of TestRestartKeepsAcknowledgedWrites")
	}
	s, err := New(Config{Dir: dir})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	var outMu sync.Mutex
	var wg sync.WaitGroup
	deadline := time.Now().Add(time.Minute) // in case the parent is gone
	for w := range restartWriters {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				m := restartMessage(w, i)
				if err := s.PutMessage(t.Context(), m); err != nil {
					fmt.Println("error", err)
					os.Exit(2)
				}
				outMu.Lock()
				fmt.Printf("ack %d\n", m.ID)
				outMu.Unlock()
			}
		})
	}
	wg.Wait()
	os.Exit(3) // never reached when the parent does its job; no Close
}

// TestRestartKeepsAcknowledgedWrites kills a writer process with SIGKILL
// in the middle of a stream of writes (no Close, no flush) and checks that
// every write it acknowledged is there after reopening the directory.
func TestRestartKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRestartChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), restartDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()

	const killAfter = 400
	var acked []chat.ID
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "ack ") {
			if strings.HasPrefix(line, "error") {
				t.Fatalf("child: %s", line)
			}
			continue
		}
		id, err := strconv.ParseUint(strings.TrimPrefix(line, "ack "), 10, 64)
		if err != nil {
			t.Fatalf("child printed %q", line)
		}
		acked = append(acked, chat.ID(id))
		if len(acked) == killAfter && !killed {
			// Mid-stream: the writers are busy, with batches in flight.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	// Lines printed before the kill are still in the pipe; the scan above
	// read them to EOF, so acked holds every acknowledgement.
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child exited before %d acks (%d): %v", killAfter, len(acked), err)
	}
	t.Logf("child acknowledged %d messages before dying (%v)", len(acked), err)

	s, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	for _, id := range acked {
		m, err := s.Message(t.Context(), restartChannel, id)
		if err != nil {
			t.Fatalf("acknowledged message %d lost: %v", id, err)
		}
		if want := restartMessage(snowflake.Sequence(id), messageIndex(id)); !storetest.Equal(m, want) {
			t.Fatalf("message %d = %+v, want %+v", id, m, want)
		}
	}
	// Every acknowledged message is also reachable by paging, i.e. the
	// bucket index survived with it.
	seen := map[chat.ID]bool{}
	p := store.Page{After: 1, Limit: store.MaxPage}
	for {
		page, err := s.Messages(t.Context(), restartChannel, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			seen[m.ID] = true
		}
		p.After = page[0].ID
	}
	for _, id := range acked {
		if !seen[id] {
			t.Fatalf("acknowledged message %d not reachable by paging", id)
		}
	}
}

// messageIndex inverts restartMessage's timing.
func messageIndex(id chat.ID) int {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return int(snowflake.Time(id).Sub(start) / (6 * time.Hour))
}
