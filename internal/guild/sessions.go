package guild

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Connect subscribes s to a guild. The actor sends s the GUILD_CREATE
// itself, from its goroutine, so that the snapshot and every later event of
// the guild reach s in the actor's order. It fails with
// chat.ErrUnknownGuild or chat.ErrMissingAccess if the user is not a member.
func (r *Registry) Connect(ctx context.Context, guildID chat.ID, s Session, largeThreshold int) error {
	return r.call(AllowUnsettled(ctx), guildID, func(_ context.Context, a *actor) error {
		if err := a.requireMember(s.UserID()); err != nil {
			return err
		}
		a.subscribe(s, largeThreshold)
		return nil
	})
}

// Disconnect unsubscribes a session that closed for good. It does not wait
// and does not start an actor that is not running.
func (r *Registry) Disconnect(guildID chat.ID, sessionID string) {
	r.pushIfRunning(guildID, func(a *actor) {
		a.enqueue(func() { a.removeSub(sessionID) })
	})
}

// Subscribe marks a session as looking at a guild (gateway op 14 or 37,
// which Discord's clients send when a guild is opened): from then on the
// session gets every event of the guild, even in a guild larger than its
// large_threshold where it was passive. It does nothing if the session is
// not subscribed to the guild, and never starts an actor, so clients
// naming arbitrary guilds cost no store reads.
func (r *Registry) Subscribe(ctx context.Context, guildID chat.ID, sessionID string) error {
	return r.ifRunning(ctx, guildID, func(a *actor) {
		a.enqueue(func() {
			if su := a.subs[sessionID]; su != nil {
				a.deliverTo(su.home, &event{kind: evActivate, session: sessionID})
			}
		})
	})
}

// ifRunning runs op on guildID's actor and waits for it, if that actor is
// running; it never starts one (a session's requests naming a guild whose
// actor is not running concern no session of it, and cost no store read).
func (r *Registry) ifRunning(ctx context.Context, guildID chat.ID, op func(a *actor)) error {
	done := make(chan struct{})
	r.mu.RLock()
	a := r.actors[guildID]
	var err error
	if a == nil || r.closed {
		close(done)
	} else {
		err = a.offer(func(a *actor) {
			defer close(done)
			op(a)
		})
	}
	r.mu.RUnlock()
	if err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// UpdatePresence records a user's presence (the "d" of gateway op 3:
// since, activities, status, afk) and sends PRESENCE_UPDATE to the sessions
// with GUILD_PRESENCES in every guild of the user.
func (r *Registry) UpdatePresence(ctx context.Context, userID chat.ID, raw json.RawMessage) error {
	guilds, err := r.st.UserGuilds(ctx, userID)
	if err != nil {
		return fmt.Errorf("guild: presence of %d: %w", userID, err)
	}
	var errs []error
	for _, gid := range guilds {
		if err := r.PresenceIn(gid, userID, "", raw); err != nil {
			errs = append(errs, fmt.Errorf("guild %d: %w", gid, err))
		}
	}
	return errors.Join(errs...)
}

// PresenceIn records the presence gateway node from ("" on a single node)
// holds of a user in one guild and sends PRESENCE_UPDATE, combined over
// the nodes, to its sessions with GUILD_PRESENCES. It does not wait.
func (r *Registry) PresenceIn(guildID, userID chat.ID, from string, raw json.RawMessage) error {
	var p presence
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("guild: presence of %d: %w", userID, err)
	}
	return r.pushOwned(guildID, true, func(a *actor) {
		if a.gone || a.members[userID] == nil {
			return
		}
		a.setNodePresence(userID, from, p)
	})
}

// MembersRequest is gateway op 8 for one guild.
type MembersRequest struct {
	UserID  chat.ID   // the requester; must be a member (0 skips the check)
	Query   string    // username/nick prefix, case-insensitive; "" with Limit 0 = all
	UserIDs []chat.ID // if set, these members instead of Query
	Limit   int       // 0 = no limit
}

// RequestMembers answers op 8 with member objects and the requested IDs
// that are not members. The actor gathers the member objects (members);
// they are encoded after it answers, so that a request for all of a big
// guild's members holds the actor for about half the time
// (BenchmarkLargeRequestMembers).
func (r *Registry) RequestMembers(ctx context.Context, guildID chat.ID, req MembersRequest) ([]json.RawMessage, []chat.ID, error) {
	type result struct {
		members  []protocol.Member
		notFound []chat.ID
	}
	res, err := ask(AllowUnsettled(ctx), r, guildID, func(_ context.Context, a *actor) (result, error) {
		ms, notFound, err := a.membersFor(req)
		return result{ms, notFound}, err
	})
	if err != nil {
		return nil, nil, err
	}
	out := make([]json.RawMessage, len(res.members))
	for i := range res.members {
		out[i] = mustJSON(res.members[i])
	}
	return out, res.notFound, nil
}

// membersFor is op 8's part in the actor: the member objects asked for and
// the requested IDs that are not members.
func (a *actor) membersFor(req MembersRequest) ([]protocol.Member, []chat.ID, error) {
	if req.UserID != 0 {
		if err := a.requireMember(req.UserID); err != nil {
			return nil, nil, err
		}
	}
	var members []protocol.Member
	if len(req.UserIDs) > 0 {
		var notFound []chat.ID
		for _, id := range req.UserIDs {
			if m := a.members[id]; m != nil {
				members = append(members, a.memberObject(m))
			} else {
				notFound = append(notFound, id)
			}
		}
		return members, notFound, nil
	}
	q := strings.ToLower(req.Query)
	for _, id := range a.sortedMemberIDs() {
		if req.Limit > 0 && len(members) >= req.Limit {
			break
		}
		if m := a.members[id]; a.memberMatches(m, q) {
			members = append(members, a.memberObject(m))
		}
	}
	return members, nil, nil
}
