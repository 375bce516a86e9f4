package guild

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	Store store.Store          // required: guilds, channels, roles, members, invites
	Data  *data.Service        // required: messages
	IDs   *snowflake.Generator // required: new IDs
	Users Users                // required: users, read through the server's cache
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
	// WorkTimeout bounds the store and data writes of one actor
	// operation, which run to completion even if the caller stops
	// waiting (see Registry doc). Default DefaultWorkTimeout (30 s).
	WorkTimeout time.Duration
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
	// MemberListCountsEvery is how soon a session watching a member list
	// gets the list's new counts (member_count, online_count, groups)
	// after a change outside its ranges; such changes are gathered, so
	// flapping presences far down a big list cost one update per period.
	// Default 1 s.
	MemberListCountsEvery time.Duration
	// PresenceEvery is the least time between two PRESENCE_UPDATEs of one
	// user in a guild of at least PresenceCoalesceFrom members; changes
	// within it are gathered and the latest is sent at its end, so that a
	// flapping user cannot flood a big guild's sessions. Defaults 1 s and
	// 250 members (Discord's largest large_threshold).
	PresenceEvery        time.Duration
	PresenceCoalesceFrom int
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
	// ThreadArchiveEvery is how often an actor archives the threads whose
	// auto-archive duration has passed. Default one minute (Discord's
	// durations are whole minutes); tests shorten it.
	ThreadArchiveEvery time.Duration

	// Placement, in cluster mode, says which guilds this node owns; nil
	// means it owns every guild (one node). See cluster.go.
	Placement Placement
	// Remote carries fan-out to sessions on other nodes; required with
	// Placement.
	Remote RemoteSender

	// AttachmentURL, if set, turns an attachment's CDN path into the URL
	// clients get (signed, absolute); without it they get the bare path.
	AttachmentURL func(path string) string
	// AttachmentsGone, if set, is told of attachments that no message
	// holds any more (their message was deleted, or an edit removed
	// them), so that their blobs can go. It must not block.
	AttachmentsGone func(channelID chat.ID, as []chat.Attachment)
}

// Registry finds, starts and stops guild actors. It is safe for concurrent
// use.
//
// A method's ctx bounds how long the caller waits. An operation handed to
// an actor runs to completion under its own context (the caller's values,
// no cancellation, Config.WorkTimeout), even if its caller has stopped
// waiting by the time the actor takes it from the inbox: a client that
// hangs up in the middle of a guild delete leaves no half-deleted guild.
//
// Actors never hold Registry.mu while running an operation.
type Registry struct {
	cfg   Config
	log   *slog.Logger
	st    store.Store
	data  *data.Service
	ids   *snowflake.Generator
	users Users

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
	// writes runs the actors' message writes (see writers).
	writes writers
}

type dirHolder struct{ d Directory }

// New returns a Registry.
func New(cfg Config) (*Registry, error) {
	if cfg.Store == nil || cfg.Data == nil || cfg.IDs == nil || cfg.Users == nil {
		return nil, errors.New("guild: Config.Store, Data, IDs and Users are required")
	}
	if cfg.Placement != nil && cfg.Remote == nil {
		return nil, errors.New("guild: Config.Remote is required with Placement")
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
	if cfg.WorkTimeout <= 0 {
		cfg.WorkTimeout = DefaultWorkTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PassiveInterval <= 0 {
		cfg.PassiveInterval = 5 * time.Second
	}
	if cfg.MemberListCountsEvery <= 0 {
		cfg.MemberListCountsEvery = time.Second
	}
	if cfg.PresenceEvery <= 0 {
		cfg.PresenceEvery = time.Second
	}
	if cfg.PresenceCoalesceFrom <= 0 {
		cfg.PresenceCoalesceFrom = 250
	}
	if cfg.RelayThreshold <= 0 {
		cfg.RelayThreshold = 5000
	}
	if cfg.RelaySessions <= 0 {
		cfg.RelaySessions = 15000
	}
	if cfg.ThreadArchiveEvery <= 0 {
		cfg.ThreadArchiveEvery = time.Minute
	}
	r := &Registry{
		cfg:    cfg,
		log:    cfg.Logger.WithGroup("guild"),
		st:     cfg.Store,
		data:   cfg.Data,
		ids:    cfg.IDs,
		users:  cfg.Users,
		actors: make(map[chat.ID]*actor),
		quit:   make(chan struct{}),
	}
	r.writes = writers{jobs: make(chan func()), quit: r.quit}
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
	return r.pushOwned(guildID, false, op)
}

// pushOwned is push that fails with *NotOwnerError for a guild this node
// does not own, or that is settling after a move unless unsettledOK.
func (r *Registry) pushOwned(guildID chat.ID, unsettledOK bool, op func(a *actor)) error {
	if err := r.owns(guildID, unsettledOK); err != nil {
		return err
	}
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

// Users is where the registry reads users (to render members, authors
// and inviters); the server passes its user cache. Implementations must be
// safe for concurrent use and may return chat.ErrUnknownUser or
// store.ErrNotFound for a user that does not exist.
type Users interface {
	User(ctx context.Context, id chat.ID) (chat.User, error)
}

// User returns a user from Config.Users, or chat.ErrUnknownUser.
func (r *Registry) User(ctx context.Context, id chat.ID) (chat.User, error) {
	u, err := r.users.User(ctx, id)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, chat.ErrUnknownUser) {
		return chat.User{}, chat.ErrUnknownUser
	}
	if err != nil {
		return chat.User{}, fmt.Errorf("guild: user %d: %w", id, err)
	}
	return u, nil
}

// UserChanged tells the registry a user was updated (e.g. PATCH /users/@me)
// and sends USER_UPDATE to the user's own live sessions. Member lists read
// users from Config.Users, which the caller has already updated.
func (r *Registry) UserChanged(u chat.User) {
	if h := r.dir.Load(); h != nil {
		if n, ok := h.d.(userNotifier); ok {
			n.UserChanged(u)
			return
		}
	}
	d, err := protocol.UserUpdate(u)
	if err != nil {
		return
	}
	for _, s := range r.userSessions(u.ID) {
		s.Send(d)
	}
}
