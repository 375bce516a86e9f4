// Package interaction keeps the interactions in flight: each gets an ID
// and a random single-use-to-acknowledge token that is valid for 15
// minutes (callbacks, follow-ups and the original response all name it),
// and remembers what was answered (the original message, ephemeral
// messages, which exist nowhere else).
//
// Interactions live in this process's memory, bounded by Config.Max:
// a callback or follow-up must reach the node that created the
// interaction, which its token names in a cluster (NodeOf). A Registry is
// safe for concurrent use.
package interaction

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// Interaction types (Discord's).
const (
	TypePing               = 1
	TypeApplicationCommand = 2
	TypeMessageComponent   = 3
	TypeAutocomplete       = 4
	TypeModalSubmit        = 5
)

// Errors of the registry.
var (
	ErrUnknown = errors.New("interaction: unknown or expired")
	ErrAcked   = errors.New("interaction: already acknowledged")
	ErrFull    = errors.New("interaction: too many in flight")
)

// DefaultTTL is how long a token is valid, as on Discord.
const DefaultTTL = 15 * time.Minute

// DefaultMax bounds the interactions kept at once.
const DefaultMax = 100_000

// Config configures a Registry; the zero value means the defaults.
type Config struct {
	TTL time.Duration    // default DefaultTTL
	Max int              // default DefaultMax
	Now func() time.Time // default time.Now; tests inject a clock
	// AckWindow is how long an interaction waits for its first response;
	// after it the interaction has failed and takes no callback. Default
	// DefaultAckWindow.
	AckWindow time.Duration
	// Node names this node in a cluster: tokens end with it, so that a
	// callback or follow-up reaching another node can be carried here
	// (see NodeOf). Empty on a single node.
	Node string
}

// DefaultAckWindow is Discord's 3 seconds to respond.
const DefaultAckWindow = 3 * time.Second

// Interaction is one interaction in flight. The identifying fields are set
// at creation and never change; the answer state is guarded by mu.
type Interaction struct {
	ID, AppID, BotID          chat.ID
	GuildID, ChannelID        chat.ID
	UserID                    chat.ID
	Type                      int
	Nonce                     string  // the invoker's, echoed in their events
	MessageID                 chat.ID // a component's message (type 3)
	Answer                    Answer  // how its answers look (answer.go)
	Token                     string
	Created                   time.Time
	acked                     chan struct{} // closed by the first acknowledgement
	failed                    bool          // guarded by Registry.mu: no answer in time
	mu                        sync.Mutex
	original                  chat.ID // the original response's message, once sent
	originalEphemeral         bool
	ephemeral                 map[chat.ID][]byte // rendered ephemeral messages
	sent                      map[chat.ID]bool   // channel messages answering it
	deferredEphemeral, defers bool
	loading                   bool // the original is a deferred answer still "thinking"
}

// Acked is closed once the interaction has been acknowledged.
func (it *Interaction) Acked() <-chan struct{} { return it.acked }

// SetOriginal records the original response's message and whether it is
// ephemeral.
func (it *Interaction) SetOriginal(id chat.ID, ephemeral bool) {
	it.mu.Lock()
	it.original, it.originalEphemeral = id, ephemeral
	it.mu.Unlock()
}

// Original returns the original response's message ID (0 before it is
// sent) and whether it is ephemeral.
func (it *Interaction) Original() (chat.ID, bool) {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.original, it.originalEphemeral
}

// SetDeferred records a deferred response (type 5) and whether the
// message that completes it will be ephemeral.
func (it *Interaction) SetDeferred(ephemeral bool) {
	it.mu.Lock()
	it.defers, it.deferredEphemeral = true, ephemeral
	it.mu.Unlock()
}

// Deferred reports whether the response was deferred, and whether its
// message is to be ephemeral.
func (it *Interaction) Deferred() (deferred, ephemeral bool) {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.defers, it.deferredEphemeral
}

// PutEphemeral keeps an ephemeral message's rendered JSON, so that the
// token can read and edit it later; nil b forgets it.
func (it *Interaction) PutEphemeral(id chat.ID, b []byte) {
	it.mu.Lock()
	defer it.mu.Unlock()
	if b == nil {
		delete(it.ephemeral, id)
		return
	}
	if it.ephemeral == nil {
		it.ephemeral = map[chat.ID][]byte{}
	}
	it.ephemeral[id] = b
}

// AddSent records a channel message sent in answer (the original or a
// follow-up), which the token may then read, edit and delete.
func (it *Interaction) AddSent(id chat.ID) {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.sent == nil {
		it.sent = map[chat.ID]bool{}
	}
	it.sent[id] = true
}

// Sent reports whether id is a channel message sent in answer.
func (it *Interaction) Sent(id chat.ID) bool {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.sent[id]
}

// Ephemeral returns an ephemeral message's JSON, or nil.
func (it *Interaction) Ephemeral(id chat.ID) []byte {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.ephemeral[id]
}

// Registry holds the interactions in flight.
type Registry struct {
	cfg Config
	mu  sync.Mutex
	// byID and byToken (guarded by mu) index the same interactions.
	byID    map[chat.ID]*Interaction
	byToken map[string]*Interaction
}

// New returns an empty Registry.
func New(cfg Config) *Registry {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Max <= 0 {
		cfg.Max = DefaultMax
	}
	if cfg.AckWindow <= 0 {
		cfg.AckWindow = DefaultAckWindow
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Registry{cfg: cfg, byID: map[chat.ID]*Interaction{}, byToken: map[string]*Interaction{}}
}

// nodeSep separates a token's random part (base64url, without it) from
// the node that holds the interaction.
const nodeSep = "."

// tokenPrefix begins every interaction token (base64 of "interaction", as
// Discord's tokens begin).
const tokenPrefix = "aW50ZXJhY3Rpb24"

// NodeOf returns the node a token names: the one whose registry holds its
// interaction, or "" for a token without one.
func NodeOf(token string) string {
	i := strings.LastIndex(token, nodeSep)
	if i < 0 || !strings.HasPrefix(token, tokenPrefix) {
		return ""
	}
	return token[i+len(nodeSep):]
}

// Node is the node this registry's tokens name ("" on a single node).
func (r *Registry) Node() string { return r.cfg.Node }

// Now is the registry's clock.
func (r *Registry) Now() time.Time { return r.cfg.Now() }

// Create registers it (ID and the identifying fields set), giving it a
// fresh token and its creation time.
func (r *Registry) Create(it *Interaction) (*Interaction, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	it.Token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	if r.cfg.Node != "" {
		it.Token += nodeSep + r.cfg.Node
	}
	it.Created = r.cfg.Now()
	it.acked = make(chan struct{})
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.byID) >= r.cfg.Max {
		r.pruneLocked()
		if len(r.byID) >= r.cfg.Max {
			return nil, ErrFull
		}
	}
	r.byID[it.ID] = it
	r.byToken[it.Token] = it
	return it, nil
}

// pruneLocked drops expired interactions.
func (r *Registry) pruneLocked() {
	now := r.cfg.Now()
	for id, it := range r.byID {
		if now.Sub(it.Created) >= r.cfg.TTL {
			delete(r.byID, id)
			delete(r.byToken, it.Token)
		}
	}
}

// live returns the interaction with token if it has not expired.
func (r *Registry) live(token string) *Interaction {
	r.mu.Lock()
	defer r.mu.Unlock()
	it := r.byToken[token]
	if it == nil {
		return nil
	}
	if r.cfg.Now().Sub(it.Created) >= r.cfg.TTL {
		delete(r.byID, it.ID)
		delete(r.byToken, it.Token)
		return nil
	}
	return it
}

// Lookup returns the live interaction id whose token is token.
func (r *Registry) Lookup(id chat.ID, token string) (*Interaction, error) {
	it := r.live(token)
	if it == nil || it.ID != id || subtle.ConstantTimeCompare([]byte(it.Token), []byte(token)) != 1 {
		return nil, ErrUnknown
	}
	return it, nil
}

// ByToken returns the live interaction of application appID whose token is
// token (the follow-up webhook routes name the application, not the
// interaction).
func (r *Registry) ByToken(appID chat.ID, token string) (*Interaction, error) {
	it := r.live(token)
	if it == nil || it.AppID != appID {
		return nil, ErrUnknown
	}
	return it, nil
}

// Owns reports whether token is a live interaction token of appID: the
// webhook routes ask it before treating the pair as a channel webhook.
func (r *Registry) Owns(appID chat.ID, token string) bool {
	_, err := r.ByToken(appID, token)
	return err == nil
}

// AckWindow is how long an interaction waits for its first response.
func (r *Registry) AckWindow() time.Duration { return r.cfg.AckWindow }

// Ack marks it acknowledged; only the first call succeeds, and only within
// the acknowledgement window (after it the interaction is unknown, as on
// Discord).
func (r *Registry) Ack(it *Interaction) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-it.acked:
		return ErrAcked
	default:
	}
	if it.failed || r.cfg.Now().Sub(it.Created) > r.cfg.AckWindow {
		it.failed = true
		return ErrUnknown
	}
	close(it.acked)
	return nil
}

// Fail marks it failed unless it was acknowledged, and reports whether it
// did (the caller then tells the invoker).
func (r *Registry) Fail(it *Interaction) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-it.acked:
		return false
	default:
	}
	it.failed = true
	return true
}
