package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"syscall"
	"time"

	"github.com/accordchat/accord/internal/protocol"
)

// The gateway sessions of the fan-out and passive scenarios, spread over
// this process and worker processes, and the gateway bytes they cost.

// intentsFanout are the intents the scenarios' sessions identify with.
const intentsFanout = int(protocol.IntentGuilds | protocol.IntentGuildMessages | protocol.IntentMessageContent)

// defaultPerProcess is how many client sockets one process may hold: its
// open-files limit less room for everything else.
func defaultPerProcess() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 1024 {
		return 512
	}
	return int(min(lim.Cur, 1<<20)) - 512
}

// openSessions opens one session per token: up to perProcess in this
// process (the first, with the probes), the rest in worker processes of
// perProcess each.
func openSessions(ctx context.Context, spec sessionSpec, tokens []string, perProcess int, worker func() *exec.Cmd) ([]sessions, *group, error) {
	n := len(tokens)
	if n > perProcess && worker == nil {
		return nil, nil, fmt.Errorf("bench: %d sessions need %d client processes and no worker command was given", n, (n+perProcess-1)/perProcess)
	}
	share := func(spec sessionSpec, lo, hi int) sessionSpec {
		spec.Tokens = tokens[lo:hi]
		if spec.Subscribe != nil {
			spec.Subscribe = spec.Subscribe[lo:hi]
		}
		if spec.Gateways != nil {
			spec.Gateways = spec.Gateways[lo:hi]
		}
		return spec
	}
	localSpec := share(spec, 0, min(n, perProcess))
	localSpec.Probes = min(64, len(localSpec.Tokens))
	local := openGroup(ctx, localSpec)
	groups := []sessions{local}
	for lo := perProcess; lo < n; lo += perProcess {
		r, err := startRemote(worker(), share(spec, lo, min(n, lo+perProcess)))
		if err != nil {
			for _, s := range groups {
				s.close()
			}
			return nil, nil, err
		}
		groups = append(groups, r)
	}
	return groups, local, nil
}

func sumProgress(groups []sessions) groupProgress {
	var t groupProgress
	for _, s := range groups {
		p := s.progress()
		t.Opened += p.Opened
		t.Ready += p.Ready
		t.Acked += p.Acked
		t.Failed += p.Failed
		t.Deliveries += p.Deliveries
		t.Bytes += p.Bytes
		if p.FirstIdentify > 0 && (t.FirstIdentify == 0 || p.FirstIdentify < t.FirstIdentify) {
			t.FirstIdentify = p.FirstIdentify
		}
		t.LastIdentify = max(t.LastIdentify, p.LastIdentify)
		t.LastReady = max(t.LastReady, p.LastReady)
		if t.FirstErr == "" {
			t.FirstErr = p.FirstErr
		}
	}
	return t
}

// waitReady shows a progress bar until every session is ready, and fails
// if any failed or no session became ready for 60 s.
func waitReady(ctx context.Context, groups []sessions, n int, w io.Writer) error {
	return waitAll(ctx, groups, n, w, "connect", "ready", func(p groupProgress) int { return p.Ready })
}

// waitAcked waits until the server has acknowledged a heartbeat of each
// of n ready sessions that carried its GUILD_CREATE's sequence (see
// sessionSpec.BeatOnReady).
func waitAcked(ctx context.Context, groups []sessions, n int, w io.Writer) error {
	return waitAll(ctx, groups, n, w, "ack    ", "acknowledged", func(p groupProgress) int { return p.Acked })
}

// waitAll shows a progress bar until count says all n sessions are done,
// and fails if any session failed or count did not move for 60 s.
func waitAll(ctx context.Context, groups []sessions, n int, w io.Writer, bar, done string, count func(groupProgress) int) error {
	pb := StartProgress(w, bar, int64(n))
	defer pb.Stop()
	last, lastChange := -1, time.Now()
	for {
		p := sumProgress(groups)
		c := count(p)
		pb.Add(int64(c) - pb.done.Load())
		if p.Failed > 0 {
			return fmt.Errorf("bench: %d of %d sessions failed: %s", p.Failed, n, p.FirstErr)
		}
		if c >= n {
			return nil
		}
		if c != last {
			last, lastChange = c, time.Now()
		}
		if time.Since(lastChange) > 60*time.Second {
			return fmt.Errorf("bench: only %d of %d sessions %s (%d opened) after 60 s without progress", c, n, done, p.Opened)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// gatewayMeter measures the bytes the gateway wrote over a stretch of a
// run: the server's own counter when it exports one, else the bytes the
// sessions read.
type gatewayMeter struct {
	hc           *http.Client
	target       string
	metric       string // the server's counter; "" when it has none
	serverBefore float64
	clientBefore int64
}

// startGatewayMeter starts measuring the bytes the gateway writes to groups;
// target is the server's metrics listener ("": none, count what the
// sessions read).
func startGatewayMeter(ctx context.Context, hc *http.Client, target string, groups []sessions) (gatewayMeter, error) {
	if target == "" {
		return gatewayMeter{clientBefore: sumProgress(groups).Bytes}, nil
	}
	metric, v, err := gatewayBytes(ctx, hc, target)
	if err != nil {
		return gatewayMeter{}, err
	}
	return gatewayMeter{hc: hc, target: target, metric: metric, serverBefore: v, clientBefore: sumProgress(groups).Bytes}, nil
}

// stop returns the bytes written since the start and where they were
// counted; clientBytes is what the sessions have read by now.
func (m gatewayMeter) stop(ctx context.Context, clientBytes int64) (n int64, source string, err error) {
	if m.metric == "" {
		return clientBytes - m.clientBefore, "read by the sessions", nil
	}
	_, after, err := gatewayBytes(ctx, m.hc, m.target)
	if err != nil {
		return 0, "", err
	}
	return int64(after - m.serverBefore), "server " + m.metric, nil
}
