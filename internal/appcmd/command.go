// Package appcmd is application commands as Discord defines them: the
// command object (chat input, user and message commands, with options,
// sub-commands and groups, choices, limits and localizations), Discord's
// validation of it with 50035 field errors, the per-guild permission
// overrides, and the rule that decides whether a member may use a command
// in a channel. It does no I/O: package api stores commands (store
// sub-interface store.AppCommands) and calls it.
package appcmd

import (
	"encoding/json"

	"github.com/accordchat/accord/internal/chat"
)

// Command types.
const (
	ChatInput = 1
	UserType  = 2
	Message   = 3
)

// Option types.
const (
	OptSubCommand      = 1
	OptSubCommandGroup = 2
	OptString          = 3
	OptInteger         = 4
	OptBoolean         = 5
	OptUser            = 6
	OptChannel         = 7
	OptRole            = 8
	OptMentionable     = 9
	OptNumber          = 10
	OptAttachment      = 11
)

// Limits, as Discord's.
const (
	MaxChatInputCommands = 100 // per application globally, and per guild
	MaxUserCommands      = 15
	MaxMessageCommands   = 15
	MaxOptions           = 25
	MaxChoices           = 25
	MaxStringLength      = 6000 // the bound of min_length / max_length
)

// Command is Discord's application command object as stored and returned.
// Localizations are maps of locale to text; DefaultMemberPermissions is a
// permission bit set in a string, or nil for "everyone".
type Command struct {
	ID                       chat.ID           `json:"id"`
	Type                     int               `json:"type"`
	ApplicationID            chat.ID           `json:"application_id"`
	GuildID                  chat.ID           `json:"guild_id,omitempty"`
	Name                     string            `json:"name"`
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	Description              string            `json:"description"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Options                  []Option          `json:"options,omitempty"`
	DefaultMemberPermissions *string           `json:"default_member_permissions"`
	DMPermission             *bool             `json:"dm_permission,omitempty"`
	NSFW                     bool              `json:"nsfw"`
	IntegrationTypes         []int             `json:"integration_types,omitempty"`
	Contexts                 []int             `json:"contexts"`
	Version                  chat.ID           `json:"version"`
}

// Option is a command option, sub-command or sub-command group.
type Option struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	Description              string            `json:"description"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Required                 bool              `json:"required,omitempty"`
	Choices                  []Choice          `json:"choices,omitempty"`
	Options                  []Option          `json:"options,omitempty"`
	ChannelTypes             []int             `json:"channel_types,omitempty"`
	MinValue                 *float64          `json:"min_value,omitempty"`
	MaxValue                 *float64          `json:"max_value,omitempty"`
	MinLength                *int              `json:"min_length,omitempty"`
	MaxLength                *int              `json:"max_length,omitempty"`
	Autocomplete             bool              `json:"autocomplete,omitempty"`
}

// Choice is one fixed value of a string, integer or number option. Value
// is kept as the JSON the application sent (a string or a number).
type Choice struct {
	Name              string            `json:"name"`
	NameLocalizations map[string]string `json:"name_localizations,omitempty"`
	Value             json.RawMessage   `json:"value"`
}

// Permission override types.
const (
	PermRole    = 1
	PermUser    = 2
	PermChannel = 3
)

// Permission is one override: a role, user or channel allowed or denied.
// On Discord the guild ID stands for @everyone and guild ID - 1 for "all
// channels".
type Permission struct {
	ID         chat.ID `json:"id"`
	Type       int     `json:"type"`
	Permission bool    `json:"permission"`
}

// GuildPermissions is Discord's guild application command permissions
// object. ID is a command's, or the application's for overrides that
// apply to all its commands.
type GuildPermissions struct {
	ID            chat.ID      `json:"id"`
	ApplicationID chat.ID      `json:"application_id"`
	GuildID       chat.ID      `json:"guild_id"`
	Permissions   []Permission `json:"permissions"`
}

// MaxPermissionOverrides is Discord's cap on one command's overrides.
const MaxPermissionOverrides = 100
