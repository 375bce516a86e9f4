package protocol

import "github.com/accordchat/accord/internal/chat"

// Opcodes Discord documents for bots besides the classic ones: a client
// asks, the gateway answers with a dispatch (or nothing).
const (
	OpRequestSoundboardSounds = 31 // answered with SOUNDBOARD_SOUNDS per guild
	OpRequestChannelInfo      = 43 // answered with CHANNEL_INFO
)

// Events answering those opcodes, and the invite events.
const (
	EventSoundboardSounds = "SOUNDBOARD_SOUNDS"
	EventChannelInfo      = "CHANNEL_INFO"
	EventInviteCreate     = "INVITE_CREATE"
	EventInviteDelete     = "INVITE_DELETE"
)

// MaxChannelInfoFields bounds the "fields" of an op 43; Discord knows two
// ("status", "voice_start_time"), so more is a malformed request.
const MaxChannelInfoFields = 8

// RequestSoundboardSounds is the "d" of op 31.
type RequestSoundboardSounds struct {
	GuildIDs []chat.ID `json:"guild_ids"`
}

// RequestChannelInfo is the "d" of op 43: the ephemeral channel fields
// wanted for one guild.
type RequestChannelInfo struct {
	GuildID chat.ID  `json:"guild_id"`
	Fields  []string `json:"fields"`
}

// SoundboardSoundsEvent is SOUNDBOARD_SOUNDS's data. Accord has no
// soundboard, so Sounds is always empty, never null.
type SoundboardSoundsEvent struct {
	GuildID chat.ID    `json:"guild_id"`
	Sounds  []struct{} `json:"soundboard_sounds"`
}

// ChannelInfoEvent is CHANNEL_INFO's data: the guild's channels that have
// ephemeral data (a voice status or a running call). Accord has no voice,
// so Channels is always empty, never null.
type ChannelInfoEvent struct {
	GuildID  chat.ID       `json:"guild_id"`
	Channels []ChannelInfo `json:"channels"`
}

// ChannelInfo is one channel of a CHANNEL_INFO; each optional field is
// present only when it was asked for and the channel has it.
type ChannelInfo struct {
	ID             chat.ID `json:"id"`
	Status         *string `json:"status,omitempty"`
	VoiceStartTime *string `json:"voice_start_time,omitempty"`
}

// InviteCreateEvent is INVITE_CREATE's data, sent to sessions with
// GUILD_INVITES that may manage the invite's channel.
type InviteCreateEvent struct {
	ChannelID chat.ID `json:"channel_id"`
	Code      string  `json:"code"`
	CreatedAt string  `json:"created_at"`
	GuildID   chat.ID `json:"guild_id"`
	Inviter   *User   `json:"inviter,omitempty"`
	MaxAge    int     `json:"max_age"`
	MaxUses   int     `json:"max_uses"`
	Temporary bool    `json:"temporary"`
	Uses      int     `json:"uses"`
	ExpiresAt *string `json:"expires_at"`
}

// InviteDeleteEvent is INVITE_DELETE's data.
type InviteDeleteEvent struct {
	ChannelID chat.ID `json:"channel_id"`
	GuildID   chat.ID `json:"guild_id"`
	Code      string  `json:"code"`
}
