package protocol

import (
	"encoding/json"

	"github.com/accordchat/accord/internal/chat"
)

// Dispatch event names (the "t" of an op 0 frame). Every package that
// builds or recognises a dispatch uses these names, never string literals,
// so that a grep for an event finds every place that sends it.
const (
	EventReady             = "READY"
	EventResumed           = "RESUMED"
	EventGuildCreate       = "GUILD_CREATE"
	EventGuildUpdate       = "GUILD_UPDATE"
	EventGuildDelete       = "GUILD_DELETE"
	EventGuildMemberAdd    = "GUILD_MEMBER_ADD"
	EventGuildMemberUpdate = "GUILD_MEMBER_UPDATE"
	EventGuildMemberRemove = "GUILD_MEMBER_REMOVE"
	EventGuildMembersChunk = "GUILD_MEMBERS_CHUNK"
	EventGuildRoleCreate   = "GUILD_ROLE_CREATE"
	EventGuildRoleUpdate   = "GUILD_ROLE_UPDATE"
	EventGuildRoleDelete   = "GUILD_ROLE_DELETE"
	EventChannelCreate     = "CHANNEL_CREATE"
	EventChannelUpdate     = "CHANNEL_UPDATE"
	EventChannelDelete     = "CHANNEL_DELETE"
	EventMessageCreate     = "MESSAGE_CREATE"
	EventMessageUpdate     = "MESSAGE_UPDATE"
	EventMessageDelete     = "MESSAGE_DELETE"
	EventMessageDeleteBulk = "MESSAGE_DELETE_BULK"
	EventTypingStart       = "TYPING_START"
	EventPresenceUpdate    = "PRESENCE_UPDATE"
	EventUserUpdate        = "USER_UPDATE"
	// EventPassiveUpdateV1 is Discord's own client's compact update for a
	// passive session of a large guild (not in the bot documentation).
	EventPassiveUpdateV1 = "PASSIVE_UPDATE_V1"
)

// Event payloads that are not a REST object on their own. Field order is
// alphabetical by JSON key: these replaced map[string]any values, whose
// encoding sorts keys, and the bytes on the wire must not change.

// GuildDeleteEvent is GUILD_DELETE's data: the guild is gone, or the
// session's user left it.
type GuildDeleteEvent struct {
	ID chat.ID `json:"id"`
}

// GuildRoleEvent is GUILD_ROLE_CREATE and GUILD_ROLE_UPDATE's data.
type GuildRoleEvent struct {
	GuildID chat.ID `json:"guild_id"`
	Role    Role    `json:"role"`
}

// GuildRoleDeleteEvent is GUILD_ROLE_DELETE's data.
type GuildRoleDeleteEvent struct {
	GuildID chat.ID `json:"guild_id"`
	RoleID  chat.ID `json:"role_id"`
}

// GuildMemberRemoveEvent is GUILD_MEMBER_REMOVE's data.
type GuildMemberRemoveEvent struct {
	GuildID chat.ID `json:"guild_id"`
	User    User    `json:"user"`
}

// MessageDeleteEvent is MESSAGE_DELETE's data.
type MessageDeleteEvent struct {
	ChannelID chat.ID `json:"channel_id"`
	GuildID   chat.ID `json:"guild_id"`
	ID        chat.ID `json:"id"`
}

// TypingStartEvent is TYPING_START's data; Timestamp is Unix seconds.
type TypingStartEvent struct {
	ChannelID chat.ID `json:"channel_id"`
	GuildID   chat.ID `json:"guild_id"`
	Member    Member  `json:"member"`
	Timestamp int64   `json:"timestamp"`
	UserID    chat.ID `json:"user_id"`
}

// PassiveChannel is one channel of a PASSIVE_UPDATE_V1.
type PassiveChannel struct {
	ID            chat.ID `json:"id"`
	LastMessageID chat.ID `json:"last_message_id"`
}

// PassiveUpdateEvent is PASSIVE_UPDATE_V1's data: the last message of each
// channel the session may see.
type PassiveUpdateEvent struct {
	GuildID  chat.ID          `json:"guild_id"`
	Channels []PassiveChannel `json:"channels"`
}

// MessageDeleteBulkEvent is MESSAGE_DELETE_BULK's data.
type MessageDeleteBulkEvent struct {
	ChannelID chat.ID   `json:"channel_id"`
	GuildID   chat.ID   `json:"guild_id"`
	IDs       []chat.ID `json:"ids"`
}

// GuildCreate is GUILD_CREATE's data: the guild object plus the fields
// Discord adds for the gateway. Slices are never nil where the guild
// renders them, so they encode as [].
type GuildCreate struct {
	Guild
	JoinedAt             string     `json:"joined_at"`
	Large                bool       `json:"large"`
	Unavailable          bool       `json:"unavailable"`
	MemberCount          int        `json:"member_count"`
	VoiceStates          []struct{} `json:"voice_states"`
	Members              []Member   `json:"members"`
	Channels             []Channel  `json:"channels"`
	Threads              []Channel  `json:"threads"`
	Presences            []Presence `json:"presences"`
	StageInstances       []struct{} `json:"stage_instances"`
	GuildScheduledEvents []struct{} `json:"guild_scheduled_events"`
	SoundboardSounds     []struct{} `json:"soundboard_sounds"`
}

// Presence is a presence as GUILD_CREATE lists it and PRESENCE_UPDATE's
// data.
type Presence struct {
	User         PresenceUser      `json:"user"`
	GuildID      chat.ID           `json:"guild_id"`
	Status       string            `json:"status"`
	Activities   json.RawMessage   `json:"activities"`
	ClientStatus map[string]string `json:"client_status"`
}

// PresenceUser is the partial user of a presence.
type PresenceUser struct {
	ID chat.ID `json:"id"`
}

// Presence statuses.
const (
	StatusOnline    = "online"
	StatusIdle      = "idle"
	StatusDND       = "dnd"
	StatusInvisible = "invisible"
	StatusOffline   = "offline"
)

// PresenceObject builds userID's presence in guildID as others see it:
// invisible is shown as offline, missing activities as [], and an online
// user's status as its desktop client status.
func PresenceObject(guildID, userID chat.ID, status string, activities json.RawMessage) Presence {
	p := Presence{User: PresenceUser{ID: userID}, GuildID: guildID, Status: status, Activities: activities}
	if p.Status == StatusInvisible {
		p.Status = StatusOffline
	}
	if len(p.Activities) == 0 || string(p.Activities) == "null" {
		p.Activities = json.RawMessage("[]")
	}
	p.ClientStatus = map[string]string{}
	if p.Status != StatusOffline {
		p.ClientStatus["desktop"] = p.Status
	}
	return p
}
