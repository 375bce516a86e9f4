package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Sessions beyond what one process may hold open (the open-files cap; each
// client socket is a file) are opened by worker processes: `accord bench
// fanout-worker` run with pipes. The coordinator writes the worker's
// sessionSpec as the first JSON value on its stdin, then one workerRequest
// per stats request; closing stdin stops the worker. The worker writes
// workerReply values on stdout: progress every 250 ms, and stats when asked.

type workerRequest struct {
	Expected int64 `json:"expected"` // messages each session should have
}

type workerReply struct {
	Progress *groupProgress `json:"progress,omitempty"`
	Stats    *groupStats    `json:"stats,omitempty"`
	Error    string         `json:"error,omitempty"`
}

// sessions is a set of gateway sessions, in this process or a worker.
type sessions interface {
	progress() groupProgress
	collect(ctx context.Context, expected int64) (groupStats, error)
	close()
}

func (g *group) collect(_ context.Context, expected int64) (groupStats, error) {
	return g.stats(expected), nil
}

// ServeWorker runs a worker process's side of the protocol on in and out
// until in ends (or ctx is done).
func ServeWorker(ctx context.Context, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(bufio.NewReaderSize(in, 64<<10))
	var spec sessionSpec
	if err := dec.Decode(&spec); err != nil {
		return fmt.Errorf("bench worker: read spec: %w", err)
	}
	var mu sync.Mutex // serialises writes to out
	enc := json.NewEncoder(out)
	send := func(r workerReply) error {
		mu.Lock()
		defer mu.Unlock()
		return enc.Encode(r)
	}
	g := openGroup(ctx, spec)
	defer g.close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p := g.progress()
				if send(workerReply{Progress: &p}) != nil {
					return
				}
			}
		}
	}()
	for {
		var req workerRequest
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("bench worker: read request: %w", err)
		}
		st := g.stats(req.Expected)
		if err := send(workerReply{Stats: &st}); err != nil {
			return fmt.Errorf("bench worker: write stats: %w", err)
		}
	}
}

// remote is a worker process's sessions.
type remote struct {
	cmd *exec.Cmd
	in  io.WriteCloser

	mu   sync.Mutex
	prog groupProgress // latest, guarded by mu
	err  error         // why the worker's output ended, guarded by mu

	stats chan groupStats
	done  chan struct{} // closed when the worker's output ends
}

// startRemote starts cmd as a worker for spec.
func startRemote(cmd *exec.Cmd, spec sessionSpec) (*remote, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start worker: %w", err)
	}
	r := &remote{cmd: cmd, in: in, stats: make(chan groupStats, 1), done: make(chan struct{})}
	go r.read(out)
	if err := json.NewEncoder(in).Encode(spec); err != nil {
		r.close()
		return nil, fmt.Errorf("bench: send worker spec: %w", err)
	}
	return r, nil
}

func (r *remote) read(out io.Reader) {
	defer close(r.done)
	dec := json.NewDecoder(out)
	for {
		var rep workerReply
		if err := dec.Decode(&rep); err != nil {
			r.mu.Lock()
			r.err = fmt.Errorf("bench: worker output: %w", err)
			r.mu.Unlock()
			return
		}
		switch {
		case rep.Progress != nil:
			r.mu.Lock()
			r.prog = *rep.Progress
			r.mu.Unlock()
		case rep.Stats != nil:
			r.mu.Lock()
			r.prog = rep.Stats.groupProgress
			r.mu.Unlock()
			r.stats <- *rep.Stats
		case rep.Error != "":
			r.mu.Lock()
			r.err = errors.New("bench worker: " + rep.Error)
			r.mu.Unlock()
		}
	}
}

func (r *remote) progress() groupProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.prog
	if r.err != nil && p.FirstErr == "" {
		p.FirstErr = r.err.Error()
	}
	return p
}

func (r *remote) collect(ctx context.Context, expected int64) (groupStats, error) {
	if err := json.NewEncoder(r.in).Encode(workerRequest{Expected: expected}); err != nil {
		return groupStats{}, fmt.Errorf("bench: ask worker for stats: %w", err)
	}
	select {
	case st := <-r.stats:
		return st, nil
	case <-r.done:
		r.mu.Lock()
		defer r.mu.Unlock()
		return groupStats{}, r.err
	case <-ctx.Done():
		return groupStats{}, ctx.Err()
	}
}

// close ends the worker: its stdin closes, it closes its sessions and
// exits; it is killed if it has not within 10 s.
func (r *remote) close() {
	_ = r.in.Close()
	select {
	case <-r.done: // output ended: the worker is exiting
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
		<-r.done
	}
	_ = r.cmd.Wait()
}
