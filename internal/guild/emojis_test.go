package guild

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// emojiCode returns the JSON code of an *protocol.APIError (0 otherwise).
func emojiCode(err error) int {
	var ae *protocol.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

// TestEmojiLifecycle: the actor creates, edits and deletes emoji under
// Discord's permission rules, sends GUILD_EMOJIS_UPDATE with the whole
// list only to sessions with GUILD_EXPRESSIONS, puts the emoji in the
// guild object and restores them when the guild is loaded again.
func TestEmojiLifecycle(t *testing.T) {
	e := newEnv(t, Config{IdleTimeout: 20 * time.Millisecond})
	ctx := context.Background()
	owner, bob, carol, dave := e.user("owner", false), e.user("bob", false), e.user("carol", false), e.user("dave", false)
	g, err := e.r.CreateGuild(ctx, owner, "emoji")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []chat.ID{bob, carol} {
		if _, err := e.r.AddMember(ctx, g.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	creator, err := e.r.CreateRole(ctx, g.ID, owner, RoleEdit{Permissions: ptr(protocol.PermCreateGuildExpressions)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.SetMemberRole(ctx, g.ID, owner, carol, creator.ID, true); err != nil {
		t.Fatal(err)
	}
	with := e.session(bob, protocol.IntentGuildExpressions, false)
	without := e.session(bob, protocol.IntentsAll&^protocol.IntentGuildExpressions, false)
	e.connect(t, g.ID, with, 50)
	e.connect(t, g.ID, without, 50)

	// Must not do: bob lacks CREATE_GUILD_EXPRESSIONS, dave is no member.
	if err := e.r.CheckCreateEmoji(ctx, g.ID, bob, false); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("bob may create: %v", err)
	}
	if _, err := e.r.CreateEmoji(ctx, g.ID, bob, chat.GuildEmoji{ID: e.ids.Next(), Name: "nope", Format: "png"}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("bob created: %v", err)
	}
	if _, err := e.r.Emojis(ctx, g.ID, dave); !errors.Is(err, chat.ErrUnknownGuild) {
		t.Fatalf("non-member lists: %v", err)
	}
	if _, err := e.r.CreateEmoji(ctx, g.ID, carol, chat.GuildEmoji{ID: e.ids.Next(), Name: "x", Roles: []chat.ID{12345}, Format: "png"}); emojiCode(err) != protocol.CodeInvalidFormBody {
		t.Fatalf("unknown role in roles: %v", err)
	}
	e.sync(g.ID)
	if n := len(with.named(protocol.EventGuildEmojisUpdate)); n != 0 {
		t.Fatalf("refused creates fired %d events", n)
	}

	mine, err := e.r.CreateEmoji(ctx, g.ID, carol, chat.GuildEmoji{ID: e.ids.Next(), Name: "carols", Format: "png"})
	if err != nil || mine.User == nil || mine.User.ID != carol || !mine.Available || !mine.RequireColons {
		t.Fatalf("carol's create: %+v %v", mine, err)
	}
	theirs, err := e.r.CreateEmoji(ctx, g.ID, owner, chat.GuildEmoji{ID: e.ids.Next(), Name: "party", Animated: true, Format: "gif",
		Roles: []chat.ID{creator.ID}})
	if err != nil || !theirs.Animated || len(theirs.Roles) != 1 {
		t.Fatalf("owner's create: %+v %v", theirs, err)
	}
	// Carol edits her own emoji, not the owner's.
	if _, err := e.r.EditEmoji(ctx, g.ID, carol, theirs.ID, EmojiEdit{Name: ptr("mine_now")}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("carol edited the owner's: %v", err)
	}
	if _, err := e.r.DeleteEmoji(ctx, g.ID, carol, theirs.ID); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("carol deleted the owner's: %v", err)
	}
	if _, err := e.r.EditEmoji(ctx, g.ID, carol, 424242, EmojiEdit{}); emojiCode(err) != protocol.CodeUnknownEmoji {
		t.Fatalf("edit unknown: %v", err)
	}
	renamed, err := e.r.EditEmoji(ctx, g.ID, carol, mine.ID, EmojiEdit{Name: ptr("carol2")})
	if err != nil || renamed.Name != "carol2" {
		t.Fatalf("carol's rename: %+v %v", renamed, err)
	}
	// Who sees the creator: the list shows it to CREATE holders, one emoji
	// to its creator (with CREATE) and MANAGE holders.
	list, _ := e.r.Emojis(ctx, g.ID, bob)
	if len(list) != 2 || list[0].User != nil || list[1].User != nil {
		t.Fatalf("bob's list %+v", list)
	}
	list, _ = e.r.Emojis(ctx, g.ID, carol)
	if len(list) != 2 || list[0].User == nil {
		t.Fatalf("carol's list %+v", list)
	}
	if one, _ := e.r.Emoji(ctx, g.ID, carol, theirs.ID); one.User != nil {
		t.Fatalf("carol sees the owner's emoji's creator: %+v", one)
	}
	if one, _ := e.r.Emoji(ctx, g.ID, owner, mine.ID); one.User == nil || one.User.ID != carol {
		t.Fatalf("owner sees %+v", one)
	}

	e.sync(g.ID)
	ups := with.named(protocol.EventGuildEmojisUpdate)
	if len(ups) != 3 {
		t.Fatalf("GUILD_EMOJIS_UPDATE events: %d, want 3", len(ups))
	}
	var last protocol.GuildEmojisUpdateEvent
	if err := json.Unmarshal(ups[2].Data, &last); err != nil {
		t.Fatal(err)
	}
	if last.GuildID != g.ID || len(last.Emojis) != 2 || last.Emojis[0].Name != "carol2" || last.Emojis[0].User != nil {
		t.Fatalf("last update %s", ups[2].Data)
	}
	if n := len(without.named(protocol.EventGuildEmojisUpdate)); n != 0 {
		t.Fatalf("a session without GUILD_EXPRESSIONS got %d updates", n)
	}

	// The guild object carries them; an idle actor reloads them.
	e.r.Disconnect(g.ID, with.ID())
	e.r.Disconnect(g.ID, without.ID())
	running := func() bool {
		e.r.mu.RLock()
		defer e.r.mu.RUnlock()
		return e.r.actors[g.ID] != nil
	}
	waitFor(t, "idle actor to stop", func() bool { return !running() })
	got, err := e.r.Guild(ctx, g.ID, bob, false)
	if err != nil || len(got.Emojis) != 2 || got.Emojis[0].ID != mine.ID || got.Emojis[0].Name != "carol2" ||
		got.Emojis[1].ID != theirs.ID || !got.Emojis[1].Animated || len(got.Emojis[1].Roles) != 1 {
		t.Fatalf("reloaded guild emojis %+v %v", got.Emojis, err)
	}

	gone, err := e.r.DeleteEmoji(ctx, g.ID, owner, mine.ID)
	if err != nil || gone.ID != mine.ID || gone.Format != "png" {
		t.Fatalf("owner deletes carol's: %+v %v", gone, err)
	}
	if _, err := e.r.Emoji(ctx, g.ID, owner, mine.ID); emojiCode(err) != protocol.CodeUnknownEmoji {
		t.Fatalf("deleted emoji: %v", err)
	}
	stored, _ := e.st.GuildEmojis(ctx, g.ID)
	if len(stored) != 1 || stored[0].ID != theirs.ID {
		t.Fatalf("stored after delete: %+v", stored)
	}
	// Deleting the guild deletes its emoji rows.
	if err := e.r.DeleteGuild(ctx, g.ID, owner); err != nil {
		t.Fatal(err)
	}
	if stored, _ := e.st.GuildEmojis(ctx, g.ID); len(stored) != 0 {
		t.Fatalf("emoji of a deleted guild: %+v", stored)
	}
}

func ptr[T any](v T) *T { return &v }

// TestEmojiLimits: 50 static and 50 animated emoji, counted apart.
func TestEmojiLimits(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	owner := e.user("owner", false)
	g, _ := e.r.CreateGuild(ctx, owner, "full")
	for i := range protocol.MaxGuildEmojis {
		if _, err := e.r.CreateEmoji(ctx, g.ID, owner, chat.GuildEmoji{ID: e.ids.Next(), Name: "e" + string(rune('a'+i%26)), Format: "png"}); err != nil {
			t.Fatalf("emoji %d: %v", i, err)
		}
	}
	_, err := e.r.CreateEmoji(ctx, g.ID, owner, chat.GuildEmoji{ID: e.ids.Next(), Name: "one_more", Format: "png"})
	if emojiCode(err) != protocol.CodeMaxEmojis || err.Error() == "" {
		t.Fatalf("51st static: %v", err)
	}
	var ae *protocol.APIError
	if errors.As(err, &ae); ae.Message != "Maximum number of emojis reached (50)" {
		t.Fatalf("message %q", ae.Message)
	}
	if err := e.r.CheckCreateEmoji(ctx, g.ID, owner, false); emojiCode(err) != protocol.CodeMaxEmojis {
		t.Fatalf("check: %v", err)
	}
	if _, err := e.r.CreateEmoji(ctx, g.ID, owner, chat.GuildEmoji{ID: e.ids.Next(), Name: "moving", Animated: true, Format: "gif"}); err != nil {
		t.Fatalf("an animated one beside 50 static: %v", err)
	}
}

// TestReactWithGuildEmoji: the guild's custom emoji is known to
// AddReaction and stored (and announced) with its own name whatever name
// the client sent; another guild's emoji, or a deleted one, is 10014.
func TestReactWithGuildEmoji(t *testing.T) {
	e := newReactionEnv(t)
	ctx := context.Background()
	msg := e.send(t, e.owner, "react here")
	blob, err := e.r.CreateEmoji(ctx, e.g.ID, e.owner, chat.GuildEmoji{ID: e.ids.Next(), Name: "blob", Animated: true, Format: "gif"})
	must(t, "CreateEmoji", err)
	other, err := e.r.CreateGuild(ctx, e.member, "other")
	must(t, "CreateGuild", err)
	theirs, err := e.r.CreateEmoji(ctx, other.ID, e.member, chat.GuildEmoji{ID: e.ids.Next(), Name: "theirs", Format: "png"})
	must(t, "CreateEmoji other", err)

	must(t, "AddReaction", e.r.AddReaction(ctx, e.ch, msg, e.member, chat.Emoji{ID: blob.ID, Name: "wrong"}))
	wantAPICode(t, "another guild's emoji", e.r.AddReaction(ctx, e.ch, msg, e.member, chat.Emoji{ID: theirs.ID, Name: "theirs"}),
		protocol.CodeUnknownEmoji)
	rs, err := e.st.Reactions(ctx, e.ch, []chat.ID{msg})
	must(t, "Reactions", err)
	if len(rs) != 1 || rs[0].Emoji != (chat.Emoji{ID: blob.ID, Name: "blob", Animated: true}) {
		t.Fatalf("stored reactions %+v", rs)
	}
	e.sync(e.g.ID)
	adds := e.sOwner.named(protocol.EventMessageReactionAdd)
	var add protocol.MessageReactionAddEvent
	if len(adds) != 1 || json.Unmarshal(adds[0].Data, &add) != nil || add.Emoji.ID == nil || *add.Emoji.ID != blob.ID ||
		add.Emoji.Name != "blob" || !add.Emoji.Animated {
		t.Fatalf("MESSAGE_REACTION_ADD %d %+v", len(adds), add)
	}
	_, err = e.r.DeleteEmoji(ctx, e.g.ID, e.owner, blob.ID)
	must(t, "DeleteEmoji", err)
	wantAPICode(t, "deleted emoji", e.r.AddReaction(ctx, e.ch, msg, e.owner, chat.Emoji{ID: blob.ID, Name: "blob"}), protocol.CodeUnknownEmoji)
}

// An emoji whose roles limit it is for members with one of them (and the
// owner): to anyone else it does not exist (10014), as Discord's picker
// hides it.
func TestReactWithRoleLimitedEmoji(t *testing.T) {
	e := newReactionEnv(t)
	ctx := context.Background()
	msg := e.send(t, e.owner, "react here")
	name := "vip"
	vip, err := e.r.CreateRole(ctx, e.g.ID, e.owner, RoleEdit{Name: &name})
	must(t, "CreateRole", err)
	gold, err := e.r.CreateEmoji(ctx, e.g.ID, e.owner, chat.GuildEmoji{ID: e.ids.Next(), Name: "gold", Roles: []chat.ID{vip.ID}, Format: "png"})
	must(t, "CreateEmoji", err)
	open, err := e.r.CreateEmoji(ctx, e.g.ID, e.owner, chat.GuildEmoji{ID: e.ids.Next(), Name: "open", Roles: []chat.ID{e.g.ID}, Format: "png"})
	must(t, "CreateEmoji @everyone", err)

	wantAPICode(t, "a member without the role", e.r.AddReaction(ctx, e.ch, msg, e.member, chat.Emoji{ID: gold.ID, Name: "gold"}), protocol.CodeUnknownEmoji)
	must(t, "an @everyone emoji", e.r.AddReaction(ctx, e.ch, msg, e.member, chat.Emoji{ID: open.ID, Name: "open"}))
	must(t, "the owner", e.r.AddReaction(ctx, e.ch, msg, e.owner, chat.Emoji{ID: gold.ID, Name: "gold"}))
	// Now the emoji is on the message: still not the member's to use.
	wantAPICode(t, "an existing reaction, without the role", e.r.AddReaction(ctx, e.ch, msg, e.member, chat.Emoji{ID: gold.ID, Name: "gold"}), protocol.CodeUnknownEmoji)
	must(t, "SetMemberRole", e.r.SetMemberRole(ctx, e.g.ID, e.owner, e.member, vip.ID, true))
	must(t, "with the role", e.r.AddReaction(ctx, e.ch, msg, e.member, chat.Emoji{ID: gold.ID, Name: "gold"}))
	rs, err := e.st.Reactions(ctx, e.ch, []chat.ID{msg})
	must(t, "Reactions", err)
	if len(rs) != 3 {
		t.Fatalf("stored reactions %+v", rs)
	}
}
