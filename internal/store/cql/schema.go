package cql

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// tables is Accord's schema. Every statement is idempotent (IF NOT EXISTS),
// so New may run it on every start and on any number of nodes at once.
// IDs are bigint (snowflakes fit in 63 bits), buckets int as in Discord's
// schema; lists are frozen so that a row is replaced whole without the
// tombstone a non-frozen collection write leaves behind.
var tables = []string{
	`CREATE TYPE IF NOT EXISTS overwrite (id bigint, type int, allow_bits bigint, deny_bits bigint)`,

	`CREATE TABLE IF NOT EXISTS users (
		id bigint PRIMARY KEY, username text, global_name text, avatar text,
		bot boolean, flags bigint, application_id bigint, banner text, bio text)`,
	// Usernames are unique case-insensitively: name is the lower-cased
	// username, claimed with INSERT ... IF NOT EXISTS.
	`CREATE TABLE IF NOT EXISTS users_by_name (name text PRIMARY KEY, user_id bigint)`,
	`CREATE TABLE IF NOT EXISTS credentials (user_id bigint PRIMARY KEY, password_hash blob)`,
	`CREATE TABLE IF NOT EXISTS tokens (hash blob PRIMARY KEY, user_id bigint)`,

	`CREATE TABLE IF NOT EXISTS applications (
		id bigint PRIMARY KEY, name text, owner_id bigint, bot_id bigint, flags bigint, token_hash blob,
		interactions_key blob, interactions_endpoint_url text)`,
	`CREATE TABLE IF NOT EXISTS apps_by_bot (bot_id bigint PRIMARY KEY, app_id bigint)`,

	`CREATE TABLE IF NOT EXISTS guilds (
		id bigint PRIMARY KEY, name text, icon text, description text, owner_id bigint,
		system_channel_id bigint, created_at timestamp)`,

	// A channel is stored twice: by ID for Channel, and in its guild's
	// partition for GuildChannels.
	`CREATE TABLE IF NOT EXISTS channels (` + channelColumnsDDL + `, PRIMARY KEY (id))`,
	`CREATE TABLE IF NOT EXISTS channels_by_guild (` + channelColumnsDDL + `, PRIMARY KEY (guild_id, id))`,

	`CREATE TABLE IF NOT EXISTS roles_by_guild (
		guild_id bigint, id bigint, name text, color int, hoist boolean, position int,
		permissions bigint, managed boolean, mentionable boolean,
		PRIMARY KEY (guild_id, id))`,

	// Members cluster by user_id ascending: GuildMembers pages in user-ID
	// order with "user_id > after".
	`CREATE TABLE IF NOT EXISTS members_by_guild (
		guild_id bigint, user_id bigint, nick text, roles frozen<list<bigint>>, joined_at timestamp,
		timeout_until timestamp,
		PRIMARY KEY (guild_id, user_id))`,
	`CREATE TABLE IF NOT EXISTS guilds_by_user (user_id bigint, guild_id bigint, PRIMARY KEY (user_id, guild_id))`,

	`CREATE TABLE IF NOT EXISTS invites (` + inviteColumnsDDL + `, PRIMARY KEY (code))`,
	`CREATE TABLE IF NOT EXISTS invites_by_guild (` + inviteColumnsDDL + `, PRIMARY KEY (guild_id, code))`,

	// Discord's messages table: one partition per channel per 10 days.
	`CREATE TABLE IF NOT EXISTS messages (
		channel_id bigint, bucket int, message_id bigint,
		author_id bigint, guild_id bigint, content text, edited_at timestamp,
		tts boolean, mention_everyone boolean,
		mentions frozen<list<bigint>>, mention_roles frozen<list<bigint>>,
		nonce text, type int, flags int,
		ref_message_id bigint, ref_channel_id bigint, ref_guild_id bigint, embeds text,
		attachments text, components text, webhook_id bigint, webhook_name text, webhook_avatar text,
		interaction text,
		PRIMARY KEY ((channel_id, bucket), message_id)
	) WITH CLUSTERING ORDER BY (message_id DESC)`,
	// The buckets of a channel that have held a message, newest first, so
	// that reads never probe the empty buckets between them.
	`CREATE TABLE IF NOT EXISTS channel_buckets (
		channel_id bigint, bucket int,
		PRIMARY KEY (channel_id, bucket)
	) WITH CLUSTERING ORDER BY (bucket DESC)`,
}

// addedColumns are columns added to tables after they were first
// released. New keyspaces get them from the CREATE TABLE statements above;
// createSchema adds them to older keyspaces. CQL has no portable
// "ADD IF NOT EXISTS" (Cassandra before 5.0 and ScyllaDB lack it), so each
// is looked up in system_schema first.
var addedColumns = []struct{ table, column, cqlType string }{
	{"messages", "embeds", "text"},
	{"applications", "token_hash", "blob"},
	{"applications", "interactions_key", "blob"},
	{"applications", "interactions_endpoint_url", "text"},
	{"messages", "attachments", "text"},
	{"members_by_guild", "timeout_until", "timestamp"},
	// Keyspaces made by the first build of private channels lack it.
	{"private_channels", "closed", "frozen<list<bigint>>"},
	{"users", "banner", "text"},
	{"users", "bio", "text"},
	{"channels", "extra", "text"},
	{"channels_by_guild", "extra", "text"},
	{"messages", "components", "text"},
	{"messages", "webhook_id", "bigint"},
	{"messages", "webhook_name", "text"},
	{"messages", "webhook_avatar", "text"},
	{"messages", "interaction", "text"},
}

const channelColumnsDDL = `id bigint, guild_id bigint, type int, name text, topic text, position int,
	parent_id bigint, nsfw boolean, rate_limit int, last_message_id bigint,
	overwrites frozen<list<frozen<overwrite>>>, extra text`

const inviteColumnsDDL = `code text, guild_id bigint, channel_id bigint, inviter_id bigint,
	uses int, max_uses int, max_age int, created_at timestamp`

// createSchema creates the keyspace and tables on a keyspace-less session.
// The driver waits for schema agreement after each statement, so the
// tables exist on every node when it returns.
func createSchema(ctx context.Context, cfg Config) error {
	hosts := strings.Join(cfg.Hosts, ",")
	session, err := newCluster(cfg).CreateSession()
	if err != nil {
		return fmt.Errorf("cql: connect to %s: %w", hosts, err)
	}
	defer session.Close()
	stmts := []string{fmt.Sprintf(
		`CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'NetworkTopologyStrategy', 'replication_factor': %d}`,
		cfg.Keyspace, cfg.Replication)}
	for _, t := range slices.Concat(tables, reactionTables, emojiTables, banTables, auditTables, autoModTables, privateTables, readStateTables, threadTables, webhookTables, appCommandTables) {
		// Qualify the object name: this session has no keyspace.
		for _, kw := range []string{"TABLE IF NOT EXISTS ", "TYPE IF NOT EXISTS "} {
			t = strings.Replace(t, kw, kw+cfg.Keyspace+".", 1)
		}
		stmts = append(stmts, t)
	}
	for _, stmt := range stmts {
		if err := session.Query(stmt).ExecContext(ctx); err != nil {
			return fmt.Errorf("cql: create schema on %s: %s: %w", hosts, firstLine(stmt), err)
		}
	}
	for _, c := range addedColumns {
		if err := addColumn(ctx, session, cfg.Keyspace, c.table, c.column, c.cqlType); err != nil {
			return fmt.Errorf("cql: create schema on %s: %w", hosts, err)
		}
	}
	// CREATE KEYSPACE IF NOT EXISTS leaves an existing keyspace as it is;
	// say so when its replication differs from the configured one.
	var replication map[string]string
	err = session.Query(`SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?`, cfg.Keyspace).
		ScanContext(ctx, &replication)
	if err != nil {
		return fmt.Errorf("cql: read keyspace %s on %s: %w", cfg.Keyspace, hosts, err)
	}
	for dc, rf := range replication {
		if dc != "class" && rf != strconv.Itoa(cfg.Replication) {
			cfg.Logger.Warn("keyspace exists with a different replication factor; leaving it unchanged (ALTER KEYSPACE to change it)",
				"keyspace", cfg.Keyspace, "datacenter", dc, "replication_factor", rf, "configured", cfg.Replication)
		}
	}
	return nil
}

// addColumn adds a column to a table unless it is there already. Two nodes
// starting at once may both find it missing; the loser's ALTER fails with
// "conflicts with an existing column", which means the column exists.
func addColumn(ctx context.Context, session *gocql.Session, keyspace, table, column, cqlType string) error {
	var found string
	err := session.Query(`SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ? AND column_name = ?`,
		keyspace, table, column).ScanContext(ctx, &found)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, gocql.ErrNotFound):
		return fmt.Errorf("look up column %s.%s: %w", table, column, err)
	}
	err = session.Query(fmt.Sprintf(`ALTER TABLE %s.%s ADD %s %s`, keyspace, table, column, cqlType)).ExecContext(ctx)
	if err != nil && !strings.Contains(err.Error(), "conflicts with an existing column") {
		return fmt.Errorf("add column %s.%s: %w", table, column, err)
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
