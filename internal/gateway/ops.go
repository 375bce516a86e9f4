package gateway

import (
	"context"
	"encoding/json"
	"math"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

var (
	heartbeatACK    = protocol.AppendControl(nil, protocol.OpHeartbeatACK, []byte("null"))
	invalidSession  = protocol.AppendControl(nil, protocol.OpInvalidSession, []byte("false"))
	resumedDispatch = &protocol.Dispatch{Name: protocol.EventResumed, Data: resumedData()}
)

func resumedData() []byte {
	b, err := protocol.Marshal(protocol.Resumed{Trace: []string{"accord"}})
	if err != nil {
		panic(err) // a fixed value: cannot fail
	}
	return b
}

// handle runs one client payload. It reports whether the connection stays
// open.
func (c *conn) handle(msg []byte) bool {
	if !c.allow() {
		c.close(protocol.CloseRateLimited)
		return false
	}
	if c.etf {
		var ok bool
		if msg, ok = decodeETF(msg); !ok {
			c.close(protocol.CloseDecodeError)
			return false
		}
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
		protocol.OpGuildSubscriptions, protocol.OpBulkGuildSubscribe,
		protocol.OpRequestSoundboardSounds, protocol.OpRequestChannelInfo:
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
		if !c.gw.presence.update(sess, p.D) {
			code = protocol.CloseDecodeError
		}
	case protocol.OpRequestGuildMembers:
		code = c.requestMembers(ctx, sess, p.D)
	case protocol.OpGuildSubscriptions, protocol.OpBulkGuildSubscribe:
		code = c.subscribe(ctx, sess, p.Op, p.D)
	case protocol.OpRequestSoundboardSounds:
		code = c.soundboardSounds(ctx, sess, p.D)
	case protocol.OpRequestChannelInfo:
		code = c.channelInfo(ctx, sess, p.D)
	default:
		// Voice (op 4) is accepted and has no effect.
	}
	if code != 0 {
		c.close(code)
		return false
	}
	return true
}

// subscribe handles op 14 (one guild) and op 37 (several): each guild of
// the session's shard named there stops being passive for the session,
// and the member-list ranges of its channels object are watched. Guilds
// the session is not in are ignored, as Discord does; a channels object
// that does not decode closes with 4002 like any malformed payload.
func (c *conn) subscribe(ctx context.Context, s *Session, op int, d json.RawMessage) protocol.CloseCode {
	var guilds []chat.ID
	var lists []map[chat.ID][]protocol.ListRange
	if op == protocol.OpGuildSubscriptions {
		var gs protocol.GuildSubscriptions
		if err := protocol.DecodeData(d, &gs); err != nil {
			return protocol.CloseDecodeError
		}
		chans, err := protocol.DecodeListChannels(gs.Channels)
		if err != nil {
			return protocol.CloseDecodeError
		}
		guilds, lists = append(guilds, gs.GuildID), append(lists, chans)
	} else {
		var bulk protocol.BulkGuildSubscriptions
		if err := protocol.DecodeData(d, &bulk); err != nil {
			return protocol.CloseDecodeError
		}
		for k, raw := range bulk.Subscriptions {
			id, err := chat.ParseID(k)
			if err != nil {
				return protocol.CloseDecodeError
			}
			var gs protocol.GuildSubscriptions
			if err := protocol.DecodeData(raw, &gs); err != nil {
				return protocol.CloseDecodeError
			}
			chans, err := protocol.DecodeListChannels(gs.Channels)
			if err != nil {
				return protocol.CloseDecodeError
			}
			guilds, lists = append(guilds, id), append(lists, chans)
		}
	}
	for i, gid := range guilds {
		if gid == 0 || !s.InShard(gid) {
			continue
		}
		if err := c.gw.cfg.Guilds.Subscribe(ctx, gid, s.id); err != nil {
			c.gw.log.Debug("guild subscribe", "session", s.id, "guild", gid, "err", err)
		}
		if ml, ok := c.gw.cfg.Guilds.(memberLister); ok && len(lists[i]) > 0 {
			if err := ml.SubscribeMemberList(ctx, gid, s.id, lists[i]); err != nil {
				c.gw.log.Debug("member list subscribe", "session", s.id, "guild", gid, "err", err)
			}
		}
	}
	return 0
}

// memberLister is the optional ability of Guilds to keep op 14 member
// lists (guild.Registry and node.Node have it).
type memberLister interface {
	SubscribeMemberList(ctx context.Context, guildID chat.ID, sessionID string, channels map[chat.ID][]protocol.ListRange) error
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
	// Each guild of guild_id's list form gets its own chunks, as on Discord.
	for _, gid := range req.Guilds() {
		one := req
		one.GuildID = gid
		if code := c.requestGuildMembers(ctx, s, one); code != 0 {
			return code
		}
	}
	return 0
}

// requestGuildMembers answers one guild's op 8 with GUILD_MEMBERS_CHUNKs.
func (c *conn) requestGuildMembers(ctx context.Context, s *Session, req protocol.RequestGuildMembers) protocol.CloseCode {
	mr := MembersRequest{UserID: s.userID, Limit: max(req.Limit, 0)}
	if len(req.UserIDs) > 0 {
		mr.UserIDs = req.UserIDs[:min(len(req.UserIDs), protocol.MaxRequestMemberIDs)]
	} else {
		mr.Query = *req.Query
		if mr.Query != "" && (mr.Limit == 0 || mr.Limit > protocol.MaxRequestMemberIDs) {
			mr.Limit = protocol.MaxRequestMemberIDs
		}
	}
	if !s.InShard(req.GuildID) {
		return 0
	}
	if mr.Query == "" && mr.Limit == 0 && len(mr.UserIDs) == 0 {
		if wait := c.gw.limits.allowAllMembers(s.userID, req.GuildID, time.Now()); wait > 0 {
			return c.membersLimited(s, req, wait)
		}
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
		b, err := protocol.Marshal(chunk)
		if err != nil {
			return protocol.CloseUnknownError
		}
		s.Send(&protocol.Dispatch{Name: protocol.EventGuildMembersChunk, Data: b})
	}
	return 0
}

// membersLimited answers an "all members" op 8 asked again within
// MembersWindow with Discord's RATE_LIMITED dispatch; the connection stays.
func (c *conn) membersLimited(s *Session, req protocol.RequestGuildMembers, wait time.Duration) protocol.CloseCode {
	c.gw.stats.membersLimited.Add(1)
	b, err := protocol.Marshal(protocol.GatewayRateLimited{
		Opcode:     protocol.OpRequestGuildMembers,
		RetryAfter: math.Ceil(wait.Seconds()*1000) / 1000, // whole ms, never 0
		Meta:       protocol.RequestGuildMembersRateMeta{GuildID: req.GuildID, Nonce: req.Nonce},
	})
	if err != nil {
		return protocol.CloseUnknownError
	}
	s.Send(&protocol.Dispatch{Name: protocol.EventRateLimited, Data: b})
	return 0
}
