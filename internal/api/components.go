package api

import (
	"encoding/json"

	"github.com/accordchat/accord/internal/component"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// onlyAppComponents drops the components of a message that someone other
// than an application sends when any of them is interactive, as Discord
// silently drops them from user and non-application webhook messages
// (link buttons, which nobody answers, stay); a message left empty is
// refused as empty.
func onlyAppComponents(req guild.MessageCreate, app bool) (guild.MessageCreate, error) {
	if app || !component.Interactive(req.Components) {
		return req, nil
	}
	req.Components = nil
	if messageEmpty(req) {
		return req, errEmptyMessage
	}
	return req, nil
}

// editComponents validates an edit's "components" (null or [] removes
// them) for an editor who is (app) or is not an application; a non-app
// editor's interactive components are dropped as on create.
func editComponents(raw json.RawMessage, app bool) (*json.RawMessage, error) {
	var rows []json.RawMessage
	if string(raw) != "null" {
		if err := json.Unmarshal(raw, &rows); err != nil {
			return nil, protocol.InvalidForm(protocol.FieldError{Path: "components", Code: protocol.FieldBaseTypeArray,
				Message: "Must be an array."})
		}
	}
	comps, errs := component.Message(rows)
	if len(errs) > 0 {
		return nil, protocol.InvalidForm(errs...)
	}
	if !app && component.Interactive(comps) {
		comps = nil
	}
	return &comps, nil
}
