package guild

import (
	"context"
	"fmt"
	"slices"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Channels lists a guild's channels.
func (r *Registry) Channels(ctx context.Context, guildID, userID chat.ID) ([]protocol.Channel, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) ([]protocol.Channel, error) {
		if err := a.requireMember(userID); err != nil {
			return nil, err
		}
		out := make([]protocol.Channel, 0, len(a.channels))
		for _, c := range a.sortedChannels() {
			out = append(out, protocol.ChannelObject(c))
		}
		return out, nil
	})
}

// ChannelCreate is a validated create-channel request.
type ChannelCreate struct {
	Name       string
	Type       int
	Topic      string
	Position   *int
	ParentID   chat.ID
	NSFW       bool
	RateLimit  int
	Overwrites []chat.Overwrite
	Forum      *ForumEdit // thread settings (forums.go)
}

// maxChannels is Discord's limit of channels in one guild.
const maxChannels = protocol.MaxGuildChannels

// checkParent fails unless parentID is 0 or one of the guild's categories.
func (a *actor) checkParent(parentID chat.ID) error {
	if parentID == 0 {
		return nil
	}
	if p := a.channels[parentID]; p == nil || p.Type != chat.ChannelCategory {
		return protocol.InvalidForm(protocol.FieldError{Path: "parent_id", Code: "CHANNEL_PARENT_INVALID", Message: "Not a category"})
	}
	return nil
}

// CreateChannel creates a channel; it needs MANAGE_CHANNELS.
func (r *Registry) CreateChannel(ctx context.Context, guildID, userID chat.ID, c ChannelCreate) (protocol.Channel, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (protocol.Channel, error) {
		if err := a.require(userID, nil, protocol.PermManageChannels); err != nil {
			return protocol.Channel{}, err
		}
		if a.countChannels() >= maxChannels {
			return protocol.Channel{}, protocol.NewAPIError(400, protocol.CodeMaxChannels, "Maximum number of guild channels reached (500)")
		}
		if err := a.checkParent(c.ParentID); err != nil {
			return protocol.Channel{}, err
		}
		if len(c.Overwrites) > 0 && (!a.has(userID, nil, protocol.PermManageRoles) ||
			!mayGrant(a.grantScope(userID, c.ParentID), overwriteChanges(nil, c.Overwrites))) {
			return protocol.Channel{}, chat.ErrMissingPerms
		}
		ch := chat.Channel{
			ID: r.ids.Next(), GuildID: a.id, Type: c.Type, Name: c.Name, Topic: c.Topic,
			ParentID: c.ParentID, NSFW: c.NSFW, RateLimit: c.RateLimit, Overwrites: c.Overwrites,
		}
		if ch.Overwrites == nil {
			ch.Overwrites = []chat.Overwrite{}
		}
		if err := a.applyForumEdit(&ch, c.Forum); err != nil {
			return protocol.Channel{}, err
		}
		if c.Position != nil {
			ch.Position = *c.Position
		} else {
			for _, o := range a.channels {
				if o.Position >= ch.Position {
					ch.Position = o.Position + 1
				}
			}
		}
		if err := r.st.PutChannel(ctx, ch); err != nil {
			return protocol.Channel{}, fmt.Errorf("guild %d: create channel: %w", a.id, err)
		}
		a.channels[ch.ID] = &ch
		r.channelGuild.Store(ch.ID, a.id)
		a.invalidateView()
		out := protocol.ChannelObject(ch)
		a.broadcast(protocol.EventChannelCreate, out, protocol.IntentGuilds, 0)
		a.auditChannel(ctx, userID, protocol.AuditChannelCreate, nil, &ch)
		return out, nil
	})
}

// ChannelPosition is one entry of PATCH /guilds/{id}/channels.
type ChannelPosition struct {
	ID       chat.ID
	Position *int
	ParentID *chat.ID
}

// SetChannelPositions moves channels; it needs MANAGE_CHANNELS.
func (r *Registry) SetChannelPositions(ctx context.Context, guildID, userID chat.ID, ps []ChannelPosition) error {
	return r.call(ctx, guildID, func(ctx context.Context, a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageChannels); err != nil {
			return err
		}
		for i, p := range ps {
			if a.channels[p.ID] == nil {
				return protocol.InvalidForm(protocol.FieldError{Path: fmt.Sprintf("%d.id", i), Code: "CHANNEL_INVALID", Message: "Unknown channel"})
			}
		}
		for _, p := range ps {
			ch := *a.channels[p.ID]
			if p.Position != nil {
				ch.Position = *p.Position
			}
			if p.ParentID != nil {
				ch.ParentID = *p.ParentID
			}
			if err := r.st.PutChannel(ctx, ch); err != nil {
				return fmt.Errorf("guild %d: move channel: %w", a.id, err)
			}
			*a.channels[p.ID] = ch
			a.broadcast(protocol.EventChannelUpdate, protocol.ChannelObject(ch), protocol.IntentGuilds, 0)
		}
		return nil
	})
}

// Channel returns a channel the user can see.
func (r *Registry) Channel(ctx context.Context, channelID, userID chat.ID) (protocol.Channel, error) {
	return askChannel(ctx, r, channelID, func(_ context.Context, a *actor, ch *chat.Channel) (protocol.Channel, error) {
		if err := a.require(userID, ch, protocol.PermViewChannel); err != nil {
			return protocol.Channel{}, err
		}
		return a.threadObject(ch), nil
	})
}

// ChannelEdit is a validated channel modification; nil fields are unchanged.
type ChannelEdit struct {
	Name       *string
	Topic      *string
	Position   *int
	NSFW       *bool
	RateLimit  *int
	ParentID   *chat.ID
	Overwrites *[]chat.Overwrite
	// Thread and Forum are the thread and forum fields (threadlife.go,
	// forums.go).
	Thread *ThreadEdit
	Forum  *ForumEdit
}

// EditChannel changes a channel; it needs MANAGE_CHANNELS there, and
// MANAGE_ROLES to change its overwrites, whose changed bits must be ones
// the user holds there (see mayGrant).
func (r *Registry) EditChannel(ctx context.Context, channelID, userID chat.ID, e ChannelEdit) (protocol.Channel, error) {
	return askChannel(ctx, r, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) (protocol.Channel, error) {
		if ch.Thread != nil {
			return a.editThread(ctx, ch, userID, e)
		}
		if err := a.require(userID, ch, protocol.PermManageChannels); err != nil {
			return protocol.Channel{}, err
		}
		if e.Overwrites != nil && (!a.has(userID, ch, protocol.PermManageRoles) ||
			!mayGrant(a.perms(userID, ch), overwriteChanges(ch.Overwrites, *e.Overwrites))) {
			return protocol.Channel{}, chat.ErrMissingPerms
		}
		c := *ch
		if e.Name != nil {
			c.Name = *e.Name
		}
		if e.Topic != nil {
			c.Topic = *e.Topic
		}
		if e.Position != nil {
			c.Position = *e.Position
		}
		if e.NSFW != nil {
			c.NSFW = *e.NSFW
		}
		if e.RateLimit != nil {
			c.RateLimit = *e.RateLimit
		}
		if e.ParentID != nil {
			if err := a.checkParent(*e.ParentID); err != nil {
				return protocol.Channel{}, err
			}
			c.ParentID = *e.ParentID
		}
		if e.Overwrites != nil {
			c.Overwrites = append([]chat.Overwrite{}, *e.Overwrites...)
		}
		if err := a.applyForumEdit(&c, e.Forum); err != nil {
			return protocol.Channel{}, err
		}
		old := *ch
		obj, err := a.saveChannel(ctx, c)
		if err != nil {
			return obj, err
		}
		a.auditChannel(ctx, userID, protocol.AuditChannelUpdate, &old, &c)
		return obj, nil
	})
}

// saveChannel writes a changed channel, applies it and sends CHANNEL_UPDATE;
// it returns the channel object.
func (a *actor) saveChannel(ctx context.Context, c chat.Channel) (protocol.Channel, error) {
	// Overwrites that let someone see the channel show them its active
	// threads too (THREAD_LIST_SYNC), as Discord does.
	var blind map[chat.ID]bool
	if old := a.channels[c.ID]; !slices.Equal(old.Overwrites, c.Overwrites) {
		blind = a.blindTo(old)
	}
	if err := a.r.st.PutChannel(ctx, c); err != nil {
		return protocol.Channel{}, fmt.Errorf("guild %d: save channel %d: %w", a.id, c.ID, err)
	}
	*a.channels[c.ID] = c
	a.invalidateView()
	obj := protocol.ChannelObject(c)
	a.broadcast(protocol.EventChannelUpdate, obj, protocol.IntentGuilds, 0)
	a.parentRevealed(a.channels[c.ID], blind)
	return obj, nil
}

// DeleteChannel deletes a channel and returns it; it needs MANAGE_CHANNELS.
func (r *Registry) DeleteChannel(ctx context.Context, channelID, userID chat.ID) (protocol.Channel, error) {
	return askChannel(ctx, r, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) (protocol.Channel, error) {
		if ch.Thread != nil {
			return a.deleteThreadAs(ctx, ch, userID)
		}
		if err := a.require(userID, ch, protocol.PermManageChannels); err != nil {
			return protocol.Channel{}, err
		}
		if err := a.deleteThreadsOf(ctx, ch.ID); err != nil {
			return protocol.Channel{}, err
		}
		if err := r.st.DeleteChannel(ctx, a.id, ch.ID); err != nil {
			return protocol.Channel{}, fmt.Errorf("guild %d: delete channel: %w", a.id, err)
		}
		delete(a.channels, ch.ID)
		r.channelGuild.Delete(ch.ID)
		a.invalidateView()
		if a.guild.SystemChannelID == ch.ID {
			a.guild.SystemChannelID = 0
			_ = r.st.PutGuild(ctx, a.guild)
		}
		out := protocol.ChannelObject(*ch)
		a.broadcast(protocol.EventChannelDelete, out, protocol.IntentGuilds, 0)
		a.auditChannel(ctx, userID, protocol.AuditChannelDelete, ch, nil)
		return out, nil
	})
}

// PutOverwrite creates or replaces a permission overwrite; it needs
// MANAGE_ROLES in the channel, and the bits it changes must be ones the
// user holds there (see mayGrant).
func (r *Registry) PutOverwrite(ctx context.Context, channelID, userID chat.ID, ow chat.Overwrite) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermManageRoles); err != nil {
			return err
		}
		if ow.Type == chat.OverwriteRole && a.roles[ow.ID] == nil {
			return chat.ErrUnknownRole
		}
		if ow.Type == chat.OverwriteMember && a.members[ow.ID] == nil {
			return chat.ErrUnknownMember
		}
		c := *ch
		c.Overwrites = append(withoutOverwrite(ch.Overwrites, ow.ID, 1), ow)
		if !mayGrant(a.perms(userID, ch), overwriteChanges(ch.Overwrites, c.Overwrites)) {
			return chat.ErrMissingPerms
		}
		before := ch.Overwrites
		if _, err := a.saveChannel(ctx, c); err != nil {
			return err
		}
		a.auditOverwrites(ctx, userID, c.ID, before, c.Overwrites)
		return nil
	})
}

// DeleteOverwrite removes the overwrite for targetID; it needs MANAGE_ROLES
// and, as for PutOverwrite, every bit the overwrite set must be one the
// user holds.
func (r *Registry) DeleteOverwrite(ctx context.Context, channelID, userID, targetID chat.ID) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermManageRoles); err != nil {
			return err
		}
		c := *ch
		c.Overwrites = withoutOverwrite(ch.Overwrites, targetID, 0)
		if len(c.Overwrites) == len(ch.Overwrites) {
			return nil
		}
		if !mayGrant(a.perms(userID, ch), overwriteChanges(ch.Overwrites, c.Overwrites)) {
			return chat.ErrMissingPerms
		}
		before := ch.Overwrites
		if _, err := a.saveChannel(ctx, c); err != nil {
			return err
		}
		a.auditOverwrites(ctx, userID, c.ID, before, c.Overwrites)
		return nil
	})
}

// withoutOverwrite returns a new, never nil, slice of the overwrites not
// for id, with room for extra more.
func withoutOverwrite(ows []chat.Overwrite, id chat.ID, extra int) []chat.Overwrite {
	out := make([]chat.Overwrite, 0, len(ows)+extra)
	for _, o := range ows {
		if o.ID != id {
			out = append(out, o)
		}
	}
	return out
}
