package gateway

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Ops 31 and 43 ask for guild state Accord does not have (soundboards,
// voice): they are answered with the empty dispatch Discord would send for
// a guild without it, so that libraries waiting for the answer (discord.js
// fetchSoundboardSounds) go on. Only guilds the user is a member of are
// answered, as Discord does: a request must not reveal whether another
// guild exists.

// soundboardSounds answers op 31 with one SOUNDBOARD_SOUNDS per requested
// guild of the user.
func (c *conn) soundboardSounds(ctx context.Context, s *Session, d json.RawMessage) protocol.CloseCode {
	var req protocol.RequestSoundboardSounds
	if err := protocol.DecodeData(d, &req); err != nil {
		return protocol.CloseDecodeError
	}
	if len(req.GuildIDs) == 0 {
		return 0
	}
	mine := c.memberOf(ctx, s)
	sent := make(map[chat.ID]bool, len(req.GuildIDs))
	for _, gid := range req.GuildIDs {
		if sent[gid] || !slices.Contains(mine, gid) {
			continue
		}
		sent[gid] = true
		if code := send(s, protocol.EventSoundboardSounds, protocol.SoundboardSoundsEvent{GuildID: gid, Sounds: []struct{}{}}); code != 0 {
			return code
		}
	}
	return 0
}

// channelInfo answers op 43 with CHANNEL_INFO for a guild of the user. No
// channel has a voice status or a running call here, so the list is empty.
func (c *conn) channelInfo(ctx context.Context, s *Session, d json.RawMessage) protocol.CloseCode {
	var req protocol.RequestChannelInfo
	if err := protocol.DecodeData(d, &req); err != nil || len(req.Fields) > protocol.MaxChannelInfoFields {
		return protocol.CloseDecodeError
	}
	if req.GuildID == 0 || !slices.Contains(c.memberOf(ctx, s), req.GuildID) {
		return 0
	}
	return send(s, protocol.EventChannelInfo, protocol.ChannelInfoEvent{GuildID: req.GuildID, Channels: []protocol.ChannelInfo{}})
}

// memberOf returns the guilds the session's user is a member of now (not
// only those at READY); nil when the store cannot say, which answers
// nothing.
func (c *conn) memberOf(ctx context.Context, s *Session) []chat.ID {
	ids, err := c.gw.cfg.Accounts.UserGuilds(ctx, s.userID)
	if err != nil {
		c.gw.log.Debug("user guilds", "session", s.id, "err", err)
		return nil
	}
	return ids
}

// send queues a dispatch of body for s.
func send(s *Session, name string, body any) protocol.CloseCode {
	b, err := protocol.Marshal(body)
	if err != nil {
		return protocol.CloseUnknownError
	}
	s.Send(&protocol.Dispatch{Name: name, Data: b})
	return 0
}
