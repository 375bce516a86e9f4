package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

var (
	errTooLarge    = protocol.NewAPIError(http.StatusRequestEntityTooLarge, protocol.CodeEntityTooLarge, "Request entity too large")
	errInvalidJSON = protocol.NewAPIError(http.StatusBadRequest, protocol.CodeInvalidJSON, "The request body contains invalid JSON.")
)

// readBody reads the request body, capped at the configured size. A JSON
// body may come as application/json or, as discord.js sends with files, as
// the payload_json part of multipart/form-data.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	switch mediaType(r) {
	case "", "application/json", "application/x-www-form-urlencoded", "text/plain":
		// Form and plain-text bodies are read as JSON too: that is what
		// `curl -d '{...}'` sends, and no Discord route takes real form
		// fields. A body that is not JSON still fails with 50109.
		if n := r.ContentLength; n >= 0 && n <= h.cfg.MaxBodyBytes {
			// Its length is known: read into a buffer of that size, not
			// io.ReadAll's growing one (512 B for a 60-byte post).
			b := make([]byte, n)
			if _, err := io.ReadFull(r.Body, b); err != nil {
				return nil, errInvalidJSON // shorter than its Content-Length: the client's fault
			}
			return b, nil
		}
		b, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		if err != nil {
			// The body could not be read: a malformed chunked encoding, a
			// body shorter than its Content-Length, a client gone. It is
			// the request's fault, so 400 (as the multipart case), never
			// a 500 that pages someone.
			return nil, errInvalidJSON
		}
		return b, nil
	case "multipart/form-data":
		if err := r.ParseMultipartForm(h.cfg.MaxBodyBytes); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, errTooLarge
			}
			return nil, errInvalidJSON
		}
		return []byte(r.FormValue("payload_json")), nil
	}
	return nil, protocol.InvalidForm(protocol.FieldError{
		Code:    protocol.FieldContentTypeInvalid,
		Message: `Expected "Content-Type" header to be one of {'application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'}.`,
	})
}

// mediaType is the media type of r's Content-Type, without parameters.
func mediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "application/json" { // what nearly every request says: no parsing
		return ct
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt
}

// decode reads the body into v.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSON(b, v)
}

// decodeOptional reads the body into v when there is one; routes where
// Discord accepts no body at all (an empty role, a bare ack) leave v as is.
func (h *Handler) decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := h.readBody(w, r)
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return err
	}
	return decodeJSON(b, v)
}

// decodeJSON maps JSON failures to Discord's errors: bad syntax is 50109, a
// value of the wrong type is 50035 on its field.
func decodeJSON(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return errInvalidJSON
	}
	err := json.Unmarshal(b, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return errInvalidJSON
	case errors.As(err, &typ):
		if typ.Field == "" { // e.g. an array where an object belongs
			return protocol.InvalidForm(protocol.FieldError{Code: protocol.FieldDictTypeConvert, Message: "Only dictionaries may be used in a DictType"})
		}
		return protocol.InvalidForm(protocol.FieldError{Path: typ.Field, Code: typeCode(typ.Type.Kind().String()),
			Message: fmt.Sprintf("Could not interpret %q as %s.", typ.Value, typ.Type.Kind())})
	}
	// A custom decoder (snowflakes, nonce) rejected a value.
	return protocol.InvalidForm(protocol.FieldError{Code: protocol.FieldBaseTypeInvalid, Message: "Invalid value."})
}

func typeCode(kind string) string {
	switch kind {
	case "string":
		return protocol.FieldBaseTypeString
	case "bool":
		return protocol.FieldBaseTypeBoolean
	case "slice", "array":
		return protocol.FieldBaseTypeArray
	case "map", "struct":
		return protocol.FieldDictTypeConvert
	}
	return protocol.FieldNumberTypeCoerce
}

// pathID parses a snowflake path value; Discord answers 50035 for a
// malformed one.
func pathID(r *http.Request, name string) (chat.ID, error) {
	s := r.PathValue(name)
	id, err := chat.ParseID(s)
	if err != nil {
		return 0, protocol.InvalidForm(protocol.FieldError{Path: name, Code: protocol.FieldNumberTypeCoerce,
			Message: fmt.Sprintf("Value %q is not snowflake.", s)})
	}
	return id, nil
}

// messagePath parses the channel and message IDs of a message route.
func messagePath(r *http.Request) (channelID, messageID chat.ID, err error) {
	if channelID, err = pathID(r, "channel_id"); err != nil {
		return 0, 0, err
	}
	if messageID, err = pathID(r, "message_id"); err != nil {
		return 0, 0, err
	}
	return channelID, messageID, nil
}

// queryInt parses an integer query parameter within [lo, hi], def if absent.
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, protocol.InvalidForm(protocol.FieldError{Path: name, Code: protocol.FieldNumberTypeCoerce,
			Message: fmt.Sprintf("Value %q is not int.", s)})
	}
	if v < lo {
		return 0, protocol.InvalidForm(protocol.FieldError{Path: name, Code: protocol.FieldNumberTypeMin,
			Message: fmt.Sprintf("int value should be greater than or equal to %d.", lo)})
	}
	if v > hi {
		return 0, protocol.InvalidForm(protocol.FieldError{Path: name, Code: protocol.FieldNumberTypeMax,
			Message: fmt.Sprintf("int value should be less than or equal to %d.", hi)})
	}
	return v, nil
}

// queryID parses an optional snowflake query parameter.
func queryID(r *http.Request, name string) (chat.ID, error) {
	s := r.URL.Query().Get(name)
	if s == "" || s == "0" { // libraries send after=0 for "from the start"
		return 0, nil
	}
	id, err := chat.ParseID(s)
	if err != nil {
		return 0, protocol.InvalidForm(protocol.FieldError{Path: name, Code: protocol.FieldNumberTypeCoerce,
			Message: fmt.Sprintf("Value %q is not snowflake.", s)})
	}
	return id, nil
}

// queryBool reads Discord's query booleans (True/true/1).
func queryBool(r *http.Request, name string) bool {
	switch r.URL.Query().Get(name) {
	case "True", "true", "1":
		return true
	}
	return false
}

// nullableString distinguishes absent (Set false), null (Set, Null) and a
// value, for PATCH bodies where null clears a field.
type nullableString struct {
	Set   bool
	Null  bool
	Value string
}

func (n *nullableString) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

// ptr returns the value to set (nil = unchanged); null clears to "".
func (n nullableString) ptr() *string {
	if !n.Set {
		return nil
	}
	v := n.Value
	return &v
}

// nullableID is nullableString for snowflakes.
type nullableID struct {
	Set   bool
	Value chat.ID
}

func (n *nullableID) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		return nil
	}
	return n.Value.UnmarshalJSON(b)
}

func (n nullableID) ptr() *chat.ID {
	if !n.Set {
		return nil
	}
	v := n.Value
	return &v
}

// permissionsValue decodes Discord's permission strings (numbers accepted too).
type permissionsValue struct {
	Set   bool
	Value uint64
}

func (p *permissionsValue) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	p.Set = true
	b = bytes.Trim(b, `"`)
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return errors.New("api: invalid permissions")
	}
	p.Value = v
	return nil
}

func lengthError(path string, lo, hi int) protocol.FieldError {
	return protocol.FieldError{Path: path, Code: protocol.FieldBaseTypeBadLength,
		Message: fmt.Sprintf("Must be between %d and %d in length.", lo, hi)}
}
