package tiered

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Keys name what a write touches and what a read fills; see gate.
func key(kind string, ids ...chat.ID) string {
	var b strings.Builder
	b.WriteString(kind)
	for _, id := range ids {
		b.WriteByte(':')
		b.WriteString(id.String())
	}
	return b.String()
}

func nameKey(username string) string { return "n:" + strings.ToLower(username) }

// get serves one entity: locally if its local copy is known current and
// present, else from the durable tier, installing the result locally.
func get[T any](ctx context.Context, s *Store, k string, local, durable func() (T, error), install func(T) error) (T, error) {
	var zero T
	if err := s.check(); err != nil {
		return zero, err
	}
	if s.isValid(k) {
		v, err := local()
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("local tier read failed", "key", k, "err", err)
		}
	}
	snap := s.gate.snapshot([]string{k})
	v, err := durable()
	if err != nil {
		return zero, err
	}
	s.fill([]string{k}, snap, func() error { return install(v) })
	return v, ctx.Err()
}

// list serves a whole list: locally once it has been copied whole, else
// from the durable tier, then copied: every durable item put locally and
// every local item the durable tier lacks deleted.
func list[T any](ctx context.Context, s *Store, k string, local, durable func() ([]T, error),
	put func(T) error, id func(T) string, del func(T) error) ([]T, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if s.isComplete(k) {
		v, err := local()
		if err == nil {
			return v, nil
		}
		s.log.Warn("local tier read failed", "key", k, "err", err)
	}
	snap := s.gate.snapshot([]string{k})
	v, err := durable()
	if err != nil {
		return nil, err
	}
	s.fill([]string{k}, snap, func() error {
		want := make(map[string]bool, len(v))
		for _, x := range v {
			want[id(x)] = true
			if err := put(x); err != nil {
				return err
			}
		}
		have, err := local()
		if err != nil {
			return err
		}
		for _, x := range have {
			if !want[id(x)] {
				if err := del(x); err != nil {
					return err
				}
			}
		}
		s.markComplete(k)
		return nil
	})
	return v, ctx.Err()
}

// --- users ---------------------------------------------------------------

// userRecord is a user with its credentials, the unit a fill installs.
type userRecord struct {
	u chat.User
	c chat.Credentials
}

func (s *Store) durableUser(ctx context.Context, u chat.User, err error) (userRecord, error) {
	if err != nil {
		return userRecord{}, err
	}
	c, err := s.durable.Credentials(ctx, u.ID)
	return userRecord{u, c}, err
}

func (s *Store) installUser(ctx context.Context, r userRecord) error {
	err := s.local.CreateUser(ctx, r.u, r.c)
	if errors.Is(err, store.ErrExists) {
		// The name is held locally: by this very user (already cached),
		// which is refreshed, or by a stale entry, which is an error.
		if held, herr := s.local.UserByName(ctx, r.u.Username); herr == nil && held.ID == r.u.ID {
			return s.local.UpdateUser(ctx, r.u)
		}
		return fmt.Errorf("tiered: install user %d: %w", r.u.ID, err)
	}
	return err
}

// CreateUser creates the user in the durable tier (which enforces unique
// usernames), then locally.
func (s *Store) CreateUser(ctx context.Context, u chat.User, c chat.Credentials) error {
	return s.write(ctx, []string{key("u", u.ID), nameKey(u.Username)},
		func() error { return s.durable.CreateUser(ctx, u, c) },
		func() error { return s.local.CreateUser(ctx, u, c) })
}

// User reads a user.
func (s *Store) User(ctx context.Context, id chat.ID) (chat.User, error) {
	r, err := get(ctx, s, key("u", id),
		func() (userRecord, error) { u, err := s.local.User(ctx, id); return userRecord{u: u}, err },
		func() (userRecord, error) { u, err := s.durable.User(ctx, id); return s.durableUser(ctx, u, err) },
		func(r userRecord) error { return s.installUser(ctx, r) })
	return r.u, err
}

// UserByName reads a user by username.
func (s *Store) UserByName(ctx context.Context, username string) (chat.User, error) {
	r, err := get(ctx, s, nameKey(username),
		func() (userRecord, error) { u, err := s.local.UserByName(ctx, username); return userRecord{u: u}, err },
		func() (userRecord, error) {
			u, err := s.durable.UserByName(ctx, username)
			return s.durableUser(ctx, u, err)
		},
		func(r userRecord) error { return s.installUser(ctx, r) })
	return r.u, err
}

// UpdateUser replaces a user in both tiers. A user not cached locally stays
// uncached.
func (s *Store) UpdateUser(ctx context.Context, u chat.User) error {
	if err := s.check(); err != nil {
		return err
	}
	old, err := s.durable.User(ctx, u.ID)
	if err != nil {
		return err
	}
	return s.write(ctx, []string{key("u", u.ID), nameKey(u.Username), nameKey(old.Username)},
		func() error { return s.durable.UpdateUser(ctx, u) },
		func() error {
			if err := s.local.UpdateUser(ctx, u); !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return nil
		})
}

// Credentials reads a user's credentials.
func (s *Store) Credentials(ctx context.Context, userID chat.ID) (chat.Credentials, error) {
	r, err := get(ctx, s, key("u", userID),
		func() (userRecord, error) { c, err := s.local.Credentials(ctx, userID); return userRecord{c: c}, err },
		func() (userRecord, error) { u, err := s.durable.User(ctx, userID); return s.durableUser(ctx, u, err) },
		func(r userRecord) error { return s.installUser(ctx, r) })
	return r.c, err
}

// --- tokens --------------------------------------------------------------

func tokenKey(hash []byte) string { return "t:" + string(hash) }

// PutToken stores a token hash in both tiers.
func (s *Store) PutToken(ctx context.Context, tokenHash []byte, userID chat.ID) error {
	return s.write(ctx, []string{tokenKey(tokenHash)},
		func() error { return s.durable.PutToken(ctx, tokenHash, userID) },
		func() error { return s.local.PutToken(ctx, tokenHash, userID) })
}

// TokenUser resolves a token hash.
func (s *Store) TokenUser(ctx context.Context, tokenHash []byte) (chat.ID, error) {
	return get(ctx, s, tokenKey(tokenHash),
		func() (chat.ID, error) { return s.local.TokenUser(ctx, tokenHash) },
		func() (chat.ID, error) { return s.durable.TokenUser(ctx, tokenHash) },
		func(id chat.ID) error { return s.local.PutToken(ctx, tokenHash, id) })
}

// DeleteToken deletes a token hash from both tiers.
func (s *Store) DeleteToken(ctx context.Context, tokenHash []byte) error {
	return s.write(ctx, []string{tokenKey(tokenHash)},
		func() error { return s.durable.DeleteToken(ctx, tokenHash) },
		func() error { return s.local.DeleteToken(ctx, tokenHash) })
}

// --- applications --------------------------------------------------------

// PutApplication writes an application to both tiers.
func (s *Store) PutApplication(ctx context.Context, a chat.Application) error {
	keys := []string{key("a", a.ID), key("b", a.BotID)}
	if old, err := s.local.Application(ctx, a.ID); err == nil && old.BotID != a.BotID {
		keys = append(keys, key("b", old.BotID))
	}
	return s.write(ctx, keys,
		func() error { return s.durable.PutApplication(ctx, a) },
		func() error { return s.local.PutApplication(ctx, a) })
}

// Application reads an application.
func (s *Store) Application(ctx context.Context, id chat.ID) (chat.Application, error) {
	return get(ctx, s, key("a", id),
		func() (chat.Application, error) { return s.local.Application(ctx, id) },
		func() (chat.Application, error) { return s.durable.Application(ctx, id) },
		func(a chat.Application) error { return s.local.PutApplication(ctx, a) })
}

// ApplicationByBot reads the application owning a bot user.
func (s *Store) ApplicationByBot(ctx context.Context, botID chat.ID) (chat.Application, error) {
	return get(ctx, s, key("b", botID),
		func() (chat.Application, error) { return s.local.ApplicationByBot(ctx, botID) },
		func() (chat.Application, error) { return s.durable.ApplicationByBot(ctx, botID) },
		func(a chat.Application) error { return s.local.PutApplication(ctx, a) })
}

// --- guilds --------------------------------------------------------------

// PutGuild writes a guild to both tiers.
func (s *Store) PutGuild(ctx context.Context, g chat.Guild) error {
	return s.write(ctx, []string{key("g", g.ID)},
		func() error { return s.durable.PutGuild(ctx, g) },
		func() error { return s.local.PutGuild(ctx, g) })
}

// Guild reads a guild.
func (s *Store) Guild(ctx context.Context, id chat.ID) (chat.Guild, error) {
	return get(ctx, s, key("g", id),
		func() (chat.Guild, error) { return s.local.Guild(ctx, id) },
		func() (chat.Guild, error) { return s.durable.Guild(ctx, id) },
		func(g chat.Guild) error { return s.local.PutGuild(ctx, g) })
}

// DeleteGuild deletes a guild row from both tiers.
func (s *Store) DeleteGuild(ctx context.Context, id chat.ID) error {
	return s.write(ctx, []string{key("g", id)},
		func() error { return s.durable.DeleteGuild(ctx, id) },
		func() error { return s.local.DeleteGuild(ctx, id) })
}

// --- channels ------------------------------------------------------------

// PutChannel writes a channel to both tiers.
func (s *Store) PutChannel(ctx context.Context, c chat.Channel) error {
	return s.write(ctx, []string{key("c", c.ID), key("gc", c.GuildID)},
		func() error { return s.durable.PutChannel(ctx, c) },
		func() error { return s.local.PutChannel(ctx, c) })
}

// Channel reads a channel.
func (s *Store) Channel(ctx context.Context, id chat.ID) (chat.Channel, error) {
	return get(ctx, s, key("c", id),
		func() (chat.Channel, error) { return s.local.Channel(ctx, id) },
		func() (chat.Channel, error) { return s.durable.Channel(ctx, id) },
		func(c chat.Channel) error { return s.local.PutChannel(ctx, c) })
}

// GuildChannels lists a guild's channels.
func (s *Store) GuildChannels(ctx context.Context, guildID chat.ID) ([]chat.Channel, error) {
	return list(ctx, s, key("gc", guildID),
		func() ([]chat.Channel, error) { return s.local.GuildChannels(ctx, guildID) },
		func() ([]chat.Channel, error) { return s.durable.GuildChannels(ctx, guildID) },
		func(c chat.Channel) error { return s.local.PutChannel(ctx, c) },
		func(c chat.Channel) string { return c.ID.String() },
		func(c chat.Channel) error { return s.local.DeleteChannel(ctx, guildID, c.ID) })
}

// DeleteChannel deletes a channel from both tiers.
func (s *Store) DeleteChannel(ctx context.Context, guildID, channelID chat.ID) error {
	return s.write(ctx, []string{key("c", channelID), key("gc", guildID)},
		func() error { return s.durable.DeleteChannel(ctx, guildID, channelID) },
		func() error { return s.local.DeleteChannel(ctx, guildID, channelID) })
}

// --- roles ---------------------------------------------------------------

// PutRole writes a role to both tiers.
func (s *Store) PutRole(ctx context.Context, r chat.Role) error {
	return s.write(ctx, []string{key("gr", r.GuildID)},
		func() error { return s.durable.PutRole(ctx, r) },
		func() error { return s.local.PutRole(ctx, r) })
}

// GuildRoles lists a guild's roles.
func (s *Store) GuildRoles(ctx context.Context, guildID chat.ID) ([]chat.Role, error) {
	return list(ctx, s, key("gr", guildID),
		func() ([]chat.Role, error) { return s.local.GuildRoles(ctx, guildID) },
		func() ([]chat.Role, error) { return s.durable.GuildRoles(ctx, guildID) },
		func(r chat.Role) error { return s.local.PutRole(ctx, r) },
		func(r chat.Role) string { return r.ID.String() },
		func(r chat.Role) error { return s.local.DeleteRole(ctx, guildID, r.ID) })
}

// DeleteRole deletes a role from both tiers.
func (s *Store) DeleteRole(ctx context.Context, guildID, roleID chat.ID) error {
	return s.write(ctx, []string{key("gr", guildID)},
		func() error { return s.durable.DeleteRole(ctx, guildID, roleID) },
		func() error { return s.local.DeleteRole(ctx, guildID, roleID) })
}

// --- members -------------------------------------------------------------

func memberKeys(guildID, userID chat.ID) []string {
	return []string{key("m", guildID, userID), key("gm", guildID), key("ug", userID)}
}

// PutMember writes a membership to both tiers.
func (s *Store) PutMember(ctx context.Context, m chat.Member) error {
	return s.write(ctx, memberKeys(m.GuildID, m.UserID),
		func() error { return s.durable.PutMember(ctx, m) },
		func() error { return s.local.PutMember(ctx, m) })
}

// Member reads a membership.
func (s *Store) Member(ctx context.Context, guildID, userID chat.ID) (chat.Member, error) {
	return get(ctx, s, key("m", guildID, userID),
		func() (chat.Member, error) { return s.local.Member(ctx, guildID, userID) },
		func() (chat.Member, error) { return s.durable.Member(ctx, guildID, userID) },
		func(m chat.Member) error { return s.local.PutMember(ctx, m) })
}

// GuildMembers lists members in user-ID order. The first read of a guild
// copies its whole member list.
func (s *Store) GuildMembers(ctx context.Context, guildID, after chat.ID, limit int) ([]chat.Member, error) {
	k := key("gm", guildID)
	if s.isComplete(k) {
		if err := s.check(); err != nil {
			return nil, err
		}
		if v, err := s.local.GuildMembers(ctx, guildID, after, limit); err == nil {
			return v, nil
		}
	}
	all, err := list(ctx, s, k,
		func() ([]chat.Member, error) { return s.local.GuildMembers(ctx, guildID, 0, 0) },
		func() ([]chat.Member, error) { return s.durable.GuildMembers(ctx, guildID, 0, 0) },
		func(m chat.Member) error { return s.local.PutMember(ctx, m) },
		func(m chat.Member) string { return m.UserID.String() },
		func(m chat.Member) error { return s.local.DeleteMember(ctx, guildID, m.UserID) })
	if err != nil {
		return nil, err
	}
	var out []chat.Member
	for _, m := range all { // all is in user-ID order
		if m.UserID > after && (limit <= 0 || len(out) < limit) {
			out = append(out, m)
		}
	}
	return out, nil
}

// UserGuilds lists the guilds a user is in. Filling it locally copies the
// user's membership in each.
func (s *Store) UserGuilds(ctx context.Context, userID chat.ID) ([]chat.ID, error) {
	var guilds []chat.ID
	members, err := list(ctx, s, key("ug", userID),
		func() ([]chat.Member, error) {
			ids, err := s.local.UserGuilds(ctx, userID)
			return asMembers(ids, userID), err
		},
		func() ([]chat.Member, error) {
			ids, err := s.durable.UserGuilds(ctx, userID)
			if err != nil {
				return nil, err
			}
			var out []chat.Member
			for _, g := range ids {
				m, err := s.durable.Member(ctx, g, userID)
				if errors.Is(err, store.ErrNotFound) {
					continue // left the guild meanwhile
				}
				if err != nil {
					return nil, err
				}
				out = append(out, m)
			}
			return out, nil
		},
		func(m chat.Member) error { return s.local.PutMember(ctx, m) },
		func(m chat.Member) string { return m.GuildID.String() },
		func(m chat.Member) error { return s.local.DeleteMember(ctx, m.GuildID, userID) })
	for _, m := range members {
		guilds = append(guilds, m.GuildID)
	}
	return guilds, err
}

func asMembers(guilds []chat.ID, userID chat.ID) []chat.Member {
	out := make([]chat.Member, len(guilds))
	for i, g := range guilds {
		out[i] = chat.Member{GuildID: g, UserID: userID}
	}
	return out
}

// DeleteMember deletes a membership from both tiers.
func (s *Store) DeleteMember(ctx context.Context, guildID, userID chat.ID) error {
	return s.write(ctx, memberKeys(guildID, userID),
		func() error { return s.durable.DeleteMember(ctx, guildID, userID) },
		func() error { return s.local.DeleteMember(ctx, guildID, userID) })
}

// --- invites -------------------------------------------------------------

// PutInvite writes an invite to both tiers.
func (s *Store) PutInvite(ctx context.Context, inv chat.Invite) error {
	return s.write(ctx, []string{"i:" + inv.Code, key("gi", inv.GuildID)},
		func() error { return s.durable.PutInvite(ctx, inv) },
		func() error { return s.local.PutInvite(ctx, inv) })
}

// Invite reads an invite.
func (s *Store) Invite(ctx context.Context, code string) (chat.Invite, error) {
	return get(ctx, s, "i:"+code,
		func() (chat.Invite, error) { return s.local.Invite(ctx, code) },
		func() (chat.Invite, error) { return s.durable.Invite(ctx, code) },
		func(inv chat.Invite) error { return s.local.PutInvite(ctx, inv) })
}

// GuildInvites lists a guild's invites.
func (s *Store) GuildInvites(ctx context.Context, guildID chat.ID) ([]chat.Invite, error) {
	return list(ctx, s, key("gi", guildID),
		func() ([]chat.Invite, error) { return s.local.GuildInvites(ctx, guildID) },
		func() ([]chat.Invite, error) { return s.durable.GuildInvites(ctx, guildID) },
		func(inv chat.Invite) error { return s.local.PutInvite(ctx, inv) },
		func(inv chat.Invite) string { return inv.Code },
		func(inv chat.Invite) error { return s.local.DeleteInvite(ctx, inv.Code) })
}

// DeleteInvite deletes an invite from both tiers.
func (s *Store) DeleteInvite(ctx context.Context, code string) error {
	if err := s.check(); err != nil {
		return err
	}
	keys := []string{"i:" + code}
	if inv, err := s.durable.Invite(ctx, code); err == nil {
		keys = append(keys, key("gi", inv.GuildID))
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.write(ctx, keys,
		func() error { return s.durable.DeleteInvite(ctx, code) },
		func() error { return s.local.DeleteInvite(ctx, code) })
}
