package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/accordchat/accord/internal/account"
	"github.com/accordchat/accord/internal/auth"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

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
	if !g.limits.startSession(user.ID, user.Bot, shard[0], time.Now()) {
		// Over max_concurrency or the daily budget: Discord's answer is
		// op 9 d:false; the client may IDENTIFY again on this connection.
		g.stats.identifyLimited.Add(1)
		c.enqueueControl(invalidSession)
		return 0
	}
	lt := protocol.LargeThreshold(id.LargeThreshold)
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
		V:                protocol.GatewayVersion,
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
	if g.cfg.Private != nil && s.InShard(0) {
		// DMs go to shard 0 only, as on Discord.
		pcs, rels, err := g.cfg.Private.ReadyPrivate(ctx, user.ID, user.Bot)
		if err != nil {
			g.log.Warn("identify: private channels", "user", user.ID, "err", err)
			return protocol.CloseUnknownError
		}
		ready.PrivateChannels, ready.Relationships = pcs, rels
	}
	if g.cfg.ReadStates != nil && !user.Bot {
		rs, err := g.cfg.ReadStates.Ready(ctx, user)
		if err != nil {
			g.log.Warn("identify: read states", "user", user.ID, "err", err)
			return protocol.CloseUnknownError
		}
		ready.ReadState = &rs
	}
	ready.User, _ = protocol.Marshal(protocol.ReadyUser{User: protocol.UserObject(user), Verified: true})
	data, err := protocol.Marshal(ready)
	if err != nil {
		return protocol.CloseUnknownError
	}
	c.setSession(s)
	s.Send(&protocol.Dispatch{Name: protocol.EventReady, Data: data})
	g.register(s)
	g.stats.identified.Add(1)
	for _, gid := range s.guilds {
		if err := g.connectGuild(ctx, gid, s, lt); err != nil {
			g.log.Warn("identify: connect guild", "session", s.id, "guild", gid, "err", err)
		}
	}
	g.presence.identified(s, id.Properties, id.Presence)
	return 0
}

// connectGuild subscribes s to guild gid (its GUILD_CREATE follows),
// waiting out a full guild inbox until ctx ends. In a storm of IDENTIFYs
// (every session of a big guild coming back after a restart) the guild
// actor's inbox fills; a session that gave up at the first guild.ErrBusy
// never got that guild's GUILD_CREATE (`accord bench storm --sessions
// 10000` left 221-437 sessions of 10,000 so). The waits are jittered so
// the retries do not come back as one wave.
func (g *Gateway) connectGuild(ctx context.Context, gid chat.ID, s *Session, lt int) error {
	wait := time.Millisecond
	for {
		err := g.cfg.Guilds.Connect(ctx, gid, s, lt)
		if !errors.Is(err, guild.ErrBusy) {
			return err
		}
		t := time.NewTimer(wait + rand.N(wait))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// authenticate maps a token (with or without the "Bot " prefix that some
// libraries send) to its user, or 4004; a user's token with "Bot " is
// refused, as Discord refuses it.
func (c *conn) authenticate(ctx context.Context, token string) (chat.User, protocol.CloseCode) {
	token, botScheme := account.SplitAuthorization(token)
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
	if err == nil {
		err = account.CheckScheme(u, botScheme)
	}
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
	g.presence.changed(s)
	return 0
}
