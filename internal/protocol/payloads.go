package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/accordchat/accord/internal/chat"
)

// Hello is the "d" of op 10.
type Hello struct {
	HeartbeatInterval int `json:"heartbeat_interval"`
}

// Identify is the "d" of op 2. Intents is a pointer because it is required:
// a client that leaves it out is closed with 4013 rather than given none.
type Identify struct {
	Token          string          `json:"token"`
	Properties     json.RawMessage `json:"properties,omitempty"` // os, browser, device; not interpreted
	Compress       bool            `json:"compress,omitempty"`
	LargeThreshold int             `json:"large_threshold,omitempty"`
	Shard          []int           `json:"shard,omitempty"`
	Presence       json.RawMessage `json:"presence,omitempty"`
	Intents        *Intents        `json:"intents"`
}

// Resume is the "d" of op 6.
type Resume struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       int64  `json:"seq"`
}

// RequestGuildMembers is the "d" of op 8. UserIDs accepts one snowflake or
// an array of them, as Discord does.
type RequestGuildMembers struct {
	GuildID   chat.ID `json:"guild_id"`
	Query     *string `json:"query,omitempty"`
	Limit     int     `json:"limit"`
	Presences bool    `json:"presences,omitempty"`
	UserIDs   IDList  `json:"user_ids,omitempty"`
	Nonce     string  `json:"nonce,omitempty"`

	guilds IDList // every guild_id of the list form; see UnmarshalJSON
}

// UnmarshalJSON reads guild_id as one snowflake or as a list of them, the
// form of API v6 that discordgo (RequestGuildMembers) and other libraries
// still send and Discord's gateway still accepts. GuildID is the first.
func (r *RequestGuildMembers) UnmarshalJSON(b []byte) error {
	type fields RequestGuildMembers // the same fields, without this method
	var v struct {
		fields
		GuildID IDList `json:"guild_id"` // shadows fields.GuildID
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = RequestGuildMembers(v.fields)
	r.guilds = v.GuildID
	if len(v.GuildID) > 0 {
		r.GuildID = v.GuildID[0]
	}
	return nil
}

// Guilds returns the guilds the request is for: each of guild_id's list,
// or GuildID.
func (r *RequestGuildMembers) Guilds() []chat.ID {
	if len(r.guilds) > 0 {
		return r.guilds
	}
	return []chat.ID{r.GuildID}
}

// GuildSubscriptions is the "d" of op 14, which Discord's own clients send
// when the user opens a guild: from then on the session gets the guild's
// full event stream (it is no longer passive there). Only GuildID is
// interpreted; the rest (channels' member-list ranges, typing, activities,
// threads, members) is accepted as Discord's client sends it.
type GuildSubscriptions struct {
	GuildID    chat.ID         `json:"guild_id"`
	Typing     bool            `json:"typing,omitempty"`
	Activities bool            `json:"activities,omitempty"`
	Threads    bool            `json:"threads,omitempty"`
	Members    json.RawMessage `json:"members,omitempty"`
	Channels   json.RawMessage `json:"channels,omitempty"`
}

// BulkGuildSubscriptions is the "d" of op 37: op 14's subscription (without
// guild_id) for several guilds at once, keyed by guild ID.
type BulkGuildSubscriptions struct {
	Subscriptions map[string]json.RawMessage `json:"subscriptions"`
}

// MaxNonce is the longest op-8 nonce Discord accepts; longer ones are dropped.
const MaxNonce = 32

// IDList is a list of snowflakes that also decodes from a single one.
type IDList []chat.ID

// UnmarshalJSON accepts "1", 1, ["1","2"] and [1,2].
func (l *IDList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var ids []chat.ID
		if err := json.Unmarshal(b, &ids); err != nil {
			return err
		}
		*l = ids
		return nil
	}
	if string(b) == "null" {
		*l = nil
		return nil
	}
	var id chat.ID
	if err := json.Unmarshal(b, &id); err != nil {
		return err
	}
	*l = IDList{id}
	return nil
}

// GuildMembersChunk is the "d" of a GUILD_MEMBERS_CHUNK dispatch.
type GuildMembersChunk struct {
	GuildID    chat.ID           `json:"guild_id"`
	Members    []json.RawMessage `json:"members"`
	ChunkIndex int               `json:"chunk_index"`
	ChunkCount int               `json:"chunk_count"`
	NotFound   []chat.ID         `json:"not_found,omitempty"`
	Nonce      string            `json:"nonce,omitempty"`
}

// MaxMembersPerChunk is how many members one GUILD_MEMBERS_CHUNK carries.
const MaxMembersPerChunk = 1000

// UnavailableGuild is a guild as READY lists it.
type UnavailableGuild struct {
	ID          chat.ID `json:"id"`
	Unavailable bool    `json:"unavailable"`
}

// ReadyApplication is READY's partial application.
type ReadyApplication struct {
	ID    chat.ID `json:"id"`
	Flags uint64  `json:"flags"`
}

// Ready is the "d" of the READY dispatch. User is the encoded user object.
type Ready struct {
	V                int                `json:"v"`
	User             json.RawMessage    `json:"user"`
	Guilds           []UnavailableGuild `json:"guilds"`
	SessionID        string             `json:"session_id"`
	SessionType      string             `json:"session_type"`
	ResumeGatewayURL string             `json:"resume_gateway_url"`
	Shard            []int              `json:"shard,omitempty"`
	Application      *ReadyApplication  `json:"application,omitempty"`
	PrivateChannels  []json.RawMessage  `json:"private_channels"`
	Relationships    []json.RawMessage  `json:"relationships"`
	// ReadState is sent to user accounts only (bots keep none).
	ReadState *ReadStateList `json:"read_state,omitempty"`
}

// DecodePayload decodes a client frame. It returns CloseDecodeError for
// anything that is not one JSON object with an integer "op", so the caller
// can close with the error it gets.
func DecodePayload(b []byte) (Payload, error) {
	var p Payload
	if len(b) > MaxClientPayload {
		return p, CloseDecodeError
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return p, CloseDecodeError
	}
	var probe struct {
		Op *int `json:"op"`
	}
	if err := json.Unmarshal(b, &probe); err != nil || probe.Op == nil {
		return p, CloseDecodeError
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, CloseDecodeError
	}
	return p, nil
}

// DecodeData decodes the "d" of a payload into v. A missing or null "d", or
// one of the wrong shape, is a decode error (4002).
func DecodeData(d json.RawMessage, v any) error {
	if len(d) == 0 || string(d) == "null" {
		return fmt.Errorf("%w: missing d", CloseDecodeError)
	}
	if err := json.Unmarshal(d, v); err != nil {
		return fmt.Errorf("%w: %v", CloseDecodeError, err)
	}
	return nil
}

// AppendControl appends a frame without sequence: {"op":op,"d":d}. d must be
// valid JSON (e.g. "null", "false", an object).
func AppendControl(b []byte, op int, d []byte) []byte {
	b = append(b, `{"op":`...)
	b = strconv.AppendInt(b, int64(op), 10)
	b = append(b, `,"d":`...)
	b = append(b, d...)
	return append(b, '}')
}

// FrameLen is len(d.AppendFrame(nil, seq)), computed without encoding, so a
// writer can emit the WebSocket header before the frame body.
func (d *Dispatch) FrameLen(seq int64) int {
	return len(`{"op":0,"t":"`) + len(d.Name) + len(`","s":`) + intLen(seq) +
		len(`,"d":`) + len(d.Data) + 1
}

func intLen(v int64) int {
	n := 1
	if v < 0 {
		n++
		v = -v
	}
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// Large-threshold bounds of IDENTIFY, as Discord documents them.
const (
	LargeThresholdMin     = 50
	LargeThresholdMax     = 250
	LargeThresholdDefault = 50
)

// LargeThreshold normalises IDENTIFY's large_threshold: 0 (absent) means
// the default, and other values are clamped to Discord's 50-250. Every
// package that reads a large_threshold passes it through here.
func LargeThreshold(n int) int {
	if n == 0 {
		return LargeThresholdDefault
	}
	return min(max(n, LargeThresholdMin), LargeThresholdMax)
}
