package guild

import (
	"encoding/binary"
	"sync/atomic"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Fan-out is done by shards. A shard owns a set of subscribed sessions and
// everything needed to decide what each of them gets: an immutable snapshot
// of the guild's permissions (permState), each session's roles, whether it
// is passive, and a visibility cache. The actor hands every fan-out step to
// its shards as an *event, in the order it applied the changes.
//
// A guild with few sessions has one shard, run inline in the actor's
// goroutine. Above Config.RelayThreshold sessions the actor splits its
// sessions over relays: shards with their own goroutine that receive the
// same events over a bounded channel, so one huge guild's fan-out and
// permission filtering use every core. Each session lives in exactly one
// shard and each shard handles events in the order the actor sent them, so
// every session sees the guild's events in order. Relays never block on a
// session (Session.Send never blocks); the actor blocks on a relay only
// while that relay's channel is full.

// relayInbox bounds the events waiting for one relay.
const relayInbox = 4096

// permState is what a shard needs, besides each session's roles, to decide
// who may see a channel. It is immutable once published; the actor builds
// a new one when roles, channels, overwrites or membership change.
type permState struct {
	gv       protocol.GuildView
	channels map[chat.ID]*chat.Channel // copies owned by the snapshot
	members  int                       // member count, for the passive rule
	// threadMembers are the members of private threads (threads.go).
	threadMembers map[chat.ID]map[chat.ID]bool
}

// evKind says what an event asks of a shard.
type evKind uint8

const (
	evSend       evKind = iota // d to sessions with intent that see channel
	evMessage                  // a message event: content variants, mentions reach passive sessions
	evAdd                      // subscribe sub, sending it d (GUILD_CREATE) first
	evRemove                   // unsubscribe session
	evRemoveUser               // send d to user's sessions and unsubscribe them
	evRemoveAll                // send d to every session and unsubscribe them all
	evActivate                 // session subscribed to the guild (op 14): no longer passive
	evRoles                    // user's roles are now roles
	evPerms                    // new permission snapshot
	evPassive                  // PASSIVE_UPDATE_V1 for passive sessions
	evBarrier                  // close done once everything before has been handed out
	evStop                     // relay: return its sessions on reply and exit
)

// event is one fan-out step. It is shared by every shard and never
// modified after it is handed out.
type event struct {
	kind    evKind
	d       *protocol.Dispatch
	intent  protocol.Intents // 0 = any
	channel chat.ID          // 0 = guild-wide
	gated   bool             // withheld from passive sessions
	msg     *msgEvent
	sub     *sub
	session string
	user    chat.ID
	roles   []chat.ID
	perms   *permState
	passive []protocol.PassiveChannel
	done    chan struct{}
	reply   chan map[string]*sub
	need    protocol.Permission // evSend: also needed in channel (invite events)
	// anyOf (evSend): the session's user needs at least one of these
	// guild permissions (ban events: BAN_MEMBERS or VIEW_AUDIT_LOG).
	anyOf protocol.Permission
	// bare (evSend), when set, goes instead of d to bot sessions without
	// MESSAGE_CONTENT (auto-moderation executions carry content).
	bare *protocol.Dispatch
	// thread (evSend), when set, narrows a thread event sent with channel
	// = the thread's parent to those who see the thread (threads.go).
	thread *threadAudience
}

// msgEvent is what deciding the variant of a message event needs.
type msgEvent struct {
	body     protocol.Message // to build the content-less variant
	author   chat.ID
	mentions []chat.ID
	roles    []chat.ID
	everyone bool
}

// reaches reports whether the message mentions s's user: directly, through
// one of their roles, or with an allowed @everyone/@here. Such messages
// reach passive sessions too, as do the user's own.
func (m *msgEvent) reaches(s *sub) bool {
	if m.everyone || s.user == m.author || hasID(m.mentions, s.user) {
		return true
	}
	for _, r := range s.roles {
		if hasID(m.roles, r) {
			return true
		}
	}
	return false
}

// passiveGated are the events passive sessions do not get (messages reach
// them only when they mention the session's user; see msgEvent.reaches).
var passiveGated = map[string]bool{
	protocol.EventMessageCreate: true, protocol.EventMessageUpdate: true, protocol.EventMessageDelete: true,
	protocol.EventMessageDeleteBulk: true, protocol.EventTypingStart: true,
	protocol.EventMessageReactionAdd: true, protocol.EventMessageReactionRemove: true,
	protocol.EventMessageReactionRemoveAll: true, protocol.EventMessageReactionRemoveEmoji: true,
	// As in Discord's lazy guilds, a passive session learns presences
	// from the member list it watches (op 14), not from every member's
	// PRESENCE_UPDATE.
	protocol.EventPresenceUpdate: true,
}

// sub is one subscribed session. s, user, intents, bot and lt never change;
// roles and active belong to the shard that owns the sub; home belongs to
// the actor.
type sub struct {
	s       Session
	user    chat.ID
	intents protocol.Intents
	bot     bool
	lt      int    // the session's large_threshold
	node    string // the session's node, if not this one (cluster mode)

	roles  []chat.ID
	active bool // subscribed with op 14/37: never passive again

	home *shard
}

// shard fans events out to the sessions it owns. An inline shard runs in
// the actor's goroutine; a relay runs handle in its own goroutine. Every
// field is owned by whichever goroutine runs handle, except in and n.
type shard struct {
	guildID chat.ID
	passive bool // passive sessions enabled (Config.DisablePassive false)
	subs    map[string]*sub
	perms   *permState
	// view caches, per channel, each user's permissions there (0: cannot
	// see it); dropped with each new permState or role change.
	view map[chat.ID]map[chat.ID]protocol.Permission

	in chan *event // relays only
	n  int         // sessions owned; kept by the actor

	// remote collects the current event's recipients on other nodes
	// (cluster mode); handle flushes it after each event.
	remote batch

	updates, held *atomic.Int64 // the registry's passive counters
}

func newShard(r *Registry, guildID chat.ID, perms *permState) *shard {
	if perms == nil {
		perms = &permState{}
	}
	return &shard{guildID: guildID, passive: !r.cfg.DisablePassive, subs: make(map[string]*sub), perms: perms,
		updates: &r.passiveUpdates, held: &r.passiveHeld, remote: batch{to: r.cfg.Remote}}
}

// send hands d to s: at once for a session of this node, through the
// event's remote batch for a session of another node.
func (sh *shard) send(s *sub, d *protocol.Dispatch) {
	if s.node != "" {
		sh.remote.add(s.node, s.s.ID(), d)
		return
	}
	s.s.Send(d)
}

// run is a relay's loop.
func (sh *shard) run() {
	for ev := range sh.in {
		sh.handle(ev)
		if ev.kind == evStop {
			return
		}
	}
}

// isPassive reports whether s gets only passive updates and mentions.
func (sh *shard) isPassive(s *sub) bool {
	return sh.passive && !s.bot && !s.active && sh.perms.members > s.lt
}

func (sh *shard) canView(s *sub, channelID chat.ID) bool {
	return sh.channelPerms(s, channelID)&protocol.PermViewChannel != 0
}

// channelPerms returns s's user's permissions in channelID (0 if it is
// not a channel of the guild), cached in view.
func (sh *shard) channelPerms(s *sub, channelID chat.ID) protocol.Permission {
	if sh.view == nil {
		sh.view = make(map[chat.ID]map[chat.ID]protocol.Permission)
	}
	users := sh.view[channelID]
	if users == nil {
		users = make(map[chat.ID]protocol.Permission)
		sh.view[channelID] = users
	}
	p, ok := users[s.user]
	if !ok {
		if ch := sh.perms.channels[channelID]; ch != nil && ch.Thread != nil {
			p = threadPerms(sh.channelPerms(s, ch.ParentID), ch.Type, sh.perms.threadMembers[ch.ID][s.user])
		} else if ch != nil {
			p = protocol.Compute(sh.perms.gv, s.user, s.roles, ch)
		}
		users[s.user] = p
	}
	return p
}

func (sh *shard) handle(ev *event) {
	sh.apply(ev)
	if len(sh.remote.nodes) > 0 {
		sh.remote.flush(sh.guildID)
	}
}

func (sh *shard) apply(ev *event) {
	switch ev.kind {
	case evSend:
		held := 0
		for _, s := range sh.subs {
			if ev.intent != 0 && s.intents&ev.intent == 0 {
				continue
			}
			if ev.channel != 0 && !sh.canView(s, ev.channel) {
				continue
			}
			if ev.need != 0 && sh.channelPerms(s, ev.channel)&ev.need != ev.need {
				continue
			}
			if ev.thread != nil && !ev.thread.admits(s, sh.channelPerms(s, ev.channel)) {
				continue
			}
			if ev.anyOf != 0 && protocol.Compute(sh.perms.gv, s.user, s.roles, nil)&ev.anyOf == 0 {
				continue
			}
			if ev.gated && sh.isPassive(s) {
				held++
				continue
			}
			if ev.bare != nil && s.bot && s.intents&protocol.IntentMessageContent == 0 {
				sh.send(s, ev.bare)
				continue
			}
			sh.send(s, ev.d)
		}
		if held > 0 {
			sh.held.Add(int64(held))
		}
	case evMessage:
		sh.sendMessage(ev)
	case evAdd:
		sh.subs[ev.sub.s.ID()] = ev.sub
		if ev.d != nil {
			sh.send(ev.sub, ev.d)
		}
	case evRemove:
		delete(sh.subs, ev.session)
	case evRemoveUser:
		for id, s := range sh.subs {
			if s.user == ev.user {
				sh.send(s, ev.d)
				delete(sh.subs, id)
			}
		}
	case evRemoveAll:
		for id, s := range sh.subs {
			sh.send(s, ev.d)
			delete(sh.subs, id)
		}
	case evActivate:
		if s := sh.subs[ev.session]; s != nil {
			s.active = true
		}
	case evRoles:
		changed := false
		for _, s := range sh.subs {
			if s.user == ev.user {
				s.roles = ev.roles
				changed = true
			}
		}
		if changed {
			sh.view = nil
		}
	case evPerms:
		sh.perms = ev.perms
		sh.view = nil
	case evPassive:
		sh.sendPassive(ev)
	case evBarrier:
		close(ev.done)
	case evStop:
		ev.reply <- sh.subs
		sh.subs = nil
	}
}

// sendMessage fans a message event out: sessions that may see the channel
// and asked for GUILD_MESSAGES; bots without MESSAGE_CONTENT get the
// content-less variant unless they wrote or are mentioned in the message;
// passive sessions only if it mentions them. A reply's referenced_message
// goes only to sessions that may read the channel's history (as GET
// message requires); the others get it null. Each variant is encoded at
// most once per shard.
func (sh *shard) sendMessage(ev *event) {
	m := ev.msg
	var variants [4]*protocol.Dispatch // by stripped<<1 | unreferenced
	variants[0] = ev.d
	held := 0
	defer func() {
		if held > 0 {
			sh.held.Add(int64(held))
		}
	}()
	for _, s := range sh.subs {
		if s.intents&protocol.IntentGuildMessages == 0 || !sh.canView(s, ev.channel) {
			continue
		}
		if sh.isPassive(s) && !m.reaches(s) {
			held++
			continue
		}
		v := 0
		if s.bot && s.intents&protocol.IntentMessageContent == 0 && s.user != m.author && !hasID(m.mentions, s.user) {
			v |= 2
		}
		if m.body.ReferencedMessage != nil && sh.channelPerms(s, ev.channel)&protocol.PermReadMessageHistory == 0 {
			v |= 1
		}
		if variants[v] == nil {
			body := m.body
			if v&1 != 0 {
				body.ReferencedMessage = nil
			}
			if v&2 != 0 {
				body = stripContent(body)
			}
			variants[v] = &protocol.Dispatch{Name: ev.d.Name, Data: mustJSON(body)}
		}
		sh.send(s, variants[v])
	}
}

// sendPassive sends each passive session the channels of ev.passive it can
// see. Sessions that see the same channels share one encoded dispatch.
func (sh *shard) sendPassive(ev *event) {
	if !sh.passive {
		return
	}
	n := len(ev.passive)
	words := (n + 63) / 64
	mask := make([]uint64, words)
	var key []byte
	variants := make(map[string]*protocol.Dispatch)
	sent := 0
	defer func() { sh.updates.Add(int64(sent)) }()
	for _, s := range sh.subs {
		if s.intents&protocol.IntentGuildMessages == 0 || !sh.isPassive(s) {
			continue
		}
		clear(mask)
		sees := false
		for i, c := range ev.passive {
			if sh.canView(s, c.ID) {
				mask[i/64] |= 1 << (i % 64)
				sees = true
			}
		}
		if !sees {
			continue
		}
		key = key[:0]
		for _, w := range mask {
			key = binary.LittleEndian.AppendUint64(key, w)
		}
		d := variants[string(key)]
		if d == nil {
			body := protocol.PassiveUpdateEvent{GuildID: sh.guildID, Channels: make([]protocol.PassiveChannel, 0, n)}
			for i, c := range ev.passive {
				if mask[i/64]&(1<<(i%64)) != 0 {
					body.Channels = append(body.Channels, c)
				}
			}
			d = &protocol.Dispatch{Name: protocol.EventPassiveUpdateV1, Data: mustJSON(body)}
			variants[string(key)] = d
		}
		sh.send(s, d)
		sent++
	}
}
