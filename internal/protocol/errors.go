package protocol

// JSON error codes of the REST API (shared/discord-facts.md §3).
const (
	CodeGeneral            = 0
	CodeUnknownAccount     = 10001
	CodeUnknownApplication = 10002
	CodeUnknownChannel     = 10003
	CodeUnknownGuild       = 10004
	CodeUnknownInvite      = 10006
	CodeUnknownMember      = 10007
	CodeUnknownMessage     = 10008
	CodeUnknownRole        = 10011
	CodeUnknownUser        = 10013
	CodeMaxRoles           = 30005
	CodeMaxChannels        = 30013
	CodeUnauthorized       = 40001
	CodeEntityTooLarge     = 40005
	CodeMissingAccess      = 50001
	CodeCannotEditOthers   = 50005 // "Cannot edit a message authored by another user"
	CodeEmptyMessage       = 50006
	CodeNonTextChannel     = 50008
	CodeMissingPermissions = 50013
	CodeBulkDeleteCount    = 50016
	CodeBulkDeleteTooOld   = 50034
	CodeInvalidFormBody    = 50035
	CodeInvalidGuild       = 50055
	CodeInvalidJSON        = 50109
)

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
