package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"runtime"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Accounts is what the gateway reads from the store to authenticate a
// session. store.Store satisfies it.
type Accounts interface {
	TokenUser(ctx context.Context, tokenHash []byte) (chat.ID, error)
	User(ctx context.Context, id chat.ID) (chat.User, error)
	ApplicationByBot(ctx context.Context, botID chat.ID) (chat.Application, error)
	UserGuilds(ctx context.Context, userID chat.ID) ([]chat.ID, error)
}

// Private lists a user's private channels and relationships as READY
// carries them (package dm).
type Private interface {
	ReadyPrivate(ctx context.Context, userID chat.ID, bot bool) (channels, relationships []json.RawMessage, err error)
}

// ReadStates renders a user's read state for READY;
// account.ReadStates implements it.
type ReadStates interface {
	Ready(ctx context.Context, u chat.User) (protocol.ReadStateList, error)
}

// Config configures a Gateway. The zero value of every field but Accounts
// and Guilds means its default.
type Config struct {
	Accounts Accounts // required
	Guilds   Guilds   // required
	// Private, if set, fills READY's private_channels and relationships.
	Private Private
	// ReadStates, if set, fills READY's read_state for user accounts.
	ReadStates ReadStates
	Logger     *slog.Logger

	// ResumeURL is sent as READY's resume_gateway_url, e.g.
	// "ws://127.0.0.1:8080/gateway". Default: derived from the upgrade
	// request's Host header.
	ResumeURL string
	// HeartbeatInterval is sent in HELLO. Default 41.25 s (Discord's value).
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long a connection may go without a heartbeat
	// before it is closed with 4009 (the session stays resumable).
	// Default: 1.5 × HeartbeatInterval.
	HeartbeatTimeout time.Duration
	// SendQueueBytes bounds the dispatch bytes queued for a connected
	// session and not yet written to its socket. Overflow closes the
	// connection with 4000 (resumable). Default 1 MiB.
	SendQueueBytes int
	// ResumeBytes bounds what a disconnected session buffers for RESUME;
	// beyond it the session is invalidated. Default 4 × SendQueueBytes.
	ResumeBytes int
	// ReplayBytes bounds how much already-written history a session keeps so
	// a client that lost in-flight frames can still resume. Default 256 KiB.
	ReplayBytes int
	// ResumeWindow is how long a disconnected session stays resumable.
	// Default 3 minutes.
	ResumeWindow time.Duration
	// SocketWriteBuffer, if set, is the kernel send buffer of each socket
	// (SO_SNDBUF). Smaller buffers find slow consumers sooner and cost less
	// kernel memory. Default: the kernel's autotuning.
	SocketWriteBuffer int
	// WriteTimeout is how long a full socket may take to accept the rest of
	// a write before the connection is closed. Default 10 s.
	WriteTimeout time.Duration
	// Writers is the number of writer goroutines shared by all
	// connections. Default GOMAXPROCS.
	Writers int
	// ReadTimeout bounds reading one frame once its first byte has arrived.
	// Default 10 s.
	ReadTimeout time.Duration
	// RateLimit is how many payloads a client may send per RateWindow before
	// it is closed with 4008. Defaults 120 and 60 s, as Discord. Every
	// payload counts, heartbeats included (Discord counts them too:
	// discord.py keeps 10 of the 120 for them), and so do WebSocket pings,
	// which cost a pong; pongs and the fragments of a message do not.
	RateLimit  int
	RateWindow time.Duration
	// MaxConcurrency is the max_concurrency of GET /gateway/bot: a bot may
	// IDENTIFY once per IdentifyWindow per rate-limit key (shard_id %
	// MaxConcurrency); an IDENTIFY over it gets op 9 INVALID_SESSION
	// (d: false), as on Discord. User accounts, whose clients identify
	// in bursts (tabs, reloads) and which Discord reports no concurrency
	// for, are bounded by SessionStarts alone. Defaults 1 and 5 s.
	MaxConcurrency int
	IdentifyWindow time.Duration
	// SessionStarts is the daily IDENTIFY budget of each account (RESUME
	// is free), reported in session_start_limit; SessionStartWindow is how
	// long after its first IDENTIFY the budget refills. Discord resets the
	// token of a bot over the budget; Accord refuses the IDENTIFY with op 9
	// (d: false) instead, which leaves the bot's live sessions alone.
	// Defaults 1000 and 24 h, as Discord's for small bots.
	SessionStarts      int
	SessionStartWindow time.Duration
	// MembersWindow is how often one account may ask for all the members
	// of one guild (op 8 with query "" and limit 0); a request within it
	// gets a RATE_LIMITED dispatch. Default 30 s, as Discord.
	MembersWindow time.Duration
	// MaxConnsPerAddr caps the open WebSocket connections from one client
	// address (IPv6: one /64); the next upgrade gets HTTP 429. Default 200.
	MaxConnsPerAddr int
	// DisableLimits switches off every rate limit and throttle above
	// (4008, identify concurrency and budget, op 8, connections per
	// address), for load tests and benchmarks; cmd sets it with
	// --rate-limits=false. Size limits (4096-byte payloads -> 4002) stay.
	DisableLimits bool
	// RequestTimeout bounds the store and guild calls a payload causes.
	// Default 10 s.
	RequestTimeout time.Duration
	// PresenceGrace is how long a user whose last session lost its
	// connection still looks online: a RESUME within it changes nothing
	// others see. Default 5 s.
	PresenceGrace time.Duration
}

func (c *Config) setDefaults() error {
	if c.Accounts == nil || c.Guilds == nil {
		return errors.New("gateway: Config.Accounts and Config.Guilds are required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 41250 * time.Millisecond
	}
	if c.HeartbeatTimeout <= 0 {
		c.HeartbeatTimeout = c.HeartbeatInterval * 3 / 2
	}
	if c.SendQueueBytes <= 0 {
		c.SendQueueBytes = 1 << 20
	}
	if c.ResumeBytes <= 0 {
		c.ResumeBytes = 4 * c.SendQueueBytes
	}
	if c.ReplayBytes <= 0 {
		c.ReplayBytes = 256 << 10
	}
	if c.ResumeWindow <= 0 {
		c.ResumeWindow = 3 * time.Minute
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.Writers <= 0 {
		c.Writers = runtime.GOMAXPROCS(0)
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 10 * time.Second
	}
	if c.RateLimit <= 0 {
		c.RateLimit = 120
	}
	if c.RateWindow <= 0 {
		c.RateWindow = 60 * time.Second
	}
	if c.MaxConcurrency <= 0 {
		c.MaxConcurrency = 1
	}
	if c.IdentifyWindow <= 0 {
		c.IdentifyWindow = 5 * time.Second
	}
	if c.SessionStarts <= 0 {
		c.SessionStarts = 1000
	}
	if c.SessionStartWindow <= 0 {
		c.SessionStartWindow = 24 * time.Hour
	}
	if c.PresenceGrace <= 0 {
		c.PresenceGrace = 5 * time.Second
	}
	if c.MembersWindow <= 0 {
		c.MembersWindow = 30 * time.Second
	}
	if c.MaxConnsPerAddr <= 0 {
		c.MaxConnsPerAddr = 200
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	return nil
}
