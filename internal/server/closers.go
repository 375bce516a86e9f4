package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// closeFunc stops one component. It gets Shutdown's context, so a component
// that drains (the HTTP server, the gateway) stops waiting when it ends.
type closeFunc func(ctx context.Context) error

// closer is one component New or Start brought up, under the name Shutdown
// logs and wraps its error with.
type closer struct {
	name  string
	close closeFunc
}

// closeStack holds what a Server brought up, in the order it came up, so
// that everything stops in the reverse order: the HTTP server before the
// gateway, the gateway before the guild actors, the actors before the store
// they write to. New and Start push each component right after it starts;
// a failure part way unwinds what is already on the stack. Safe for
// concurrent use.
type closeStack struct {
	mu      sync.Mutex
	closers []closer // guarded by mu
}

// push records a component to stop at close, before everything pushed
// earlier.
func (st *closeStack) push(name string, f closeFunc) {
	st.mu.Lock()
	st.closers = append(st.closers, closer{name: name, close: f})
	st.mu.Unlock()
}

// close pops every closer and runs it, last pushed first, each after the
// one before it returned, even if that one failed. It returns the errors
// joined, each wrapped with its component's name. A second call finds the
// stack empty and returns nil.
func (st *closeStack) close(ctx context.Context, log *slog.Logger) error {
	st.mu.Lock()
	closers := st.closers
	st.closers = nil
	st.mu.Unlock()
	var errs []error
	for i := len(closers) - 1; i >= 0; i-- {
		c := closers[i]
		start := time.Now()
		if err := c.close(ctx); err != nil {
			log.Warn("close failed", "component", c.name, "err", err)
			errs = append(errs, fmt.Errorf("server: close %s: %w", c.name, err))
			continue
		}
		log.Debug("closed", "component", c.name, "took", time.Since(start))
	}
	return errors.Join(errs...)
}

// noError adapts a Close method that cannot fail to a closeFunc.
func noError(f func()) closeFunc {
	return func(context.Context) error { f(); return nil }
}

// noContext adapts a Close method that takes no context to a closeFunc.
func noContext(f func() error) closeFunc {
	return func(context.Context) error { return f() }
}
