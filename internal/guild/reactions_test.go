package guild

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// wantAPICode fails unless err is a *protocol.APIError with code.
func wantAPICode(t *testing.T, what string, err error, code int) {
	t.Helper()
	var ae *protocol.APIError
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("%s: err = %v, want code %d", what, err, code)
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// reactionEnv is a guild with an owner, a plain member, a member hidden
// from the channel, one denied ADD_REACTIONS, one denied
// READ_MESSAGE_HISTORY, and a session of each (all intents) plus a member
// session without the reactions intent.
type reactionEnv struct {
	*env
	g                                           protocol.Guild
	ch                                          chat.ID
	owner, member, hidden, noAdd, noHistory     chat.ID
	sOwner, sMember, sHidden, sNoIntent, sNoAdd *fakeSession
}

func newReactionEnv(t *testing.T) *reactionEnv {
	e := &reactionEnv{env: newEnv(t, Config{})}
	ctx := context.Background()
	e.owner = e.user("owner", false)
	g, err := e.r.CreateGuild(ctx, e.owner, "reactions")
	must(t, "CreateGuild", err)
	e.g, e.ch = g, *g.SystemChannelID
	e.member, e.hidden, e.noAdd, e.noHistory = e.user("member", false), e.user("hidden", false), e.user("noadd", false), e.user("nohistory", false)
	for _, u := range []chat.ID{e.member, e.hidden, e.noAdd, e.noHistory} {
		_, err := e.r.AddMember(ctx, g.ID, u)
		must(t, "AddMember", err)
	}
	for u, deny := range map[chat.ID]protocol.Permission{
		e.hidden: protocol.PermViewChannel, e.noAdd: protocol.PermAddReactions, e.noHistory: protocol.PermReadMessageHistory,
	} {
		must(t, "PutOverwrite", e.r.PutOverwrite(ctx, e.ch, e.owner, chat.Overwrite{ID: u, Type: chat.OverwriteMember, Deny: deny}))
	}
	e.sOwner, e.sMember = e.session(e.owner, allIntents, false), e.session(e.member, allIntents, false)
	e.sHidden, e.sNoAdd = e.session(e.hidden, allIntents, false), e.session(e.noAdd, allIntents, false)
	e.sNoIntent = e.session(e.member, allIntents&^protocol.IntentGuildMessageReactions, false)
	for _, s := range []*fakeSession{e.sOwner, e.sMember, e.sHidden, e.sNoIntent, e.sNoAdd} {
		must(t, "Connect", e.r.Connect(ctx, g.ID, s, 50))
	}
	return e
}

func (e *reactionEnv) send(t *testing.T, author chat.ID, content string) chat.ID {
	t.Helper()
	b, err := e.r.CreateMessage(context.Background(), e.ch, author, MessageCreate{Content: content})
	must(t, "CreateMessage", err)
	var m struct {
		ID chat.ID `json:"id"`
	}
	must(t, "decode", json.Unmarshal(b, &m))
	return m.ID
}

// reactions returns the reactions on message id as userID reads them.
func (e *reactionEnv) reactions(t *testing.T, id, userID chat.ID) []protocol.Reaction {
	t.Helper()
	m, err := e.r.Message(context.Background(), e.ch, id, userID)
	must(t, "Message", err)
	return m.Reactions
}

var fire = chat.Emoji{Name: "🔥"}

func TestReactionRulesAndEvents(t *testing.T) {
	e := newReactionEnv(t)
	ctx := context.Background()
	msg := e.send(t, e.owner, "react here")

	// Must not do: no VIEW_CHANNEL, no READ_MESSAGE_HISTORY, no
	// ADD_REACTIONS for a new emoji, a custom emoji nobody has, a missing
	// message.
	wantErr(t, "hidden member", e.r.AddReaction(ctx, e.ch, msg, e.hidden, fire), chat.ErrMissingAccess)
	wantErr(t, "no history", e.r.AddReaction(ctx, e.ch, msg, e.noHistory, fire), chat.ErrMissingPerms)
	wantErr(t, "no ADD_REACTIONS, new emoji", e.r.AddReaction(ctx, e.ch, msg, e.noAdd, fire), chat.ErrMissingPerms)
	wantAPICode(t, "custom emoji", e.r.AddReaction(ctx, e.ch, msg, e.member, chat.Emoji{ID: e.ids.Next(), Name: "blob"}),
		protocol.CodeUnknownEmoji)
	wantErr(t, "unknown message", e.r.AddReaction(ctx, e.ch, e.ids.Next(), e.member, fire), chat.ErrUnknownMessage)
	outsider := e.user("outsider", false)
	wantErr(t, "outsider", e.r.AddReaction(ctx, e.ch, msg, outsider, fire), chat.ErrMissingAccess)
	e.sync(e.g.ID)
	if n := len(e.sOwner.named(protocol.EventMessageReactionAdd)); n != 0 {
		t.Fatalf("refused reactions fired %d events", n)
	}
	if got := e.reactions(t, msg, e.owner); len(got) != 0 {
		t.Fatalf("refused reactions stored: %+v", got)
	}

	// The member reacts; reacting again changes nothing.
	must(t, "member reacts", e.r.AddReaction(ctx, e.ch, msg, e.member, fire))
	must(t, "member reacts again", e.r.AddReaction(ctx, e.ch, msg, e.member, fire))
	// Without ADD_REACTIONS one may join an emoji already there.
	must(t, "no ADD_REACTIONS, existing emoji", e.r.AddReaction(ctx, e.ch, msg, e.noAdd, fire))
	e.sync(e.g.ID)
	adds := e.sOwner.named(protocol.EventMessageReactionAdd)
	if len(adds) != 2 {
		t.Fatalf("owner got %d MESSAGE_REACTION_ADD, want 2", len(adds))
	}
	var add struct {
		UserID          chat.ID         `json:"user_id"`
		ChannelID       chat.ID         `json:"channel_id"`
		MessageID       chat.ID         `json:"message_id"`
		GuildID         chat.ID         `json:"guild_id"`
		MessageAuthorID chat.ID         `json:"message_author_id"`
		Member          json.RawMessage `json:"member"`
		Emoji           struct {
			ID   *chat.ID `json:"id"`
			Name string   `json:"name"`
		} `json:"emoji"`
	}
	must(t, "decode add", json.Unmarshal(adds[0].Data, &add))
	if add.UserID != e.member || add.ChannelID != e.ch || add.MessageID != msg || add.GuildID != e.g.ID ||
		add.MessageAuthorID != e.owner || len(add.Member) == 0 || add.Emoji.ID != nil || add.Emoji.Name != "🔥" {
		t.Fatalf("MESSAGE_REACTION_ADD %s", adds[0].Data)
	}
	// Must not see: a member hidden from the channel, a session without
	// the intent.
	for name, s := range map[string]*fakeSession{"hidden": e.sHidden, "no intent": e.sNoIntent} {
		if got := s.named(protocol.EventMessageReactionAdd); len(got) != 0 {
			t.Fatalf("%s session got %d reaction events", name, len(got))
		}
	}
	if len(e.sMember.named(protocol.EventMessageReactionAdd)) != 2 {
		t.Fatal("member session missed reaction events")
	}

	// Reads: count, details, me per reader.
	got := e.reactions(t, msg, e.member)
	if len(got) != 1 || got[0].Count != 2 || got[0].CountDetails.Normal != 2 || !got[0].Me || got[0].Emoji.Name != "🔥" {
		t.Fatalf("member reads %+v", got)
	}
	if got := e.reactions(t, msg, e.owner); len(got) != 1 || got[0].Me {
		t.Fatalf("owner reads %+v", got)
	}
	users, err := e.r.ReactionUsers(ctx, e.ch, msg, e.owner, fire, 0, 25)
	must(t, "ReactionUsers", err)
	if len(users) != 2 {
		t.Fatalf("users %+v", users)
	}
	_, err = e.r.ReactionUsers(ctx, e.ch, msg, e.hidden, fire, 0, 25)
	wantErr(t, "hidden lists users", err, chat.ErrMissingAccess)
	_, err = e.r.ReactionUsers(ctx, e.ch, msg, e.noHistory, fire, 0, 25)
	wantErr(t, "no history lists users", err, chat.ErrMissingPerms)

	// Removing: someone else's needs MANAGE_MESSAGES; one's own does not.
	wantErr(t, "member removes another's", e.r.RemoveReaction(ctx, e.ch, msg, e.member, e.noAdd, fire), chat.ErrMissingPerms)
	wantErr(t, "hidden removes own", e.r.RemoveReaction(ctx, e.ch, msg, e.hidden, e.hidden, fire), chat.ErrMissingAccess)
	must(t, "member removes own", e.r.RemoveReaction(ctx, e.ch, msg, e.member, e.member, fire))
	must(t, "member removes own again", e.r.RemoveReaction(ctx, e.ch, msg, e.member, e.member, fire))
	must(t, "owner removes another's", e.r.RemoveReaction(ctx, e.ch, msg, e.owner, e.noAdd, fire))
	e.sync(e.g.ID)
	if n := len(e.sOwner.named(protocol.EventMessageReactionRemove)); n != 2 {
		t.Fatalf("owner got %d MESSAGE_REACTION_REMOVE, want 2", n)
	}
	if n := len(e.sHidden.named(protocol.EventMessageReactionRemove)); n != 0 {
		t.Fatalf("hidden session got %d removes", n)
	}
	if got := e.reactions(t, msg, e.owner); len(got) != 0 {
		t.Fatalf("reactions left %+v", got)
	}
}

func TestReactionLimitAndClearing(t *testing.T) {
	e := newReactionEnv(t)
	ctx := context.Background()
	msg := e.send(t, e.owner, "many")
	emoji := []string{"😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙", "🥲", "😚", "🙂"}
	for _, name := range emoji {
		must(t, "react "+name, e.r.AddReaction(ctx, e.ch, msg, e.member, chat.Emoji{Name: name}))
	}
	wantAPICode(t, "21st emoji", e.r.AddReaction(ctx, e.ch, msg, e.owner, chat.Emoji{Name: "🤗"}), protocol.CodeMaxReactions)
	// Joining one of the 20 is still fine.
	must(t, "join existing at the limit", e.r.AddReaction(ctx, e.ch, msg, e.owner, chat.Emoji{Name: emoji[3]}))
	got := e.reactions(t, msg, e.owner)
	if len(got) != 20 || got[0].Emoji.Name != emoji[0] || got[3].Count != 2 || !got[3].Me {
		t.Fatalf("reactions %+v", got)
	}

	// Clearing needs MANAGE_MESSAGES.
	wantErr(t, "member clears emoji", e.r.ClearReactions(ctx, e.ch, msg, e.member, &chat.Emoji{Name: emoji[0]}), chat.ErrMissingPerms)
	wantErr(t, "member clears all", e.r.ClearReactions(ctx, e.ch, msg, e.member, nil), chat.ErrMissingPerms)
	wantErr(t, "hidden clears all", e.r.ClearReactions(ctx, e.ch, msg, e.hidden, nil), chat.ErrMissingAccess)
	must(t, "owner clears emoji", e.r.ClearReactions(ctx, e.ch, msg, e.owner, &chat.Emoji{Name: emoji[0]}))
	if got := e.reactions(t, msg, e.owner); len(got) != 19 {
		t.Fatalf("after clearing one emoji: %d left", len(got))
	}
	must(t, "owner clears all", e.r.ClearReactions(ctx, e.ch, msg, e.owner, nil))
	if got := e.reactions(t, msg, e.owner); len(got) != 0 {
		t.Fatalf("after clearing all: %+v", got)
	}
	e.sync(e.g.ID)
	for _, name := range []string{protocol.EventMessageReactionRemoveEmoji, protocol.EventMessageReactionRemoveAll} {
		if n := len(e.sMember.named(name)); n != 1 {
			t.Fatalf("member got %d %s", n, name)
		}
		if n := len(e.sHidden.named(name)) + len(e.sNoIntent.named(name)); n != 0 {
			t.Fatalf("hidden or intent-less sessions got %d %s", n, name)
		}
	}
}

func TestDeletingMessageDeletesReactionsAndPin(t *testing.T) {
	e := newReactionEnv(t)
	ctx := context.Background()
	msg := e.send(t, e.owner, "short-lived")
	must(t, "react", e.r.AddReaction(ctx, e.ch, msg, e.member, fire))
	must(t, "pin", e.r.PinMessage(ctx, e.ch, msg, e.owner))
	must(t, "delete", e.r.DeleteMessage(ctx, e.ch, msg, e.owner))
	rs, err := e.st.Reactions(ctx, e.ch, []chat.ID{msg})
	must(t, "Reactions", err)
	pins, err := e.st.Pins(ctx, e.ch)
	must(t, "Pins", err)
	if len(rs) != 0 || len(pins) != 0 {
		t.Fatalf("left behind: reactions %+v pins %+v", rs, pins)
	}
	// Bulk delete too.
	a, b := e.send(t, e.owner, "a"), e.send(t, e.owner, "b")
	must(t, "react a", e.r.AddReaction(ctx, e.ch, a, e.member, fire))
	must(t, "pin b", e.r.PinMessage(ctx, e.ch, b, e.owner))
	must(t, "bulk delete", e.r.BulkDeleteMessages(ctx, e.ch, e.owner, []chat.ID{a, b}))
	rs, _ = e.st.Reactions(ctx, e.ch, []chat.ID{a, b})
	pins, _ = e.st.Pins(ctx, e.ch)
	if len(rs) != 0 || len(pins) != 0 {
		t.Fatalf("bulk delete left behind: reactions %+v pins %+v", rs, pins)
	}
	// The message is gone: reacting to it is Unknown Message.
	wantErr(t, "react to deleted", e.r.AddReaction(ctx, e.ch, a, e.member, fire), chat.ErrUnknownMessage)
}
