package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/auth"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

var (
	heartbeatACK      = protocol.AppendControl(nil, protocol.OpHeartbeatACK, []byte("null"))
	invalidSession    = protocol.AppendControl(nil, protocol.OpInvalidSession, []byte("false"))
	resumedDispatch   = &protocol.Dispatch{Name: "RESUMED", Data: []byte(`{"_trace":["accord"]}`)}
	defaultLargeLimit = 50
)

// handle runs one client payload. It reports whether the connection stays
// open.
func (c *conn) handle(msg []byte) bool {
	if !c.allow() {
		c.close(protocol.CloseRateLimited)
		return false
	}
	p, err := protocol.DecodePayload(msg)
	if err != nil {
		c.close(protocol.CloseDecodeError)
		return false
	}
	sess := c.session()
	switch p.Op {
	case protocol.OpHeartbeat:
		c.lastBeat.Store(time.Now().UnixNano())
		c.enqueueControl(heartbeatACK)
		var seq int64
		if sess != nil && json.Unmarshal(p.D, &seq) == nil && seq > 0 {
			sess.ack(c, seq)
		}
		return true
	case protocol.OpIdentify, protocol.OpResume:
		if sess != nil {
			c.close(protocol.CloseAlreadyAuthenticated)
			return false
		}
		var code protocol.CloseCode
		if p.Op == protocol.OpIdentify {
			code = c.identify(p.D)
		} else {
			code = c.resume(p.D)
		}
		if code != 0 {
			c.close(code)
			return false
		}
		return true
	case protocol.OpPresenceUpdate, protocol.OpRequestGuildMembers, protocol.OpVoiceStateUpdate,
		protocol.OpGuildSubscriptions, protocol.OpBulkGuildSubscribe:
		if sess == nil {
			c.close(protocol.CloseNotAuthenticated)
			return false
		}
	default:
		c.close(protocol.CloseUnknownOpcode)
		return false
	}
	ctx, cancel := context.WithTimeout(c.gw.ctx, c.gw.cfg.RequestTimeout)
	defer cancel()
	var code protocol.CloseCode
	switch p.Op {
	case protocol.OpPresenceUpdate:
		if len(p.D) == 0 || p.D[0] != '{' {
			code = protocol.CloseDecodeError
			break
		}
		if err := c.gw.cfg.Guilds.UpdatePresence(ctx, sess.userID, p.D); err != nil {
			c.gw.log.Debug("presence update", "session", sess.id, "err", err)
		}
	case protocol.OpRequestGuildMembers:
		code = c.requestMembers(ctx, sess, p.D)
	case protocol.OpGuildSubscriptions, protocol.OpBulkGuildSubscribe:
		code = c.subscribe(ctx, sess, p.Op, p.D)
	default:
		// Voice (op 4) is accepted and has no effect.
	}
	if code != 0 {
		c.close(code)
		return false
	}
	return true
}

// identify checks an IDENTIFY and starts a session: READY, then one
// GUILD_CREATE per guild of the shard, sent by the guilds themselves.
func (c *conn) identify(d json.RawMessage) protocol.CloseCode {
	var id protocol.Identify
	if err := protocol.DecodeData(d, &id); err != nil {
		return protocol.CloseDecodeError
	}
	g := c.gw
	ctx, cancel := context.WithTimeout(g.ctx, g.cfg.RequestTimeout)
	defer cancel()
	user, code := c.authenticate(ctx, id.Token)
	if code != 0 {
		return code
	}
	if id.Intents == nil || *id.Intents&^protocol.IntentsAll != 0 {
		return protocol.CloseInvalidIntents
	}
	intents := *id.Intents
	var shard [2]int
	if id.Shard != nil {
		if len(id.Shard) != 2 || id.Shard[1] < 1 || id.Shard[0] < 0 || id.Shard[0] >= id.Shard[1] {
			return protocol.CloseInvalidShard
		}
		shard = [2]int{id.Shard[0], id.Shard[1]}
	}
	var app *protocol.ReadyApplication
	if user.Bot {
		a, err := g.cfg.Accounts.ApplicationByBot(ctx, user.ID)
		if err != nil {
			g.log.Warn("identify: bot without application", "user", user.ID, "err", err)
			return protocol.CloseAuthenticationFailed
		}
		if intents&protocol.IntentsPrivileged&^allowedPrivileged(a.Flags) != 0 {
			return protocol.CloseDisallowedIntents
		}
		app = &protocol.ReadyApplication{ID: a.ID, Flags: a.Flags}
	}
	lt := id.LargeThreshold
	if lt == 0 {
		lt = defaultLargeLimit
	}
	lt = min(max(lt, 50), 250)
	all, err := g.cfg.Accounts.UserGuilds(ctx, user.ID)
	if err != nil {
		g.log.Warn("identify: user guilds", "user", user.ID, "err", err)
		return protocol.CloseUnknownError
	}
	s := &Session{
		gw: g, id: newSessionID(), userID: user.ID, bot: user.Bot, intents: intents,
		shard: shard, largeThreshold: lt, c: c,
	}
	ready := protocol.Ready{
		V:                10,
		SessionID:        s.id,
		SessionType:      "normal",
		ResumeGatewayURL: c.resumeURL,
		Application:      app,
		Guilds:           []protocol.UnavailableGuild{},
		PrivateChannels:  []json.RawMessage{},
		Relationships:    []json.RawMessage{},
	}
	if id.Shard != nil {
		ready.Shard = []int{shard[0], shard[1]}
	}
	for _, gid := range all {
		if s.InShard(gid) {
			s.guilds = append(s.guilds, gid)
			ready.Guilds = append(ready.Guilds, protocol.UnavailableGuild{ID: gid, Unavailable: true})
		}
	}
	ready.User, _ = json.Marshal(readyUser{User: protocol.UserObject(user), Verified: true})
	data, err := json.Marshal(ready)
	if err != nil {
		return protocol.CloseUnknownError
	}
	c.setSession(s)
	s.Send(&protocol.Dispatch{Name: "READY", Data: data})
	g.register(s)
	g.stats.identified.Add(1)
	for _, gid := range s.guilds {
		if err := g.cfg.Guilds.Connect(ctx, gid, s, lt); err != nil {
			g.log.Warn("identify: connect guild", "session", s.id, "guild", gid, "err", err)
		}
	}
	if len(id.Presence) > 0 && id.Presence[0] == '{' {
		if err := g.cfg.Guilds.UpdatePresence(ctx, user.ID, id.Presence); err != nil {
			g.log.Debug("identify: presence", "session", s.id, "err", err)
		}
	}
	return 0
}

// readyUser is READY's user object: Discord's user object plus the fields
// only the current user has.
type readyUser struct {
	protocol.User
	Verified   bool `json:"verified"`
	MFAEnabled bool `json:"mfa_enabled"`
}

// authenticate maps a token (with or without the "Bot " prefix that some
// libraries send) to its user, or 4004.
func (c *conn) authenticate(ctx context.Context, token string) (chat.User, protocol.CloseCode) {
	token = strings.TrimSpace(strings.TrimPrefix(token, "Bot "))
	if token == "" {
		return chat.User{}, protocol.CloseAuthenticationFailed
	}
	uid, err := c.gw.cfg.Accounts.TokenUser(ctx, auth.HashToken(token))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.gw.log.Warn("authenticate: token lookup", "err", err)
		}
		return chat.User{}, protocol.CloseAuthenticationFailed
	}
	u, err := c.gw.cfg.Accounts.User(ctx, uid)
	if err != nil {
		return chat.User{}, protocol.CloseAuthenticationFailed
	}
	return u, 0
}

// allowedPrivileged returns the privileged intents an application's flags
// allow: the full or the "limited" (under 100 guilds) flag of each.
func allowedPrivileged(flags uint64) protocol.Intents {
	var a protocol.Intents
	if flags&(chat.AppFlagGatewayPresence|chat.AppFlagGatewayPresenceLimited) != 0 {
		a |= protocol.IntentGuildPresences
	}
	if flags&(chat.AppFlagGatewayGuildMembers|chat.AppFlagGatewayGuildMembersLimited) != 0 {
		a |= protocol.IntentGuildMembers
	}
	if flags&(chat.AppFlagGatewayMessageContent|chat.AppFlagGatewayMessageContentLimited) != 0 {
		a |= protocol.IntentMessageContent
	}
	return a
}

// resume attaches c to an existing session and replays what the client
// missed, then RESUMED. An unknown, expired or no longer replayable session
// gets op 9 d:false and the connection stays open for an IDENTIFY.
func (c *conn) resume(d json.RawMessage) protocol.CloseCode {
	var r protocol.Resume
	if err := protocol.DecodeData(d, &r); err != nil {
		return protocol.CloseDecodeError
	}
	g := c.gw
	ctx, cancel := context.WithTimeout(g.ctx, g.cfg.RequestTimeout)
	defer cancel()
	user, code := c.authenticate(ctx, r.Token)
	if code != 0 {
		return code
	}
	s := g.lookup(r.SessionID)
	if s == nil || s.userID != user.ID {
		c.enqueueControl(invalidSession)
		return 0
	}
	old, result := s.resume(c, r.Seq)
	switch result {
	case resumeBadSeq:
		return protocol.CloseInvalidSeq
	case resumeGone:
		g.invalidate(s)
		c.enqueueControl(invalidSession)
		return 0
	}
	c.setSession(s)
	if old != nil && old != c {
		old.close(protocol.CloseUnknownError)
	}
	g.stats.resumed.Add(1)
	s.Send(resumedDispatch)
	return 0
}

// subscribe handles op 14 (one guild) and op 37 (several): each guild of
// the session's shard named there stops being passive for the session.
// Guilds the session is not in are ignored, as Discord does.
func (c *conn) subscribe(ctx context.Context, s *Session, op int, d json.RawMessage) protocol.CloseCode {
	var guilds []chat.ID
	if op == protocol.OpGuildSubscriptions {
		var gs protocol.GuildSubscriptions
		if err := protocol.DecodeData(d, &gs); err != nil {
			return protocol.CloseDecodeError
		}
		guilds = append(guilds, gs.GuildID)
	} else {
		var bulk protocol.BulkGuildSubscriptions
		if err := protocol.DecodeData(d, &bulk); err != nil {
			return protocol.CloseDecodeError
		}
		for k := range bulk.Subscriptions {
			id, err := chat.ParseID(k)
			if err != nil {
				return protocol.CloseDecodeError
			}
			guilds = append(guilds, id)
		}
	}
	for _, gid := range guilds {
		if gid == 0 || !s.InShard(gid) {
			continue
		}
		if err := c.gw.cfg.Guilds.Subscribe(ctx, gid, s.id); err != nil {
			c.gw.log.Debug("guild subscribe", "session", s.id, "guild", gid, "err", err)
		}
	}
	return 0
}

// requestMembers answers op 8 with GUILD_MEMBERS_CHUNK dispatches of at
// most 1000 members each.
func (c *conn) requestMembers(ctx context.Context, s *Session, d json.RawMessage) protocol.CloseCode {
	var req protocol.RequestGuildMembers
	if err := protocol.DecodeData(d, &req); err != nil {
		return protocol.CloseDecodeError
	}
	if req.Query == nil && len(req.UserIDs) == 0 {
		return protocol.CloseUnknownOpcode // "invalid payload for an opcode"
	}
	if len(req.Nonce) > protocol.MaxNonce {
		req.Nonce = ""
	}
	mr := MembersRequest{UserID: s.userID, Limit: max(req.Limit, 0)}
	if len(req.UserIDs) > 0 {
		mr.UserIDs = req.UserIDs[:min(len(req.UserIDs), 100)]
	} else {
		mr.Query = *req.Query
		if mr.Query != "" && (mr.Limit == 0 || mr.Limit > 100) {
			mr.Limit = 100
		}
	}
	if !s.InShard(req.GuildID) {
		return 0
	}
	members, notFound, err := c.gw.cfg.Guilds.RequestMembers(ctx, req.GuildID, mr)
	if err != nil {
		c.gw.log.Debug("request members", "session", s.id, "guild", req.GuildID, "err", err)
		members = nil
	}
	count := max((len(members)+protocol.MaxMembersPerChunk-1)/protocol.MaxMembersPerChunk, 1)
	for i := range count {
		chunk := protocol.GuildMembersChunk{
			GuildID:    req.GuildID,
			Members:    members[min(i*protocol.MaxMembersPerChunk, len(members)):min((i+1)*protocol.MaxMembersPerChunk, len(members))],
			ChunkIndex: i,
			ChunkCount: count,
			Nonce:      req.Nonce,
		}
		if chunk.Members == nil {
			chunk.Members = []json.RawMessage{}
		}
		if i == count-1 {
			chunk.NotFound = notFound
		}
		b, err := json.Marshal(chunk)
		if err != nil {
			return protocol.CloseUnknownError
		}
		s.Send(&protocol.Dispatch{Name: "GUILD_MEMBERS_CHUNK", Data: b})
	}
	return 0
}
