package protocol

import (
	"encoding/json"
	"fmt"
	"strings"
)

// APIError is a REST error in Discord's shape:
//
//	{"code": 50035, "message": "Invalid Form Body", "errors": {"content": {"_errors": [...]}}}
//
// Status is the HTTP status it is sent with. Packages below the REST layer
// return it when the error carries more than a sentinel can (field errors,
// a specific JSON code); the REST adapter writes it as is.
type APIError struct {
	Status  int
	Code    int
	Message string
	Fields  []FieldError // for 50035; become the nested "errors" object
}

// FieldError is one invalid field. Path is dotted ("message_reference.message_id");
// array indices are plain path elements ("messages.3"), as Discord writes them.
type FieldError struct {
	Path    string
	Code    string // e.g. BASE_TYPE_MAX_LENGTH
	Message string
}

// Error implements error; the text is for logs, never for clients.
func (e *APIError) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("api: %d %s (%s: %s)", e.Code, e.Message, e.Fields[0].Path, e.Fields[0].Code)
	}
	return fmt.Sprintf("api: %d %s", e.Code, e.Message)
}

// NewAPIError returns an error without field details.
func NewAPIError(status, code int, message string) *APIError {
	return &APIError{Status: status, Code: code, Message: message}
}

// InvalidForm returns a 400 / 50035 "Invalid Form Body" error for fields.
func InvalidForm(fields ...FieldError) *APIError {
	return &APIError{Status: 400, Code: CodeInvalidFormBody, Message: "Invalid Form Body", Fields: fields}
}

// MarshalJSON writes Discord's error body.
func (e *APIError) MarshalJSON() ([]byte, error) {
	body := struct {
		Message string         `json:"message"`
		Code    int            `json:"code"`
		Errors  map[string]any `json:"errors,omitempty"`
	}{Message: e.Message, Code: e.Code}
	if len(e.Fields) > 0 {
		body.Errors = map[string]any{}
		for _, f := range e.Fields {
			node := body.Errors
			var parts []string
			if f.Path != "" { // "" is an error of the whole body
				parts = strings.Split(f.Path, ".")
			}
			for _, part := range parts {
				next, ok := node[part].(map[string]any)
				if !ok {
					next = map[string]any{}
					node[part] = next
				}
				node = next
			}
			list, _ := node["_errors"].([]map[string]string)
			node["_errors"] = append(list, map[string]string{"code": f.Code, "message": f.Message})
		}
	}
	return json.Marshal(body)
}
