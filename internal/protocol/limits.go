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
