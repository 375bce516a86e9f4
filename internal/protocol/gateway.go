package protocol

import (
	"encoding/json"
	"fmt"
)

// Gateway opcodes.
const (
	OpDispatch            = 0
	OpHeartbeat           = 1
	OpIdentify            = 2
	OpPresenceUpdate      = 3
	OpVoiceStateUpdate    = 4
	OpResume              = 6
	OpReconnect           = 7
	OpRequestGuildMembers = 8
	OpInvalidSession      = 9
	OpHello               = 10
	OpHeartbeatACK        = 11
	OpGuildSubscriptions  = 14 // Discord client: subscribe to a guild (ends passive mode)
	OpBulkGuildSubscribe  = 37 // Discord client: op 14 for several guilds at once
)

// MaxClientPayload is the largest frame a client may send (else 4002).
const MaxClientPayload = 4096

// CloseCode is a gateway close code. It implements error so a session can
// return the reason it ends.
type CloseCode int

// Gateway close codes.
const (
	CloseUnknownError         CloseCode = 4000
	CloseUnknownOpcode        CloseCode = 4001
	CloseDecodeError          CloseCode = 4002
	CloseNotAuthenticated     CloseCode = 4003
	CloseAuthenticationFailed CloseCode = 4004
	CloseAlreadyAuthenticated CloseCode = 4005
	CloseInvalidSeq           CloseCode = 4007
	CloseRateLimited          CloseCode = 4008
	CloseSessionTimedOut      CloseCode = 4009
	CloseInvalidShard         CloseCode = 4010
	CloseShardingRequired     CloseCode = 4011
	CloseInvalidAPIVersion    CloseCode = 4012
	CloseInvalidIntents       CloseCode = 4013
	CloseDisallowedIntents    CloseCode = 4014
)

var closeText = map[CloseCode]string{
	CloseUnknownError:         "Unknown error.",
	CloseUnknownOpcode:        "Unknown opcode.",
	CloseDecodeError:          "Error while decoding payload.",
	CloseNotAuthenticated:     "Not authenticated.",
	CloseAuthenticationFailed: "Authentication failed.",
	CloseAlreadyAuthenticated: "Already authenticated.",
	CloseInvalidSeq:           "Invalid seq.",
	CloseRateLimited:          "Rate limited.",
	CloseSessionTimedOut:      "Session timed out.",
	CloseInvalidShard:         "Invalid shard.",
	CloseShardingRequired:     "Sharding required.",
	CloseInvalidAPIVersion:    "Invalid API version.",
	CloseInvalidIntents:       "Invalid intent(s).",
	CloseDisallowedIntents:    "Disallowed intent(s).",
}

// Error returns Discord's reason text for the code.
func (c CloseCode) Error() string {
	if s, ok := closeText[c]; ok {
		return s
	}
	return fmt.Sprintf("close %d", int(c))
}

// Reconnectable reports whether a client may resume or reconnect after this
// code. 4004 and 4010–4014 are terminal.
func (c CloseCode) Reconnectable() bool {
	switch c {
	case CloseAuthenticationFailed, CloseInvalidShard, CloseShardingRequired,
		CloseInvalidAPIVersion, CloseInvalidIntents, CloseDisallowedIntents:
		return false
	}
	return true
}

// Payload is a gateway frame as received from a client. D stays raw until
// the opcode says how to decode it.
type Payload struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s,omitempty"`
	T  *string         `json:"t,omitempty"`
}

// Intents is a gateway intents bit set.
type Intents uint64

// Intent bits.
const (
	IntentGuilds                 Intents = 1 << 0
	IntentGuildMembers           Intents = 1 << 1
	IntentGuildModeration        Intents = 1 << 2
	IntentGuildExpressions       Intents = 1 << 3
	IntentGuildIntegrations      Intents = 1 << 4
	IntentGuildWebhooks          Intents = 1 << 5
	IntentGuildInvites           Intents = 1 << 6
	IntentGuildVoiceStates       Intents = 1 << 7
	IntentGuildPresences         Intents = 1 << 8
	IntentGuildMessages          Intents = 1 << 9
	IntentGuildMessageReactions  Intents = 1 << 10
	IntentGuildMessageTyping     Intents = 1 << 11
	IntentDirectMessages         Intents = 1 << 12
	IntentDirectMessageReactions Intents = 1 << 13
	IntentDirectMessageTyping    Intents = 1 << 14
	IntentMessageContent         Intents = 1 << 15
	IntentGuildScheduledEvents   Intents = 1 << 16
	IntentAutoModConfiguration   Intents = 1 << 20
	IntentAutoModExecution       Intents = 1 << 21
	IntentGuildMessagePolls      Intents = 1 << 24
	IntentDirectMessagePolls     Intents = 1 << 25

	// IntentsAll is every defined intent; any other bit is invalid (4013).
	IntentsAll Intents = 1<<17 - 1 | IntentAutoModConfiguration | IntentAutoModExecution |
		IntentGuildMessagePolls | IntentDirectMessagePolls
	// IntentsPrivileged need the application's permission (else 4014).
	IntentsPrivileged = IntentGuildMembers | IntentGuildPresences | IntentMessageContent
)

// Has reports whether all bits of x are set.
func (i Intents) Has(x Intents) bool { return i&x == x }
