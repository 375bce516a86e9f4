package guild

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Custom emoji follow Discord's rules (developers/resources/emoji.mdx):
// CREATE_GUILD_EXPRESSIONS creates emoji and edits or deletes the
// creator's own; MANAGE_GUILD_EXPRESSIONS edits or deletes any. A guild
// holds at most protocol.MaxGuildEmojis static and
// protocol.MaxGuildAnimatedEmojis animated emoji. Every change sends
// GUILD_EMOJIS_UPDATE with the whole list to sessions with the
// GUILD_EXPRESSIONS intent. The emoji object's user (the creator) is shown
// only to members who may manage emoji; the list in GUILD_CREATE and in
// events never carries it.
//
// The actor keeps the guild's emoji in memory (loaded with the guild);
// package api stores each emoji's image in the blob store under
// emojis/{id} before the emoji is created, and deletes it after.

var (
	errNoSuchEmoji = protocol.NewAPIError(http.StatusNotFound, protocol.CodeUnknownEmoji, "Unknown Emoji")
	errMaxEmojis   = protocol.NewAPIError(http.StatusBadRequest, protocol.CodeMaxEmojis,
		fmt.Sprintf("Maximum number of emojis reached (%d)", protocol.MaxGuildEmojis))
	errMaxAnimatedEmojis = protocol.NewAPIError(http.StatusBadRequest, protocol.CodeMaxAnimatedEmojis,
		fmt.Sprintf("Maximum number of animated emojis reached (%d)", protocol.MaxGuildAnimatedEmojis))
)

// emojiMember is requireMember for emoji routes: as the brief and
// Discord's guild-scoped lookups answer, a non-member learns nothing, not
// even that the guild exists (10004).
func (a *actor) emojiMember(userID chat.ID) error {
	if a.members[userID] == nil {
		return chat.ErrUnknownGuild
	}
	return nil
}

// sortedEmojis returns the guild's emoji in ID order.
func (a *actor) sortedEmojis() []chat.GuildEmoji {
	out := make([]chat.GuildEmoji, 0, len(a.emojis))
	for _, e := range a.emojis {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(x, y chat.GuildEmoji) int { return cmp.Compare(x.ID, y.ID) })
	return out
}

// emojiObjects renders every emoji, with its creator when withUser.
func (a *actor) emojiObjects(withUser bool) []protocol.Emoji {
	out := make([]protocol.Emoji, 0, len(a.emojis))
	for _, e := range a.sortedEmojis() {
		out = append(out, a.emojiObject(e, withUser))
	}
	return out
}

func (a *actor) emojiObject(e chat.GuildEmoji, withUser bool) protocol.Emoji {
	if !withUser {
		return protocol.GuildEmojiObject(e, nil)
	}
	u := a.userOf(e.UserID)
	return protocol.GuildEmojiObject(e, &u)
}

// mayManageEmoji reports whether userID may edit or delete e.
func (a *actor) mayManageEmoji(userID chat.ID, e *chat.GuildEmoji) bool {
	p := a.perms(userID, nil)
	return p&protocol.PermManageGuildExpressions != 0 ||
		p&protocol.PermCreateGuildExpressions != 0 && e.UserID == userID
}

// Emojis lists a guild's emoji (GET /guilds/{id}/emojis); the creator is
// shown to members with CREATE_ or MANAGE_GUILD_EXPRESSIONS.
func (r *Registry) Emojis(ctx context.Context, guildID, userID chat.ID) ([]protocol.Emoji, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) ([]protocol.Emoji, error) {
		if err := a.emojiMember(userID); err != nil {
			return nil, err
		}
		p := a.perms(userID, nil)
		return a.emojiObjects(p&(protocol.PermCreateGuildExpressions|protocol.PermManageGuildExpressions) != 0), nil
	})
}

// Emoji returns one emoji; the creator is shown to members with
// MANAGE_GUILD_EXPRESSIONS and to the creator with
// CREATE_GUILD_EXPRESSIONS.
func (r *Registry) Emoji(ctx context.Context, guildID, userID, emojiID chat.ID) (protocol.Emoji, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (protocol.Emoji, error) {
		if err := a.emojiMember(userID); err != nil {
			return protocol.Emoji{}, err
		}
		e := a.emojis[emojiID]
		if e == nil {
			return protocol.Emoji{}, errNoSuchEmoji
		}
		return a.emojiObject(*e, a.mayManageEmoji(userID, e)), nil
	})
}

// checkCreateEmoji checks that userID may add an emoji (animated or not)
// now.
func (a *actor) checkCreateEmoji(userID chat.ID, animated bool) error {
	if err := a.emojiMember(userID); err != nil {
		return err
	}
	if !a.has(userID, nil, protocol.PermCreateGuildExpressions) {
		return chat.ErrMissingPerms
	}
	n := 0
	for _, e := range a.emojis {
		if e.Animated == animated {
			n++
		}
	}
	switch {
	case animated && n >= protocol.MaxGuildAnimatedEmojis:
		return errMaxAnimatedEmojis
	case !animated && n >= protocol.MaxGuildEmojis:
		return errMaxEmojis
	}
	return nil
}

// CheckCreateEmoji answers what CreateEmoji would answer about permission
// and limits, so that the caller stores the image only for a request that
// can succeed. CreateEmoji checks again.
func (r *Registry) CheckCreateEmoji(ctx context.Context, guildID, userID chat.ID, animated bool) error {
	return r.call(ctx, guildID, func(_ context.Context, a *actor) error {
		return a.checkCreateEmoji(userID, animated)
	})
}

// checkEmojiRoles checks that every role of an emoji's allow-list is one of
// the guild's.
func (a *actor) checkEmojiRoles(roles []chat.ID) error {
	for i, id := range roles {
		if a.roles[id] == nil {
			return protocol.InvalidForm(protocol.FieldError{Path: "roles." + strconv.Itoa(i), Code: protocol.FieldRoleInvalid,
				Message: "Unknown role"})
		}
	}
	return nil
}

// CreateEmoji adds e (its ID, name, roles, animated and format set by the
// caller, whose image is stored already) as userID's emoji and returns it.
func (r *Registry) CreateEmoji(ctx context.Context, guildID, userID chat.ID, e chat.GuildEmoji) (protocol.Emoji, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (protocol.Emoji, error) {
		if err := a.checkCreateEmoji(userID, e.Animated); err != nil {
			return protocol.Emoji{}, err
		}
		if err := a.checkEmojiRoles(e.Roles); err != nil {
			return protocol.Emoji{}, err
		}
		e.GuildID, e.UserID = a.id, userID
		if err := r.st.PutEmoji(ctx, e); err != nil {
			return protocol.Emoji{}, fmt.Errorf("guild %d: create emoji: %w", a.id, err)
		}
		a.emojis[e.ID] = &e
		a.auditEmoji(ctx, userID, protocol.AuditEmojiCreate, nil, &e)
		a.broadcastEmojis()
		return a.emojiObject(e, true), nil
	})
}

// EmojiEdit is a validated emoji modification; nil fields are unchanged
// (Roles pointing at an empty list clears the allow-list).
type EmojiEdit struct {
	Name  *string
	Roles *[]chat.ID
}

// EditEmoji changes an emoji's name or roles.
func (r *Registry) EditEmoji(ctx context.Context, guildID, userID, emojiID chat.ID, ed EmojiEdit) (protocol.Emoji, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (protocol.Emoji, error) {
		cur, err := a.manageableEmoji(userID, emojiID)
		if err != nil {
			return protocol.Emoji{}, err
		}
		e := *cur
		if ed.Name != nil {
			e.Name = *ed.Name
		}
		if ed.Roles != nil {
			if err := a.checkEmojiRoles(*ed.Roles); err != nil {
				return protocol.Emoji{}, err
			}
			e.Roles = slices.Clone(*ed.Roles)
		}
		if err := r.st.PutEmoji(ctx, e); err != nil {
			return protocol.Emoji{}, fmt.Errorf("guild %d: edit emoji: %w", a.id, err)
		}
		a.auditEmoji(ctx, userID, protocol.AuditEmojiUpdate, cur, &e)
		*cur = e
		a.broadcastEmojis()
		return a.emojiObject(e, true), nil
	})
}

// DeleteEmoji deletes an emoji and returns it, so that the caller deletes
// its image.
func (r *Registry) DeleteEmoji(ctx context.Context, guildID, userID, emojiID chat.ID) (chat.GuildEmoji, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (chat.GuildEmoji, error) {
		cur, err := a.manageableEmoji(userID, emojiID)
		if err != nil {
			return chat.GuildEmoji{}, err
		}
		if err := r.st.DeleteEmoji(ctx, a.id, emojiID); err != nil {
			return chat.GuildEmoji{}, fmt.Errorf("guild %d: delete emoji: %w", a.id, err)
		}
		delete(a.emojis, emojiID)
		a.auditEmoji(ctx, userID, protocol.AuditEmojiDelete, cur, nil)
		a.broadcastEmojis()
		return *cur, nil
	})
}

// manageableEmoji returns the emoji userID may edit or delete.
func (a *actor) manageableEmoji(userID, emojiID chat.ID) (*chat.GuildEmoji, error) {
	if err := a.emojiMember(userID); err != nil {
		return nil, err
	}
	e := a.emojis[emojiID]
	if e == nil {
		return nil, errNoSuchEmoji
	}
	if !a.mayManageEmoji(userID, e) {
		return nil, chat.ErrMissingPerms
	}
	return e, nil
}

// broadcastEmojis sends GUILD_EMOJIS_UPDATE with every emoji.
func (a *actor) broadcastEmojis() {
	a.broadcast(protocol.EventGuildEmojisUpdate, protocol.GuildEmojisUpdateEvent{GuildID: a.id, Emojis: a.emojiObjects(false)},
		protocol.IntentGuildExpressions, 0)
}
