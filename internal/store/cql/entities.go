package cql

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Conversions between Accord's types and CQL values. Snowflakes fit in a
// bigint; binding never uses nil (a null is a tombstone), so empty slices
// are bound as empty values.

func i64(id chat.ID) int64 { return int64(id) }

func ids64(ids []chat.ID) []int64 {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out
}

func chatIDs(v []int64) []chat.ID {
	if len(v) == 0 {
		return nil
	}
	out := make([]chat.ID, len(v))
	for i, id := range v {
		out[i] = chat.ID(id)
	}
	return out
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// utc returns t in UTC, or the zero time for CQL's empty timestamp.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// --- users ---------------------------------------------------------------

const userCols = `id, username, global_name, avatar, bot, flags, application_id, banner, bio`

func userArgs(u chat.User) []any {
	return []any{i64(u.ID), u.Username, u.GlobalName, u.Avatar, u.Bot, int64(u.Flags), i64(u.ApplicationID), u.Banner, u.Bio}
}

type userRow struct {
	id, flags, appID                          int64
	username, globalName, avatar, banner, bio string
	bot                                       bool
}

func (r *userRow) dest() []any {
	return []any{&r.id, &r.username, &r.globalName, &r.avatar, &r.bot, &r.flags, &r.appID, &r.banner, &r.bio}
}

func (r *userRow) user() chat.User {
	return chat.User{ID: chat.ID(r.id), Username: r.username, GlobalName: r.globalName, Avatar: r.avatar,
		Banner: r.banner, Bio: r.bio, Bot: r.bot, Flags: uint64(r.flags), ApplicationID: chat.ID(r.appID)}
}

// claimName takes the lower-cased username for userID with a lightweight
// transaction. Claiming a name one already holds succeeds, so a retried
// claim is harmless.
func (s *Store) claimName(ctx context.Context, name string, userID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	var gotName string
	var holder int64
	applied, err := s.query(`INSERT INTO users_by_name (name, user_id) VALUES (?, ?) IF NOT EXISTS`,
		name, i64(userID)).Idempotent(false).ScanCASContext(ctx, &gotName, &holder)
	if err != nil {
		return wrap("claim username", err)
	}
	if !applied && chat.ID(holder) != userID {
		return fmt.Errorf("cql: username %q: %w", name, store.ErrExists)
	}
	return nil
}

// releaseName frees name if userID still holds it.
func (s *Store) releaseName(ctx context.Context, name string, userID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	_, err := s.query(`DELETE FROM users_by_name WHERE name = ? IF user_id = ?`, name, i64(userID)).
		Idempotent(false).ScanCASContext(ctx, new(int64))
	return wrap("release username", err)
}

// CreateUser claims the username, then writes the user and credentials.
func (s *Store) CreateUser(ctx context.Context, u chat.User, c chat.Credentials) error {
	name := strings.ToLower(u.Username)
	if err := s.claimName(ctx, name, u.ID); err != nil {
		return err
	}
	b := s.newBatch()
	b.add(`INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, userArgs(u)...)
	b.add(`INSERT INTO credentials (user_id, password_hash) VALUES (?, ?)`, i64(u.ID), nonNilBytes(c.PasswordHash))
	if err := s.execBatch(ctx, "create user", b); err != nil {
		// Give the name back unless the batch may yet apply (a timeout
		// leaves that open; the name then stays with this user ID).
		if !isTimeout(err) {
			_ = s.releaseName(context.WithoutCancel(ctx), name, u.ID)
		}
		return err
	}
	return nil
}

func isTimeout(err error) bool {
	var wt *gocql.RequestErrWriteTimeout
	return errors.As(err, &wt) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, gocql.ErrTimeoutNoResponse)
}

// User reads a user by ID.
func (s *Store) User(ctx context.Context, id chat.ID) (chat.User, error) {
	var r userRow
	err := s.scan(ctx, "user", `SELECT `+userCols+` FROM users WHERE id = ?`, []any{i64(id)}, r.dest()...)
	return r.user(), err
}

// UserByName reads a user by username, ignoring case.
func (s *Store) UserByName(ctx context.Context, username string) (chat.User, error) {
	name := strings.ToLower(username)
	var id int64
	if err := s.scan(ctx, "user by name", `SELECT user_id FROM users_by_name WHERE name = ?`, []any{name}, &id); err != nil {
		return chat.User{}, err
	}
	u, err := s.User(ctx, chat.ID(id))
	if err != nil {
		return chat.User{}, err
	}
	// A rename that failed half way may leave the old name pointing here.
	if strings.ToLower(u.Username) != name {
		return chat.User{}, fmt.Errorf("cql: user by name %q: %w", username, store.ErrNotFound)
	}
	return u, nil
}

// UpdateUser replaces a user; a new username is claimed before the row is
// written and the old one released after.
func (s *Store) UpdateUser(ctx context.Context, u chat.User) error {
	old, err := s.User(ctx, u.ID)
	if err != nil {
		return err
	}
	oldName, newName := strings.ToLower(old.Username), strings.ToLower(u.Username)
	if newName != oldName {
		if err := s.claimName(ctx, newName, u.ID); err != nil {
			return err
		}
	}
	err = s.exec(ctx, "update user", `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, userArgs(u)...)
	if err != nil {
		return err
	}
	if newName != oldName {
		return s.releaseName(ctx, oldName, u.ID)
	}
	return nil
}

// Credentials reads a user's password hash.
func (s *Store) Credentials(ctx context.Context, userID chat.ID) (chat.Credentials, error) {
	var hash []byte
	err := s.scan(ctx, "credentials", `SELECT password_hash FROM credentials WHERE user_id = ?`, []any{i64(userID)}, &hash)
	if err != nil {
		return chat.Credentials{}, err
	}
	if len(hash) == 0 {
		hash = nil
	}
	return chat.Credentials{UserID: userID, PasswordHash: hash}, nil
}

// --- tokens --------------------------------------------------------------

// PutToken maps a token hash to its user.
func (s *Store) PutToken(ctx context.Context, tokenHash []byte, userID chat.ID) error {
	return s.exec(ctx, "put token", `INSERT INTO tokens (hash, user_id) VALUES (?, ?)`, nonNilBytes(tokenHash), i64(userID))
}

// TokenUser returns the user a token hash belongs to.
func (s *Store) TokenUser(ctx context.Context, tokenHash []byte) (chat.ID, error) {
	var id int64
	err := s.scan(ctx, "token", `SELECT user_id FROM tokens WHERE hash = ?`, []any{nonNilBytes(tokenHash)}, &id)
	return chat.ID(id), err
}

// DeleteToken forgets a token hash.
func (s *Store) DeleteToken(ctx context.Context, tokenHash []byte) error {
	return s.exec(ctx, "delete token", `DELETE FROM tokens WHERE hash = ?`, nonNilBytes(tokenHash))
}

// --- applications --------------------------------------------------------

// PutApplication writes an application and its bot index.
func (s *Store) PutApplication(ctx context.Context, a chat.Application) error {
	b := s.newBatch()
	b.add(`INSERT INTO applications (id, name, owner_id, bot_id, flags, token_hash, interactions_key, interactions_endpoint_url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		i64(a.ID), a.Name, i64(a.OwnerID), i64(a.BotID), int64(a.Flags), nonNilBytes(a.TokenHash),
		nonNilBytes(a.InteractionsKey), a.InteractionsEndpointURL)
	b.add(`INSERT INTO apps_by_bot (bot_id, app_id) VALUES (?, ?)`, i64(a.BotID), i64(a.ID))
	return s.execBatch(ctx, "put application", b)
}

// Application reads an application by ID.
func (s *Store) Application(ctx context.Context, id chat.ID) (chat.Application, error) {
	var r struct{ id, owner, bot, flags int64 }
	var name string
	var tokenHash, key []byte
	var endpoint string
	err := s.scan(ctx, "application", `SELECT id, name, owner_id, bot_id, flags, token_hash, interactions_key, interactions_endpoint_url
		FROM applications WHERE id = ?`,
		[]any{i64(id)}, &r.id, &name, &r.owner, &r.bot, &r.flags, &tokenHash, &key, &endpoint)
	if len(tokenHash) == 0 {
		tokenHash = nil
	}
	if len(key) == 0 {
		key = nil
	}
	return chat.Application{ID: chat.ID(r.id), Name: name, OwnerID: chat.ID(r.owner), BotID: chat.ID(r.bot),
		Flags: uint64(r.flags), TokenHash: tokenHash, InteractionsKey: key, InteractionsEndpointURL: endpoint}, err
}

// ApplicationByBot reads the application whose bot user is botID.
func (s *Store) ApplicationByBot(ctx context.Context, botID chat.ID) (chat.Application, error) {
	var appID int64
	if err := s.scan(ctx, "application by bot", `SELECT app_id FROM apps_by_bot WHERE bot_id = ?`,
		[]any{i64(botID)}, &appID); err != nil {
		return chat.Application{}, err
	}
	a, err := s.Application(ctx, chat.ID(appID))
	if err != nil {
		return chat.Application{}, err
	}
	if a.BotID != botID { // the application has since changed bots
		return chat.Application{}, fmt.Errorf("cql: application by bot %d: %w", botID, store.ErrNotFound)
	}
	return a, nil
}

// --- guilds --------------------------------------------------------------

// PutGuild writes a guild row.
func (s *Store) PutGuild(ctx context.Context, g chat.Guild) error {
	return s.exec(ctx, "put guild",
		`INSERT INTO guilds (id, name, icon, description, owner_id, system_channel_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		i64(g.ID), g.Name, g.Icon, g.Description, i64(g.OwnerID), i64(g.SystemChannelID), utc(g.CreatedAt))
}

// Guild reads a guild.
func (s *Store) Guild(ctx context.Context, id chat.ID) (chat.Guild, error) {
	var gid, owner, sys int64
	var g chat.Guild
	err := s.scan(ctx, "guild",
		`SELECT id, name, icon, description, owner_id, system_channel_id, created_at FROM guilds WHERE id = ?`,
		[]any{i64(id)}, &gid, &g.Name, &g.Icon, &g.Description, &owner, &sys, &g.CreatedAt)
	if err != nil {
		return chat.Guild{}, err
	}
	g.ID, g.OwnerID, g.SystemChannelID, g.CreatedAt = chat.ID(gid), chat.ID(owner), chat.ID(sys), utc(g.CreatedAt)
	return g, nil
}

// DeleteGuild removes the guild row.
func (s *Store) DeleteGuild(ctx context.Context, id chat.ID) error {
	return s.exec(ctx, "delete guild", `DELETE FROM guilds WHERE id = ?`, i64(id))
}

// --- channels ------------------------------------------------------------

const channelCols = `id, guild_id, type, name, topic, position, parent_id, nsfw, rate_limit, last_message_id, overwrites, extra`

// overwrite is the CQL user-defined type "overwrite".
type overwrite struct {
	ID    int64 `cql:"id"`
	Type  int   `cql:"type"`
	Allow int64 `cql:"allow_bits"`
	Deny  int64 `cql:"deny_bits"`
}

func channelArgs(c chat.Channel) []any {
	ows := make([]overwrite, len(c.Overwrites))
	for i, o := range c.Overwrites {
		ows[i] = overwrite{ID: i64(o.ID), Type: o.Type, Allow: int64(o.Allow), Deny: int64(o.Deny)}
	}
	return []any{i64(c.ID), i64(c.GuildID), c.Type, c.Name, c.Topic, c.Position, i64(c.ParentID), c.NSFW,
		c.RateLimit, i64(c.LastMessageID), ows, channelExtraJSON(c)}
}

type channelRow struct {
	id, guild, parent, last int64
	typ, position, rate     int
	name, topic             string
	nsfw                    bool
	ows                     []overwrite
	extra                   string
}

func (r *channelRow) dest() []any {
	return []any{&r.id, &r.guild, &r.typ, &r.name, &r.topic, &r.position, &r.parent, &r.nsfw, &r.rate, &r.last, &r.ows, &r.extra}
}

func (r *channelRow) channel() chat.Channel {
	c := chat.Channel{ID: chat.ID(r.id), GuildID: chat.ID(r.guild), Type: r.typ, Name: r.name, Topic: r.topic,
		Position: r.position, ParentID: chat.ID(r.parent), NSFW: r.nsfw, RateLimit: r.rate, LastMessageID: chat.ID(r.last)}
	for _, o := range r.ows {
		c.Overwrites = append(c.Overwrites, chat.Overwrite{ID: chat.ID(o.ID), Type: o.Type, Allow: uint64(o.Allow), Deny: uint64(o.Deny)})
	}
	setChannelExtra(&c, r.extra)
	return c
}

// PutChannel writes a channel by ID and into its guild's partition.
func (s *Store) PutChannel(ctx context.Context, c chat.Channel) error {
	args := channelArgs(c)
	b := s.newBatch()
	b.add(`INSERT INTO channels (`+channelCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	b.add(`INSERT INTO channels_by_guild (`+channelCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return s.execBatch(ctx, "put channel", b)
}

// Channel reads a channel by ID.
func (s *Store) Channel(ctx context.Context, id chat.ID) (chat.Channel, error) {
	var r channelRow
	err := s.scan(ctx, "channel", `SELECT `+channelCols+` FROM channels WHERE id = ?`, []any{i64(id)}, r.dest()...)
	if err != nil {
		return chat.Channel{}, err
	}
	return r.channel(), nil
}

// GuildChannels lists a guild's channels.
func (s *Store) GuildChannels(ctx context.Context, guildID chat.ID) ([]chat.Channel, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT `+channelCols+` FROM channels_by_guild WHERE guild_id = ?`, i64(guildID)).IterContext(ctx)
	var out []chat.Channel
	var r channelRow
	for iter.Scan(r.dest()...) {
		out = append(out, r.channel())
		r = channelRow{}
	}
	return out, wrap("guild channels", iter.Close())
}

// DeleteChannel removes a channel from both tables.
func (s *Store) DeleteChannel(ctx context.Context, guildID, channelID chat.ID) error {
	b := s.newBatch()
	b.add(`DELETE FROM channels WHERE id = ?`, i64(channelID))
	b.add(`DELETE FROM channels_by_guild WHERE guild_id = ? AND id = ?`, i64(guildID), i64(channelID))
	return s.execBatch(ctx, "delete channel", b)
}

// --- roles ---------------------------------------------------------------

// PutRole writes a role into its guild's partition.
func (s *Store) PutRole(ctx context.Context, r chat.Role) error {
	return s.exec(ctx, "put role",
		`INSERT INTO roles_by_guild (guild_id, id, name, color, hoist, position, permissions, managed, mentionable)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		i64(r.GuildID), i64(r.ID), r.Name, r.Color, r.Hoist, r.Position, int64(r.Permissions), r.Managed, r.Mentionable)
}

// GuildRoles lists a guild's roles.
func (s *Store) GuildRoles(ctx context.Context, guildID chat.ID) ([]chat.Role, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT guild_id, id, name, color, hoist, position, permissions, managed, mentionable
		FROM roles_by_guild WHERE guild_id = ?`, i64(guildID)).IterContext(ctx)
	var out []chat.Role
	var guild, id, perms int64
	var r chat.Role
	for iter.Scan(&guild, &id, &r.Name, &r.Color, &r.Hoist, &r.Position, &perms, &r.Managed, &r.Mentionable) {
		r.GuildID, r.ID, r.Permissions = chat.ID(guild), chat.ID(id), uint64(perms)
		out = append(out, r)
		r = chat.Role{}
	}
	return out, wrap("guild roles", iter.Close())
}

// DeleteRole removes a role.
func (s *Store) DeleteRole(ctx context.Context, guildID, roleID chat.ID) error {
	return s.exec(ctx, "delete role", `DELETE FROM roles_by_guild WHERE guild_id = ? AND id = ?`, i64(guildID), i64(roleID))
}

// --- members -------------------------------------------------------------

const memberCols = `guild_id, user_id, nick, roles, joined_at, timeout_until`

type memberRow struct {
	guild, user int64
	nick        string
	roles       []int64
	joined      time.Time
	timeout     time.Time // zero: null, never timed out
}

func (r *memberRow) dest() []any {
	return []any{&r.guild, &r.user, &r.nick, &r.roles, &r.joined, &r.timeout}
}

func (r *memberRow) member() chat.Member {
	m := chat.Member{GuildID: chat.ID(r.guild), UserID: chat.ID(r.user), Nick: r.nick, Roles: chatIDs(r.roles),
		JoinedAt: utc(r.joined)}
	if !r.timeout.IsZero() {
		t := r.timeout.UTC()
		m.CommunicationDisabledUntil = &t
	}
	return m
}

// PutMember writes a membership and the user's guild index.
func (s *Store) PutMember(ctx context.Context, m chat.Member) error {
	b := s.newBatch()
	var timeout any // nil writes null: a lifted timeout is gone
	if m.CommunicationDisabledUntil != nil {
		timeout = m.CommunicationDisabledUntil.UTC()
	}
	b.add(`INSERT INTO members_by_guild (`+memberCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		i64(m.GuildID), i64(m.UserID), m.Nick, ids64(m.Roles), utc(m.JoinedAt), timeout)
	b.add(`INSERT INTO guilds_by_user (user_id, guild_id) VALUES (?, ?)`, i64(m.UserID), i64(m.GuildID))
	return s.execBatch(ctx, "put member", b)
}

// Member reads one membership.
func (s *Store) Member(ctx context.Context, guildID, userID chat.ID) (chat.Member, error) {
	var r memberRow
	err := s.scan(ctx, "member", `SELECT `+memberCols+` FROM members_by_guild WHERE guild_id = ? AND user_id = ?`,
		[]any{i64(guildID), i64(userID)}, r.dest()...)
	if err != nil {
		return chat.Member{}, err
	}
	return r.member(), nil
}

// GuildMembers lists members in user-ID order after the cursor.
func (s *Store) GuildMembers(ctx context.Context, guildID, after chat.ID, limit int) ([]chat.Member, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > math.MaxInt32 {
		limit = math.MaxInt32
	}
	iter := s.query(`SELECT `+memberCols+` FROM members_by_guild WHERE guild_id = ? AND user_id > ? LIMIT ?`,
		i64(guildID), i64(after), limit).IterContext(ctx)
	var out []chat.Member
	var r memberRow
	for iter.Scan(r.dest()...) {
		out = append(out, r.member())
		r = memberRow{}
	}
	return out, wrap("guild members", iter.Close())
}

// UserGuilds lists the guilds a user is a member of.
func (s *Store) UserGuilds(ctx context.Context, userID chat.ID) ([]chat.ID, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT guild_id FROM guilds_by_user WHERE user_id = ?`, i64(userID)).IterContext(ctx)
	var out []chat.ID
	var id int64
	for iter.Scan(&id) {
		out = append(out, chat.ID(id))
	}
	return out, wrap("user guilds", iter.Close())
}

// DeleteMember removes a membership from both tables.
func (s *Store) DeleteMember(ctx context.Context, guildID, userID chat.ID) error {
	b := s.newBatch()
	b.add(`DELETE FROM members_by_guild WHERE guild_id = ? AND user_id = ?`, i64(guildID), i64(userID))
	b.add(`DELETE FROM guilds_by_user WHERE user_id = ? AND guild_id = ?`, i64(userID), i64(guildID))
	return s.execBatch(ctx, "delete member", b)
}

// --- invites -------------------------------------------------------------

const inviteCols = `code, guild_id, channel_id, inviter_id, uses, max_uses, max_age, created_at`

type inviteRow struct {
	guild, channel, inviter int64
	inv                     chat.Invite
}

func (r *inviteRow) dest() []any {
	return []any{&r.inv.Code, &r.guild, &r.channel, &r.inviter, &r.inv.Uses, &r.inv.MaxUses, &r.inv.MaxAge, &r.inv.CreatedAt}
}

func (r *inviteRow) invite() chat.Invite {
	inv := r.inv
	inv.GuildID, inv.ChannelID, inv.InviterID, inv.CreatedAt = chat.ID(r.guild), chat.ID(r.channel), chat.ID(r.inviter), utc(inv.CreatedAt)
	return inv
}

// PutInvite writes an invite by code and into its guild's partition.
func (s *Store) PutInvite(ctx context.Context, inv chat.Invite) error {
	args := []any{inv.Code, i64(inv.GuildID), i64(inv.ChannelID), i64(inv.InviterID), inv.Uses, inv.MaxUses, inv.MaxAge, utc(inv.CreatedAt)}
	b := s.newBatch()
	b.add(`INSERT INTO invites (`+inviteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	b.add(`INSERT INTO invites_by_guild (`+inviteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return s.execBatch(ctx, "put invite", b)
}

// Invite reads an invite by code.
func (s *Store) Invite(ctx context.Context, code string) (chat.Invite, error) {
	var r inviteRow
	if err := s.scan(ctx, "invite", `SELECT `+inviteCols+` FROM invites WHERE code = ?`, []any{code}, r.dest()...); err != nil {
		return chat.Invite{}, err
	}
	return r.invite(), nil
}

// GuildInvites lists a guild's invites.
func (s *Store) GuildInvites(ctx context.Context, guildID chat.ID) ([]chat.Invite, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT `+inviteCols+` FROM invites_by_guild WHERE guild_id = ?`, i64(guildID)).IterContext(ctx)
	var out []chat.Invite
	var r inviteRow
	for iter.Scan(r.dest()...) {
		out = append(out, r.invite())
		r = inviteRow{}
	}
	return out, wrap("guild invites", iter.Close())
}

// DeleteInvite removes an invite; its guild is read first to find the
// second copy.
func (s *Store) DeleteInvite(ctx context.Context, code string) error {
	inv, err := s.Invite(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	b := s.newBatch()
	b.add(`DELETE FROM invites WHERE code = ?`, code)
	b.add(`DELETE FROM invites_by_guild WHERE guild_id = ? AND code = ?`, i64(inv.GuildID), code)
	return s.execBatch(ctx, "delete invite", b)
}
