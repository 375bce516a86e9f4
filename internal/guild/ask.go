package guild

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// DefaultWorkTimeout bounds one actor operation's store and data writes
// when Config.WorkTimeout is zero.
const DefaultWorkTimeout = 30 * time.Second

// workContext returns the context an operation's writes run under: the
// caller's values without its cancellation, bounded by Config.WorkTimeout.
// A client that hangs up stops waiting for the answer, not the work: an
// operation that deleted the guild row goes on to delete its channels,
// roles and members instead of leaving half a guild behind.
func (r *Registry) workContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), r.cfg.WorkTimeout)
}

// await pushes op to guildID's actor and waits for the one answer op
// gives through reply, which it may give later (after a write in flight).
// ctx bounds only the wait.
func await[T any](ctx context.Context, r *Registry, guildID chat.ID, op func(a *actor, reply func(T, error))) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	unsettledOK, _ := ctx.Value(unsettledKey{}).(bool)
	err := r.pushOwned(guildID, unsettledOK, func(a *actor) {
		if a.moved {
			done <- result{err: &NotOwnerError{Guild: guildID}}
			return
		}
		op(a, func(v T, err error) { done <- result{v, err} })
	})
	if err != nil {
		var zero T
		return zero, err
	}
	select {
	case res := <-done:
		return res.v, res.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// ask runs fn on guildID's actor and waits for its result. fn runs only if
// the guild exists, and gets a work context (see workContext) rather than
// ctx: once pushed, the operation runs to completion whether or not the
// caller still waits. ctx bounds only the wait. Values fn returns belong
// to the caller.
func ask[T any](ctx context.Context, r *Registry, guildID chat.ID, fn func(ctx context.Context, a *actor) (T, error)) (T, error) {
	return await(ctx, r, guildID, func(a *actor, reply func(T, error)) {
		if a.gone {
			var zero T
			reply(zero, chat.ErrUnknownGuild)
			return
		}
		wctx, cancel := r.workContext(ctx)
		defer cancel()
		// A bug in one operation must not take down the actor, the
		// guild's other callers or the process: answer with an error.
		defer func() {
			if p := recover(); p != nil {
				r.log.Error("guild operation panicked", "guild", guildID, "panic", p, "stack", string(debug.Stack()))
				var zero T
				reply(zero, fmt.Errorf("guild %d: operation panicked: %v", guildID, p))
			}
		}()
		reply(fn(wctx, a))
	})
}

// askChannel is ask routed to the actor of the guild that owns channelID;
// fn gets the channel. It fails with chat.ErrUnknownChannel when the
// channel or its guild does not exist.
func askChannel[T any](ctx context.Context, r *Registry, channelID chat.ID, fn func(ctx context.Context, a *actor, ch *chat.Channel) (T, error)) (T, error) {
	guildID, err := r.guildOf(ctx, channelID)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := ask(ctx, r, guildID, func(ctx context.Context, a *actor) (T, error) {
		ch := a.channels[channelID]
		if ch == nil {
			r.channelGuild.Delete(channelID)
			var zero T
			return zero, chat.ErrUnknownChannel
		}
		return fn(ctx, a, ch)
	})
	if errors.Is(err, chat.ErrUnknownGuild) {
		return v, chat.ErrUnknownChannel
	}
	return v, err
}

// call is ask for operations that return only an error.
func (r *Registry) call(ctx context.Context, guildID chat.ID, fn func(ctx context.Context, a *actor) error) error {
	_, err := ask(ctx, r, guildID, func(ctx context.Context, a *actor) (struct{}, error) {
		return struct{}{}, fn(ctx, a)
	})
	return err
}

// channelCall is askChannel for operations that return only an error.
func (r *Registry) channelCall(ctx context.Context, channelID chat.ID, fn func(ctx context.Context, a *actor, ch *chat.Channel) error) error {
	_, err := askChannel(ctx, r, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) (struct{}, error) {
		return struct{}{}, fn(ctx, a, ch)
	})
	return err
}
