package node

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// SubscribeMemberList sets a session's member-list ranges in a guild, op 14
// channels (the gateway's optional memberLister): at the guild's owner,
// which keeps the lists and sends the updates back like any event.
func (n *Node) SubscribeMemberList(ctx context.Context, guildID chat.ID, sessionID string, channels map[chat.ID][]protocol.ListRange) error {
	n.subsMu.Lock()
	var owner string
	if ls := n.subs[sessionID]; ls != nil {
		m, _ := ls.guilds.get(guildID)
		owner = m.ID
	}
	n.subsMu.Unlock()
	switch owner {
	case "":
		return nil // not subscribed: nothing to do, as on one node
	case n.cfg.Self:
		return n.guilds.SubscribeMemberList(ctx, guildID, sessionID, channels)
	}
	raw, err := json.Marshal(wireChannels(channels))
	if err != nil {
		return fmt.Errorf("node: member list of %d: %w", guildID, err)
	}
	rep, err := n.call(ctx, owner, request{Kind: kindMemberList, Guild: guildID, ID: sessionID, Raw: raw})
	if err != nil {
		return err
	}
	return rep.err(guildID)
}

// serveMemberList runs another node's SubscribeMemberList here.
func (n *Node) serveMemberList(ctx context.Context, req request) reply {
	var wire map[string][]protocol.ListRange
	if err := json.Unmarshal(req.Raw, &wire); err != nil {
		return errorReply(fmt.Errorf("node: member list: %w", err))
	}
	channels := make(map[chat.ID][]protocol.ListRange, len(wire))
	for k, rs := range wire {
		id, err := chat.ParseID(k)
		if err != nil {
			return errorReply(fmt.Errorf("node: member list channel %q: %w", k, err))
		}
		channels[id] = rs
	}
	if err := n.guilds.SubscribeMemberList(ctx, req.Guild, req.ID, channels); err != nil {
		return errorReply(err)
	}
	return reply{}
}

// wireChannels keys channels by decimal ID, as JSON objects need.
func wireChannels(channels map[chat.ID][]protocol.ListRange) map[string][]protocol.ListRange {
	out := make(map[string][]protocol.ListRange, len(channels))
	for id, rs := range channels {
		out[strconv.FormatUint(uint64(id), 10)] = rs
	}
	return out
}
