package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// presences combines the presences of each user's sessions on this gateway
// into the one the user's guilds see, and sends it when it changes:
// IDENTIFY makes a session online (or what its presence payload says),
// op 3 changes it, and when the user's last session has had no connection
// for Config.PresenceGrace the user goes offline. The grace is what keeps
// a RESUME (a new connection for the same session) from flapping the
// user's presence.
type presences struct {
	g  *Gateway
	mu sync.Mutex // guards users; leaf lock
	// users holds a user's state while they have a session or an offline
	// pending or not yet sent.
	users map[chat.ID]*userPresence
}

type userPresence struct {
	// send serialises sending, so that guilds get a user's presences in
	// the order they were combined; it is taken before presences.mu.
	send sync.Mutex
	// sessions are the user's sessions here, each with what it set;
	// guarded by presences.mu. A slice, not a map: almost every user has
	// one or two, and a map cost ~200 bytes of each idle session's memory.
	sessions []*sessionPresence
	seq      uint64      // guarded by presences.mu; update counter
	timer    *time.Timer // guarded by presences.mu; pending offline
	grace    uint64      // guarded by presences.mu; which timer is current
	sent     string      // guarded by send; last payload sent
	// hidden is whether the last SESSIONS_REPLACE said invisible;
	// guarded by send.
	hidden bool
}

// sessionPresence is what one session set.
type sessionPresence struct {
	s          *Session
	status     string
	activities json.RawMessage
	afk        bool
	platform   string // desktop, mobile or web
	updated    uint64 // userPresence.seq at the last change
}

// combined is what the guild layer gets (guild.presence's JSON).
type combined struct {
	Status       string            `json:"status"`
	Activities   json.RawMessage   `json:"activities"`
	ClientStatus map[string]string `json:"client_status"`
	Afk          bool              `json:"afk"`
}

func newPresences(g *Gateway) *presences {
	return &presences{g: g, users: make(map[chat.ID]*userPresence)}
}

// opPresence is the "d" of op 3 and of IDENTIFY's presence.
type opPresence struct {
	Status     string          `json:"status"`
	Activities json.RawMessage `json:"activities"`
	Afk        bool            `json:"afk"`
}

// apply changes sp as an op 3 payload asks. Discord is lenient here and so
// are we: an unknown status keeps the current one, "offline" means
// invisible, and activities that are not a list are ignored.
func (sp *sessionPresence) apply(raw json.RawMessage) bool {
	var p opPresence
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &p) != nil {
		return false
	}
	switch p.Status {
	case protocol.StatusOnline, protocol.StatusIdle, protocol.StatusDND, protocol.StatusInvisible:
		sp.status = p.Status
	case protocol.StatusOffline:
		sp.status = protocol.StatusInvisible
	}
	if a := strings.TrimSpace(string(p.Activities)); a == "null" || a == "" {
		sp.activities = nil
	} else if a[0] == '[' {
		sp.activities = p.Activities
	}
	sp.afk = p.Afk
	return true
}

// platformOf maps IDENTIFY's properties to a client_status key as Discord
// does, best effort: its desktop app is "desktop", its mobile apps and
// mobile systems "mobile", everything else (browsers, bot libraries) "web".
func platformOf(props json.RawMessage) string {
	var p struct {
		OS      string `json:"os"`
		Browser string `json:"browser"`
		// Some libraries still send the old "$"-prefixed keys.
		OldOS      string `json:"$os"`
		OldBrowser string `json:"$browser"`
	}
	_ = json.Unmarshal(props, &p)
	osName := strings.ToLower(p.OS + " " + p.OldOS)
	browser := strings.ToLower(p.Browser + " " + p.OldBrowser)
	switch {
	case strings.Contains(browser, "discord android"), strings.Contains(browser, "discord ios"),
		strings.Contains(osName, "android"), strings.Contains(osName, "ios"):
		return "mobile"
	case strings.Contains(browser, "discord client"):
		return "desktop"
	}
	return "web"
}

// identified records a new session's presence: its IDENTIFY presence if
// it sent one, else online.
func (ps *presences) identified(s *Session, props, presence json.RawMessage) {
	sp := &sessionPresence{s: s, status: protocol.StatusOnline, platform: platformOf(props)}
	sp.apply(presence)
	up := ps.lock(s.userID, true)
	defer up.send.Unlock()
	ps.mu.Lock()
	up.seq++
	sp.updated = up.seq
	if i := up.find(s); i >= 0 {
		up.sessions[i] = sp
	} else {
		up.sessions = append(up.sessions, sp)
	}
	ps.mu.Unlock()
	ps.settle(s.userID, up)
}

// update applies op 3 from s; false means the payload was not an object.
func (ps *presences) update(s *Session, raw json.RawMessage) bool {
	up := ps.lock(s.userID, false)
	if up == nil {
		return true // the session ended meanwhile
	}
	defer up.send.Unlock()
	ps.mu.Lock()
	i := up.find(s)
	if i < 0 {
		ps.mu.Unlock()
		return true
	}
	sp := up.sessions[i]
	next := *sp
	if !next.apply(raw) {
		ps.mu.Unlock()
		return false
	}
	up.seq++
	next.updated = up.seq
	*sp = next
	ps.mu.Unlock()
	ps.flush(s.userID, up)
	return true
}

// changed is called when s's connection came (RESUME) or went, or s
// ended for good.
func (ps *presences) changed(s *Session) {
	s.mu.Lock()
	gone := s.gone
	s.mu.Unlock()
	up := ps.lock(s.userID, false)
	if up == nil {
		return
	}
	defer up.send.Unlock()
	if gone {
		ps.mu.Lock()
		if i := up.find(s); i >= 0 {
			last := len(up.sessions) - 1
			up.sessions[i], up.sessions[last] = up.sessions[last], nil
			up.sessions = up.sessions[:last]
		}
		ps.mu.Unlock()
	}
	ps.settle(s.userID, up)
}

// settle sends the user's presence if one of their sessions has a
// connection; if none has, it starts the grace after which the user goes
// offline, and a connection coming back (RESUME, IDENTIFY) within it
// cancels it: guilds see no change at all. up.send must be held.
func (ps *presences) settle(userID chat.ID, up *userPresence) {
	ps.mu.Lock()
	live := ps.connected(up)
	switch {
	case live && up.timer != nil:
		up.timer.Stop()
		up.timer = nil
	case !live && up.timer == nil:
		up.grace++
		gen := up.grace
		up.timer = time.AfterFunc(ps.g.cfg.PresenceGrace, func() {
			// Shutdown waits for this; once it began, nothing is sent:
			// the guilds and the store may be closing.
			ps.g.startGoRoutine(func() { ps.graceOver(userID, up, gen) })
		})
	}
	ps.mu.Unlock()
	if live {
		ps.flush(userID, up)
	}
}

// graceOver sends offline if the user still has no connected session.
func (ps *presences) graceOver(userID chat.ID, up *userPresence, gen uint64) {
	up.send.Lock()
	defer up.send.Unlock()
	ps.mu.Lock()
	if up.grace != gen || up.timer == nil || ps.users[userID] != up {
		ps.mu.Unlock()
		return // cancelled, or superseded by a later grace
	}
	up.timer = nil
	if ps.connected(up) {
		ps.mu.Unlock()
		return
	}
	ps.mu.Unlock()
	ps.flush(userID, up)
	ps.mu.Lock()
	if len(up.sessions) == 0 {
		delete(ps.users, userID)
	}
	ps.mu.Unlock()
}

// connected reports whether one of up's sessions has a connection.
// ps.mu must be held; it takes each Session.mu under it.
func (ps *presences) connected(up *userPresence) bool {
	for _, sp := range up.sessions {
		s := sp.s
		s.mu.Lock()
		ok := s.c != nil && !s.gone
		s.mu.Unlock()
		if ok {
			return true
		}
	}
	return false
}

// find is the index of s's entry in up.sessions, or -1. presences.mu must
// be held.
func (up *userPresence) find(s *Session) int {
	for i, sp := range up.sessions {
		if sp.s == s {
			return i
		}
	}
	return -1
}

// lock returns userID's state with its send lock held, creating it if
// create is set (else nil if there is none). An entry graceOver removed
// meanwhile is never returned.
func (ps *presences) lock(userID chat.ID, create bool) *userPresence {
	for {
		ps.mu.Lock()
		up := ps.users[userID]
		if up == nil {
			if !create {
				ps.mu.Unlock()
				return nil
			}
			up = &userPresence{}
			ps.users[userID] = up
		}
		ps.mu.Unlock()
		up.send.Lock()
		ps.mu.Lock()
		ok := ps.users[userID] == up
		ps.mu.Unlock()
		if ok {
			return up
		}
		up.send.Unlock()
	}
}

// combine is the user's presence: that of the most recently updated
// session among those connected (or all of them while a grace runs),
// preferring sessions that are not afk, so that one tab or device gone
// idle does not make a user idle who is active on another; and each
// platform's status; offline when none is left. ps.mu must be held.
func (ps *presences) combine(up *userPresence) combined {
	out := combined{Status: protocol.StatusOffline, ClientStatus: map[string]string{}}
	var best *sessionPresence
	live := ps.connected(up) || up.timer != nil
	if !live {
		return out
	}
	for _, sp := range up.sessions {
		if best == nil || best.afk && !sp.afk || best.afk == sp.afk && sp.updated > best.updated {
			best = sp
		}
		if sp.status != protocol.StatusInvisible {
			if cur, ok := out.ClientStatus[sp.platform]; !ok || statusRank(sp.status) > statusRank(cur) {
				out.ClientStatus[sp.platform] = sp.status
			}
		}
	}
	if best == nil {
		return out
	}
	out.Status, out.Activities, out.Afk = best.status, best.activities, best.afk
	if out.Status == protocol.StatusInvisible {
		out.Activities, out.ClientStatus = nil, map[string]string{}
	}
	return out
}

// statusRank orders statuses for a platform with several sessions.
func statusRank(s string) int {
	switch s {
	case protocol.StatusOnline:
		return 3
	case protocol.StatusDND:
		return 2
	case protocol.StatusIdle:
		return 1
	}
	return 0
}

// flush sends the user's combined presence to their guilds if it changed.
// up.send must be held.
func (ps *presences) flush(userID chat.ID, up *userPresence) {
	ps.mu.Lock()
	c := ps.combine(up)
	ps.mu.Unlock()
	raw, err := json.Marshal(c)
	if err != nil || string(raw) == up.sent || ps.g.ctx.Err() != nil {
		return
	}
	if up.sent == "" && c.Status == protocol.StatusOffline {
		return // never seen online: nothing to take back
	}
	up.sent = string(raw)
	ctx, cancel := context.WithTimeout(ps.g.ctx, ps.g.cfg.RequestTimeout)
	defer cancel()
	if err := ps.g.cfg.Guilds.UpdatePresence(ctx, userID, raw); err != nil {
		ps.g.log.Debug("presence update", "user", userID, "err", err)
	}
	ps.sendSessions(up, c)
}

// sendSessions sends SESSIONS_REPLACE to the user's own connected
// sessions of a user account: the true status of each session and the
// combined one ("all"), so that an invisible user's clients show
// "invisible" while the guilds show everyone else "offline". It is sent
// while the user is invisible and once more when they stop being so;
// otherwise the guilds' PRESENCE_UPDATE already tells the truth. Only
// this gateway's sessions are listed and told. up.send must be held.
func (ps *presences) sendSessions(up *userPresence, c combined) {
	hidden := c.Status == protocol.StatusInvisible
	if !hidden && !up.hidden {
		return
	}
	up.hidden = hidden
	ps.mu.Lock()
	var own []*Session
	entries := []protocol.SessionEntry{protocol.SessionEntryObject("all", c.Status, c.Activities, "unknown")}
	entries[0].Active = true
	for _, sp := range up.sessions {
		s := sp.s
		if s.bot {
			continue // Discord keeps bots' own sessions out of it
		}
		s.mu.Lock()
		live := s.c != nil && !s.gone
		s.mu.Unlock()
		if !live {
			continue
		}
		own = append(own, s)
		entries = append(entries, protocol.SessionEntryObject(s.id, sp.status, sp.activities, sp.platform))
	}
	ps.mu.Unlock()
	if len(own) == 0 {
		return
	}
	data, err := protocol.Marshal(entries)
	if err != nil {
		return
	}
	d := &protocol.Dispatch{Name: protocol.EventSessionsReplace, Data: data}
	for _, s := range own {
		s.Send(d)
	}
}

// CurrentPresence is the user's combined presence (guild.presence's JSON),
// or nil before the user has one. A guild asks when this session joins it
// after READY (the user created or joined the guild while online): the
// guild has no presence of the user yet, and without it the user would
// look offline there until their next op 3.
func (s *Session) CurrentPresence() json.RawMessage {
	ps := s.gw.presence
	ps.mu.Lock()
	up := ps.users[s.userID]
	var c combined
	if up != nil {
		c = ps.combine(up)
	}
	ps.mu.Unlock()
	if up == nil {
		return nil
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return nil
	}
	return raw
}
