package guild

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// Bans. The actor keeps the guild's bans in memory (read with the guild,
// written through to the store), so that a join checks them without a
// store read. A ban removes the member, if they are one, which sends
// their sessions GUILD_DELETE; a banned user cannot join again (40007)
// until the ban is lifted.

var (
	errUnknownBan    = protocol.NewAPIError(404, protocol.CodeUnknownBan, "Unknown Ban")
	errUserBanned    = protocol.NewAPIError(403, protocol.CodeUserBanned, "The user is banned from this guild.")
	errBulkBanFailed = protocol.NewAPIError(500, protocol.CodeBulkBanFailed, "Failed to ban users")
)

// BanPage selects bans by user ID as GET /guilds/{id}/bans does: with
// Before, the Limit closest users below it; else the Limit first above
// After. Results are always in ascending user-ID order.
type BanPage struct {
	Before, After chat.ID
	Limit         int
}

// Bans lists a guild's bans; it needs BAN_MEMBERS.
func (r *Registry) Bans(ctx context.Context, guildID, userID chat.ID, p BanPage) ([]protocol.Ban, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) ([]protocol.Ban, error) {
		if err := a.require(userID, nil, protocol.PermBanMembers); err != nil {
			return nil, err
		}
		ids := make([]chat.ID, 0, len(a.bans))
		for id := range a.bans {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		if p.Before != 0 {
			i, _ := slices.BinarySearch(ids, p.Before)
			ids = ids[max(0, i-p.Limit):i]
		} else {
			i, found := slices.BinarySearch(ids, p.After)
			if found {
				i++
			}
			ids = ids[i:min(len(ids), i+p.Limit)]
		}
		out := make([]protocol.Ban, 0, len(ids))
		for _, id := range ids {
			out = append(out, protocol.BanObject(*a.bans[id], r.userOrDeleted(ctx, id)))
		}
		return out, nil
	})
}

// Ban returns one ban; it needs BAN_MEMBERS. No ban is 10026 Unknown Ban.
func (r *Registry) Ban(ctx context.Context, guildID, userID, targetID chat.ID) (protocol.Ban, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (protocol.Ban, error) {
		if err := a.require(userID, nil, protocol.PermBanMembers); err != nil {
			return protocol.Ban{}, err
		}
		b := a.bans[targetID]
		if b == nil {
			return protocol.Ban{}, errUnknownBan
		}
		return protocol.BanObject(*b, r.userOrDeleted(ctx, targetID)), nil
	})
}

// BanRequest is a validated ban: DeleteMessages (0 to 7 days) is how far
// back the banned user's messages in the guild are deleted; Reason comes
// from X-Audit-Log-Reason.
type BanRequest struct {
	DeleteMessages time.Duration
	Reason         string
}

// CreateBan bans targetID (PUT /guilds/{id}/bans/{user}): BAN_MEMBERS,
// and a target that is not the owner and, if a member, sits below the
// user's highest role. Banning a banned user again only deletes messages.
// Once started it runs to completion even if ctx ends.
func (r *Registry) CreateBan(ctx context.Context, guildID, userID, targetID chat.ID, req BanRequest) error {
	return r.call(ctx, guildID, func(ctx context.Context, a *actor) error {
		if err := a.require(userID, nil, protocol.PermBanMembers); err != nil {
			return err
		}
		if err := a.checkBan(ctx, userID, targetID); err != nil {
			return err
		}
		return a.ban(ctx, userID, targetID, req)
	})
}

// BulkBan bans up to 200 users (POST /guilds/{id}/bulk-ban); it needs
// BAN_MEMBERS and MANAGE_GUILD. Users who cannot be banned (hierarchy,
// unknown, already banned) are reported failed; when none was banned the
// answer is 500000 "Failed to ban users".
func (r *Registry) BulkBan(ctx context.Context, guildID, userID chat.ID, targets []chat.ID, req BanRequest) (protocol.BulkBanResult, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (protocol.BulkBanResult, error) {
		res := protocol.BulkBanResult{BannedUsers: []chat.ID{}, FailedUsers: []chat.ID{}}
		if err := a.require(userID, nil, protocol.PermBanMembers|protocol.PermManageGuild); err != nil {
			return res, err
		}
		for _, id := range targets {
			if a.bans[id] != nil || a.checkBan(ctx, userID, id) != nil {
				res.FailedUsers = append(res.FailedUsers, id)
				continue
			}
			if err := a.ban(ctx, userID, id, req); err != nil {
				return res, err
			}
			res.BannedUsers = append(res.BannedUsers, id)
		}
		if len(res.BannedUsers) == 0 {
			return res, errBulkBanFailed
		}
		return res, nil
	})
}

// checkBan checks that userID may ban targetID: an existing user who is
// not the owner (nor userID themselves) and, if a member, is outranked.
func (a *actor) checkBan(ctx context.Context, userID, targetID chat.ID) error {
	if targetID == a.guild.OwnerID || targetID == userID {
		return chat.ErrMissingPerms
	}
	if a.members[targetID] != nil {
		if !a.outranks(userID, targetID) {
			return chat.ErrMissingPerms
		}
		return nil
	}
	if _, err := a.r.User(ctx, targetID); err != nil {
		return err
	}
	return nil
}

// ban records the ban, removes the member and deletes their recent
// messages.
func (a *actor) ban(ctx context.Context, userID, targetID chat.ID, req BanRequest) error {
	if a.bans[targetID] == nil {
		b := chat.Ban{GuildID: a.id, UserID: targetID, Reason: req.Reason}
		if err := a.r.st.PutBan(ctx, b); err != nil {
			return fmt.Errorf("guild %d: ban %d: %w", a.id, targetID, err)
		}
		a.bans[targetID] = &b
		a.broadcastBan(protocol.EventGuildBanAdd, targetID)
		var options map[string]string
		if req.DeleteMessages > 0 {
			options = map[string]string{"delete_member_days": strconv.Itoa(int(req.DeleteMessages.Hours() / 24))}
		}
		a.audit(WithAuditReason(ctx, req.Reason), userID, protocol.AuditMemberBanAdd, targetID, nil, options)
	}
	if a.members[targetID] != nil {
		if err := a.removeMember(ctx, targetID); err != nil {
			return err
		}
	}
	if req.DeleteMessages > 0 {
		return a.deleteRecentMessages(ctx, targetID, a.r.cfg.Now().Add(-req.DeleteMessages))
	}
	return nil
}

// RemoveBan lifts a ban (DELETE /guilds/{id}/bans/{user}); it needs
// BAN_MEMBERS. No ban is 10026 Unknown Ban.
func (r *Registry) RemoveBan(ctx context.Context, guildID, userID, targetID chat.ID) error {
	return r.call(ctx, guildID, func(ctx context.Context, a *actor) error {
		if err := a.require(userID, nil, protocol.PermBanMembers); err != nil {
			return err
		}
		if a.bans[targetID] == nil {
			return errUnknownBan
		}
		if err := r.st.DeleteBan(ctx, a.id, targetID); err != nil {
			return fmt.Errorf("guild %d: unban %d: %w", a.id, targetID, err)
		}
		delete(a.bans, targetID)
		a.broadcastBan(protocol.EventGuildBanRemove, targetID)
		a.audit(ctx, userID, protocol.AuditMemberBanRemove, targetID, nil, nil)
		return nil
	})
}

// broadcastBan sends GUILD_BAN_ADD or GUILD_BAN_REMOVE to sessions with
// the GUILD_MODERATION intent whose user has BAN_MEMBERS or
// VIEW_AUDIT_LOG, as Discord's docs restrict them.
func (a *actor) broadcastBan(name string, targetID chat.ID) {
	d := a.dispatch(name, protocol.GuildBanEvent{GuildID: a.id, User: protocol.UserObject(a.userOf(targetID))})
	if d == nil {
		return
	}
	ev := &event{kind: evSend, d: d, intent: protocol.IntentGuildModeration,
		anyOf: protocol.PermBanMembers | protocol.PermViewAuditLog}
	a.enqueue(func() { a.deliver(ev) })
}

// deleteRecentMessages deletes userID's messages sent since since in every
// text channel of the guild, newest pages first, each channel's with one
// MESSAGE_DELETE (one message) or MESSAGE_DELETE_BULK.
func (a *actor) deleteRecentMessages(ctx context.Context, userID chat.ID, since time.Time) error {
	oldest := snowflake.FromTime(since)
	for _, ch := range a.channels {
		if !takesMessages(ch.Type) { // threads and announcement channels too
			continue
		}
		var doomed []chat.Message
		p := store.Page{Limit: store.MaxPage}
		for {
			ms, err := a.r.data.Messages(ctx, ch.ID, p)
			if err != nil {
				return fmt.Errorf("guild %d: read messages of banned user: %w", a.id, err)
			}
			for _, m := range ms {
				if m.ID >= oldest && m.AuthorID == userID {
					doomed = append(doomed, m)
				}
			}
			if len(ms) < p.Limit || ms[len(ms)-1].ID < oldest {
				break
			}
			p.Before = ms[len(ms)-1].ID
		}
		for len(doomed) > 0 {
			n := min(len(doomed), 100)
			if err := a.deleteMessages(ctx, ch, doomed[:n], false); err != nil {
				return err
			}
			doomed = doomed[n:]
		}
	}
	return nil
}

// deleteMessages deletes ms of ch with their reactions, pins and
// attachment blobs, and tells those who can see ch: MESSAGE_DELETE_BULK,
// or MESSAGE_DELETE for a single message unless bulk.
func (a *actor) deleteMessages(ctx context.Context, ch *chat.Channel, ms []chat.Message, bulk bool) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]chat.ID, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	if err := a.r.data.DeleteMessages(ctx, ch.ID, ids...); err != nil {
		return err
	}
	for _, m := range ms {
		a.r.attachmentsGone(ch.ID, m.Attachments)
	}
	a.forgetMessages(ctx, ch.ID, ids...)
	if len(ids) == 1 && !bulk {
		a.broadcast(protocol.EventMessageDelete, protocol.MessageDeleteEvent{ChannelID: ch.ID, GuildID: a.id, ID: ids[0]},
			protocol.IntentGuildMessages, ch.ID)
		return nil
	}
	a.broadcast(protocol.EventMessageDeleteBulk, protocol.MessageDeleteBulkEvent{ChannelID: ch.ID, GuildID: a.id, IDs: ids},
		protocol.IntentGuildMessages, ch.ID)
	return nil
}
