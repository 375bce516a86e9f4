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
	CodeBotsForbidden      = 20001 // "Bots cannot use this endpoint"
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

// Field error codes: the "code" of an entry in a 50035 body's nested
// "_errors" lists (FieldError.Code).
const (
	FieldBaseTypeMaxLength                    = "BASE_TYPE_MAX_LENGTH"
	FieldBaseTypeMinLength                    = "BASE_TYPE_MIN_LENGTH"
	FieldBaseTypeBadLength                    = "BASE_TYPE_BAD_LENGTH"
	FieldBaseTypeRequired                     = "BASE_TYPE_REQUIRED"
	FieldBaseTypeChoices                      = "BASE_TYPE_CHOICES"
	FieldBaseTypeInvalid                      = "BASE_TYPE_INVALID"
	FieldBaseTypeDuplicate                    = "BASE_TYPE_DUPLICATE"
	FieldBaseTypeArray                        = "BASE_TYPE_ARRAY"
	FieldBaseTypeString                       = "BASE_TYPE_STRING"
	FieldBaseTypeBoolean                      = "BASE_TYPE_BOOLEAN"
	FieldNumberTypeCoerce                     = "NUMBER_TYPE_COERCE"
	FieldNumberTypeMin                        = "NUMBER_TYPE_MIN"
	FieldNumberTypeMax                        = "NUMBER_TYPE_MAX"
	FieldDictTypeConvert                      = "DICT_TYPE_CONVERT"
	FieldDateTypeParse                        = "DATE_TYPE_PARSE"
	FieldURLTypeInvalidURL                    = "URL_TYPE_INVALID_URL"
	FieldURLTypeInvalidScheme                 = "URL_TYPE_INVALID_SCHEME"
	FieldContentTypeInvalid                   = "CONTENT_TYPE_INVALID"
	FieldMaxEmbedSizeExceeded                 = "MAX_EMBED_SIZE_EXCEEDED"
	FieldMessageReferenceUnknownMessage       = "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"
	FieldMessageAllowedMentionsParseExclusive = "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE"
	FieldOAuth2InvalidScope                   = "OAUTH2_INVALID_SCOPE"
	FieldChannelInvalid                       = "CHANNEL_INVALID"
	FieldChannelParentInvalid                 = "CHANNEL_PARENT_INVALID"
	FieldRoleInvalid                          = "ROLE_INVALID"
	FieldUsernameInvalidCharacters            = "USERNAME_INVALID_CHARACTERS"
	FieldUsernameAlreadyTaken                 = "USERNAME_ALREADY_TAKEN"
	FieldInvalidLogin                         = "INVALID_LOGIN"
	FieldApplicationFlagsInvalid              = "APPLICATION_FLAGS_INVALID"
	FieldImageInvalid                         = "IMAGE_INVALID"
	FieldBinaryTypeMaxSize                    = "BINARY_TYPE_MAX_SIZE"
)
