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
