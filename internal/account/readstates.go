package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// Read states: how far each user has read each channel.
//
// An acknowledgement is one upsert of one row. Mention counts are not
// kept up to date as messages arrive: raising a counter per recipient on
// every @everyone in a 100,000-member guild would be 100,000 store writes
// for one message. They are counted lazily instead, when a session
// starts (READY): for each channel the user has acked and may still see,
// the messages after the acked one are read (one page, at most
// MaxMentionScan messages, the newest first) and those that mention the
// user, @everyone/@here (which the message only carries when its author
// was allowed to use it) or a role the user holds are counted. A read of
// a channel with nothing new costs one empty page. The count is capped
// at MaxMentionScan, and READY scans at most MaxScannedChannels channels;
// beyond that the stored count (what the last ack set) stands.
//
// A channel the user never acked has no entry: Discord's client treats
// it as read.

// MaxMentionScan is how many unread messages of one channel READY counts
// mentions in; a larger backlog shows as that many (Discord's client
// shows "99+" long before).
const MaxMentionScan = store.MaxPage

// MaxScannedChannels bounds how many channels one READY counts mentions
// in, so that a user with thousands of acked channels cannot make one
// IDENTIFY cost thousands of history reads.
const MaxScannedChannels = 200

// ReadStateStore is what ReadStates needs of the store; store.Store
// satisfies it. Guilds, roles, members and channels are read to decide
// what the user may still see at READY.
type ReadStateStore interface {
	store.ReadStates
	Channel(ctx context.Context, id chat.ID) (chat.Channel, error)
	Guild(ctx context.Context, id chat.ID) (chat.Guild, error)
	GuildRoles(ctx context.Context, guildID chat.ID) ([]chat.Role, error)
	Member(ctx context.Context, guildID, userID chat.ID) (chat.Member, error)
	Messages(ctx context.Context, channelID chat.ID, p store.Page) ([]chat.Message, error)
}

// PrivateChannels says whether a user is a recipient of a private channel
// (a DM or group DM, which the store keeps apart from guild channels). The
// DM service implements it; without one, such channels get no READY entry.
type PrivateChannels interface {
	Recipient(ctx context.Context, channelID, userID chat.ID) (bool, error)
}

// ReadStates records acknowledgements and renders READY's read_state. It
// is safe for concurrent use.
type ReadStates struct {
	st      ReadStateStore
	private PrivateChannels
	now     func() time.Time
	last    atomic.Int64 // the last version handed out, see version
}

// NewReadStates returns the read-state service over st; private may be nil.
func NewReadStates(st ReadStateStore, private PrivateChannels) *ReadStates {
	return &ReadStates{st: st, private: private, now: time.Now}
}

// SetPrivateChannels sets the DM service once it exists (the server
// builds it after this one).
func (r *ReadStates) SetPrivateChannels(p PrivateChannels) { r.private = p }

// version returns a new version: seconds since Discord's epoch (it fits
// the 32 bits clients keep it in until 2083), and strictly above the last
// one this process handed out, so two acks in one second still order.
func (r *ReadStates) version() int64 {
	v := (r.now().UnixMilli() - snowflake.Epoch) / 1000
	for {
		last := r.last.Load()
		next := max(v, last+1)
		if r.last.CompareAndSwap(last, next) {
			return next
		}
	}
}

// Ack records that userID read channelID up to messageID. mentions is the
// count the client asks to keep (a channel marked unread keeps its
// mentions); an ordinary ack clears them. The caller has checked that the
// user may see the channel.
func (r *ReadStates) Ack(ctx context.Context, userID, channelID, messageID chat.ID, mentions int) (chat.ReadState, error) {
	rs := chat.ReadState{UserID: userID, ChannelID: channelID, LastMessageID: messageID,
		MentionCount: max(mentions, 0), Version: r.version()}
	if err := r.st.PutReadState(ctx, rs); err != nil {
		return chat.ReadState{}, fmt.Errorf("account: ack %d/%d: %w", userID, channelID, err)
	}
	return rs, nil
}

// guildView is what READY needs of one guild to decide visibility and
// role mentions: nil if the user is not a member.
type guildView struct {
	view  protocol.GuildView
	roles []chat.ID
}

// Ready returns userID's read state for READY: the entries of channels the
// user may still see, with mention counts as described above. Bots get no
// entries (Discord keeps no read state for them).
func (r *ReadStates) Ready(ctx context.Context, u chat.User) (protocol.ReadStateList, error) {
	out := protocol.ReadStateList{Entries: []protocol.ReadStateEntry{}}
	if u.Bot {
		return out, nil
	}
	rows, err := r.st.ReadStates(ctx, u.ID)
	if err != nil {
		return out, fmt.Errorf("account: read states of %d: %w", u.ID, err)
	}
	guilds := map[chat.ID]*guildView{}
	scanned := 0
	for _, rs := range rows {
		ch, err := r.st.Channel(ctx, rs.ChannelID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return out, fmt.Errorf("account: read state channel %d: %w", rs.ChannelID, err)
		}
		var gv *guildView
		if err != nil || ch.GuildID == 0 {
			// Not a guild channel: a DM the user is still in, or a channel
			// deleted since it was acked.
			if r.private == nil {
				continue
			}
			ok, err := r.private.Recipient(ctx, rs.ChannelID, u.ID)
			if err != nil {
				return out, fmt.Errorf("account: read state channel %d: %w", rs.ChannelID, err)
			}
			if !ok {
				continue
			}
		} else {
			var ok bool
			if gv, ok = guilds[ch.GuildID]; !ok {
				if gv, err = r.guild(ctx, ch.GuildID, u.ID); err != nil {
					return out, err
				}
				guilds[ch.GuildID] = gv
			}
			if gv == nil || protocol.Compute(gv.view, u.ID, gv.roles, &ch)&protocol.PermViewChannel == 0 {
				continue
			}
		}
		mentions := rs.MentionCount
		if scanned < MaxScannedChannels {
			scanned++
			n, err := r.countMentions(ctx, u.ID, rs, gv)
			if err != nil {
				return out, err
			}
			mentions = max(mentions, n)
		}
		out.Entries = append(out.Entries, protocol.ReadStateEntryObject(rs, mentions))
		out.Version = max(out.Version, rs.Version)
	}
	return out, nil
}

// guild reads what visibility needs of guildID; nil if userID is not a
// member (or the guild is gone).
func (r *ReadStates) guild(ctx context.Context, guildID, userID chat.ID) (*guildView, error) {
	m, err := r.st.Member(ctx, guildID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("account: read state member %d/%d: %w", guildID, userID, err)
	}
	g, err := r.st.Guild(ctx, guildID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("account: read state guild %d: %w", guildID, err)
	}
	roles, err := r.st.GuildRoles(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("account: read state roles of %d: %w", guildID, err)
	}
	gv := &guildView{view: protocol.GuildView{GuildID: guildID, OwnerID: g.OwnerID, Roles: map[chat.ID]protocol.Permission{}},
		roles: m.Roles}
	for _, ro := range roles {
		gv.view.Roles[ro.ID] = ro.Permissions
	}
	return gv, nil
}

// countMentions counts the messages after rs's that mention the user
// (gv nil: a private channel, where every message from someone else
// counts, as on Discord).
func (r *ReadStates) countMentions(ctx context.Context, userID chat.ID, rs chat.ReadState, gv *guildView) (int, error) {
	p := store.Page{After: rs.LastMessageID, Limit: MaxMentionScan}
	if rs.LastMessageID == 0 {
		p = store.Page{Limit: MaxMentionScan}
	}
	ms, err := r.st.Messages(ctx, rs.ChannelID, p)
	if err != nil {
		return 0, fmt.Errorf("account: unread messages of %d: %w", rs.ChannelID, err)
	}
	n := 0
	for _, m := range ms {
		if m.AuthorID == userID {
			continue
		}
		if gv == nil || Mentions(m, userID, gv.roles) {
			n++
		}
	}
	return n, nil
}

// Mentions reports whether m mentions the user who holds roles: by name,
// by @everyone/@here, or by one of the roles.
func Mentions(m chat.Message, userID chat.ID, roles []chat.ID) bool {
	if m.MentionEveryone || slices.Contains(m.Mentions, userID) {
		return true
	}
	for _, id := range m.MentionRoles {
		if slices.Contains(roles, id) {
			return true
		}
	}
	return false
}
