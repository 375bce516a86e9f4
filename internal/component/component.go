// Package component validates message components (action rows, buttons,
// selects) and modal components (text inputs) as Discord does, and
// returns them in a canonical JSON form to store with the message: only
// the fields Discord defines, so that nothing a client invents is stored
// and echoed to every reader. Errors are 50035 field errors whose paths
// ("components.0.components.1.custom_id") match Discord's.
//
// It only converts bytes: no goroutines, no I/O; safe for concurrent use.
package component

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Component types (Discord's numbering).
const (
	TypeActionRow     = 1
	TypeButton        = 2
	TypeStringSelect  = 3
	TypeTextInput     = 4
	TypeUserSelect    = 5
	TypeRoleSelect    = 6
	TypeMentionSelect = 7
	TypeChannelSelect = 8
)

// Button styles.
const (
	StylePrimary   = 1
	StyleSecondary = 2
	StyleSuccess   = 3
	StyleDanger    = 4
	StyleLink      = 5
	StylePremium   = 6
)

// Discord's limits.
const (
	MaxRows          = 5
	MaxButtonsPerRow = 5
	MaxCustomID      = 100
	MaxLabel         = 80
	MaxURL           = 512
	MaxOptions       = 25
	MaxPlaceholder   = 150
	MaxOptionText    = 100
	MaxInputLabel    = 45
	MaxInputValue    = 4000
)

// Component is one component as stored: the union of every kind's fields,
// each omitted when empty.
type Component struct {
	Type       int         `json:"type"`
	Components []Component `json:"components,omitempty"`
	// Buttons.
	Style    int     `json:"style,omitempty"`
	Label    string  `json:"label,omitempty"`
	Emoji    *Emoji  `json:"emoji,omitempty"`
	CustomID string  `json:"custom_id,omitempty"`
	SKUID    chat.ID `json:"sku_id,omitempty"`
	URL      string  `json:"url,omitempty"`
	Disabled bool    `json:"disabled,omitempty"`
	// Selects.
	Options       []Option       `json:"options,omitempty"`
	ChannelTypes  []int          `json:"channel_types,omitempty"`
	Placeholder   string         `json:"placeholder,omitempty"`
	DefaultValues []DefaultValue `json:"default_values,omitempty"`
	MinValues     *int           `json:"min_values,omitempty"`
	MaxValues     *int           `json:"max_values,omitempty"`
	// Text inputs.
	MinLength *int   `json:"min_length,omitempty"`
	MaxLength *int   `json:"max_length,omitempty"`
	Required  *bool  `json:"required,omitempty"`
	Value     string `json:"value,omitempty"`
}

// Emoji is a partial emoji on a button or select option.
type Emoji struct {
	ID       chat.ID `json:"id,omitempty"`
	Name     string  `json:"name,omitempty"`
	Animated bool    `json:"animated,omitempty"`
}

// Option is a string select's option.
type Option struct {
	Label       string `json:"label"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
	Emoji       *Emoji `json:"emoji,omitempty"`
	Default     bool   `json:"default,omitempty"`
}

// DefaultValue is an auto-populated select's preselected entity.
type DefaultValue struct {
	ID   chat.ID `json:"id"`
	Type string  `json:"type"`
}

// Message validates a message's components (the body's "components"
// array) and returns their canonical JSON; nil for no components.
func Message(rows []json.RawMessage) (json.RawMessage, []protocol.FieldError) {
	return validate(rows, false)
}

// Modal validates a modal's components: action rows of one text input.
func Modal(rows []json.RawMessage) (json.RawMessage, []protocol.FieldError) {
	return validate(rows, true)
}

// Interactive reports whether stored components hold anything a user can
// click (every kind but a link button), which only applications may send.
func Interactive(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	var rows []Component
	if json.Unmarshal(raw, &rows) != nil {
		return true // never stored: Message writes only what decodes
	}
	for _, r := range rows {
		for _, c := range r.Components {
			if c.Type != TypeButton || c.Style != StyleLink {
				return true
			}
		}
	}
	return false
}

type checker struct {
	modal  bool
	errs   []protocol.FieldError
	seenID map[string]bool
}

func (c *checker) fail(path, code, msg string) {
	c.errs = append(c.errs, protocol.FieldError{Path: path, Code: code, Message: msg})
}

func (c *checker) tooLong(path string, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		c.fail(path, protocol.FieldBaseTypeMaxLength, fmt.Sprintf("Must be %d or fewer in length.", max))
	}
}

func validate(raw []json.RawMessage, modal bool) (json.RawMessage, []protocol.FieldError) {
	if len(raw) == 0 {
		return nil, nil
	}
	c := &checker{modal: modal, seenID: map[string]bool{}}
	if len(raw) > MaxRows {
		c.fail("components", protocol.FieldBaseTypeBadLength, fmt.Sprintf("Must be between 1 and %d in length.", MaxRows))
		return nil, c.errs
	}
	rows := make([]Component, len(raw))
	for i, r := range raw {
		path := "components." + strconv.Itoa(i)
		if !decode(r, &rows[i]) {
			c.fail(path, protocol.FieldDictTypeConvert, "Only dictionaries may be used in a DictType")
			continue
		}
		c.row(path, &rows[i])
	}
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	b, err := json.Marshal(rows)
	if err != nil {
		c.fail("components", protocol.FieldBaseTypeInvalid, "Invalid components")
		return nil, c.errs
	}
	return b, nil
}

// decode reads one component object strictly enough that a field of the
// wrong type is an error rather than a zero value.
func decode(raw json.RawMessage, v *Component) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

func (c *checker) row(path string, r *Component) {
	if r.Type != TypeActionRow {
		c.fail(path+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
		return
	}
	// Only the row's children are kept: a row has no other fields.
	*r = Component{Type: TypeActionRow, Components: r.Components}
	kids := path + ".components"
	if len(r.Components) == 0 {
		c.fail(kids, protocol.FieldBaseTypeBadLength, fmt.Sprintf("Must be between 1 and %d in length.", MaxButtonsPerRow))
		return
	}
	// A select or a text input fills its row; buttons take a fifth each.
	width := 0
	for i := range r.Components {
		p := kids + "." + strconv.Itoa(i)
		k := &r.Components[i]
		switch k.Type {
		case TypeButton:
			width++
		case TypeStringSelect, TypeUserSelect, TypeRoleSelect, TypeMentionSelect, TypeChannelSelect, TypeTextInput:
			width += MaxButtonsPerRow
		}
		if width > MaxButtonsPerRow {
			c.fail(p, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
			continue
		}
		c.child(p, k)
	}
}

func (c *checker) child(path string, k *Component) {
	switch k.Type {
	case TypeButton:
		if c.modal {
			break
		}
		c.button(path, k)
		return
	case TypeStringSelect, TypeUserSelect, TypeRoleSelect, TypeMentionSelect, TypeChannelSelect:
		if c.modal {
			break
		}
		c.selectMenu(path, k)
		return
	case TypeTextInput:
		if !c.modal {
			break
		}
		c.textInput(path, k)
		return
	}
	if c.modal {
		c.fail(path+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (4,).")
	} else {
		c.fail(path+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (2, 3, 5, 6, 7, 8).")
	}
}

// customID checks a required custom_id: 1-100 characters, unique in the
// message.
func (c *checker) customID(path, id string) {
	switch {
	case id == "":
		c.fail(path, protocol.FieldBaseTypeRequired, "This field is required")
	case utf8.RuneCountInString(id) > MaxCustomID:
		c.fail(path, protocol.FieldBaseTypeBadLength, fmt.Sprintf("Must be between 1 and %d in length.", MaxCustomID))
	case c.seenID[id]:
		c.fail(path, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
	default:
		c.seenID[id] = true
	}
}

func (c *checker) emoji(path string, e *Emoji) {
	if e != nil && e.ID == 0 && e.Name == "" {
		c.fail(path, "BUTTON_COMPONENT_INVALID_EMOJI", "Invalid emoji")
	}
}

func (c *checker) button(path string, k *Component) {
	b := Component{Type: TypeButton, Style: k.Style, Label: k.Label, Emoji: k.Emoji, Disabled: k.Disabled}
	switch k.Style {
	case StylePrimary, StyleSecondary, StyleSuccess, StyleDanger:
		c.customID(path+".custom_id", k.CustomID)
		if k.URL != "" {
			c.fail(path+".url", "BUTTON_COMPONENT_URL_NOT_ALLOWED", "A url may only be set on a link button")
		}
		b.CustomID = k.CustomID
	case StyleLink:
		if k.CustomID != "" {
			c.fail(path+".custom_id", "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", "A custom id may not be set on a link button")
		}
		c.linkURL(path+".url", k.URL)
		b.URL = k.URL
	case StylePremium:
		if k.SKUID == 0 {
			c.fail(path+".sku_id", protocol.FieldBaseTypeRequired, "This field is required")
		}
		if k.CustomID != "" || k.URL != "" || k.Label != "" || k.Emoji != nil {
			c.fail(path, "BUTTON_COMPONENT_PREMIUM_FIELDS", "A premium button may not have a custom id, url, label or emoji")
		}
		b.SKUID = k.SKUID
	default:
		c.fail(path+".style", protocol.FieldBaseTypeChoices, "Value must be one of (1, 2, 3, 4, 5, 6).")
	}
	c.tooLong(path+".label", k.Label, MaxLabel)
	c.emoji(path+".emoji", k.Emoji)
	*k = b
}

func (c *checker) linkURL(path, s string) {
	if s == "" {
		c.fail(path, protocol.FieldBaseTypeRequired, "This field is required")
		return
	}
	if len(s) > MaxURL {
		c.fail(path, protocol.FieldBaseTypeMaxLength, fmt.Sprintf("Must be %d or fewer in length.", MaxURL))
		return
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" && u.Scheme != "discord" {
		c.fail(path, protocol.FieldURLTypeInvalidURL, "Not a well formed URL.")
		return
	}
	switch u.Scheme {
	case "http", "https", "discord":
	default:
		c.fail(path, protocol.FieldURLTypeInvalidScheme, "Scheme \""+u.Scheme+"\" is not supported. Scheme must be one of ('http', 'https', 'discord').")
	}
}

func (c *checker) selectMenu(path string, k *Component) {
	s := Component{Type: k.Type, CustomID: k.CustomID, Placeholder: k.Placeholder, Disabled: k.Disabled,
		MinValues: k.MinValues, MaxValues: k.MaxValues}
	c.customID(path+".custom_id", k.CustomID)
	c.tooLong(path+".placeholder", k.Placeholder, MaxPlaceholder)
	lo, hi := 1, 1
	if k.MinValues != nil {
		lo = *k.MinValues
		if lo < 0 || lo > MaxOptions {
			c.fail(path+".min_values", protocol.FieldNumberTypeMax, fmt.Sprintf("int value should be between 0 and %d.", MaxOptions))
		}
	}
	if k.MaxValues != nil {
		hi = *k.MaxValues
		if hi < 1 || hi > MaxOptions {
			c.fail(path+".max_values", protocol.FieldNumberTypeMax, fmt.Sprintf("int value should be between 1 and %d.", MaxOptions))
		}
	}
	if k.MinValues != nil && k.MaxValues != nil && lo > hi {
		c.fail(path+".min_values", "SELECT_COMPONENT_MIN_VALUES_GREATER_THAN_MAX", "min_values must be less than or equal to max_values")
	}
	if k.Type == TypeStringSelect {
		c.options(path+".options", k.Options, hi)
		s.Options = k.Options
	} else if len(k.Options) > 0 {
		c.fail(path+".options", "SELECT_COMPONENT_OPTIONS_NOT_ALLOWED", "Options may only be set on a string select")
	}
	if k.Type == TypeChannelSelect {
		s.ChannelTypes = k.ChannelTypes
	} else if len(k.ChannelTypes) > 0 {
		c.fail(path+".channel_types", "SELECT_COMPONENT_CHANNEL_TYPES_NOT_ALLOWED", "Channel types may only be set on a channel select")
	}
	if len(k.DefaultValues) > 0 {
		c.defaults(path+".default_values", k.Type, k.DefaultValues, lo, hi)
		s.DefaultValues = k.DefaultValues
	}
	*k = s
}

func (c *checker) options(path string, opts []Option, maxValues int) {
	if len(opts) == 0 || len(opts) > MaxOptions {
		c.fail(path, protocol.FieldBaseTypeBadLength, fmt.Sprintf("Must be between 1 and %d in length.", MaxOptions))
		return
	}
	if maxValues > len(opts) {
		c.fail(path, "SELECT_COMPONENT_TOO_FEW_OPTIONS", "max_values may not exceed the number of options")
	}
	values := map[string]bool{}
	for i, o := range opts {
		p := path + "." + strconv.Itoa(i)
		if o.Label == "" {
			c.fail(p+".label", protocol.FieldBaseTypeRequired, "This field is required")
		}
		if o.Value == "" {
			c.fail(p+".value", protocol.FieldBaseTypeRequired, "This field is required")
		}
		c.tooLong(p+".label", o.Label, MaxOptionText)
		c.tooLong(p+".value", o.Value, MaxOptionText)
		c.tooLong(p+".description", o.Description, MaxOptionText)
		c.emoji(p+".emoji", o.Emoji)
		if values[o.Value] {
			c.fail(p+".value", "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED", "Option value cannot be duplicated")
		}
		values[o.Value] = true
	}
}

func (c *checker) defaults(path string, typ int, vals []DefaultValue, lo, hi int) {
	if len(vals) < lo || len(vals) > hi {
		c.fail(path, protocol.FieldBaseTypeBadLength, fmt.Sprintf("Must be between %d and %d in length.", lo, hi))
	}
	for i, v := range vals {
		ok := false
		switch typ {
		case TypeUserSelect:
			ok = v.Type == "user"
		case TypeRoleSelect:
			ok = v.Type == "role"
		case TypeMentionSelect:
			ok = v.Type == "user" || v.Type == "role"
		case TypeChannelSelect:
			ok = v.Type == "channel"
		}
		p := path + "." + strconv.Itoa(i)
		if !ok {
			c.fail(p+".type", protocol.FieldBaseTypeChoices, "Value is not a valid default value type for this select.")
		}
		if v.ID == 0 {
			c.fail(p+".id", protocol.FieldBaseTypeRequired, "This field is required")
		}
	}
}

func (c *checker) textInput(path string, k *Component) {
	t := Component{Type: TypeTextInput, CustomID: k.CustomID, Style: k.Style, Label: k.Label, Placeholder: k.Placeholder,
		MinLength: k.MinLength, MaxLength: k.MaxLength, Required: k.Required, Value: k.Value}
	c.customID(path+".custom_id", k.CustomID)
	if k.Style != 1 && k.Style != 2 {
		c.fail(path+".style", protocol.FieldBaseTypeChoices, "Value must be one of (1, 2).")
	}
	if k.Label == "" {
		c.fail(path+".label", protocol.FieldBaseTypeRequired, "This field is required")
	}
	c.tooLong(path+".label", k.Label, MaxInputLabel)
	c.tooLong(path+".placeholder", k.Placeholder, MaxOptionText)
	c.tooLong(path+".value", k.Value, MaxInputValue)
	if k.MinLength != nil && (*k.MinLength < 0 || *k.MinLength > MaxInputValue) {
		c.fail(path+".min_length", protocol.FieldNumberTypeMax, fmt.Sprintf("int value should be between 0 and %d.", MaxInputValue))
	}
	if k.MaxLength != nil && (*k.MaxLength < 1 || *k.MaxLength > MaxInputValue) {
		c.fail(path+".max_length", protocol.FieldNumberTypeMax, fmt.Sprintf("int value should be between 1 and %d.", MaxInputValue))
	}
	*k = t
}
