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
	// release is closed when the guild moved to another node (Release):
	// the actor finishes its writes in flight and exits, and what is left
	// in its inbox fails with *NotOwnerError.
	release chan struct{}
	moved   bool

	loaded   bool
	gone     bool // guild does not exist (never did, or was deleted)
	guild    chat.Guild
	roles    map[chat.ID]*chat.Role
	channels map[chat.ID]*chat.Channel
	members  map[chat.ID]*chat.Member
	presence map[chat.ID]presence
	// presSent holds when each user's last PRESENCE_UPDATE went out, for
	// coalescing (presence.go).
	presSent map[chat.ID]presenceSent
	// presNodes holds, in a cluster, what each gateway node holds of a
	// user's presence (presence.go); presSeq orders their changes.
	presNodes map[chat.ID][]nodePresence
	presSeq   uint64
	emojis    map[chat.ID]*chat.GuildEmoji
	// memberIDs caches the members' IDs in ascending order (nil: rebuild);
	// every IDENTIFY would otherwise sort the whole guild.
	memberIDs []chat.ID

	// subs are the subscribed sessions, by session ID; each is owned by
	// one shard (su.home): fan or one of relays.
	subs   map[string]*sub
	fan    *shard   // inline fan-out, run in this goroutine
	relays []*shard // non-nil once fan-out moved to relay goroutines
	// permDirty says roles, channels, overwrites or membership changed
	// since shards got their last permission snapshot.
	permDirty bool
	// gv caches the roles' permissions for protocol.Compute; dropped with
	// each change.
	gv *protocol.GuildView
	// lastChanged holds the channels whose last message changed since the
	// previous passive update, with that message.
	lastChanged map[chat.ID]chat.ID

	// outbox keeps events in the order the actor applied their changes:
	// an event waits behind earlier message creates whose writes are
	// still in flight.
	outbox   []*slot
	inflight int
	nonces   map[nonceKey]*nonceEntry
	lastWork time.Time

	// bans are the guild's bans by user ID, read with the guild (bans.go).
	bans map[chat.ID]*chat.Ban
	// slow holds, per (channel, user), when slowmode lets the user send
	// again (slowmode.go); expired entries are pruned.
	slow map[slowKey]time.Time
	ml   memberLists // op 14 member lists (memberlists.go)
	am   autoMod     // auto-moderation rules and matcher (automod.go)
	// threads holds thread memberships (threads.go).
	threads threadState
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
		release:     make(chan struct{}),
		fan:         newShard(r, id, nil),
		lastChanged: make(map[chat.ID]chat.ID),
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
	var passiveC <-chan time.Time
	if !a.r.cfg.DisablePassive {
		t := time.NewTicker(a.r.cfg.PassiveInterval)
		defer t.Stop()
		passiveC = t.C
	}
	archive := time.NewTicker(a.r.cfg.ThreadArchiveEvery)
	defer archive.Stop()
	defer a.stopRelays()
	a.lastWork = a.r.cfg.Now()
	for {
		select {
		case <-passiveC:
			a.passiveTick()
		case op := <-a.inbox:
			op(a)
			a.settleMemberLists()
			a.lastWork = a.r.cfg.Now()
		case done := <-a.completions:
			done(a)
			a.settleMemberLists()
			a.lastWork = a.r.cfg.Now()
		case <-archive.C:
			a.archiveDue()
		case <-idle.C:
			a.pruneNonces()
			a.pruneSlowmode()
			// Open slowmode windows keep the actor: they live only here,
			// and leaving would let their users send again at once.
			if a.inflight == 0 && len(a.subs) == 0 && (a.gone || len(a.slow) == 0) &&
				(a.gone || a.r.cfg.Now().Sub(a.lastWork) >= a.r.cfg.IdleTimeout) {
				if a.r.exitIfIdle(a) {
					return
				}
			}
		case <-a.r.quit:
			a.drain()
			return
		case <-a.release:
			a.moved = true
			a.drain()
			return
		}
	}
}

// drain lets the writes in flight finish so their callers get an answer
// and their events go out, then fails what is left in the inbox.
func (a *actor) drain() {
	for a.inflight > 0 {
		done := <-a.completions
		done(a)
	}
	a.failInbox()
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
	bans, err := st.GuildBans(ctx, a.id, 0, 0)
	if err != nil {
		return fmt.Errorf("guild %d: load bans: %w", a.id, err)
	}
	emojis, err := st.GuildEmojis(ctx, a.id)
	if err != nil {
		return fmt.Errorf("guild %d: load emojis: %w", a.id, err)
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
	if err := a.loadAutoMod(ctx, st); err != nil {
		return err
	}
	if err := a.loadThreads(ctx); err != nil {
		return err
	}
	a.emojis = make(map[chat.ID]*chat.GuildEmoji, len(emojis))
	for i := range emojis {
		a.emojis[emojis[i].ID] = &emojis[i]
	}
	a.memberIDs = nil
	a.bans = make(map[chat.ID]*chat.Ban, len(bans))
	for i := range bans {
		a.bans[bans[i].UserID] = &bans[i]
	}
	a.slow = make(map[slowKey]time.Time)
	a.presence = make(map[chat.ID]presence)
	a.presSent = make(map[chat.ID]presenceSent)
	a.presNodes = make(map[chat.ID][]nodePresence)
	a.subs = make(map[string]*sub)
	a.permDirty = true
	a.nonces = make(map[nonceKey]*nonceEntry)
	a.loaded = true
	return nil
}

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
// any) that can view channelID (0 = guild-wide event). Message events
// (passiveGated) skip passive sessions.
func (a *actor) broadcast(name string, body any, intent protocol.Intents, channelID chat.ID) {
	d := a.dispatch(name, body)
	if d == nil {
		return
	}
	ev := &event{kind: evSend, d: d, intent: intent, channel: channelID, gated: passiveGated[name]}
	a.enqueue(func() { a.deliver(ev) })
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

// largeThresholder is the optional ability of a Session to report the
// large_threshold it identified with (gateway sessions have it).
type largeThresholder interface{ LargeThreshold() int }

// sharded is the optional ability of a Session to say whether a guild
// belongs to its shard (gateway sessions have it).
type sharded interface{ InShard(guildID chat.ID) bool }

// subscribeLive subscribes a user's live sessions that cover this guild
// (their shard includes it), each with its own large_threshold; used when
// the user joins or creates the guild after READY.
func (a *actor) subscribeLive(userID chat.ID) {
	if a.r.userJoined(a.id, userID) {
		return // a cluster-wide directory subscribes them, wherever they are
	}
	for _, s := range a.r.userSessions(userID) {
		if sh, ok := s.(sharded); ok && !sh.InShard(a.id) {
			continue
		}
		lt := 0
		if l, ok := s.(largeThresholder); ok {
			lt = l.LargeThreshold()
		}
		a.subscribe(s, lt)
		a.presenceFrom(s, userID)
	}
}

// presenceReporter is the optional ability of a Session to tell its
// user's current presence (gateway sessions have it).
type presenceReporter interface{ CurrentPresence() json.RawMessage }

// presenceFrom records the presence of userID, who joined this guild
// while online, from one of their sessions: the gateway sends presences
// only when they change, so the guild would otherwise show the user
// offline until their next change.
func (a *actor) presenceFrom(s Session, userID chat.ID) {
	if _, ok := a.presence[userID]; ok {
		return
	}
	pr, ok := s.(presenceReporter)
	if !ok {
		return
	}
	raw := pr.CurrentPresence()
	if raw == nil {
		return
	}
	var p presence
	if json.Unmarshal(raw, &p) == nil && p.visible() {
		a.setPresence(userID, p)
	}
}

// subscribe adds s (in event order) and sends it GUILD_CREATE built now.
func (a *actor) subscribe(s Session, largeThreshold int) {
	d := a.dispatch(protocol.EventGuildCreate, a.guildCreate(s.UserID(), s.Intents(), largeThreshold))
	su := &sub{s: s, user: s.UserID(), intents: s.Intents(), bot: s.Bot(), lt: protocol.LargeThreshold(largeThreshold)}
	if rs, ok := s.(remoteSession); ok {
		su.node = rs.Node()
	}
	if m := a.members[su.user]; m != nil {
		su.roles = m.Roles
	}
	a.enqueue(func() { a.addSub(su, d) })
}

// unsubscribeUser sends GUILD_DELETE to userID's sessions and drops them.
func (a *actor) unsubscribeUser(userID chat.ID) {
	d := a.dispatch(protocol.EventGuildDelete, protocol.GuildDeleteEvent{ID: a.id})
	a.enqueue(func() {
		a.deliver(&event{kind: evRemoveUser, d: d, user: userID})
		a.forgetSubs(func(su *sub) bool { return su.user == userID })
	})
}

// setRoles tells the shards a member's roles changed. It is not queued
// behind events waiting in the outbox: like every permission change, it
// applies to what is handed out from now on.
func (a *actor) setRoles(userID chat.ID, roles []chat.ID) {
	a.deliver(&event{kind: evRoles, user: userID, roles: roles})
}
