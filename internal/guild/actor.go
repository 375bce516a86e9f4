package guild

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// actor owns one guild. Every field below inbox/completions is touched only
// by the actor's goroutine.
type actor struct {
	r           *Registry
	id          chat.ID
	inbox       chan func(a *actor)
	completions chan func(a *actor) // results of message writes; cap MaxInflight

	loaded   bool
	gone     bool // guild does not exist (never did, or was deleted)
	guild    chat.Guild
	roles    map[chat.ID]*chat.Role
	channels map[chat.ID]*chat.Channel
	members  map[chat.ID]*chat.Member
	presence map[chat.ID]presence

	subs map[string]*sub
	// view caches, per channel, which users may see it. It is dropped
	// whenever roles, overwrites or membership change.
	view map[chat.ID]map[chat.ID]bool
	// gv caches the roles' permissions for protocol.Compute; dropped with
	// view.
	gv *protocol.GuildView

	// outbox keeps events in the order the actor applied their changes:
	// an event waits behind earlier message creates whose writes are
	// still in flight.
	outbox   []*slot
	inflight int
	nonces   map[nonceKey]*nonceEntry
	lastWork time.Time
}

type sub struct {
	s       Session
	user    chat.ID
	intents protocol.Intents
	bot     bool
}

type presence struct {
	Status     string          `json:"status"`
	Activities json.RawMessage `json:"activities"`
}

type slot struct {
	ready bool
	fire  func()
}

func newActor(r *Registry, id chat.ID) *actor {
	return &actor{
		r:           r,
		id:          id,
		inbox:       make(chan func(a *actor), r.cfg.InboxSize),
		completions: make(chan func(a *actor), r.cfg.MaxInflight),
	}
}

// offer queues op without blocking.
func (a *actor) offer(op func(a *actor)) error {
	select {
	case a.inbox <- op:
		return nil
	default:
		return ErrBusy
	}
}

func (a *actor) run() {
	if err := a.load(context.Background()); err != nil {
		if !errors.Is(err, chat.ErrUnknownGuild) {
			a.r.log.Error("load guild", "guild", a.id, "err", err)
		}
		a.gone = true
	}
	idle := time.NewTicker(a.idleCheckEvery())
	defer idle.Stop()
	a.lastWork = a.r.cfg.Now()
	for {
		select {
		case op := <-a.inbox:
			op(a)
			a.lastWork = a.r.cfg.Now()
		case done := <-a.completions:
			done(a)
			a.lastWork = a.r.cfg.Now()
		case <-idle.C:
			a.pruneNonces()
			if a.inflight == 0 && len(a.subs) == 0 &&
				(a.gone || a.r.cfg.Now().Sub(a.lastWork) >= a.r.cfg.IdleTimeout) {
				if a.r.exitIfIdle(a) {
					return
				}
			}
		case <-a.r.quit:
			// Let the writes in flight finish so their callers get an
			// answer and their events go out, then stop.
			for a.inflight > 0 {
				done := <-a.completions
				done(a)
			}
			a.failInbox()
			return
		}
	}
}

// failInbox answers what is left in the inbox after a quit: each op runs
// against a gone actor and so fails with chat.ErrUnknownGuild-like errors.
func (a *actor) failInbox() {
	a.gone = true
	for {
		select {
		case op := <-a.inbox:
			op(a)
		default:
			return
		}
	}
}

func (a *actor) idleCheckEvery() time.Duration {
	d := a.r.cfg.IdleTimeout / 4
	if d < time.Millisecond {
		d = time.Millisecond
	}
	if d > 30*time.Second {
		d = 30 * time.Second
	}
	return d
}

// load reads the guild's state from the store.
func (a *actor) load(ctx context.Context) error {
	st := a.r.st
	g, err := st.Guild(ctx, a.id)
	if errors.Is(err, store.ErrNotFound) {
		return chat.ErrUnknownGuild
	}
	if err != nil {
		return fmt.Errorf("guild %d: load: %w", a.id, err)
	}
	roles, err := st.GuildRoles(ctx, a.id)
	if err != nil {
		return fmt.Errorf("guild %d: load roles: %w", a.id, err)
	}
	channels, err := st.GuildChannels(ctx, a.id)
	if err != nil {
		return fmt.Errorf("guild %d: load channels: %w", a.id, err)
	}
	members, err := st.GuildMembers(ctx, a.id, 0, 0)
	if err != nil {
		return fmt.Errorf("guild %d: load members: %w", a.id, err)
	}
	a.guild = g
	a.roles = make(map[chat.ID]*chat.Role, len(roles))
	for i := range roles {
		a.roles[roles[i].ID] = &roles[i]
	}
	a.channels = make(map[chat.ID]*chat.Channel, len(channels))
	for i := range channels {
		ch := &channels[i]
		a.channels[ch.ID] = ch
		a.r.channelGuild.Store(ch.ID, a.id)
		if ch.Type == chat.ChannelText && ch.LastMessageID == 0 {
			if ms, err := a.r.data.Messages(ctx, ch.ID, store.Page{Limit: 1}); err == nil && len(ms) > 0 {
				ch.LastMessageID = ms[0].ID
			}
		}
	}
	a.members = make(map[chat.ID]*chat.Member, len(members))
	for i := range members {
		a.members[members[i].UserID] = &members[i]
	}
	a.presence = make(map[chat.ID]presence)
	a.subs = make(map[string]*sub)
	a.nonces = make(map[nonceKey]*nonceEntry)
	a.loaded = true
	return nil
}

// --- permissions ---

func (a *actor) guildView() protocol.GuildView {
	if a.gv != nil {
		return *a.gv
	}
	v := protocol.GuildView{GuildID: a.id, OwnerID: a.guild.OwnerID, Roles: make(map[chat.ID]protocol.Permission, len(a.roles))}
	for id, r := range a.roles {
		v.Roles[id] = r.Permissions
	}
	a.gv = &v
	return v
}

// perms returns userID's permissions in the guild (ch nil) or in ch. A
// non-member has none.
func (a *actor) perms(userID chat.ID, ch *chat.Channel) protocol.Permission {
	m := a.members[userID]
	if m == nil {
		return 0
	}
	return protocol.Compute(a.guildView(), userID, m.Roles, ch)
}

// require checks that userID is a member who has need in ch (or in the
// guild when ch is nil). A non-member, or a member who cannot see ch, gets
// chat.ErrMissingAccess; one who sees it but lacks need, ErrMissingPerms.
func (a *actor) require(userID chat.ID, ch *chat.Channel, need protocol.Permission) error {
	if a.members[userID] == nil {
		return chat.ErrMissingAccess
	}
	p := a.perms(userID, ch)
	if ch != nil && p&protocol.PermViewChannel == 0 {
		return chat.ErrMissingAccess
	}
	if p&need != need {
		return chat.ErrMissingPerms
	}
	return nil
}

// highest is the position of userID's highest role (@everyone is 0); the
// owner outranks everyone.
func (a *actor) highest(userID chat.ID) int {
	if userID == a.guild.OwnerID {
		return 1 << 30
	}
	best := 0
	if m := a.members[userID]; m != nil {
		for _, id := range m.Roles {
			if r := a.roles[id]; r != nil && r.Position > best {
				best = r.Position
			}
		}
	}
	return best
}

func (a *actor) canView(userID, channelID chat.ID) bool {
	if a.view == nil {
		a.view = make(map[chat.ID]map[chat.ID]bool)
	}
	users := a.view[channelID]
	if users == nil {
		users = make(map[chat.ID]bool)
		a.view[channelID] = users
	}
	v, ok := users[userID]
	if !ok {
		ch := a.channels[channelID]
		v = ch != nil && a.perms(userID, ch)&protocol.PermViewChannel != 0
		users[userID] = v
	}
	return v
}

// invalidateView drops the visibility cache; called whenever roles,
// overwrites, channels or membership change.
func (a *actor) invalidateView() { a.view, a.gv = nil, nil }

// --- ordered fan-out ---

// enqueue runs fire now if nothing is waiting ahead of it, else after the
// earlier events.
func (a *actor) enqueue(fire func()) {
	if len(a.outbox) == 0 {
		fire()
		return
	}
	a.outbox = append(a.outbox, &slot{ready: true, fire: fire})
}

// reserve holds a place in the event order for a write in flight.
func (a *actor) reserve() *slot {
	s := &slot{}
	a.outbox = append(a.outbox, s)
	return s
}

// flush fires every ready event at the head of the outbox.
func (a *actor) flush() {
	i := 0
	for ; i < len(a.outbox) && a.outbox[i].ready; i++ {
		if f := a.outbox[i].fire; f != nil {
			f()
		}
		a.outbox[i] = nil
	}
	a.outbox = a.outbox[i:]
	if len(a.outbox) == 0 {
		a.outbox = nil
	}
}

// broadcast sends an event to every subscribed session with intent (0 =
// any) that can view channelID (0 = guild-wide event).
func (a *actor) broadcast(name string, body any, intent protocol.Intents, channelID chat.ID) {
	d := a.dispatch(name, body)
	if d == nil {
		return
	}
	a.enqueue(func() { a.sendTo(d, intent, channelID) })
}

func (a *actor) sendTo(d *protocol.Dispatch, intent protocol.Intents, channelID chat.ID) {
	for _, s := range a.subs {
		if intent != 0 && s.intents&intent == 0 {
			continue
		}
		if channelID != 0 && !a.canView(s.user, channelID) {
			continue
		}
		s.s.Send(d)
	}
}

func (a *actor) dispatch(name string, body any) *protocol.Dispatch {
	b, err := protocol.Marshal(body)
	if err != nil {
		a.r.log.Error("encode dispatch", "event", name, "guild", a.id, "err", err)
		return nil
	}
	return &protocol.Dispatch{Name: name, Data: b}
}

// --- sessions ---

// subscribe adds s (in event order) and sends it GUILD_CREATE built now.
func (a *actor) subscribe(s Session, largeThreshold int) {
	d := a.dispatch("GUILD_CREATE", a.guildCreate(s.UserID(), s.Intents(), largeThreshold))
	su := &sub{s: s, user: s.UserID(), intents: s.Intents(), bot: s.Bot()}
	a.enqueue(func() {
		a.subs[s.ID()] = su
		if d != nil {
			s.Send(d)
		}
	})
}

// unsubscribeUser sends GUILD_DELETE to userID's sessions and drops them.
func (a *actor) unsubscribeUser(userID chat.ID) {
	d := a.dispatch("GUILD_DELETE", map[string]any{"id": a.id})
	a.enqueue(func() {
		for id, s := range a.subs {
			if s.user == userID {
				s.s.Send(d)
				delete(a.subs, id)
			}
		}
	})
}
