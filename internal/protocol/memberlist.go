package protocol

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/accordchat/accord/internal/chat"
)

// Member lists (Discord's "lazy guilds"): a client that shows a channel's
// member list sends op 14 with channels: {channel_id: [[0,99],[100,199]]}
// and gets GUILD_MEMBER_LIST_UPDATE for the list of members who can see
// that channel: a SYNC of each range, then INSERT/UPDATE/DELETE as the
// list changes. Indexes count group headers as items.

// EventGuildMemberListUpdate carries a member list's SYNCs and changes.
const EventGuildMemberListUpdate = "GUILD_MEMBER_LIST_UPDATE"

// Member list limits, as Discord's client uses them: ranges of 100 items,
// a few ranges per channel and a few channels per guild.
const (
	MemberListRangeSize   = 100 // items in one range at most
	MaxMemberListRanges   = 5   // ranges per channel
	MaxMemberListChannels = 5   // channels per guild per session
)

// Member list op names.
const (
	ListOpSync       = "SYNC"
	ListOpInsert     = "INSERT"
	ListOpUpdate     = "UPDATE"
	ListOpDelete     = "DELETE"
	ListOpInvalidate = "INVALIDATE"
)

// MemberListEveryone is the list id of channels everyone can see.
const MemberListEveryone = "everyone"

// MemberListUpdate is GUILD_MEMBER_LIST_UPDATE.
type MemberListUpdate struct {
	GuildID     chat.ID           `json:"guild_id"`
	ID          string            `json:"id"` // the list: "everyone" or a hash of the channel's view overwrites
	MemberCount int               `json:"member_count"`
	OnlineCount int               `json:"online_count"`
	Groups      []MemberListGroup `json:"groups"`
	Ops         []MemberListOp    `json:"ops"`
}

// MemberListGroup is a group and its member count.
type MemberListGroup struct {
	ID    string `json:"id"` // a hoisted role's ID, "online" or "offline"
	Count int    `json:"count"`
}

// MemberListOp is one op; which fields are set depends on Op: SYNC and
// INVALIDATE have Range (SYNC also Items, possibly empty), INSERT and
// UPDATE have Index and Item, DELETE has Index.
type MemberListOp struct {
	Op    string            `json:"op"`
	Range *[2]int           `json:"range,omitempty"`
	Items *[]MemberListItem `json:"items,omitempty"`
	Index *int              `json:"index,omitempty"`
	Item  *MemberListItem   `json:"item,omitempty"`
}

// MemberListItem is a group header or a member.
type MemberListItem struct {
	Group  *MemberListGroup  `json:"group,omitempty"`
	Member *MemberListMember `json:"member,omitempty"`
}

// MemberListMember is a member object with its presence.
type MemberListMember struct {
	Member
	Presence Presence `json:"presence"`
}

// ListRange is one [first, last] item range of op 14, inclusive.
type ListRange = [2]int

// DecodeListChannels decodes op 14's channels object. A malformed object
// is an error (the gateway closes with 4002, as for any undecodable
// payload). Values Discord's client never sends are dropped rather than
// refused: ranges with a negative start or an end before the start, and
// ranges, channels past the limits (lowest channel IDs kept); a range
// longer than MemberListRangeSize items is cut to that size. A channel
// with no ranges is kept: it unsubscribes the channel.
func DecodeListChannels(raw json.RawMessage) (map[chat.ID][]ListRange, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string][]ListRange
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("protocol: op 14 channels: %w", err)
	}
	ids := make([]chat.ID, 0, len(m))
	byID := make(map[chat.ID][]ListRange, len(m))
	for k, rs := range m {
		id, err := chat.ParseID(k)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("protocol: op 14 channels: bad channel id %q", k)
		}
		ids = append(ids, id)
		var kept []ListRange
		for _, r := range rs {
			if r[0] < 0 || r[1] < r[0] || len(kept) == MaxMemberListRanges {
				continue
			}
			r[1] = min(r[1], r[0]+MemberListRangeSize-1)
			kept = append(kept, r)
		}
		byID[id] = kept
	}
	slices.Sort(ids)
	out := make(map[chat.ID][]ListRange, min(len(ids), MaxMemberListChannels))
	for _, id := range ids[:min(len(ids), MaxMemberListChannels)] {
		out[id] = byID[id]
	}
	return out, nil
}
