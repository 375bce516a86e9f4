package api_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

type privateChannel struct {
	ID         chat.ID  `json:"id"`
	Type       int      `json:"type"`
	OwnerID    *chat.ID `json:"owner_id"`
	Name       *string  `json:"name"`
	Recipients []struct {
		ID chat.ID `json:"id"`
	} `json:"recipients"`
}

type relationship struct {
	ID   chat.ID `json:"id"`
	Type int     `json:"type"`
	User struct {
		ID       chat.ID `json:"id"`
		Username string  `json:"username"`
	} `json:"user"`
	Since string `json:"since"`
}

func relationships(t *testing.T, c *accordtest.Client) []relationship {
	t.Helper()
	var rs []relationship
	c.Must(t, 200, "GET", "/users/@me/relationships", nil, &rs)
	return rs
}

func befriend(t *testing.T, a, b *accordtest.Client) {
	t.Helper()
	a.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", b.UserID), map[string]any{}, nil)
	b.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", a.UserID), map[string]any{"type": 1}, nil)
}

func TestRelationshipRoutes(t *testing.T) {
	s := run(t)
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")

	alice.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", bob.UserID), nil, nil)
	if rs := relationships(t, alice); len(rs) != 1 || rs[0].ID != bob.UserID || rs[0].Type != chat.RelationshipOutgoing ||
		rs[0].User.Username != bob.Username || rs[0].Since == "" {
		t.Fatalf("alice after request: %+v", rs)
	}
	if rs := relationships(t, bob); len(rs) != 1 || rs[0].ID != alice.UserID || rs[0].Type != chat.RelationshipIncoming {
		t.Fatalf("bob after request: %+v", rs)
	}
	// Declining (DELETE by the receiver) clears both sides.
	bob.Must(t, 204, "DELETE", fmt.Sprintf("/users/@me/relationships/%d", alice.UserID), nil, nil)
	if len(relationships(t, alice)) != 0 || len(relationships(t, bob)) != 0 {
		t.Fatal("declined request left rows")
	}
	// By username, then accepted.
	alice.Must(t, 204, "POST", "/users/@me/relationships", map[string]string{"username": bob.Username}, nil)
	bob.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", alice.UserID), map[string]int{"type": 1}, nil)
	for _, c := range []*accordtest.Client{alice, bob} {
		if rs := relationships(t, c); len(rs) != 1 || rs[0].Type != chat.RelationshipFriend {
			t.Fatalf("after accept: %+v", rs)
		}
	}

	// Must not do: unknown username, unknown user, bad type, oneself.
	wantCode(t, alice.Fail(t, "POST", "/users/@me/relationships", map[string]string{"username": "nobody-at-all"}), 400, 80004)
	wantCode(t, alice.Fail(t, "PUT", fmt.Sprintf("/users/@me/relationships/%d", bob.UserID+1), nil), 404, protocol.CodeUnknownUser)
	wantCode(t, alice.Fail(t, "PUT", fmt.Sprintf("/users/@me/relationships/%d", bob.UserID), map[string]int{"type": 3}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, alice.Fail(t, "PUT", fmt.Sprintf("/users/@me/relationships/%d", alice.UserID), nil), 400, 80000)

	// A block ends the friendship on both sides; the blocked one sees
	// nothing of it and cannot send a request.
	bob.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", alice.UserID), map[string]int{"type": 2}, nil)
	if rs := relationships(t, bob); len(rs) != 1 || rs[0].Type != chat.RelationshipBlocked {
		t.Fatalf("blocker: %+v", rs)
	}
	if rs := relationships(t, alice); len(rs) != 0 {
		t.Fatalf("blocked user sees %+v", rs)
	}
	wantCode(t, alice.Fail(t, "PUT", fmt.Sprintf("/users/@me/relationships/%d", bob.UserID), nil), 400, 80000)
	wantCode(t, alice.Fail(t, "POST", "/users/@me/relationships", map[string]string{"username": bob.Username}), 400, 80000)
	// The blocker must unblock before befriending.
	wantCode(t, bob.Fail(t, "PUT", fmt.Sprintf("/users/@me/relationships/%d", alice.UserID), nil), 400, 80000)
	bob.Must(t, 204, "DELETE", fmt.Sprintf("/users/@me/relationships/%d", alice.UserID), nil, nil)
	if len(relationships(t, bob)) != 0 {
		t.Fatal("unblock left a row")
	}
}

func TestDMRoutes(t *testing.T) {
	s := run(t)
	alice, bob, carol := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol")
	_, general := alice.CreateGuild(t, "dms")
	bob.Join(t, alice, general)

	var dm privateChannel
	alice.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipient_id": bob.UserID}, &dm)
	m := alice.Send(t, dm.ID, "hello")
	if m.GuildID != 0 || m.ChannelID != dm.ID {
		t.Fatalf("DM message %+v", m)
	}
	var history []accordtest.Message
	bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", dm.ID), nil, &history)
	if len(history) != 1 || history[0].ID != m.ID {
		t.Fatalf("bob's history %+v", history)
	}
	var got privateChannel
	bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d", dm.ID), nil, &got)
	if got.ID != dm.ID || got.Type != chat.ChannelDM || len(got.Recipients) != 1 || got.Recipients[0].ID != alice.UserID {
		t.Fatalf("GET DM %+v", got)
	}

	// Must not do, in a DM: edit or delete the other's message, bulk
	// delete, edit the channel; a stranger cannot read, react or write.
	wantCode(t, bob.Fail(t, "PATCH", fmt.Sprintf("/channels/%d/messages/%d", dm.ID, m.ID), map[string]string{"content": "mine"}), 403, protocol.CodeCannotEditOthers)
	wantCode(t, bob.Fail(t, "DELETE", fmt.Sprintf("/channels/%d/messages/%d", dm.ID, m.ID), nil), 403, 50003)
	wantCode(t, alice.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages/bulk-delete", dm.ID), map[string]any{"messages": []chat.ID{m.ID, m.ID + 1}}), 403, 50003)
	wantCode(t, alice.Fail(t, "PATCH", fmt.Sprintf("/channels/%d", dm.ID), map[string]string{"name": "x"}), 403, 50003)
	wantCode(t, carol.Fail(t, "GET", fmt.Sprintf("/channels/%d/messages/%d", dm.ID, m.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, carol.Fail(t, "PUT", fmt.Sprintf("/channels/%d/messages/%d/reactions/%%F0%%9F%%91%%8D/@me", dm.ID, m.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, carol.Fail(t, "POST", "/users/@me/channels", map[string]any{"recipient_id": bob.UserID}), 403, 50007)
	wantCode(t, alice.Fail(t, "POST", "/users/@me/channels", map[string]any{"recipient_id": alice.UserID}), 403, 50007)
	wantCode(t, alice.Fail(t, "POST", "/users/@me/channels", map[string]any{"recipient_id": carol.UserID + 999}), 404, protocol.CodeUnknownUser)
	wantCode(t, alice.Fail(t, "GET", "/channels/1234/messages", nil), 404, protocol.CodeUnknownChannel)

	// Closing hides the DM from the list until the next message.
	alice.Must(t, 200, "DELETE", fmt.Sprintf("/channels/%d", dm.ID), nil, nil)
	var list []privateChannel
	alice.Must(t, 200, "GET", "/users/@me/channels", nil, &list)
	if len(list) != 0 {
		t.Fatalf("closed DM still listed: %+v", list)
	}
	bob.Send(t, dm.ID, "back")
	alice.Must(t, 200, "GET", "/users/@me/channels", nil, &list)
	if len(list) != 1 || list[0].ID != dm.ID {
		t.Fatalf("DM not back after a message: %+v", list)
	}

	// Blocked: 50007 both ways, for opening and for sending.
	alice.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", bob.UserID), map[string]int{"type": 2}, nil)
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", dm.ID), map[string]string{"content": "hi"}), 403, 50007)
	wantCode(t, alice.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", dm.ID), map[string]string{"content": "hi"}), 403, 50007)
	dave := s.Register(t, "dave")
	dave.Join(t, alice, general)
	dave.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", alice.UserID), map[string]int{"type": 2}, nil)
	wantCode(t, alice.Fail(t, "POST", "/users/@me/channels", map[string]any{"recipient_id": dave.UserID}), 403, 50007)
	wantCode(t, dave.Fail(t, "POST", "/users/@me/channels", map[string]any{"recipient_id": alice.UserID}), 403, 50007)
}

func TestGroupDMRoutes(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	var friends []*accordtest.Client
	for range 10 {
		f := s.Register(t, "friend")
		befriend(t, owner, f)
		friends = append(friends, f)
	}
	stranger := s.Register(t, "stranger")

	// Too many: 11 people.
	ids := func(cs []*accordtest.Client) []chat.ID {
		out := make([]chat.ID, len(cs))
		for i, c := range cs {
			out[i] = c.UserID
		}
		return out
	}
	wantCode(t, owner.Fail(t, "POST", "/users/@me/channels", map[string]any{"recipients": ids(friends)}), 400, 30004)
	// Not friends: refused.
	wantCode(t, owner.Fail(t, "POST", "/users/@me/channels", map[string]any{"recipients": []chat.ID{friends[0].UserID, stranger.UserID}}), 403, 50007)

	var g privateChannel
	owner.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipients": ids(friends[:8])}, &g)
	if g.Type != chat.ChannelGroupDM || g.OwnerID == nil || *g.OwnerID != owner.UserID || len(g.Recipients) != 8 {
		t.Fatalf("group %+v", g)
	}
	friends[0].Send(t, g.ID, "hi all")
	path := func(u *accordtest.Client) string { return fmt.Sprintf("/channels/%d/recipients/%d", g.ID, u.UserID) }
	owner.Must(t, 204, "PUT", path(friends[8]), nil, nil)
	// The 11th person does not fit; a stranger cannot be added; a
	// non-recipient adds nobody.
	wantCode(t, owner.Fail(t, "PUT", path(friends[9]), nil), 400, 30004)
	owner.Must(t, 204, "DELETE", path(friends[8]), nil, nil)
	wantCode(t, owner.Fail(t, "PUT", path(stranger), nil), 403, 50007)
	wantCode(t, stranger.Fail(t, "PUT", path(stranger), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, stranger.Fail(t, "GET", fmt.Sprintf("/channels/%d/messages", g.ID), nil), 403, protocol.CodeMissingAccess)
	// Only the owner removes others.
	wantCode(t, friends[1].Fail(t, "DELETE", path(friends[2]), nil), 403, protocol.CodeMissingPermissions)

	var named privateChannel
	friends[1].Must(t, 200, "PATCH", fmt.Sprintf("/channels/%d", g.ID), map[string]string{"name": "trip"}, &named)
	if named.Name == nil || *named.Name != "trip" {
		t.Fatalf("renamed %+v", named)
	}
	// The owner leaves: the group passes to another recipient, who may
	// now remove people; the one who left reads nothing more.
	owner.Must(t, 200, "DELETE", fmt.Sprintf("/channels/%d", g.ID), nil, nil)
	wantCode(t, owner.Fail(t, "GET", fmt.Sprintf("/channels/%d/messages", g.ID), nil), 403, protocol.CodeMissingAccess)
	var after privateChannel
	friends[0].Must(t, 200, "GET", fmt.Sprintf("/channels/%d", g.ID), nil, &after)
	if after.OwnerID == nil || *after.OwnerID == owner.UserID || len(after.Recipients) != 7 {
		t.Fatalf("after the owner left %+v", after)
	}
}

func TestDMAttachments(t *testing.T) {
	s := runFiles(t, server.BlobConfig{})
	alice, bob, carol := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol")
	_, general := alice.CreateGuild(t, "files")
	bob.Join(t, alice, general)
	var dm privateChannel
	alice.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipient_id": bob.UserID}, &dm)
	img := realPNG(t, 16, 8)
	path := fmt.Sprintf("/channels/%d/messages", dm.ID)
	m := upload(t, alice, "POST", path, map[string]any{"content": "look"}, file{"pic.png", img})
	if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "image/png" {
		t.Fatalf("DM upload %+v", m)
	}
	resp, got := fetch(t, s, m.Attachments[0].URL)
	if resp.StatusCode != 200 || !bytes.Equal(got, img) {
		t.Fatalf("CDN: %d, %d bytes", resp.StatusCode, len(got))
	}
	var read accordtest.Message
	bob.Must(t, 200, "GET", fmt.Sprintf("%s/%d", path, m.ID), nil, &read)
	if read.Content != "look" {
		t.Fatalf("bob read %+v", read)
	}
	// Must not do: a stranger uploads into the DM.
	wantCode(t, uploadFail(t, carol, "POST", path, map[string]any{"content": "me too"}, file{"pic.png", img}), 403, protocol.CodeMissingAccess)
}

// TestDMPins: either recipient pins and unpins in a DM (no permissions
// there); the pin lists and the pinned flag follow; a stranger can neither
// pin nor list; a block stops pinning; a deleted message leaves the list.
func TestDMPins(t *testing.T) {
	s := run(t)
	alice, bob, carol := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol")
	_, general := alice.CreateGuild(t, "pins")
	bob.Join(t, alice, general)

	var dm privateChannel
	alice.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipient_id": bob.UserID}, &dm)
	m := alice.Send(t, dm.ID, "keep this")
	other := alice.Send(t, dm.ID, "and this")
	bob.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/messages/pins/%d", dm.ID, m.ID), nil, nil)
	alice.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/pins/%d", dm.ID, other.ID), nil, nil)

	var pins struct {
		Items []struct {
			PinnedAt string             `json:"pinned_at"`
			Message  accordtest.Message `json:"message"`
		} `json:"items"`
		HasMore bool `json:"has_more"`
	}
	alice.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/pins", dm.ID), nil, &pins)
	if len(pins.Items) != 2 || pins.Items[0].Message.ID != other.ID || pins.Items[1].Message.ID != m.ID || pins.HasMore {
		t.Fatalf("pins %+v", pins)
	}
	var legacy []accordtest.Message
	bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/pins", dm.ID), nil, &legacy)
	if len(legacy) != 2 || legacy[1].ID != m.ID || legacy[1].Content != "keep this" {
		t.Fatalf("legacy pins %+v", legacy)
	}
	var history []struct {
		ID     chat.ID `json:"id"`
		Type   int     `json:"type"`
		Pinned bool    `json:"pinned"`
	}
	bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", dm.ID), nil, &history)
	if len(history) != 4 || history[0].Type != chat.MessageChannelPinned || history[1].Type != chat.MessageChannelPinned ||
		!history[2].Pinned || !history[3].Pinned {
		t.Fatalf("history %+v", history)
	}

	// Must not: a stranger pins, unpins or lists.
	wantCode(t, carol.Fail(t, "PUT", fmt.Sprintf("/channels/%d/pins/%d", dm.ID, m.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, carol.Fail(t, "DELETE", fmt.Sprintf("/channels/%d/pins/%d", dm.ID, m.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, carol.Fail(t, "GET", fmt.Sprintf("/channels/%d/messages/pins", dm.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, carol.Fail(t, "GET", fmt.Sprintf("/channels/%d/pins", dm.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, bob.Fail(t, "PUT", fmt.Sprintf("/channels/%d/pins/%d", dm.ID, m.ID+1000), nil), 404, protocol.CodeUnknownMessage)

	// A deleted message leaves the list; unpinning empties it.
	alice.Must(t, 204, "DELETE", fmt.Sprintf("/channels/%d/messages/%d", dm.ID, other.ID), nil, nil)
	bob.Must(t, 204, "DELETE", fmt.Sprintf("/channels/%d/pins/%d", dm.ID, m.ID), nil, nil)
	alice.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/pins", dm.ID), nil, &pins)
	if len(pins.Items) != 0 {
		t.Fatalf("pins after delete and unpin %+v", pins)
	}

	// Blocked: no pinning either way.
	alice.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", bob.UserID), map[string]int{"type": 2}, nil)
	wantCode(t, bob.Fail(t, "PUT", fmt.Sprintf("/channels/%d/pins/%d", dm.ID, m.ID), nil), 403, 50007)
}

// TestBotReadsDMContent: MESSAGE_CONTENT does not cover DMs, so a bot
// without it reads its DMs' content over REST, and not its guild
// channels'.
func TestBotReadsDMContent(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	g, general := alice.CreateGuild(t, "content")
	app := newApp(t, s, alice, g.ID, protocol.PermViewChannel|protocol.PermReadMessageHistory|protocol.PermSendMessages)
	app.Bot.Must(t, 200, "PATCH", "/applications/@me", map[string]any{"flags": 0}, nil) // no MESSAGE_CONTENT
	var dm privateChannel
	app.Bot.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipient_id": alice.UserID}, &dm)
	inDM := alice.Send(t, dm.ID, "secret plans")
	inGuild := alice.Send(t, general, "public plans")

	var got accordtest.Message
	app.Bot.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", dm.ID, inDM.ID), nil, &got)
	if got.Content != "secret plans" {
		t.Fatalf("bot's DM read %+v", got)
	}
	app.Bot.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", general, inGuild.ID), nil, &got)
	if got.Content != "" {
		t.Fatalf("bot without MESSAGE_CONTENT read guild content %q", got.Content)
	}
}

// TestDMEnforceNonce: a retried create with enforce_nonce answers the
// message the nonce made; without it, or from the other recipient, the
// same nonce posts a new message.
func TestDMEnforceNonce(t *testing.T) {
	s := run(t)
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	_, general := alice.CreateGuild(t, "nonces")
	bob.Join(t, alice, general)
	var dm privateChannel
	alice.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipient_id": bob.UserID}, &dm)
	path := fmt.Sprintf("/channels/%d/messages", dm.ID)
	body := map[string]any{"content": "once", "nonce": "n-1", "enforce_nonce": true}
	var first, again, bobs, loose accordtest.Message
	alice.Must(t, 200, "POST", path, body, &first)
	alice.Must(t, 200, "POST", path, body, &again)
	if again.ID != first.ID {
		t.Fatalf("retry made message %d, want %d", again.ID, first.ID)
	}
	bob.Must(t, 200, "POST", path, body, &bobs)
	alice.Must(t, 200, "POST", path, map[string]any{"content": "once", "nonce": "n-1"}, &loose)
	if bobs.ID == first.ID || loose.ID == first.ID || bobs.ID == loose.ID {
		t.Fatalf("bob's %d and the unenforced %d must be new, first %d", bobs.ID, loose.ID, first.ID)
	}
	var history []accordtest.Message
	alice.Must(t, 200, "GET", path, nil, &history)
	if len(history) != 3 {
		t.Fatalf("history has %d messages, want 3", len(history))
	}
}

// TestGroupDMIcon: a recipient sets a group DM's icon (image data), the
// CDN serves it at /channel-icons/{id}/{hash}.png and null clears it;
// someone outside the group cannot set one, and data that is not an
// image is refused (50035).
func TestGroupDMIcon(t *testing.T) {
	s := runFiles(t, server.BlobConfig{})
	owner, a, b, stranger := s.Register(t, "owner"), s.Register(t, "a"), s.Register(t, "b"), s.Register(t, "stranger")
	befriend(t, owner, a)
	befriend(t, owner, b)
	var g privateChannel
	owner.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipients": []chat.ID{a.UserID, b.UserID}}, &g)
	path := fmt.Sprintf("/channels/%d", g.ID)

	img := realPNG(t, 16, 16)
	var got struct {
		Icon *string `json:"icon"`
	}
	a.Must(t, 200, "PATCH", path, map[string]any{"icon": dataURI("png", img)}, &got)
	if got.Icon == nil || len(*got.Icon) != 32 {
		t.Fatalf("icon after PATCH: %v", got.Icon)
	}
	resp, body := fetch(t, s, fmt.Sprintf("%s/channel-icons/%d/%s.png", s.URL(), g.ID, *got.Icon))
	if resp.StatusCode != 200 || !bytes.Equal(body, img) {
		t.Fatalf("icon from the CDN: %d (%d bytes)", resp.StatusCode, len(body))
	}
	b.Must(t, 200, "GET", path, nil, &got)
	if got.Icon == nil || len(*got.Icon) != 32 {
		t.Fatalf("icon seen by another recipient: %v", got.Icon)
	}

	// Must not: a stranger sets an icon (nothing is stored), bad data.
	other := realPNG(t, 8, 8)
	wantCode(t, stranger.Fail(t, "PATCH", path, map[string]any{"icon": dataURI("png", other)}), 403, protocol.CodeMissingAccess)
	wantField(t, a.Fail(t, "PATCH", path, map[string]any{"icon": "data:image/png;base64,AAAA"}), "icon", protocol.FieldImageInvalid)
	wantField(t, a.Fail(t, "PATCH", path, map[string]any{"icon": "https://example.com/x.png"}), "icon", protocol.FieldImageInvalid)

	owner.Must(t, 200, "PATCH", path, map[string]any{"icon": nil}, &got)
	if got.Icon != nil {
		t.Fatalf("icon after null: %v", *got.Icon)
	}
}
