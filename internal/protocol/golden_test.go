package protocol_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/golden"
	"github.com/accordchat/accord/internal/protocol"
)

// The golden files pin the JSON of every wire object, byte for byte: a
// change to a struct, a tag or a conversion that alters what clients read
// fails here. When a change is meant, rewrite them with
//
//	go test ./internal/protocol -run Golden -update
//
// and review the diff of testdata/golden like any other change.

// Fixed domain values the objects are built from.
var (
	goldenGuildID   chat.ID = 1100000000000000000
	goldenChannelID chat.ID = 1100000000000000001
	goldenCategory  chat.ID = 1100000000000000002
	goldenRoleID    chat.ID = 1100000000000000003
	goldenUserID    chat.ID = 1100000000000000010
	goldenOtherID   chat.ID = 1100000000000000011
	goldenBotID     chat.ID = 1100000000000000012
	goldenAppID     chat.ID = 1100000000000000013
	goldenMessageID chat.ID = 1100000000000000020
	goldenReplyID   chat.ID = 1100000000000000021

	goldenTime = time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)

	goldenUser = chat.User{ID: goldenUserID, Username: "alice"}
	goldenFull = chat.User{ID: goldenOtherID, Username: "bob", GlobalName: "Bob <the> & Builder",
		Avatar: "a_0123456789abcdef", Flags: 64}
	goldenBot = chat.User{ID: goldenBotID, Username: "helper", Bot: true, ApplicationID: goldenAppID}

	goldenOverwrites = []chat.Overwrite{
		{ID: goldenGuildID, Type: chat.OverwriteRole, Deny: uint64(protocol.PermSendMessages)},
		{ID: goldenOtherID, Type: chat.OverwriteMember, Allow: uint64(protocol.PermSendMessages | protocol.PermViewChannel)},
	}
)

func goldenRoles() []chat.Role {
	return []chat.Role{
		{ID: goldenGuildID, GuildID: goldenGuildID, Name: "@everyone", Permissions: uint64(protocol.PermViewChannel | protocol.PermSendMessages)},
		{ID: goldenRoleID, GuildID: goldenGuildID, Name: "mods", Color: 0x3498db, Hoist: true, Position: 1,
			Permissions: uint64(protocol.PermAdministrator), Mentionable: true},
	}
}

func goldenGuild() chat.Guild {
	return chat.Guild{ID: goldenGuildID, Name: "Golden", Icon: "0123456789abcdef", Description: "a guild",
		OwnerID: goldenUserID, SystemChannelID: goldenChannelID, CreatedAt: goldenTime}
}

func goldenMember() chat.Member {
	return chat.Member{GuildID: goldenGuildID, UserID: goldenOtherID, Nick: "bobby", Roles: []chat.ID{goldenRoleID}, JoinedAt: goldenTime}
}

func goldenTextChannel() chat.Channel {
	return chat.Channel{ID: goldenChannelID, GuildID: goldenGuildID, Type: chat.ChannelText, Name: "general",
		Topic: "talk here", Position: 1, ParentID: goldenCategory, RateLimit: 5, LastMessageID: goldenMessageID}
}

func goldenEmbeds() []chat.Embed {
	black := 0
	return []chat.Embed{{Title: "t", Description: "d", URL: "https://e.com/?a=1&b=2", Timestamp: &goldenTime, Color: &black,
		Footer:    &chat.EmbedFooter{Text: "f", IconURL: "https://e.com/f.png"},
		Image:     &chat.EmbedMedia{URL: "https://e.com/i.png"},
		Thumbnail: &chat.EmbedMedia{URL: "https://e.com/t.png"},
		Author:    &chat.EmbedAuthor{Name: "a", URL: "https://e.com/a", IconURL: "https://e.com/a.png"},
		Fields:    []chat.EmbedField{{Name: "n", Value: "v"}, {Name: "n2", Value: "v2", Inline: true}}},
		{Type: "rich", Description: "second"}}
}

func goldenFullMessage() protocol.Message {
	edited := goldenTime.Add(time.Hour)
	m := chat.Message{
		ID: goldenReplyID, ChannelID: goldenChannelID, GuildID: goldenGuildID, AuthorID: goldenOtherID,
		Content:  "<@1100000000000000010> <@&1100000000000000003> look & see @everyone",
		EditedAt: &edited, TTS: true, MentionEveryone: true,
		Mentions: []chat.ID{goldenUserID}, MentionRoles: []chat.ID{goldenRoleID},
		Nonce: "n-1", Type: chat.MessageReply, Flags: protocol.MessageFlagSuppressEmbeds,
		Reference: &chat.MessageReference{MessageID: goldenMessageID, ChannelID: goldenChannelID, GuildID: goldenGuildID},
		Embeds:    goldenEmbeds(),
	}
	out := protocol.MessageObject(m, goldenFull, []chat.User{goldenUser})
	partial := protocol.MemberObject(goldenMember(), nil)
	out.GuildID, out.Member = goldenGuildID, &partial
	mention := protocol.MemberObject(chat.Member{GuildID: goldenGuildID, UserID: goldenUserID, JoinedAt: goldenTime}, nil)
	out.Mentions[0].Member = &mention
	ref := protocol.MessageObject(chat.Message{ID: goldenMessageID, ChannelID: goldenChannelID, AuthorID: goldenUserID, Content: "hi"}, goldenUser, nil)
	out.ReferencedMessage = &ref
	return out
}

func goldenPresence() protocol.Presence {
	return protocol.PresenceObject(goldenGuildID, goldenOtherID, protocol.StatusIdle,
		json.RawMessage(`[{"name":"Chess","type":0}]`))
}

func goldenInvite(withCounts bool) protocol.Invite {
	icon, desc, expires := "0123456789abcdef", "a guild", protocol.Timestamp(goldenTime.Add(24*time.Hour))
	inviter := protocol.UserObject(goldenUser)
	inv := protocol.Invite{
		Code:    "AbCd1234",
		Guild:   &protocol.InviteGuild{ID: goldenGuildID, Name: "Golden", Icon: &icon, Description: &desc, Features: []string{}},
		GuildID: goldenGuildID,
		Channel: protocol.InviteChannel{ID: goldenChannelID, Name: "general", Type: chat.ChannelText},
		Inviter: &inviter, Uses: 2, MaxUses: 10, MaxAge: 86400,
		CreatedAt: protocol.Timestamp(goldenTime), ExpiresAt: &expires,
	}
	if withCounts {
		members, online := 3, 1
		inv.ApproximateMemberCount, inv.ApproximatePresenceCount = &members, &online
	}
	return inv
}

// goldenRawUser is READY's user as the gateway encodes it today: the user
// object plus the fields only the current user has.
func goldenRawUser(t *testing.T) json.RawMessage {
	b, err := protocol.Marshal(protocol.ReadyUser{User: protocol.UserObject(goldenUser), Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goldenObjects returns every pinned object by golden file name.
func goldenObjects(t *testing.T) []struct {
	name string
	v    any
} {
	roles := goldenRoles()
	text := goldenTextChannel()
	category := chat.Channel{ID: goldenCategory, GuildID: goldenGuildID, Type: chat.ChannelCategory, Name: "Text"}
	voice := chat.Channel{ID: goldenCategory + 10, GuildID: goldenGuildID, Type: chat.ChannelVoice, Name: "Voice", Position: 2}
	overwritten := text
	overwritten.Overwrites = goldenOverwrites
	memberWithGuild := protocol.MemberObject(goldenMember(), &goldenFull)
	memberWithGuild.GuildID = goldenGuildID
	plainMessage := protocol.MessageObject(chat.Message{ID: goldenMessageID, ChannelID: goldenChannelID, AuthorID: goldenUserID, Content: "hello"}, goldenUser, nil)
	guildCreate := protocol.GuildCreate{
		Guild: protocol.GuildObject(goldenGuild(), roles), JoinedAt: protocol.Timestamp(goldenTime),
		Large: false, MemberCount: 2, VoiceStates: []struct{}{},
		Members: []protocol.Member{protocol.MemberObject(chat.Member{GuildID: goldenGuildID, UserID: goldenUserID, JoinedAt: goldenTime}, &goldenUser),
			protocol.MemberObject(goldenMember(), &goldenFull)},
		Channels:  []protocol.Channel{protocol.ChannelObject(category), protocol.ChannelObject(overwritten)},
		Threads:   []protocol.Channel{},
		Presences: []protocol.Presence{goldenPresence()}, StageInstances: []struct{}{},
		GuildScheduledEvents: []struct{}{}, SoundboardSounds: []struct{}{},
	}
	member, _ := protocol.Marshal(protocol.MemberObject(goldenMember(), &goldenFull))
	app := chat.Application{ID: goldenAppID, Name: "Helper", OwnerID: goldenUserID, BotID: goldenBotID,
		Flags: chat.AppFlagGatewayPresenceLimited | chat.AppFlagGatewayGuildMembersLimited | chat.AppFlagGatewayMessageContentLimited}

	return append([]struct {
		name string
		v    any
	}{
		{"user", protocol.UserObject(goldenUser)},
		{"user_full", protocol.UserObject(goldenFull)},
		{"user_bot", protocol.UserObject(goldenBot)},
		{"member", protocol.MemberObject(goldenMember(), &goldenFull)},
		{"member_without_user", protocol.MemberObject(chat.Member{GuildID: goldenGuildID, UserID: goldenUserID, JoinedAt: goldenTime}, nil)},
		{"member_with_guild_id", memberWithGuild},
		{"member_timed_out", func() protocol.Member {
			m := goldenMember()
			until := goldenTime.Add(time.Hour)
			m.CommunicationDisabledUntil = &until
			return protocol.MemberObject(m, &goldenFull)
		}()},
		{"role", protocol.RoleObject(roles[1])},
		{"role_everyone", protocol.RoleObject(roles[0])},
		{"channel_text", protocol.ChannelObject(text)},
		{"channel_category", protocol.ChannelObject(category)},
		{"channel_voice", protocol.ChannelObject(voice)},
		{"channel_overwrites", protocol.ChannelObject(overwritten)},
		{"overwrite", goldenOverwrites[1]},
		{"message", plainMessage},
		{"message_full", goldenFullMessage()},
		{"message_attachments", protocol.MessageObject(chat.Message{ID: goldenMessageID, ChannelID: goldenChannelID,
			AuthorID: goldenUserID, Attachments: []chat.Attachment{
				{ID: goldenReplyID + 1, Filename: "SPOILER_cat.png", Description: "a <cat>", ContentType: "image/png",
					Size: 4096, Width: 640, Height: 480, Flags: chat.AttachmentIsSpoiler},
				{ID: goldenReplyID + 2, Filename: "data.bin", ContentType: "application/octet-stream", Size: 3},
			}}, goldenUser, nil)},
		// Message.Embeds is typed any, so the embeds are also pinned on
		// their own (and the coverage test below can see their type).
		{"embeds", protocol.EmbedObjects(goldenEmbeds())},
		{"guild", protocol.GuildObject(goldenGuild(), roles)},
		{"guild_preview", protocol.GuildPreviewObject(goldenGuild(), 12, 5)},
		{"partial_guild", protocol.PartialGuildObject(goldenGuild(), goldenUserID, protocol.PermAdministrator)},
		{"hello", protocol.Hello{HeartbeatInterval: 41250}},
		{"ready_user", protocol.ReadyUser{User: protocol.UserObject(goldenUser), Verified: true}},
		{"resumed", protocol.Resumed{Trace: []string{"accord"}}},
		{"ready", protocol.Ready{
			V: protocol.GatewayVersion, User: goldenRawUser(t),
			Guilds:    []protocol.UnavailableGuild{{ID: goldenGuildID, Unavailable: true}},
			SessionID: "0123456789abcdef0123456789abcdef", SessionType: "normal",
			ResumeGatewayURL: "ws://127.0.0.1:8080/gateway", Shard: []int{0, 1},
			Application:     &protocol.ReadyApplication{ID: goldenAppID, Flags: app.Flags},
			PrivateChannels: []json.RawMessage{}, Relationships: []json.RawMessage{},
		}},
		{"ready_minimal", protocol.Ready{
			V: protocol.GatewayVersion, User: goldenRawUser(t), Guilds: []protocol.UnavailableGuild{},
			SessionID: "s", SessionType: "normal", ResumeGatewayURL: "ws://h/gateway",
			PrivateChannels: []json.RawMessage{}, Relationships: []json.RawMessage{},
		}},
		{"guild_members_chunk", protocol.GuildMembersChunk{GuildID: goldenGuildID, Members: []json.RawMessage{member},
			ChunkIndex: 0, ChunkCount: 1, NotFound: []chat.ID{goldenBotID}, Nonce: "chunk-1"}},
		{"guild_members_chunk_empty", protocol.GuildMembersChunk{GuildID: goldenGuildID, Members: []json.RawMessage{}, ChunkCount: 1}},
		{"event_guild_delete", protocol.GuildDeleteEvent{ID: goldenGuildID}},
		{"event_guild_role", protocol.GuildRoleEvent{GuildID: goldenGuildID, Role: protocol.RoleObject(roles[1])}},
		{"event_guild_role_delete", protocol.GuildRoleDeleteEvent{GuildID: goldenGuildID, RoleID: goldenRoleID}},
		{"event_guild_member_remove", protocol.GuildMemberRemoveEvent{GuildID: goldenGuildID, User: protocol.UserObject(goldenFull)}},
		{"event_message_delete", protocol.MessageDeleteEvent{ChannelID: goldenChannelID, GuildID: goldenGuildID, ID: goldenMessageID}},
		{"event_message_delete_bulk", protocol.MessageDeleteBulkEvent{ChannelID: goldenChannelID, GuildID: goldenGuildID,
			IDs: []chat.ID{goldenMessageID, goldenReplyID}}},
		{"event_guild_ban", protocol.GuildBanEvent{GuildID: goldenGuildID, User: protocol.UserObject(goldenFull)}},
		{"ban", protocol.BanObject(chat.Ban{GuildID: goldenGuildID, UserID: goldenFull.ID, Reason: "spam"}, goldenFull)},
		{"ban_no_reason", protocol.BanObject(chat.Ban{GuildID: goldenGuildID, UserID: goldenFull.ID}, goldenFull)},
		{"audit_log", func() protocol.AuditLog {
			until := goldenTime.Add(time.Hour)
			e := protocol.AuditEntryObject(chat.AuditEntry{ID: goldenMessageID, GuildID: goldenGuildID, UserID: goldenUserID,
				TargetID: goldenOtherID, ActionType: protocol.AuditMemberUpdate, Reason: "cool down",
				Changes: []chat.AuditChange{{Key: "communication_disabled_until", New: json.RawMessage(`"` + protocol.Timestamp(until) + `"`)}}})
			bulk := protocol.AuditEntryObject(chat.AuditEntry{ID: goldenReplyID, GuildID: goldenGuildID, UserID: goldenUserID,
				TargetID: goldenChannelID, ActionType: protocol.AuditMessageBulkDelete, Options: map[string]string{"count": "2"}})
			return protocol.AuditLog{Entries: []protocol.AuditEntry{e, bulk}, Users: []protocol.User{protocol.UserObject(goldenFull)},
				Integrations: []json.RawMessage{}, Webhooks: []json.RawMessage{}, GuildScheduledEvents: []json.RawMessage{},
				Threads: []json.RawMessage{}, ApplicationCommands: []json.RawMessage{}, AutoModerationRules: []json.RawMessage{}}
		}()},
		{"event_audit_log_entry", func() protocol.AuditEntry {
			e := protocol.AuditEntryObject(chat.AuditEntry{ID: goldenMessageID, GuildID: goldenGuildID, UserID: goldenUserID,
				TargetID: goldenOtherID, ActionType: protocol.AuditMemberBanAdd, Reason: "spam"})
			e.GuildID = goldenGuildID
			return e
		}()},
		{"bulk_ban", protocol.BulkBanResult{BannedUsers: []chat.ID{goldenOtherID}, FailedUsers: []chat.ID{}}},
		{"event_typing_start", protocol.TypingStartEvent{ChannelID: goldenChannelID, GuildID: goldenGuildID,
			Member: protocol.MemberObject(goldenMember(), &goldenFull), Timestamp: goldenTime.Unix(), UserID: goldenOtherID}},
		{"event_passive_update", protocol.PassiveUpdateEvent{GuildID: goldenGuildID,
			Channels: []protocol.PassiveChannel{{ID: goldenChannelID, LastMessageID: goldenMessageID}}}},
		{"guild_create", guildCreate},
		{"presence", goldenPresence()},
		{"presence_invisible", protocol.PresenceObject(goldenGuildID, goldenUserID, protocol.StatusInvisible, nil)},
		{"invite", goldenInvite(false)},
		{"invite_with_counts", goldenInvite(true)},
		{"current_user", protocol.CurrentUserObject(goldenFull)},
		{"user_profile", protocol.UserProfileObject(goldenFull, []protocol.MutualGuild{{ID: goldenGuildID}})},
		{"read_state", protocol.ReadStateList{Version: 7, Entries: []protocol.ReadStateEntry{
			protocol.ReadStateEntryObject(chat.ReadState{ChannelID: goldenChannelID, LastMessageID: goldenMessageID, Version: 7}, 2)}}},
		{"message_ack", protocol.MessageAck{ChannelID: goldenChannelID, MessageID: goldenMessageID, Version: 7}},
		{"ack_token", protocol.AckToken{}},
		{"sessions_replace", []protocol.SessionEntry{protocol.SessionEntryObject("all", protocol.StatusInvisible, nil, "unknown"),
			protocol.SessionEntryObject("abc", protocol.StatusInvisible, json.RawMessage(`[{"name":"x","type":0}]`), "web")}},
		{"application", protocol.ApplicationObject(app, goldenUser, goldenBot)},
		{"api_error", protocol.NewAPIError(404, protocol.CodeUnknownChannel, "Unknown Channel")},
		{"api_error_form", protocol.InvalidForm(
			protocol.FieldError{Path: "content", Code: "BASE_TYPE_MAX_LENGTH", Message: "Must be 2000 or fewer in length."},
			protocol.FieldError{Path: "embeds.0.title", Code: "BASE_TYPE_MAX_LENGTH", Message: "Must be 256 or fewer in length."},
			protocol.FieldError{Path: "embeds.0.title", Code: "BASE_TYPE_REQUIRED", Message: "This field is required"},
			protocol.FieldError{Path: "message_reference.message_id", Code: "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", Message: "Unknown message"},
			protocol.FieldError{Path: "", Code: "BASE_TYPE_BAD <json> & more", Message: "whole body"})},
		{"login", protocol.Login{Token: "MTEwMDAwMDAwMDAwMDAwMDAxMA.abc.def", UserID: goldenUserID}},
		{"bot_token", protocol.BotToken{Token: "MTEwMDAwMDAwMDAwMDAwMDAxMg.abc.def"}},
		{"gateway", protocol.Gateway{URL: "ws://127.0.0.1:8080/gateway"}},
		{"gateway_bot", protocol.GatewayBotObject("ws://127.0.0.1:8080/gateway")},
		{"gateway_rate_limited", protocol.GatewayRateLimited{Opcode: protocol.OpRequestGuildMembers, RetryAfter: 29.5, Meta: protocol.RequestGuildMembersRateMeta{GuildID: goldenGuildID, Nonce: "n<1>"}}},
		{"rate_limited", protocol.RateLimited{Message: "The resource is being rate limited.", RetryAfter: 0.05, Code: protocol.CodeGeneral}},
		{"authorize", protocol.AuthorizeAnswer{Location: "https://discord.com/oauth2/error?error=access_denied"}},
		{"event_soundboard_sounds", protocol.SoundboardSoundsEvent{GuildID: goldenGuildID, Sounds: []struct{}{}}},
		{"event_channel_info", protocol.ChannelInfoEvent{GuildID: goldenGuildID, Channels: []protocol.ChannelInfo{{ID: goldenChannelID}}}},
		{"event_invite_create", goldenInviteCreate()},
		{"event_invite_delete", protocol.InviteDeleteEvent{ChannelID: goldenChannelID, GuildID: goldenGuildID, Code: "abcDEF12"}},
	}, append(append(append(append(goldenReactionObjects(), goldenEmojiObjects()...), goldenMemberListObjects()...), goldenThreadObjects()...),
		goldenInteractionObjects()...)...)
}

func TestGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range goldenObjects(t) {
		seen[c.name+".json"] = true
		t.Run(c.name, func(t *testing.T) {
			got, err := protocol.Marshal(c.v)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", "golden", c.name+".json"), got)
		})
	}
	// A golden file without an object is a pin nobody checks any more.
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s: no object is compared with it", f)
		}
	}
}

// checkGolden compares got plus a final newline with the file at path.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Check(t, path, append(got[:len(got):len(got)], '\n'))
}

// notEncoded are the exported types of the package that never reach a
// client as JSON: what clients send, the encoder's own plumbing and the
// permission algorithm's input.
var notEncoded = map[string]bool{
	"Payload": true, "Identify": true, "Resume": true, "RequestGuildMembers": true,
	"GuildSubscriptions": true, "BulkGuildSubscriptions": true,
	"Dispatch": true, "FieldError": true, "GuildView": true,
	"RequestSoundboardSounds": true, "RequestChannelInfo": true,
}

func goldenInviteCreate() protocol.InviteCreateEvent {
	u := protocol.UserObject(goldenUser)
	exp := protocol.Timestamp(goldenTime.Add(time.Hour))
	return protocol.InviteCreateEvent{ChannelID: goldenChannelID, Code: "abcDEF12", CreatedAt: protocol.Timestamp(goldenTime),
		GuildID: goldenGuildID, Inviter: &u, MaxAge: 3600, MaxUses: 5, ExpiresAt: &exp}
}

// TestGoldenCoversEveryObject keeps the pins complete: every exported struct
// type of the package must be reachable from a golden object, so that a new
// wire object cannot be added without pinning its JSON.
func TestGoldenCoversEveryObject(t *testing.T) {
	covered := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || covered[typ.Name()] {
			return
		}
		if typ.PkgPath() == reflect.TypeOf(protocol.User{}).PkgPath() {
			covered[typ.Name()] = true
		}
		for i := range typ.NumField() {
			walk(typ.Field(i).Type)
		}
	}
	for _, c := range goldenObjects(t) {
		walk(reflect.TypeOf(c.v))
	}
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts := spec.(*ast.TypeSpec)
				if _, isStruct := ts.Type.(*ast.StructType); isStruct && ts.Name.IsExported() &&
					!covered[ts.Name.Name] && !notEncoded[ts.Name.Name] {
					t.Errorf("%s: protocol.%s has no golden file; add one to goldenObjects (or it to notEncoded)", name, ts.Name.Name)
				}
			}
		}
	}
}
