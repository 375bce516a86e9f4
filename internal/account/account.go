// Package account owns Accord's users: registration, login, profile
// updates, tokens (issue, check, revoke, bot token reset) and a bounded
// cache of user records. It is the only package that reads or writes user
// records and tokens in the store; the architecture test (internal/archtest)
// enforces that, so every change to a user passes through the cache here
// and no other copy can serve a stale user.
//
// Form validation (username charset, password length) stays with the REST
// API, which owns Discord's error bodies; this package returns sentinel
// errors the API maps to them.
//
// A Service is safe for concurrent use. Returned values belong to the
// caller (chat.User holds no shared memory).
package account

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/maypok86/otter/v2"
	"github.com/maypok86/otter/v2/stats"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/accordchat/accord/internal/auth"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/ratelimit"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// Sentinel errors.
var (
	// ErrUsernameTaken is returned when another user holds the username
	// (usernames are unique, compared case-insensitively by the store).
	ErrUsernameTaken = errors.New("account: username taken")
	// ErrInvalidLogin is returned by Login for an unknown user, a user
	// without a password (a bot) or a wrong password alike, so that a
	// caller cannot tell which.
	ErrInvalidLogin = errors.New("account: invalid login")
)

// DefaultCacheSize is the number of users the cache holds by default.
const DefaultCacheSize = 100_000

// Store is what the service needs of the store; store.Store satisfies it.
// Reads of a missing record return store.ErrNotFound (wrapped), a taken
// username store.ErrExists.
type Store interface {
	store.Users
	PutApplication(ctx context.Context, a chat.Application) error
	ApplicationByBot(ctx context.Context, botID chat.ID) (chat.Application, error)
	UserGuilds(ctx context.Context, userID chat.ID) ([]chat.ID, error)
}

// Config configures a Service. The zero value of each field means its
// default.
type Config struct {
	// Store holds users, credentials and token hashes. Required.
	Store Store
	// IDs makes the IDs of new users. Required (IDs must come from the
	// node's one generator, or two could collide).
	IDs *snowflake.Generator
	// CacheSize bounds how many users the cache holds (otter's W-TinyLFU
	// keeps the most used). Default DefaultCacheSize (100,000).
	CacheSize int
	// Registerer receives the service's metrics (accord_account_*); nil
	// registers none.
	Registerer prometheus.Registerer
	// Hashing bounds password hashing (register and login): beyond it a
	// caller gets auth.ErrBusy, which the API answers with 429.
	Hashing auth.HashLimits
	// Limits, if set, throttles registrations per username and failed
	// logins per account name (see Register and Login).
	Limits *ratelimit.Limiter
}

// Service registers, authenticates and serves users.
type Service struct {
	st    Store
	ids   *snowflake.Generator
	users *otter.Cache[chat.ID, chat.User]
	// userLoader is s.loadUser made once: a method value made per call
	// is an allocation per REST request.
	userLoader otter.LoaderFunc[chat.ID, chat.User]
	stats      *stats.Counter // the cache's hits, misses and evictions
	// apps caches applications by bot user ID: every IDENTIFY and every
	// REST message read of a bot needs its flags (privileged intents,
	// MESSAGE_CONTENT), which change only through SaveApplication.
	apps *otter.Cache[chat.ID, chat.Application]
	// tokens caches token hash -> user: every REST request and IDENTIFY
	// looks its token up, and in issue 18's ingest profile that Pebble read
	// was 5-8 % of the server's CPU. A revocation anywhere in the cluster
	// moves revoked (RevokeToken here, TokensRevoked on a broadcast), and
	// an entry read before the move is not trusted after it, so no
	// revoked token outlives its revocation's news; tokenTTL bounds an
	// entry's life should that news be lost.
	tokens  *otter.Cache[tokenKey, tokenEntry]
	revoked atomic.Int64
	hash    *auth.Hasher // every password hash and check goes through it
	// limits throttles Register and Login; nil throttles nothing.
	limits *ratelimit.Limiter
}

// New returns a Service over cfg.Store.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.IDs == nil {
		return nil, errors.New("account: Config.Store and IDs are required")
	}
	if cfg.CacheSize < 0 {
		return nil, fmt.Errorf("account: Config.CacheSize %d is negative", cfg.CacheSize)
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	hash, err := auth.NewHasher(cfg.Hashing)
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	s := &Service{st: cfg.Store, ids: cfg.IDs, stats: stats.NewCounter(), hash: hash, limits: cfg.Limits}
	c, err := otter.New(&otter.Options[chat.ID, chat.User]{MaximumSize: cfg.CacheSize, StatsRecorder: s.stats})
	if err != nil {
		return nil, fmt.Errorf("account: cache: %w", err)
	}
	s.users = c
	s.userLoader = otter.LoaderFunc[chat.ID, chat.User](s.loadUser)
	// Bots are users, so the user bound also bounds their applications.
	apps, err := otter.New(&otter.Options[chat.ID, chat.Application]{MaximumSize: cfg.CacheSize})
	if err != nil {
		c.StopAllGoroutines()
		return nil, fmt.Errorf("account: application cache: %w", err)
	}
	s.apps = apps
	tokens, err := otter.New(&otter.Options[tokenKey, tokenEntry]{MaximumSize: cfg.CacheSize,
		ExpiryCalculator: otter.ExpiryWriting[tokenKey, tokenEntry](tokenTTL)})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("account: token cache: %w", err)
	}
	s.tokens = tokens
	if cfg.Registerer != nil {
		if err := s.register(cfg.Registerer); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close stops the cache's background work. The Service must not be used
// afterwards.
func (s *Service) Close() {
	s.users.StopAllGoroutines()
	s.apps.StopAllGoroutines()
	if s.tokens != nil {
		s.tokens.StopAllGoroutines()
	}
}
