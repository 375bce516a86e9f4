package appcmd

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/protocol"
)

// nameRE is Discord's rule for chat-input command and option names.
var nameRE = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// locales are the locales Discord accepts as localization keys.
var locales = map[string]bool{}

func init() {
	for _, l := range strings.Fields("id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg ru uk hi th zh-CN ja zh-TW ko") {
		locales[l] = true
	}
}

// Field error codes of application command validation (Discord's).
const (
	codeInvalidName        = "APPLICATION_COMMAND_INVALID_NAME"
	codeTooManyOptions     = "APPLICATION_COMMAND_TOO_MANY_OPTIONS"
	codeRequiredOrder      = "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"
	codeDuplicateName      = "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"
	codeInvalidOptionType  = "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID"
	codeAutocompleteChoice = "AUTOCOMPLETE_CHOICES_INVALID"
	codeInvalidLocale      = "LOCALE_INVALID"
)

// Normalize fills in Discord's defaults: type 1, integration_types [0].
func Normalize(c *Command) {
	if c.Type == 0 {
		c.Type = ChatInput
	}
	if c.IntegrationTypes == nil {
		c.IntegrationTypes = []int{0}
	}
}

// Validate checks c (already normalized) as Discord does and returns every
// problem as a field error under prefix ("" for a single command, "0." for
// the first of a bulk overwrite).
func Validate(c *Command, prefix string) []protocol.FieldError {
	v := validator{prefix: prefix}
	switch c.Type {
	case ChatInput:
		v.name("name", c.Name, true)
		v.length("description", c.Description, 1, 100)
	case UserType, Message:
		if n := utf8.RuneCountInString(c.Name); n < 1 || n > 32 {
			v.add("name", protocol.FieldBaseTypeBadLength, "Must be between 1 and 32 in length.")
		}
		if c.Description != "" {
			v.add("description", protocol.FieldBaseTypeInvalid, "Context menu commands cannot have description")
		}
		if len(c.Options) > 0 {
			v.add("options", protocol.FieldBaseTypeInvalid, "Context menu commands cannot have options")
		}
	default:
		v.add("type", protocol.FieldBaseTypeChoices, "Value must be one of {1, 2, 3}.")
	}
	v.localizations("name_localizations", c.NameLocalizations, c.Type == ChatInput, 1, 32)
	v.localizations("description_localizations", c.DescriptionLocalizations, false, 1, 100)
	if p := c.DefaultMemberPermissions; p != nil {
		if n, err := strconv.ParseUint(*p, 10, 64); err != nil || protocol.Permission(n)&^protocol.PermAll != 0 {
			v.add("default_member_permissions", protocol.FieldBaseTypeInvalid, "Invalid permission bitfield.")
		}
	}
	for i, t := range c.IntegrationTypes {
		if t != 0 && t != 1 {
			v.add(fmt.Sprintf("integration_types.%d", i), protocol.FieldBaseTypeChoices, "Value must be one of {0, 1}.")
		}
	}
	for i, t := range c.Contexts {
		if t < 0 || t > 2 {
			v.add(fmt.Sprintf("contexts.%d", i), protocol.FieldBaseTypeChoices, "Value must be one of {0, 1, 2}.")
		}
	}
	if c.Type == ChatInput {
		v.options("options", c.Options, 0)
	}
	return v.errs
}

type validator struct {
	prefix string
	errs   []protocol.FieldError
}

func (v *validator) add(path, code, msg string) {
	v.errs = append(v.errs, protocol.FieldError{Path: v.prefix + path, Code: code, Message: msg})
}

func (v *validator) length(path, s string, lo, hi int) {
	if n := utf8.RuneCountInString(s); n < lo || n > hi {
		v.add(path, protocol.FieldBaseTypeBadLength, fmt.Sprintf("Must be between %d and %d in length.", lo, hi))
	}
}

// name checks a chat-input command or option name: Discord's pattern, and
// lowercase where a letter has a lowercase form.
func (v *validator) name(path, s string, chatInput bool) {
	if !chatInput {
		v.length(path, s, 1, 32)
		return
	}
	if !nameRE.MatchString(s) || strings.ToLower(s) != s {
		v.add(path, codeInvalidName, "Command name is invalid")
	}
}

func (v *validator) localizations(path string, m map[string]string, chatInputName bool, lo, hi int) {
	for loc, s := range m {
		if !locales[loc] {
			v.add(path+"."+loc, codeInvalidLocale, "Invalid locale")
			continue
		}
		if chatInputName {
			v.name(path+"."+loc, s, true)
		} else {
			v.length(path+"."+loc, s, lo, hi)
		}
	}
}

// options checks one level of options; depth is 0 for a command's own,
// 1 inside a sub-command or group, 2 inside a group's sub-command.
func (v *validator) options(path string, opts []Option, depth int) {
	if len(opts) > MaxOptions {
		v.add(path, codeTooManyOptions, fmt.Sprintf("Must be %d or fewer in length.", MaxOptions))
		return
	}
	seen := map[string]bool{}
	optional := false
	subs, plain := 0, 0
	for i, o := range opts {
		p := fmt.Sprintf("%s.%d", path, i)
		v.name(p+".name", o.Name, true)
		v.length(p+".description", o.Description, 1, 100)
		v.localizations(p+".name_localizations", o.NameLocalizations, true, 1, 32)
		v.localizations(p+".description_localizations", o.DescriptionLocalizations, false, 1, 100)
		if seen[o.Name] {
			v.add(p+".name", codeDuplicateName, "Application command option names must be unique")
		}
		seen[o.Name] = true
		switch o.Type {
		case OptSubCommand, OptSubCommandGroup:
			subs++
			if o.Required {
				v.add(p+".required", protocol.FieldBaseTypeInvalid, "Sub-commands and groups cannot be required")
			}
			// A group holds only sub-commands; a sub-command holds no
			// sub-commands; nothing nests deeper than group > sub-command.
			switch {
			case depth == 2 || (depth == 1 && o.Type == OptSubCommandGroup):
				v.add(p+".type", codeInvalidOptionType, "Sub-command groups and sub-commands cannot be nested here")
			case o.Type == OptSubCommandGroup:
				for j, so := range o.Options {
					if so.Type != OptSubCommand {
						v.add(fmt.Sprintf("%s.options.%d.type", p, j), codeInvalidOptionType, "Sub-command groups may only contain sub-commands")
					}
				}
				v.options(p+".options", o.Options, depth+1)
			default:
				v.options(p+".options", o.Options, depth+1)
			}
			continue
		case OptString, OptInteger, OptBoolean, OptUser, OptChannel, OptRole, OptMentionable, OptNumber, OptAttachment:
			plain++
		default:
			v.add(p+".type", protocol.FieldBaseTypeChoices, "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.")
			continue
		}
		if o.Required && optional {
			v.add(p+".required", codeRequiredOrder, "Required options must be placed before non-required options")
		}
		if !o.Required {
			optional = true
		}
		if len(o.Options) > 0 {
			v.add(p+".options", protocol.FieldBaseTypeInvalid, "Only sub-commands and groups have options")
		}
		v.option(p, o)
	}
	if subs > 0 && plain > 0 {
		v.add(path, codeInvalidOptionType, "Sub-commands and groups cannot be mixed with other options")
	}
}

// option checks a value option's choices and limits.
func (v *validator) option(p string, o Option) {
	numeric := o.Type == OptInteger || o.Type == OptNumber
	if len(o.Choices) > 0 {
		if o.Type != OptString && !numeric {
			v.add(p+".choices", protocol.FieldBaseTypeInvalid, "Only string, integer and number options have choices")
		}
		if o.Autocomplete {
			v.add(p+".autocomplete", codeAutocompleteChoice, "Autocomplete cannot be set with choices")
		}
		if len(o.Choices) > MaxChoices {
			v.add(p+".choices", protocol.FieldBaseTypeMaxLength, fmt.Sprintf("Must be %d or fewer in length.", MaxChoices))
		}
		for j, ch := range o.Choices {
			cp := fmt.Sprintf("%s.choices.%d", p, j)
			v.length(cp+".name", ch.Name, 1, 100)
			v.localizations(cp+".name_localizations", ch.NameLocalizations, false, 1, 100)
			v.choiceValue(cp+".value", o.Type, ch.Value)
		}
	}
	if o.Autocomplete && o.Type != OptString && !numeric {
		v.add(p+".autocomplete", protocol.FieldBaseTypeInvalid, "Only string, integer and number options autocomplete")
	}
	if (o.MinValue != nil || o.MaxValue != nil) && !numeric {
		v.add(p+".min_value", protocol.FieldBaseTypeInvalid, "Only integer and number options have min_value and max_value")
	}
	if o.MinValue != nil && o.MaxValue != nil && *o.MinValue > *o.MaxValue {
		v.add(p+".max_value", protocol.FieldNumberTypeMin, "max_value must be at least min_value")
	}
	if o.MinLength != nil || o.MaxLength != nil {
		if o.Type != OptString {
			v.add(p+".min_length", protocol.FieldBaseTypeInvalid, "Only string options have min_length and max_length")
		}
		if n := o.MinLength; n != nil && (*n < 0 || *n > MaxStringLength) {
			v.add(p+".min_length", protocol.FieldNumberTypeMax, fmt.Sprintf("int value should be between 0 and %d.", MaxStringLength))
		}
		if n := o.MaxLength; n != nil && (*n < 1 || *n > MaxStringLength) {
			v.add(p+".max_length", protocol.FieldNumberTypeMax, fmt.Sprintf("int value should be between 1 and %d.", MaxStringLength))
		}
		if o.MinLength != nil && o.MaxLength != nil && *o.MinLength > *o.MaxLength {
			v.add(p+".max_length", protocol.FieldNumberTypeMin, "max_length must be at least min_length")
		}
	}
	if len(o.ChannelTypes) > 0 && o.Type != OptChannel {
		v.add(p+".channel_types", protocol.FieldBaseTypeInvalid, "Only channel options have channel_types")
	}
}

func (v *validator) choiceValue(p string, optType int, raw json.RawMessage) {
	switch optType {
	case OptString:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			v.add(p, protocol.FieldBaseTypeString, "Could not interpret value as string.")
			return
		}
		v.length(p, s, 1, 100)
	case OptInteger:
		var n int64
		if json.Unmarshal(raw, &n) != nil {
			v.add(p, protocol.FieldNumberTypeCoerce, "Value is not int.")
		}
	case OptNumber:
		var f float64
		if json.Unmarshal(raw, &f) != nil {
			v.add(p, protocol.FieldNumberTypeCoerce, "Value is not a valid number.")
		}
	}
}
