package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Embed limits (shared/discord-facts.md §3 "Embed limits"). Lengths are
// counted in characters, as content is.
const (
	maxEmbeds           = 10
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxEmbedFields      = 25
	maxEmbedFieldName   = 256
	maxEmbedFieldValue  = 1024
	maxEmbedFooter      = 2048
	maxEmbedAuthor      = 256
	maxEmbedTotal       = 6000 // across all of a message's embeds
	maxEmbedColor       = 0xFFFFFF
)

// embedBody is an embed as clients send it. Sub-objects and fields stay raw
// so that a wrong type inside them is reported with its full path.
type embedBody struct {
	Title       string            `json:"title"`
	Type        string            `json:"type"`
	Description string            `json:"description"`
	URL         string            `json:"url"`
	Timestamp   *string           `json:"timestamp"`
	Color       *json.Number      `json:"color"`
	Footer      json.RawMessage   `json:"footer"`
	Image       json.RawMessage   `json:"image"`
	Thumbnail   json.RawMessage   `json:"thumbnail"`
	Author      json.RawMessage   `json:"author"`
	Fields      []json.RawMessage `json:"fields"`
}

// embedCheck collects the field errors of one request's embeds.
type embedCheck struct {
	fields []protocol.FieldError
	total  int // characters counted towards maxEmbedTotal
}

func (c *embedCheck) add(path, code, msg string) {
	c.fields = append(c.fields, protocol.FieldError{Path: path, Code: code, Message: msg})
}

func (c *embedCheck) maxLen(path, s string, limit int) {
	if utf8.RuneCountInString(s) > limit {
		c.add(path, protocol.FieldBaseTypeMaxLength, fmt.Sprintf("Must be %d or fewer in length.", limit))
	}
}

func (c *embedCheck) required(path, s string) bool {
	if strings.TrimSpace(s) == "" {
		c.add(path, protocol.FieldBaseTypeRequired, "This field is required")
		return false
	}
	return true
}

// url checks an optional URL against the schemes Discord allows there.
func (c *embedCheck) url(path, s string, schemes ...string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		c.add(path, protocol.FieldURLTypeInvalidURL, "Not a well formed URL.")
		return
	}
	for _, ok := range schemes {
		if strings.EqualFold(u.Scheme, ok) {
			if ok != "attachment" && u.Host == "" {
				c.add(path, protocol.FieldURLTypeInvalidURL, "Not a well formed URL.")
			}
			return
		}
	}
	c.add(path, protocol.FieldURLTypeInvalidScheme, fmt.Sprintf("Scheme %q is not supported. Scheme must be one of (%s).",
		u.Scheme, quoteList(schemes)))
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

// object decodes a raw sub-object into v; absent or null leaves ok false.
func (c *embedCheck) object(path string, raw json.RawMessage, v any) (ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return false
	}
	if err := decodeJSON(raw, v); err != nil {
		c.typeError(path, err)
		return false
	}
	return true
}

// typeError re-reports a decoding failure of a nested value under path.
func (c *embedCheck) typeError(path string, err error) {
	if apiErr, ok := err.(*protocol.APIError); ok && len(apiErr.Fields) > 0 {
		for _, f := range apiErr.Fields {
			p := path
			if f.Path != "" {
				p += "." + f.Path
			}
			c.add(p, f.Code, f.Message)
		}
		return
	}
	c.add(path, protocol.FieldDictTypeConvert, "Only dictionaries may be used in a DictType")
}

// decodeEmbeds validates the embeds of a create or edit body as Discord
// does and returns them in stored form, or the field errors (for 50035)
// whose paths name each bad field ("embeds.0.fields.3.value"). Every embed
// is stored with type "rich", the only type a client may send.
func decodeEmbeds(raws []json.RawMessage) ([]chat.Embed, []protocol.FieldError) {
	var c embedCheck
	if len(raws) > maxEmbeds {
		c.add("embeds", protocol.FieldBaseTypeMaxLength, fmt.Sprintf("Must be %d or fewer in length.", maxEmbeds))
		return nil, c.fields
	}
	out := make([]chat.Embed, 0, len(raws))
	for i, raw := range raws {
		path := "embeds." + strconv.Itoa(i)
		var body embedBody
		if !c.object(path, raw, &body) {
			if len(raw) == 0 || string(raw) == "null" {
				c.add(path, protocol.FieldBaseTypeRequired, "This field is required")
			}
			continue
		}
		out = append(out, c.embed(path, &body))
	}
	if c.total > maxEmbedTotal {
		c.add("embeds", protocol.FieldMaxEmbedSizeExceeded, fmt.Sprintf("Embed size exceeds maximum size of %d", maxEmbedTotal))
	}
	if len(c.fields) > 0 {
		return nil, c.fields
	}
	return out, nil
}

// nullableEmbeds is the embeds of an edit: absent (Set false) leaves them,
// null or [] removes them, an array replaces them.
type nullableEmbeds struct {
	Set bool
	Raw json.RawMessage
}

func (n *nullableEmbeds) UnmarshalJSON(b []byte) error {
	n.Set, n.Raw = true, append(json.RawMessage(nil), b...)
	return nil
}

// decode validates the embeds; a value that is neither null nor an array
// is a type error on "embeds".
func (n nullableEmbeds) decode() ([]chat.Embed, []protocol.FieldError) {
	if string(n.Raw) == "null" {
		return nil, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(n.Raw, &raws); err != nil {
		return nil, []protocol.FieldError{{Path: "embeds", Code: protocol.FieldBaseTypeArray,
			Message: fmt.Sprintf("Could not interpret %q as array.", string(n.Raw))}}
	}
	return decodeEmbeds(raws)
}

func (c *embedCheck) embed(path string, b *embedBody) chat.Embed {
	e := chat.Embed{Title: b.Title, Type: "rich", Description: b.Description, URL: b.URL}
	c.maxLen(path+".title", b.Title, maxEmbedTitle)
	c.maxLen(path+".description", b.Description, maxEmbedDescription)
	c.total += utf8.RuneCountInString(b.Title) + utf8.RuneCountInString(b.Description)
	c.url(path+".url", b.URL, "http", "https")
	if b.Timestamp != nil && *b.Timestamp != "" {
		if t, ok := parseISO8601(*b.Timestamp); ok {
			e.Timestamp = &t
		} else {
			c.add(path+".timestamp", protocol.FieldDateTypeParse, fmt.Sprintf("Could not parse %s. Should be ISO8601.", *b.Timestamp))
		}
	}
	if b.Color != nil {
		v, err := b.Color.Int64()
		switch {
		case err != nil:
			c.add(path+".color", protocol.FieldNumberTypeCoerce, fmt.Sprintf("Value %q is not int.", b.Color.String()))
		case v < 0:
			c.add(path+".color", protocol.FieldNumberTypeMin, "int value should be greater than or equal to 0.")
		case v > maxEmbedColor:
			c.add(path+".color", protocol.FieldNumberTypeMax, fmt.Sprintf("int value should be less than or equal to %d.", maxEmbedColor))
		default:
			color := int(v)
			e.Color = &color
		}
	}
	var footer chat.EmbedFooter
	if c.object(path+".footer", b.Footer, &footer) {
		if c.required(path+".footer.text", footer.Text) {
			c.maxLen(path+".footer.text", footer.Text, maxEmbedFooter)
		}
		c.total += utf8.RuneCountInString(footer.Text)
		c.url(path+".footer.icon_url", footer.IconURL, "http", "https", "attachment")
		e.Footer = &footer
	}
	for _, media := range []struct {
		name string
		raw  json.RawMessage
		dst  **chat.EmbedMedia
	}{{"image", b.Image, &e.Image}, {"thumbnail", b.Thumbnail, &e.Thumbnail}} {
		var m chat.EmbedMedia
		if c.object(path+"."+media.name, media.raw, &m) {
			if c.required(path+"."+media.name+".url", m.URL) {
				c.url(path+"."+media.name+".url", m.URL, "http", "https", "attachment")
			}
			*media.dst = &m
		}
	}
	var author chat.EmbedAuthor
	if c.object(path+".author", b.Author, &author) {
		if c.required(path+".author.name", author.Name) {
			c.maxLen(path+".author.name", author.Name, maxEmbedAuthor)
		}
		c.total += utf8.RuneCountInString(author.Name)
		c.url(path+".author.url", author.URL, "http", "https")
		c.url(path+".author.icon_url", author.IconURL, "http", "https", "attachment")
		e.Author = &author
	}
	if len(b.Fields) > maxEmbedFields {
		c.add(path+".fields", protocol.FieldBaseTypeMaxLength, fmt.Sprintf("Must be %d or fewer in length.", maxEmbedFields))
		return e
	}
	for j, raw := range b.Fields {
		fpath := path + ".fields." + strconv.Itoa(j)
		var f chat.EmbedField
		if !c.object(fpath, raw, &f) {
			if len(raw) == 0 || string(raw) == "null" {
				c.add(fpath, protocol.FieldBaseTypeRequired, "This field is required")
			}
			continue
		}
		if c.required(fpath+".name", f.Name) {
			c.maxLen(fpath+".name", f.Name, maxEmbedFieldName)
		}
		if c.required(fpath+".value", f.Value) {
			c.maxLen(fpath+".value", f.Value, maxEmbedFieldValue)
		}
		c.total += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		e.Fields = append(e.Fields, f)
	}
	return e
}

// parseISO8601 accepts the timestamps bot libraries send: RFC 3339 with
// or without fractional seconds ("Z" or an offset), or with no zone at all
// (taken as UTC, as Python's naive isoformat() writes).
func parseISO8601(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		// The year bound keeps the time writable as RFC 3339 once in UTC
		// (an offset can push 0000-01-01 into year -1).
		if t, err := time.Parse(layout, s); err == nil && t.UTC().Year() >= 1 && t.UTC().Year() <= 9999 {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// hasVisibleEmbed reports whether any embed shows something, which makes
// a message without content non-empty. An embed of only a colour or a
// timestamp shows nothing.
func hasVisibleEmbed(embeds []chat.Embed) bool {
	for _, e := range embeds {
		if e.Title != "" || e.Description != "" || len(e.Fields) > 0 || e.Footer != nil ||
			e.Author != nil || e.Image != nil || e.Thumbnail != nil {
			return true
		}
	}
	return false
}
