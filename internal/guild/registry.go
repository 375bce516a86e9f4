package guild

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// Config configures a Registry. The zero value of each optional field means
// its default.
type Config struct {
	Store store.Store          // required: guilds, channels, roles, members, users
	Data  *data.Service        // required: messages
	IDs   *snowflake.Generator // required: new IDs
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// InboxSize bounds each actor's inbox; a push beyond it fails with
	// ErrBusy. Default 1024.
	InboxSize int
	// MaxInflight bounds the message writes one actor has in flight; beyond
	// it message creates fail with ErrBusy. Default 1024.
	MaxInflight int
	// IdleTimeout is how long an actor with no sessions and no work lives
	// on. Default 5 minutes.
	IdleTimeout time.Duration
	// Now is the clock; default time.Now. Tests inject it.
	Now func() time.Time

	// DisablePassive makes every session active: each gets every event of
	// its guilds (`accord serve --passive=false`). By default a user (not
	// bot) session in a guild with more members than its large_threshold
	// is passive there until it subscribes with op 14 or 37.
	DisablePassive bool
	// PassiveInterval is how often passive sessions get PASSIVE_UPDATE_V1
	// (only when a visible channel's last message changed). Default 5 s.
	PassiveInterval time.Duration
	// DisableRelays keeps all fan-out in the guild actor's goroutine
	// (`accord serve --relays=false`).
	DisableRelays bool
	// RelayThreshold is the number of sessions in one guild above which
	// its actor hands fan-out to relay goroutines. Default 5,000.
	RelayThreshold int
	// RelaySessions is the most sessions one relay owns (Discord: 15,000).
	// A guild gets at least GOMAXPROCS relays, so its fan-out uses every
	// core. Default 15,000.
	RelaySessions int
}

// Registry finds, starts and stops guild actors. It is safe for concurrent
// use.
//
// Lock order: Registry.mu before userCache.mu; actors never hold a registry
// lock while running an operation.
type Registry struct {
	cfg   Config
	log   *slog.Logger
	st    store.Store
	data  *data.Service
	ids   *snowflake.Generator
	users userCache

	dir atomic.Pointer[dirHolder]

	relays         atomic.Int64 // relay goroutines running, in every guild
	passiveUpdates atomic.Int64 // PASSIVE_UPDATE_V1 dispatches handed to sessions
	passiveHeld    atomic.Int64 // message/typing deliveries withheld from passive sessions

	// channelGuild maps channel ID to guild ID for routing channel routes;
	// filled by actors when they load or create channels.
	channelGuild sync.Map

	mu     sync.RWMutex
	actors map[chat.ID]*actor // guarded by mu
	closed bool               // guarded by mu
	wg     sync.WaitGroup
	quit   chan struct{}
}

type dirHolder struct{ d Directory }

// New returns a Registry.
func New(cfg Config) (*Registry, error) {
	if cfg.Store == nil || cfg.Data == nil || cfg.IDs == nil {
		return nil, errors.New("guild: Config.Store, Data and IDs are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.InboxSize <= 0 {
		cfg.InboxSize = 1024
	}
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = 1024
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PassiveInterval <= 0 {
		cfg.PassiveInterval = 5 * time.Second
	}
	if cfg.RelayThreshold <= 0 {
		cfg.RelayThreshold = 5000
	}
	if cfg.RelaySessions <= 0 {
		cfg.RelaySessions = 15000
	}
	r := &Registry{
		cfg:    cfg,
		log:    cfg.Logger.WithGroup("guild"),
		st:     cfg.Store,
		data:   cfg.Data,
		ids:    cfg.IDs,
		actors: make(map[chat.ID]*actor),
		quit:   make(chan struct{}),
	}
	r.users.st = cfg.Store
	return r, nil
}

// SetDirectory sets how actors find a user's live sessions. Called once at
// wiring time; until then joins subscribe no session.
func (r *Registry) SetDirectory(d Directory) { r.dir.Store(&dirHolder{d}) }

func (r *Registry) userSessions(userID chat.ID) []Session {
	h := r.dir.Load()
	if h == nil || h.d == nil {
		return nil
	}
	return h.d.UserSessions(userID)
}

// Relays returns how many relay goroutines run, summed over all guilds
// (0 while every guild fans out from its actor, and with DisableRelays).
func (r *Registry) Relays() int { return int(r.relays.Load()) }

// Stats are the registry's fan-out counters, for metrics.
type Stats struct {
	Relays         int64 // relay goroutines running
	PassiveUpdates int64 // PASSIVE_UPDATE_V1 dispatches sent
	PassiveHeld    int64 // message and typing deliveries withheld from passive sessions
}

// Stats returns the registry's counters.
func (r *Registry) Stats() Stats {
	return Stats{Relays: r.relays.Load(), PassiveUpdates: r.passiveUpdates.Load(), PassiveHeld: r.passiveHeld.Load()}
}

// Close stops every actor after the writes they have in flight complete.
// Later calls fail with ErrClosed.
func (r *Registry) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	close(r.quit)
	r.mu.Unlock()
	r.wg.Wait()
}

// push hands op to guildID's actor, starting it if needed. It never blocks.
func (r *Registry) push(guildID chat.ID, op func(a *actor)) error {
	r.mu.RLock()
	a := r.actors[guildID]
	if a != nil && !r.closed {
		err := a.offer(op)
		r.mu.RUnlock()
		return err
	}
	r.mu.RUnlock()

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	a = r.actors[guildID]
	if a == nil {
		a = newActor(r, guildID)
		r.actors[guildID] = a
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			a.run()
		}()
	}
	return a.offer(op)
}

// pushIfRunning is push for operations that need no actor if none runs.
func (r *Registry) pushIfRunning(guildID chat.ID, op func(a *actor)) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if a := r.actors[guildID]; a != nil && !r.closed {
		_ = a.offer(op) // best effort: a full inbox only delays cleanup
	}
}

// exitIfIdle removes a from the registry if no work reached it; it reports
// whether the actor may exit.
func (r *Registry) exitIfIdle(a *actor) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(a.inbox) > 0 {
		return false
	}
	if r.actors[a.id] == a {
		delete(r.actors, a.id)
	}
	return true
}

// call runs f on guildID's actor and waits for its result. f runs only if
// the guild exists.
func (r *Registry) call(ctx context.Context, guildID chat.ID, f func(a *actor) error) error {
	done := make(chan error, 1)
	err := r.push(guildID, func(a *actor) {
		if a.gone {
			done <- chat.ErrUnknownGuild
			return
		}
		// A bug in one operation must not take down the actor, the
		// guild's other callers or the process: answer with an error.
		defer func() {
			if p := recover(); p != nil {
				r.log.Error("guild operation panicked", "guild", guildID, "panic", p, "stack", string(debug.Stack()))
				done <- fmt.Errorf("guild %d: operation panicked: %v", guildID, p)
			}
		}()
		done <- f(a)
	})
	if err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// channelCall routes f to the actor of the guild that owns channelID and
// runs it with the channel, or fails with chat.ErrUnknownChannel.
func (r *Registry) channelCall(ctx context.Context, channelID chat.ID, f func(a *actor, ch *chat.Channel) error) error {
	guildID, err := r.guildOf(ctx, channelID)
	if err != nil {
		return err
	}
	err = r.call(ctx, guildID, func(a *actor) error {
		ch := a.channels[channelID]
		if ch == nil {
			r.channelGuild.Delete(channelID)
			return chat.ErrUnknownChannel
		}
		return f(a, ch)
	})
	if errors.Is(err, chat.ErrUnknownGuild) {
		return chat.ErrUnknownChannel
	}
	return err
}

// guildOf returns the guild a channel belongs to.
func (r *Registry) guildOf(ctx context.Context, channelID chat.ID) (chat.ID, error) {
	if v, ok := r.channelGuild.Load(channelID); ok {
		return v.(chat.ID), nil
	}
	ch, err := r.st.Channel(ctx, channelID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, chat.ErrUnknownChannel
	}
	if err != nil {
		return 0, fmt.Errorf("guild: channel %d: %w", channelID, err)
	}
	r.channelGuild.Store(channelID, ch.GuildID)
	return ch.GuildID, nil
}

// GuildOfChannel returns the ID of the guild that owns a channel, or
// chat.ErrUnknownChannel.
func (r *Registry) GuildOfChannel(ctx context.Context, channelID chat.ID) (chat.ID, error) {
	return r.guildOf(ctx, channelID)
}

// User returns a user through the registry's cache.
func (r *Registry) User(ctx context.Context, id chat.ID) (chat.User, error) {
	return r.users.get(ctx, id)
}

// UserChanged tells the registry a user was updated (e.g. PATCH /users/@me)
// so cached copies and the member lists of running actors see the change,
// and sends USER_UPDATE to the user's own live sessions.
func (r *Registry) UserChanged(u chat.User) {
	r.users.put(u)
	b, err := protocol.Marshal(protocol.UserObject(u))
	if err != nil {
		return
	}
	d := &protocol.Dispatch{Name: "USER_UPDATE", Data: b}
	for _, s := range r.userSessions(u.ID) {
		s.Send(d)
	}
}

// userCache caches users read from the store. It is unbounded for now; the
// data-service issue replaces it with a bounded cache.
type userCache struct {
	st store.Store
	mu sync.RWMutex
	m  map[chat.ID]chat.User // guarded by mu
}

func (c *userCache) get(ctx context.Context, id chat.ID) (chat.User, error) {
	c.mu.RLock()
	u, ok := c.m[id]
	c.mu.RUnlock()
	if ok {
		return u, nil
	}
	u, err := c.st.User(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return chat.User{}, chat.ErrUnknownUser
	}
	if err != nil {
		return chat.User{}, fmt.Errorf("guild: user %d: %w", id, err)
	}
	c.put(u)
	return u, nil
}

func (c *userCache) put(u chat.User) {
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[chat.ID]chat.User)
	}
	c.m[u.ID] = u
	c.mu.Unlock()
}
