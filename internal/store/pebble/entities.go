package pebble

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// CreateUser stores u, its credentials and its username index entry.
func (s *Store) CreateUser(ctx context.Context, u chat.User, c chat.Credentials) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	if c.UserID == 0 {
		c.UserID = u.ID
	}
	name, id := string(usernameKey(u.Username)), string(idKey(pUser, u.ID))
	s.userMu.Lock()
	err := s.claimFree(name, id)
	if err == nil {
		s.claim(name, id)
	}
	s.userMu.Unlock()
	if err != nil {
		return fmt.Errorf("pebble store: create user %d: %w", u.ID, err)
	}
	defer s.unclaim(name, id)
	b := s.newBatch()
	b.setJSON(idKey(pUser, u.ID), u)
	b.set(usernameKey(u.Username), idValue(u.ID))
	b.setJSON(idKey(pCredentials, u.ID), c)
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: create user %d: %w", u.ID, err)
	}
	return nil
}

// claimFree returns store.ErrExists if a user holds the username key name
// or the user key id, or a commit in flight claims either. The caller
// holds userMu.
func (s *Store) claimFree(name, id string) error {
	if _, ok := s.claims[name]; ok {
		return fmt.Errorf("username %q: %w", name[len(pUsername):], store.ErrExists)
	}
	if _, ok := s.claims[id]; ok {
		return store.ErrExists
	}
	if ok, err := s.has([]byte(name)); err != nil || ok {
		if err == nil {
			err = fmt.Errorf("username %q: %w", name[len(pUsername):], store.ErrExists)
		}
		return err
	}
	if ok, err := s.has([]byte(id)); err != nil || ok {
		if err == nil {
			err = store.ErrExists
		}
		return err
	}
	return nil
}

// claim marks keys as taken by a commit in flight. The caller holds userMu.
func (s *Store) claim(keys ...string) {
	for _, k := range keys {
		s.claims[k] = struct{}{}
	}
}

// unclaim drops claims once their commit is done (in the database, or
// failed).
func (s *Store) unclaim(keys ...string) {
	s.userMu.Lock()
	defer s.userMu.Unlock()
	for _, k := range keys {
		delete(s.claims, k)
	}
}

// nameFree returns store.ErrExists if a user other than self holds name
// or a commit in flight claims it. The caller holds userMu.
func (s *Store) nameFree(name string, self chat.ID) error {
	if _, ok := s.claims[string(usernameKey(name))]; ok {
		return fmt.Errorf("username %q: %w", name, store.ErrExists)
	}
	owner, err := s.getID(usernameKey(name))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case owner != self:
		return fmt.Errorf("username %q: %w", name, store.ErrExists)
	}
	return nil
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id chat.ID) (chat.User, error) {
	var u chat.User
	if err := s.enter(ctx); err != nil {
		return u, err
	}
	defer s.mu.RUnlock()
	if err := s.getJSON(idKey(pUser, id), &u); err != nil {
		return chat.User{}, fmt.Errorf("pebble store: user %d: %w", id, err)
	}
	return u, nil
}

// UserByName returns the user whose username equals name, ignoring case.
func (s *Store) UserByName(ctx context.Context, name string) (chat.User, error) {
	var u chat.User
	if err := s.enter(ctx); err != nil {
		return u, err
	}
	defer s.mu.RUnlock()
	id, err := s.getID(usernameKey(name))
	if err == nil {
		err = s.getJSON(idKey(pUser, id), &u)
	}
	if err != nil {
		return chat.User{}, fmt.Errorf("pebble store: user %q: %w", name, err)
	}
	return u, nil
}

// UpdateUser replaces u, moving its username index entry if it was
// renamed. A new name is claimed under userMu and committed without it,
// as in CreateUser.
func (s *Store) UpdateUser(ctx context.Context, u chat.User) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	s.renameMu.Lock()
	defer s.renameMu.Unlock()
	var old chat.User
	if err := s.getJSON(idKey(pUser, u.ID), &old); err != nil {
		return fmt.Errorf("pebble store: update user %d: %w", u.ID, err)
	}
	b := s.newBatch()
	if !bytes.Equal(usernameKey(old.Username), usernameKey(u.Username)) {
		name := string(usernameKey(u.Username))
		s.userMu.Lock()
		err := s.nameFree(u.Username, u.ID)
		if err == nil {
			s.claim(name)
		}
		s.userMu.Unlock()
		if err != nil {
			return fmt.Errorf("pebble store: update user %d: %w", u.ID, err)
		}
		defer s.unclaim(name)
		b.delete(usernameKey(old.Username))
		b.set(usernameKey(u.Username), idValue(u.ID))
	}
	b.setJSON(idKey(pUser, u.ID), u)
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: update user %d: %w", u.ID, err)
	}
	return nil
}

// Credentials returns the credentials of userID.
func (s *Store) Credentials(ctx context.Context, userID chat.ID) (chat.Credentials, error) {
	var c chat.Credentials
	if err := s.enter(ctx); err != nil {
		return c, err
	}
	defer s.mu.RUnlock()
	if err := s.getJSON(idKey(pCredentials, userID), &c); err != nil {
		return chat.Credentials{}, fmt.Errorf("pebble store: credentials of %d: %w", userID, err)
	}
	return c, nil
}

// PutToken maps a token hash to its user.
func (s *Store) PutToken(ctx context.Context, tokenHash []byte, userID chat.ID) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	b := s.newBatch()
	b.set(tokenKey(tokenHash), idValue(userID))
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: put token of %d: %w", userID, err)
	}
	return nil
}

// TokenUser returns the user a token hash belongs to.
func (s *Store) TokenUser(ctx context.Context, tokenHash []byte) (chat.ID, error) {
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	id, err := s.getID(tokenKey(tokenHash))
	if err != nil {
		return 0, fmt.Errorf("pebble store: token: %w", err)
	}
	return id, nil
}

// DeleteToken forgets a token hash.
func (s *Store) DeleteToken(ctx context.Context, tokenHash []byte) error {
	return s.deleteKeys(ctx, "delete token", tokenKey(tokenHash))
}

// deleteKeys deletes keys in one synced batch.
func (s *Store) deleteKeys(ctx context.Context, op string, keys ...[]byte) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	b := s.newBatch()
	for _, k := range keys {
		b.delete(k)
	}
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: %s: %w", op, err)
	}
	return nil
}

// PutApplication stores a, keeping the bot index pointing at it.
func (s *Store) PutApplication(ctx context.Context, a chat.Application) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	b := s.newBatch()
	var old chat.Application
	switch err := s.getJSON(idKey(pApp, a.ID), &old); {
	case err == nil && old.BotID != a.BotID:
		b.delete(idKey(pAppByBot, old.BotID))
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("pebble store: put application %d: %w", a.ID, err)
	}
	b.setJSON(idKey(pApp, a.ID), a)
	if a.BotID != 0 {
		b.set(idKey(pAppByBot, a.BotID), idValue(a.ID))
	}
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: put application %d: %w", a.ID, err)
	}
	return nil
}

// Application returns the application with id.
func (s *Store) Application(ctx context.Context, id chat.ID) (chat.Application, error) {
	var a chat.Application
	if err := s.enter(ctx); err != nil {
		return a, err
	}
	defer s.mu.RUnlock()
	if err := s.getJSON(idKey(pApp, id), &a); err != nil {
		return chat.Application{}, fmt.Errorf("pebble store: application %d: %w", id, err)
	}
	return a, nil
}

// ApplicationByBot returns the application whose bot user is botID.
func (s *Store) ApplicationByBot(ctx context.Context, botID chat.ID) (chat.Application, error) {
	var a chat.Application
	if err := s.enter(ctx); err != nil {
		return a, err
	}
	defer s.mu.RUnlock()
	id, err := s.getID(idKey(pAppByBot, botID))
	if err == nil {
		err = s.getJSON(idKey(pApp, id), &a)
	}
	if err == nil && a.BotID != botID {
		err = store.ErrNotFound // index entry outlived a bot change
	}
	if err != nil {
		return chat.Application{}, fmt.Errorf("pebble store: application of bot %d: %w", botID, err)
	}
	return a, nil
}

// PutGuild stores g.
func (s *Store) PutGuild(ctx context.Context, g chat.Guild) error {
	return s.putJSON(ctx, fmt.Sprintf("put guild %d", g.ID), idKey(pGuild, g.ID), g)
}

// putJSON stores v at k.
func (s *Store) putJSON(ctx context.Context, op string, k []byte, v any) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	b := s.newBatch()
	b.setJSON(k, v)
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: %s: %w", op, err)
	}
	return nil
}

// Guild returns the guild with id.
func (s *Store) Guild(ctx context.Context, id chat.ID) (chat.Guild, error) {
	var g chat.Guild
	if err := s.enter(ctx); err != nil {
		return g, err
	}
	defer s.mu.RUnlock()
	if err := s.getJSON(idKey(pGuild, id), &g); err != nil {
		return chat.Guild{}, fmt.Errorf("pebble store: guild %d: %w", id, err)
	}
	return g, nil
}

// DeleteGuild removes the guild row only (see store.Store).
func (s *Store) DeleteGuild(ctx context.Context, id chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete guild %d", id), idKey(pGuild, id))
}

// PutChannel stores c and its copy in the guild's channel list.
func (s *Store) PutChannel(ctx context.Context, c chat.Channel) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	b := s.newBatch()
	var old chat.Channel
	switch err := s.getJSON(idKey(pChannel, c.ID), &old); {
	case err == nil && old.GuildID != c.GuildID:
		b.delete(idKey(pGuildChannel, old.GuildID, c.ID))
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("pebble store: put channel %d: %w", c.ID, err)
	}
	b.setJSON(idKey(pChannel, c.ID), c)
	b.setJSON(idKey(pGuildChannel, c.GuildID, c.ID), c)
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: put channel %d: %w", c.ID, err)
	}
	return nil
}

// Channel returns the channel with id.
func (s *Store) Channel(ctx context.Context, id chat.ID) (chat.Channel, error) {
	var c chat.Channel
	if err := s.enter(ctx); err != nil {
		return c, err
	}
	defer s.mu.RUnlock()
	if err := s.getJSON(idKey(pChannel, id), &c); err != nil {
		return chat.Channel{}, fmt.Errorf("pebble store: channel %d: %w", id, err)
	}
	return c, nil
}

// GuildChannels returns a guild's channels in ID order.
func (s *Store) GuildChannels(ctx context.Context, guildID chat.ID) ([]chat.Channel, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	cs, err := scanJSON[chat.Channel](s, idKey(pGuildChannel, guildID))
	if err != nil {
		return nil, fmt.Errorf("pebble store: channels of guild %d: %w", guildID, err)
	}
	return cs, nil
}

// DeleteChannel removes a channel (not its messages).
func (s *Store) DeleteChannel(ctx context.Context, guildID, channelID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete channel %d", channelID),
		idKey(pChannel, channelID), idKey(pGuildChannel, guildID, channelID))
}

// PutRole stores r.
func (s *Store) PutRole(ctx context.Context, r chat.Role) error {
	return s.putJSON(ctx, fmt.Sprintf("put role %d", r.ID), idKey(pGuildRole, r.GuildID, r.ID), r)
}

// GuildRoles returns a guild's roles in ID order.
func (s *Store) GuildRoles(ctx context.Context, guildID chat.ID) ([]chat.Role, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	rs, err := scanJSON[chat.Role](s, idKey(pGuildRole, guildID))
	if err != nil {
		return nil, fmt.Errorf("pebble store: roles of guild %d: %w", guildID, err)
	}
	return rs, nil
}

// DeleteRole removes a role.
func (s *Store) DeleteRole(ctx context.Context, guildID, roleID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete role %d", roleID), idKey(pGuildRole, guildID, roleID))
}

// PutMember stores m and the user's guild index entry.
func (s *Store) PutMember(ctx context.Context, m chat.Member) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	b := s.newBatch()
	b.setJSON(idKey(pGuildMember, m.GuildID, m.UserID), m)
	b.set(idKey(pUserGuild, m.UserID, m.GuildID), nil)
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: put member %d/%d: %w", m.GuildID, m.UserID, err)
	}
	return nil
}

// Member returns userID's membership of guildID.
func (s *Store) Member(ctx context.Context, guildID, userID chat.ID) (chat.Member, error) {
	var m chat.Member
	if err := s.enter(ctx); err != nil {
		return m, err
	}
	defer s.mu.RUnlock()
	if err := s.getJSON(idKey(pGuildMember, guildID, userID), &m); err != nil {
		return chat.Member{}, fmt.Errorf("pebble store: member %d/%d: %w", guildID, userID, err)
	}
	return m, nil
}

// GuildMembers returns up to limit members with user IDs above after, in
// user-ID order; limit <= 0 means all.
func (s *Store) GuildMembers(ctx context.Context, guildID, after chat.ID, limit int) ([]chat.Member, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	p := idKey(pGuildMember, guildID)
	var start []byte
	if after != 0 {
		start = keyAfter(idKey(pGuildMember, guildID, after))
	}
	var out []chat.Member
	err := s.scan(p, start, func(k, v []byte) (bool, error) {
		var m chat.Member
		if err := jsonUnmarshal(k, v, &m); err != nil {
			return false, err
		}
		out = append(out, m)
		return limit <= 0 || len(out) < limit, nil
	})
	if err != nil {
		return nil, fmt.Errorf("pebble store: members of guild %d: %w", guildID, err)
	}
	return out, nil
}

// UserGuilds returns the IDs of the guilds userID is a member of, in order.
func (s *Store) UserGuilds(ctx context.Context, userID chat.ID) ([]chat.ID, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	p := idKey(pUserGuild, userID)
	var out []chat.ID
	err := s.scan(p, nil, func(k, _ []byte) (bool, error) {
		out = append(out, chat.ID(binary.BigEndian.Uint64(k[len(p):])))
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("pebble store: guilds of user %d: %w", userID, err)
	}
	return out, nil
}

// DeleteMember removes a membership and its user index entry.
func (s *Store) DeleteMember(ctx context.Context, guildID, userID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete member %d/%d", guildID, userID),
		idKey(pGuildMember, guildID, userID), idKey(pUserGuild, userID, guildID))
}

// PutInvite stores inv and its copy in the guild's invite list.
func (s *Store) PutInvite(ctx context.Context, inv chat.Invite) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	b := s.newBatch()
	var old chat.Invite
	switch err := s.getJSON(strKey(pInvite, nil, inv.Code), &old); {
	case err == nil && old.GuildID != inv.GuildID:
		b.delete(strKey(pGuildInvite, []chat.ID{old.GuildID}, inv.Code))
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("pebble store: put invite %q: %w", inv.Code, err)
	}
	b.setJSON(strKey(pInvite, nil, inv.Code), inv)
	b.setJSON(strKey(pGuildInvite, []chat.ID{inv.GuildID}, inv.Code), inv)
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: put invite %q: %w", inv.Code, err)
	}
	return nil
}

// Invite returns the invite with code.
func (s *Store) Invite(ctx context.Context, code string) (chat.Invite, error) {
	var inv chat.Invite
	if err := s.enter(ctx); err != nil {
		return inv, err
	}
	defer s.mu.RUnlock()
	if err := s.getJSON(strKey(pInvite, nil, code), &inv); err != nil {
		return chat.Invite{}, fmt.Errorf("pebble store: invite %q: %w", code, err)
	}
	return inv, nil
}

// GuildInvites returns a guild's invites in code order.
func (s *Store) GuildInvites(ctx context.Context, guildID chat.ID) ([]chat.Invite, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	invs, err := scanJSON[chat.Invite](s, idKey(pGuildInvite, guildID))
	if err != nil {
		return nil, fmt.Errorf("pebble store: invites of guild %d: %w", guildID, err)
	}
	return invs, nil
}

// DeleteInvite removes an invite and its guild list entry.
func (s *Store) DeleteInvite(ctx context.Context, code string) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	var inv chat.Invite
	switch err := s.getJSON(strKey(pInvite, nil, code), &inv); {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("pebble store: delete invite %q: %w", code, err)
	}
	b := s.newBatch()
	b.delete(strKey(pInvite, nil, code))
	b.delete(strKey(pGuildInvite, []chat.ID{inv.GuildID}, code))
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: delete invite %q: %w", code, err)
	}
	return nil
}
