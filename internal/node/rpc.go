package node

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// Requests between nodes are JSON objects on the destination's RPC subject;
// Kind says which.
const (
	kindConnect    = "connect"
	kindDisconnect = "disconnect"
	kindSubscribe  = "subscribe"
	kindPresence   = "presence"
	kindMembers    = "members"
	kindHTTP       = "http"
	kindReplay     = "replay"
	kindUserGuild  = "userguild"
	kindMemberList = "memberlist"
)

// request is every request between nodes; each kind uses some fields.
type request struct {
	Kind    string                `json:"k"`
	From    string                `json:"f"`
	Guild   chat.ID               `json:"g,omitempty"`
	Session *sessionInfo          `json:"s,omitempty"`
	ID      string                `json:"id,omitempty"` // session id
	User    chat.ID               `json:"u,omitempty"`
	LT      int                   `json:"lt,omitempty"`
	Raw     json.RawMessage       `json:"raw,omitempty"` // presence
	Members *guild.MembersRequest `json:"m,omitempty"`
	HTTP    *httpRequest          `json:"http,omitempty"`
	// Replay: the sender incarnation the destination has seen and the
	// first sequence number it misses.
	Incarnation uint64 `json:"inc,omitempty"`
	Seq         uint64 `json:"seq,omitempty"`
}

// sessionInfo is what an owner needs of a session of another node.
type sessionInfo struct {
	ID      string           `json:"id"`
	User    chat.ID          `json:"u"`
	Intents protocol.Intents `json:"i"`
	Bot     bool             `json:"b"`
}

// reply is every answer; Err and Code carry a failure.
type reply struct {
	Err      string            `json:"err,omitempty"`
	Code     string            `json:"code,omitempty"` // one of wireErrors, or "not_owner"
	Owner    string            `json:"owner,omitempty"`
	Members  []json.RawMessage `json:"members,omitempty"`
	NotFound []chat.ID         `json:"nf,omitempty"`
	HTTP     *httpResponse     `json:"http,omitempty"`
	Frames   [][]byte          `json:"frames,omitempty"`
	Body     json.RawMessage   `json:"body,omitempty"`
}

// wireErrors are the errors a caller branches on, by the name they cross
// the network under. Anything else arrives as a plain error with its text.
var wireErrors = map[string]error{
	"unknown_guild":   chat.ErrUnknownGuild,
	"missing_access":  chat.ErrMissingAccess,
	"missing_perms":   chat.ErrMissingPerms,
	"unknown_channel": chat.ErrUnknownChannel,
	"busy":            guild.ErrBusy,
	"closed":          guild.ErrClosed,
}

// errorReply encodes err for the requester.
func errorReply(err error) reply {
	var no *guild.NotOwnerError
	if errors.As(err, &no) {
		return reply{Err: err.Error(), Code: "not_owner", Owner: no.Node}
	}
	for code, e := range wireErrors {
		if errors.Is(err, e) {
			return reply{Err: err.Error(), Code: code}
		}
	}
	return reply{Err: err.Error()}
}

// err decodes a reply's failure; guild is the guild the request was for.
func (r reply) err(guildID chat.ID) error {
	if r.Err == "" && r.Code == "" {
		return nil
	}
	if r.Code == "not_owner" {
		return &guild.NotOwnerError{Guild: guildID, Node: r.Owner}
	}
	if e, ok := wireErrors[r.Code]; ok {
		return fmt.Errorf("%w (remote: %s)", e, r.Err)
	}
	return fmt.Errorf("node: remote: %s", r.Err)
}
