// Package dm runs private conversations: direct messages (channel type 1),
// group DMs (type 3) and relationships (friends, friend requests, blocks),
// which decide who may open a DM.
//
// A private channel has no guild actor. Each operation on one runs at the
// channel's owner node (rendezvous on the channel ID, the way a guild is
// placed; the whole node when there is no cluster), under that channel's
// lock, so that recipients change and messages are numbered in one place.
// An operation that reaches another node fails with *guild.NotOwnerError
// before it has any effect, and the REST layer runs the request again at
// the owner, as it does for guilds. Operations on a pair of users (opening
// their DM, relationships) run at the owner of the smaller user ID.
//
// Events go to the recipients' sessions through a Deliverer: on one node
// straight to the gateway's sessions, in a cluster to every node, each of
// which hands them to its own sessions of those users. Sessions get them
// through Session.Send, so RESUME replays them like any guild event.
// Messages use the ordinary (channel, bucket) message store through the
// data service.
//
// A Service is safe for concurrent use.
package dm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"sync"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// Store is what the service keeps and reads: private channels,
// relationships, users' guilds and memberships (who shares a guild), and
// guilds' emoji (custom emoji reactions).
type Store interface {
	store.Private
	UserGuilds(ctx context.Context, userID chat.ID) ([]chat.ID, error)
	GuildEmojis(ctx context.Context, guildID chat.ID) ([]chat.GuildEmoji, error)
	Messages(ctx context.Context, channelID chat.ID, p store.Page) ([]chat.Message, error)
	Reactions(ctx context.Context, channelID chat.ID, messageIDs []chat.ID) ([]chat.Reaction, error)
	ReactionUsers(ctx context.Context, channelID, messageID chat.ID, emoji string, after chat.ID, limit int) ([]chat.ID, error)
}

// Users reads users (the account service and its cache).
type Users interface {
	User(ctx context.Context, id chat.ID) (chat.User, error)
	UserByName(ctx context.Context, username string) (chat.User, error)
}

// Deliverer hands a dispatch to the live sessions of some users, wherever
// they are connected: each session of those users whose intents include
// intent (0: any) and whose shard gets DMs (shard 0) gets d.
type Deliverer interface {
	DeliverToUsers(users []chat.ID, intent protocol.Intents, d *protocol.Dispatch)
}

// Config configures a Service.
type Config struct {
	Store Store                // required
	Data  *data.Service        // required: messages, reactions
	IDs   *snowflake.Generator // required
	Users Users                // required
	// Placement, in a cluster, says which node owns each channel (and
	// pair of users); nil: this node owns all.
	Placement guild.Placement
	// AttachmentURL turns an attachment's CDN path into the URL clients
	// get (signed); nil leaves the path.
	AttachmentURL func(path string) string
	// AttachmentsGone is told of attachments no message holds any more.
	AttachmentsGone func(channelID chat.ID, as []chat.Attachment)
	Logger          *slog.Logger
}

// Service runs private channels and relationships. Build it with New and
// give it a Deliverer with SetDelivery before serving.
type Service struct {
	cfg   Config
	log   *slog.Logger
	st    Store
	data  *data.Service
	users Users

	deliver Deliverer // set once at wiring, before serving

	// locks serialise the operations on one channel, pairLocks those on
	// one pair of users, at this node (striped by ID). Lock order: a
	// pair's, then a channel's.
	locks, pairLocks [64]sync.Mutex
	seed             maphash.Seed

	// private caches which IDs are private channels (a channel's type
	// never changes), so that routing a request costs no store read.
	private sync.Map // chat.ID -> struct{}

	nonces nonces // enforce_nonce's memory
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Data == nil || cfg.IDs == nil || cfg.Users == nil {
		return nil, errors.New("dm: Config.Store, Data, IDs and Users are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg, log: cfg.Logger.WithGroup("dm"), st: cfg.Store, data: cfg.Data, users: cfg.Users,
		seed: maphash.MakeSeed()}, nil
}

// SetDelivery sets how events reach sessions. Call it once at wiring time.
func (s *Service) SetDelivery(d Deliverer) { s.deliver = d }

// Errors Discord gives about private channels.
var (
	errCannotMessage = protocol.NewAPIError(http.StatusForbidden, CodeCannotMessageUser, "Cannot send messages to this user")
	errOnDM          = protocol.NewAPIError(http.StatusForbidden, CodeCannotOnDM, "Cannot execute action on a DM channel")
	errBotsCannot    = protocol.NewAPIError(http.StatusForbidden, CodeBotsCannot, "Bots cannot use this endpoint")
	errMaxRecipients = protocol.NewAPIError(http.StatusBadRequest, CodeMaxRecipients, "Maximum number of group DM recipients reached (10)")
)

// JSON error codes of private channels and relationships (Discord's).
const (
	CodeBotsCannot        = 20001
	CodeMaxRecipients     = 30004
	CodeCannotOnDM        = 50003
	CodeCannotMessageUser = 50007
	CodeFriendRequest     = 80000 // "Incoming friend requests disabled."
	CodeNoSuchUsername    = 80004 // "No users with DiscordTag exist"
)

// lock takes the lock of a channel.
func (s *Service) lock(id chat.ID) func() {
	m := &s.locks[maphash.Comparable(s.seed, id)%uint64(len(s.locks))]
	m.Lock()
	return m.Unlock
}

// lockPair takes the lock of a pair of users, named by the smaller ID.
func (s *Service) lockPair(id chat.ID) func() {
	m := &s.pairLocks[maphash.Comparable(s.seed, id)%uint64(len(s.pairLocks))]
	m.Lock()
	return m.Unlock
}

// owns fails with *guild.NotOwnerError when another node owns id.
func (s *Service) owns(id chat.ID) error {
	if s.cfg.Placement == nil {
		return nil
	}
	node, self, _ := s.cfg.Placement.Owner(id)
	if !self {
		return &guild.NotOwnerError{Guild: id, Node: node}
	}
	return nil
}

// IsPrivate reports whether channelID is a private channel.
func (s *Service) IsPrivate(ctx context.Context, channelID chat.ID) (bool, error) {
	if _, ok := s.private.Load(channelID); ok {
		return true, nil
	}
	_, err := s.st.PrivateChannel(ctx, channelID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dm: channel %d: %w", channelID, err)
	}
	s.private.Store(channelID, struct{}{})
	return true, nil
}

// Recipient reports whether userID is a recipient of the private channel
// channelID (false if there is no such channel); account.ReadStates asks.
func (s *Service) Recipient(ctx context.Context, channelID, userID chat.ID) (bool, error) {
	_, err := s.channel(ctx, channelID, userID)
	if errors.Is(err, chat.ErrUnknownChannel) || errors.Is(err, chat.ErrMissingAccess) {
		return false, nil
	}
	return err == nil, err
}

// channel reads a private channel userID is a recipient of: ErrUnknownChannel
// if there is none, ErrMissingAccess if userID is not a recipient.
func (s *Service) channel(ctx context.Context, channelID, userID chat.ID) (chat.PrivateChannel, error) {
	c, err := s.st.PrivateChannel(ctx, channelID)
	if errors.Is(err, store.ErrNotFound) {
		return c, chat.ErrUnknownChannel
	}
	if err != nil {
		return c, fmt.Errorf("dm: channel %d: %w", channelID, err)
	}
	s.private.Store(channelID, struct{}{})
	if !c.Has(userID) {
		return c, chat.ErrMissingAccess
	}
	return c, nil
}

// atChannel runs fn at the channel's owner under its lock, once userID is
// known to be a recipient.
func (s *Service) atChannel(ctx context.Context, channelID, userID chat.ID, fn func(c chat.PrivateChannel) error) error {
	if err := s.owns(channelID); err != nil {
		return err
	}
	defer s.lock(channelID)()
	c, err := s.channel(ctx, channelID, userID)
	if err != nil {
		return err
	}
	return fn(c)
}

// send encodes body once and delivers it to users.
func (s *Service) send(users []chat.ID, intent protocol.Intents, name string, body any) {
	if s.deliver == nil || len(users) == 0 {
		return
	}
	b, err := protocol.Marshal(body)
	if err != nil {
		s.log.Error("encode dispatch", "event", name, "err", err)
		return
	}
	s.deliver.DeliverToUsers(users, intent, &protocol.Dispatch{Name: name, Data: b})
}

func (s *Service) user(ctx context.Context, id chat.ID) (chat.User, error) {
	u, err := s.users.User(ctx, id)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, chat.ErrUnknownUser) {
		return chat.User{}, chat.ErrUnknownUser
	}
	if err != nil {
		return chat.User{}, fmt.Errorf("dm: user %d: %w", id, err)
	}
	return u, nil
}

// userOrDeleted renders a user that may be gone as Discord's deleted user.
func (s *Service) userOrDeleted(ctx context.Context, id chat.ID) chat.User {
	u, err := s.users.User(ctx, id)
	if err != nil {
		return chat.User{ID: id, Username: "Deleted User"}
	}
	return u
}

// ReadyPrivate returns READY's private_channels and relationships for a
// user (gateway.Private). Bots get no private channels in READY, as on
// Discord (they learn of a DM from its messages), and have no
// relationships.
func (s *Service) ReadyPrivate(ctx context.Context, userID chat.ID, bot bool) (channels, relationships []json.RawMessage, err error) {
	channels, relationships = []json.RawMessage{}, []json.RawMessage{}
	if bot {
		return channels, relationships, nil
	}
	cs, err := s.Channels(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cs {
		b, err := protocol.Marshal(c)
		if err != nil {
			return nil, nil, err
		}
		channels = append(channels, b)
	}
	rs, err := s.Relationships(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rs {
		b, err := protocol.Marshal(r)
		if err != nil {
			return nil, nil, err
		}
		relationships = append(relationships, b)
	}
	return channels, relationships, nil
}
