package protocol

import "encoding/json"

// EventSessionsReplace tells a user account's sessions the true status of
// each of the user's sessions, "all" being the combined one: how a user's
// own clients learn that they are invisible while everyone else sees them
// offline. Discord sends it to user accounts only.
const EventSessionsReplace = "SESSIONS_REPLACE"

// SessionEntry is one element of SESSIONS_REPLACE.
type SessionEntry struct {
	SessionID  string          `json:"session_id"`
	Status     string          `json:"status"`
	Activities json.RawMessage `json:"activities"`
	ClientInfo ClientInfo      `json:"client_info"`
	Active     bool            `json:"active,omitempty"`
}

// ClientInfo says what kind of client a session is.
type ClientInfo struct {
	Client  string `json:"client"` // desktop, mobile or web
	OS      string `json:"os"`
	Version int    `json:"version"`
}

// SessionEntryObject builds an entry; nil activities are an empty list.
func SessionEntryObject(sessionID, status string, activities json.RawMessage, client string) SessionEntry {
	if len(activities) == 0 || string(activities) == "null" {
		activities = json.RawMessage("[]")
	}
	return SessionEntry{SessionID: sessionID, Status: status, Activities: activities,
		ClientInfo: ClientInfo{Client: client, OS: "unknown"}}
}
