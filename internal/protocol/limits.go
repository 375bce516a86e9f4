package protocol

// Limits, flags and versions of Discord's protocol that are not error
// codes, opcodes or intents.

// Guild limits Discord enforces (30005, 30013).
const (
	MaxGuildRoles    = 250
	MaxGuildChannels = 500
)

// Message flags.
const (
	// MessageFlagSuppressEmbeds is the one flag a client may set on its
	// own message (SUPPRESS_EMBEDS).
	MessageFlagSuppressEmbeds = 1 << 2
)

// GatewayVersion is the gateway version Accord speaks (READY's "v").
const GatewayVersion = 10

// MaxRequestMemberIDs is how many user_ids one op 8 may ask for (and the
// largest limit with a non-empty query).
const MaxRequestMemberIDs = 100

// Invite limits (POST /channels/{id}/invites).
const (
	InviteDefaultMaxAge = 86400  // seconds: one day
	InviteMaxAge        = 604800 // seconds: seven days
	InviteMaxUses       = 100
)

// Lengths, in characters, of the string fields clients set (Discord's
// documented limits; shared/discord-facts.md).
const (
	MaxUsername         = 32
	MinUsername         = 2
	MaxGlobalName       = 32
	MaxBio              = 190 // a profile's "about me"
	MaxNick             = 32
	MinGuildName        = 2
	MaxGuildName        = 100
	MaxGuildDescription = 120
	MaxChannelName      = 100
	MaxChannelTopic     = 1024
	MaxRoleName         = 100
	MaxPassword         = 128
	// MaxLogin bounds the login field: a username or an e-mail address
	// (RFC 5321's 254-character path).
	MaxLogin = 254
)

// MaxImageBytes bounds a decoded image field (avatar, icon): Accord has no
// image pipeline yet (it comes with attachments) and keeps only a hash, so
// it takes small images only. A base64 body of that size fits well inside
// the REST body limit.
const MaxImageBytes = 256 << 10
