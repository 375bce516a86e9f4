package gateway

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/protocol"
)

// startGoRoutine runs f on a goroutine that Shutdown waits for. Every
// goroutine of the gateway and its connections starts here. Once Shutdown
// has begun waiting it starts nothing and reports false; the caller then
// does the work itself or drops the connection.
func (g *Gateway) startGoRoutine(f func()) bool {
	g.grMu.Lock()
	defer g.grMu.Unlock()
	if !g.grRunning {
		return false
	}
	// Add under grMu: no Add can follow the Wait that Shutdown starts
	// after clearing grRunning.
	g.grWG.Add(1)
	go func() {
		defer g.grWG.Done()
		f()
	}()
	return true
}

// Shutdown sends op 7 RECONNECT to every connection, closes them once it is
// written, then stops the gateway's goroutines and waits for them. If ctx
// ends first, the remaining connections are closed without waiting for
// their writes, and Shutdown returns ctx's error without waiting further.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		return nil
	}
	g.closing = true
	drained := make(chan struct{})
	g.drained = drained
	if len(g.conns) == 0 {
		close(drained)
		g.drained = nil
	}
	conns := make([]*conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	reconnect := protocol.AppendControl(nil, protocol.OpReconnect, []byte("null"))
	for _, c := range conns {
		c.enqueueControl(reconnect)
		c.close(protocol.CloseUnknownError)
	}
	var err error
	select {
	case <-drained:
	case <-ctx.Done():
		g.mu.RLock()
		conns = conns[:0]
		for c := range g.conns {
			conns = append(conns, c)
		}
		g.mu.RUnlock()
		err = fmt.Errorf("gateway: shutdown: %d connections left: %w", len(conns), ctx.Err())
		for _, c := range conns {
			c.teardown()
		}
	}

	g.cancel()
	if g.poll != nil {
		g.poll.close()
	}
	g.writers.stop()
	g.grMu.Lock()
	g.grRunning = false
	g.grMu.Unlock()
	done := make(chan struct{})
	// The one goroutine not started by startGoRoutine: it waits for the
	// others, so that Shutdown can stop waiting when ctx ends.
	go func() {
		g.grWG.Wait()
		if g.poll != nil {
			g.poll.release() // its goroutine has returned
		}
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		if err == nil {
			err = fmt.Errorf("gateway: shutdown: goroutines still running: %w", ctx.Err())
		}
	}
	return err
}
