package automod

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Trigger types.
const (
	TriggerKeyword       = 1
	TriggerSpam          = 3
	TriggerKeywordPreset = 4
	TriggerMentionSpam   = 5
)

// Action types.
const (
	ActionBlockMessage = 1
	ActionSendAlert    = 2
	ActionTimeout      = 3
)

// EventMessageSend is the only event type rules here run on.
const EventMessageSend = 1

// Discord's limits (resources/auto-moderation.mdx).
const (
	MaxKeywordRules      = 6
	MaxKeywords          = 1000
	MaxKeywordLen        = 60
	MaxRegexPatterns     = 10
	MaxRegexLen          = 260
	MaxAllowKeyword      = 100
	MaxAllowPreset       = 1000
	MaxMentionTotalLimit = 50
	MaxExemptRoles       = 20
	MaxExemptChannels    = 50
	MaxTimeoutSeconds    = 2419200
	MaxCustomMessage     = 150
	MaxNameLen           = 100
)

// perTypeLimit is how many rules of each trigger type a guild may have.
var perTypeLimit = map[int]int{TriggerKeyword: MaxKeywordRules, TriggerSpam: 1, TriggerKeywordPreset: 1, TriggerMentionSpam: 1}

// Metadata is trigger_metadata; which fields apply depends on the trigger.
type Metadata struct {
	KeywordFilter                []string `json:"keyword_filter"`
	RegexPatterns                []string `json:"regex_patterns"`
	Presets                      []int    `json:"presets"`
	AllowList                    []string `json:"allow_list"`
	MentionTotalLimit            int      `json:"mention_total_limit"`
	MentionRaidProtectionEnabled bool     `json:"mention_raid_protection_enabled"`
}

// ActionMetadata is an action's metadata.
type ActionMetadata struct {
	ChannelID       chat.ID `json:"channel_id,omitempty"`
	DurationSeconds int     `json:"duration_seconds,omitempty"`
	CustomMessage   string  `json:"custom_message,omitempty"`
}

// Action is what a rule does when it matches.
type Action struct {
	Type     int            `json:"type"`
	Metadata ActionMetadata `json:"metadata"`
}

// Rule is an auto-moderation rule as Discord's API carries it; it is also
// the stored form (JSON).
type Rule struct {
	ID              chat.ID   `json:"id"`
	GuildID         chat.ID   `json:"guild_id"`
	Name            string    `json:"name"`
	CreatorID       chat.ID   `json:"creator_id"`
	EventType       int       `json:"event_type"`
	TriggerType     int       `json:"trigger_type"`
	TriggerMetadata Metadata  `json:"trigger_metadata"`
	Actions         []Action  `json:"actions"`
	Enabled         bool      `json:"enabled"`
	ExemptRoles     []chat.ID `json:"exempt_roles"`
	ExemptChannels  []chat.ID `json:"exempt_channels"`
}

// Normalize fills empty lists so that they encode as [] as Discord's do.
func (r *Rule) Normalize() {
	m := &r.TriggerMetadata
	for _, p := range []*[]string{&m.KeywordFilter, &m.RegexPatterns, &m.AllowList} {
		if *p == nil {
			*p = []string{}
		}
	}
	if m.Presets == nil {
		m.Presets = []int{}
	}
	if r.Actions == nil {
		r.Actions = []Action{}
	}
	if r.ExemptRoles == nil {
		r.ExemptRoles = []chat.ID{}
	}
	if r.ExemptChannels == nil {
		r.ExemptChannels = []chat.ID{}
	}
}

// Encode returns the stored form of r.
func (r Rule) Encode() ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("automod: encode rule %d: %w", r.ID, err)
	}
	return b, nil
}

// Decode reads a stored rule.
func Decode(b []byte) (Rule, error) {
	var r Rule
	if err := json.Unmarshal(b, &r); err != nil {
		return Rule{}, fmt.Errorf("automod: decode rule: %w", err)
	}
	r.Normalize()
	return r, nil
}

// Guild is what Validate needs to know of the guild: whether a role or a
// channel exists.
type Guild interface {
	HasRole(id chat.ID) bool
	HasChannel(id chat.ID) bool
}

func fieldErr(path, code, msg string) *protocol.APIError {
	return protocol.InvalidForm(protocol.FieldError{Path: path, Code: code, Message: msg})
}

// errMaxRules is Discord's answer to one rule too many of a trigger type.
func errMaxRules(trigger int) *protocol.APIError {
	return fieldErr("trigger_type", "AUTO_MODERATION_MAX_RULES_OF_TYPE_EXCEEDED",
		"Maximum number of rules of this trigger type reached ("+strconv.Itoa(perTypeLimit[trigger])+")")
}

// CheckLimit fails when existing (the guild's rules, without the one being
// created) already hold the most rules of r's trigger type.
func CheckLimit(existing []Rule, trigger int) error {
	n := 0
	for _, e := range existing {
		if e.TriggerType == trigger {
			n++
		}
	}
	if n >= perTypeLimit[trigger] {
		return errMaxRules(trigger)
	}
	return nil
}

// Validate checks r against Discord's rules and limits and returns the
// first problem as a 50035 field error.
func Validate(r *Rule, g Guild) error {
	if n := utf8.RuneCountInString(r.Name); n < 1 || n > MaxNameLen {
		return fieldErr("name", protocol.FieldBaseTypeBadLength, "Must be between 1 and 100 in length.")
	}
	if r.EventType != EventMessageSend {
		return fieldErr("event_type", protocol.FieldBaseTypeChoices, "Value must be one of {1}.")
	}
	if _, ok := perTypeLimit[r.TriggerType]; !ok {
		return fieldErr("trigger_type", protocol.FieldBaseTypeChoices, "Value must be one of {1, 3, 4, 5}.")
	}
	if err := validateMetadata(r.TriggerType, &r.TriggerMetadata); err != nil {
		return err
	}
	if len(r.Actions) == 0 {
		return fieldErr("actions", protocol.FieldBaseTypeRequired, "This field is required")
	}
	for i, a := range r.Actions {
		if err := validateAction("actions."+strconv.Itoa(i), r.TriggerType, a, g); err != nil {
			return err
		}
	}
	if len(r.ExemptRoles) > MaxExemptRoles {
		return fieldErr("exempt_roles", protocol.FieldBaseTypeMaxLength, "Must be 20 or fewer in length.")
	}
	for i, id := range r.ExemptRoles {
		if !g.HasRole(id) {
			return fieldErr("exempt_roles."+strconv.Itoa(i), protocol.FieldRoleInvalid, "Unknown role")
		}
	}
	if len(r.ExemptChannels) > MaxExemptChannels {
		return fieldErr("exempt_channels", protocol.FieldBaseTypeMaxLength, "Must be 50 or fewer in length.")
	}
	for i, id := range r.ExemptChannels {
		if !g.HasChannel(id) {
			return fieldErr("exempt_channels."+strconv.Itoa(i), protocol.FieldChannelInvalid, "Unknown channel")
		}
	}
	return nil
}

func validateStrings(path string, list []string, maxN, maxLen int) error {
	if len(list) > maxN {
		return fieldErr(path, protocol.FieldBaseTypeMaxLength, "Must be "+strconv.Itoa(maxN)+" or fewer in length.")
	}
	for i, s := range list {
		if n := utf8.RuneCountInString(s); n < 1 || n > maxLen {
			return fieldErr(path+"."+strconv.Itoa(i), protocol.FieldBaseTypeBadLength,
				"Must be between 1 and "+strconv.Itoa(maxLen)+" in length.")
		}
	}
	return nil
}

func validateMetadata(trigger int, m *Metadata) error {
	const p = "trigger_metadata."
	switch trigger {
	case TriggerKeyword:
		if err := validateStrings(p+"keyword_filter", m.KeywordFilter, MaxKeywords, MaxKeywordLen); err != nil {
			return err
		}
		if err := validateStrings(p+"regex_patterns", m.RegexPatterns, MaxRegexPatterns, MaxRegexLen); err != nil {
			return err
		}
		for i, re := range m.RegexPatterns {
			if _, err := regexp.Compile("(?i)" + re); err != nil {
				return fieldErr(p+"regex_patterns."+strconv.Itoa(i), protocol.FieldStringTypeRegex, "Invalid regex pattern.")
			}
		}
		if err := validateStrings(p+"allow_list", m.AllowList, MaxAllowKeyword, MaxKeywordLen); err != nil {
			return err
		}
		if len(m.KeywordFilter) == 0 && len(m.RegexPatterns) == 0 {
			return fieldErr(p+"keyword_filter", protocol.FieldBaseTypeRequired, "This field is required")
		}
		m.Presets, m.MentionTotalLimit = nil, 0
	case TriggerKeywordPreset:
		if len(m.Presets) == 0 {
			return fieldErr(p+"presets", protocol.FieldBaseTypeRequired, "This field is required")
		}
		for i, v := range m.Presets {
			if v < 1 || v > 3 {
				return fieldErr(p+"presets."+strconv.Itoa(i), protocol.FieldBaseTypeChoices, "Value must be one of {1, 2, 3}.")
			}
		}
		if err := validateStrings(p+"allow_list", m.AllowList, MaxAllowPreset, MaxKeywordLen); err != nil {
			return err
		}
		m.KeywordFilter, m.RegexPatterns, m.MentionTotalLimit = nil, nil, 0
	case TriggerMentionSpam:
		if m.MentionTotalLimit < 1 || m.MentionTotalLimit > MaxMentionTotalLimit {
			return fieldErr(p+"mention_total_limit", protocol.FieldNumberTypeMax, "int value should be between 1 and 50.")
		}
		m.KeywordFilter, m.RegexPatterns, m.AllowList, m.Presets = nil, nil, nil, nil
	case TriggerSpam:
		*m = Metadata{}
	}
	return nil
}

func validateAction(path string, trigger int, a Action, g Guild) error {
	switch a.Type {
	case ActionBlockMessage:
		if utf8.RuneCountInString(a.Metadata.CustomMessage) > MaxCustomMessage {
			return fieldErr(path+".metadata.custom_message", protocol.FieldBaseTypeMaxLength, "Must be 150 or fewer in length.")
		}
	case ActionSendAlert:
		if !g.HasChannel(a.Metadata.ChannelID) {
			return fieldErr(path+".metadata.channel_id", protocol.FieldChannelInvalid, "Unknown channel")
		}
	case ActionTimeout:
		// Discord allows timeouts only on keyword and mention-spam rules.
		if trigger != TriggerKeyword && trigger != TriggerMentionSpam {
			return fieldErr(path+".type", "AUTO_MODERATION_INVALID_ACTION_FOR_TRIGGER_TYPE", "Timeout is only allowed for keyword and mention spam rules.")
		}
		if d := a.Metadata.DurationSeconds; d < 1 || d > MaxTimeoutSeconds {
			return fieldErr(path+".metadata.duration_seconds", protocol.FieldNumberTypeMax, "int value should be between 1 and 2419200.")
		}
	default:
		return fieldErr(path+".type", protocol.FieldBaseTypeChoices, "Value must be one of {1, 2, 3}.")
	}
	return nil
}
