package api_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/ratelimit"
	"github.com/accordchat/accord/internal/server"
)

type reactionObj struct {
	Count        int  `json:"count"`
	Me           bool `json:"me"`
	MeBurst      bool `json:"me_burst"`
	CountDetails struct {
		Burst  int `json:"burst"`
		Normal int `json:"normal"`
	} `json:"count_details"`
	Emoji struct {
		ID   *chat.ID `json:"id"`
		Name string   `json:"name"`
	} `json:"emoji"`
	BurstColors []string `json:"burst_colors"`
}

type reactedMessage struct {
	ID        chat.ID       `json:"id"`
	Pinned    bool          `json:"pinned"`
	Reactions []reactionObj `json:"reactions"`
}

// reactionGuild is a guild with an owner, a member, a member the channel
// is hidden from, a member denied ADD_REACTIONS and an outsider, and a
// message of the owner's.
type reactionGuild struct {
	owner, member, hidden, noAdd, outsider *accordtest.Client
	ch                                     chat.ID
	msg                                    chat.ID
}

func newReactionGuild(t *testing.T, s *accordtest.Server) reactionGuild {
	var r reactionGuild
	r.owner = s.Register(t, "owner")
	_, r.ch = r.owner.CreateGuild(t, "reactions")
	r.member, r.hidden, r.noAdd, r.outsider = s.Register(t, "member"), s.Register(t, "hidden"), s.Register(t, "noadd"), s.Register(t, "outsider")
	for _, c := range []*accordtest.Client{r.member, r.hidden, r.noAdd} {
		c.Join(t, r.owner, r.ch)
	}
	for c, deny := range map[*accordtest.Client]protocol.Permission{r.hidden: protocol.PermViewChannel, r.noAdd: protocol.PermAddReactions} {
		r.owner.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", r.ch, c.UserID),
			map[string]any{"type": 1, "deny": fmt.Sprint(deny)}, nil)
	}
	r.msg = r.owner.Send(t, r.ch, "react to me").ID
	return r
}

func (r reactionGuild) path(emoji, tail string) string {
	return fmt.Sprintf("/channels/%d/messages/%d/reactions/%s%s", r.ch, r.msg, url.PathEscape(emoji), tail)
}

func (r reactionGuild) read(t *testing.T, c *accordtest.Client) reactedMessage {
	t.Helper()
	var m reactedMessage
	c.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", r.ch, r.msg), nil, &m)
	return m
}

func TestReactionRoutes(t *testing.T) {
	s := run(t)
	r := newReactionGuild(t, s)

	// Must not do: see the channel, react with a new emoji without
	// ADD_REACTIONS, react with what is not an emoji.
	wantCode(t, r.hidden.Fail(t, "PUT", r.path("🔥", "/@me"), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, r.outsider.Fail(t, "PUT", r.path("🔥", "/@me"), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, r.noAdd.Fail(t, "PUT", r.path("🔥", "/@me"), nil), 403, protocol.CodeMissingPermissions)
	for _, bad := range []string{"abc", "1", ":", "a b", "fire:", "x:123", "blob:notanid", "🔥x", "\x00", "<script>"} {
		wantCode(t, r.member.Fail(t, "PUT", r.path(bad, "/@me"), nil), 400, protocol.CodeUnknownEmoji)
	}
	// An ID that is no emoji of the guild is unknown (emojis_test.go
	// covers the guild's own).
	wantCode(t, r.member.Fail(t, "PUT", r.path("blob:123456789012345678", "/@me"), nil), 400, protocol.CodeUnknownEmoji)
	wantCode(t, r.member.Fail(t, "PUT", fmt.Sprintf("/channels/%d/messages/%d/reactions/%s/@me", r.ch, r.msg+1, url.PathEscape("🔥")), nil),
		404, protocol.CodeUnknownMessage)
	if m := r.read(t, r.owner); len(m.Reactions) != 0 {
		t.Fatalf("refused reactions stored: %+v", m.Reactions)
	}

	// Reacting: keycaps, flags and ZWJ sequences are emoji too.
	for _, e := range []string{"🔥", "1️⃣", "🇺🇸", "👨‍👩‍👧"} {
		r.member.Must(t, 204, "PUT", r.path(e, "/@me"), nil, nil)
	}
	r.noAdd.Must(t, 204, "PUT", r.path("🔥", "/@me"), nil, nil) // an existing emoji needs no ADD_REACTIONS
	m := r.read(t, r.member)
	if len(m.Reactions) != 4 || m.Reactions[0].Emoji.Name != "🔥" || m.Reactions[0].Count != 2 ||
		m.Reactions[0].CountDetails.Normal != 2 || !m.Reactions[0].Me || m.Reactions[0].Emoji.ID != nil ||
		m.Reactions[0].BurstColors == nil || m.Reactions[1].Emoji.Name != "1️⃣" {
		t.Fatalf("member reads %+v", m.Reactions)
	}
	if m := r.read(t, r.owner); m.Reactions[0].Me {
		t.Fatalf("owner reads me=true: %+v", m.Reactions[0])
	}
	var page []reactedMessage
	r.owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", r.ch), nil, &page)
	if len(page) == 0 || page[0].ID != r.msg || len(page[0].Reactions) != 4 {
		t.Fatalf("history %+v", page)
	}

	// Listing users: default, after, limit bounds; hidden is refused.
	var users []struct {
		ID chat.ID `json:"id"`
	}
	r.owner.Must(t, 200, "GET", r.path("🔥", ""), nil, &users)
	if len(users) != 2 {
		t.Fatalf("users %+v", users)
	}
	first, second := min(users[0].ID, users[1].ID), max(users[0].ID, users[1].ID)
	r.owner.Must(t, 200, "GET", r.path("🔥", fmt.Sprintf("?after=%d&limit=1", first)), nil, &users)
	if len(users) != 1 || users[0].ID != second {
		t.Fatalf("users after %d: %+v", first, users)
	}
	for _, q := range []string{"?limit=0", "?limit=101", "?after=x", "?type=2"} {
		wantCode(t, r.owner.Fail(t, "GET", r.path("🔥", q), nil), 400, protocol.CodeInvalidFormBody)
	}
	wantCode(t, r.hidden.Fail(t, "GET", r.path("🔥", ""), nil), 403, protocol.CodeMissingAccess)

	// Removing another's needs MANAGE_MESSAGES; one's own does not.
	wantCode(t, r.member.Fail(t, "DELETE", r.path("🔥", fmt.Sprintf("/%d", r.noAdd.UserID)), nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, r.hidden.Fail(t, "DELETE", r.path("🔥", "/@me"), nil), 403, protocol.CodeMissingAccess)
	r.noAdd.Must(t, 204, "DELETE", r.path("🔥", "/@me"), nil, nil)
	r.owner.Must(t, 204, "DELETE", r.path("🔥", fmt.Sprintf("/%d", r.member.UserID)), nil, nil)
	if m := r.read(t, r.owner); len(m.Reactions) != 3 || m.Reactions[0].Emoji.Name != "1️⃣" {
		t.Fatalf("after removals %+v", m.Reactions)
	}

	// Clearing needs MANAGE_MESSAGES.
	wantCode(t, r.member.Fail(t, "DELETE", r.path("1️⃣", ""), nil), 403, protocol.CodeMissingPermissions)
	all := fmt.Sprintf("/channels/%d/messages/%d/reactions", r.ch, r.msg)
	wantCode(t, r.member.Fail(t, "DELETE", all, nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, r.hidden.Fail(t, "DELETE", all, nil), 403, protocol.CodeMissingAccess)
	r.owner.Must(t, 204, "DELETE", r.path("1️⃣", ""), nil, nil)
	if m := r.read(t, r.owner); len(m.Reactions) != 2 {
		t.Fatalf("after clearing one emoji %+v", m.Reactions)
	}
	r.owner.Must(t, 204, "DELETE", all, nil, nil)
	var raw map[string]any
	r.owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", r.ch, r.msg), nil, &raw)
	if _, ok := raw["reactions"]; ok {
		t.Fatalf("a message without reactions carries reactions: %v", raw["reactions"])
	}
	// Neither path serves anything else.
	wantCode(t, r.owner.Fail(t, "DELETE", fmt.Sprintf("/channels/%d/messages/%d/other", r.ch, r.msg), nil), 404, 0)
	wantCode(t, r.owner.Fail(t, "DELETE", fmt.Sprintf("/channels/%d/messages/x/reactions", r.ch), nil), 400, protocol.CodeInvalidFormBody)
}

// The reaction routes share Discord's bucket of one per 0.25 s per channel.
func TestReactionRateLimit(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{RateLimit: ratelimit.Config{
		Routes: map[string]ratelimit.Limit{ratelimit.BucketReactions: {Requests: 1, Window: time.Minute}},
	}})
	r := newReactionGuild(t, s)
	st, _, err := r.member.Request("PUT", r.path("🔥", "/@me"), nil)
	if err != nil || st != 204 {
		t.Fatalf("first reaction: %d %v", st, err)
	}
	// Removing shares the bucket.
	wantCode(t, r.member.Fail(t, "DELETE", r.path("🔥", "/@me"), nil), 429, 0)
	// Another channel has its own bucket.
	var other struct {
		ID chat.ID `json:"id"`
	}
	var g struct {
		ID chat.ID `json:"guild_id"`
	}
	r.owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d", r.ch), nil, &g)
	r.owner.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "other"}, &other)
	m := r.owner.Send(t, other.ID, "elsewhere")
	r.member.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/messages/%d/reactions/%s/@me", other.ID, m.ID, url.PathEscape("🔥")), nil, nil)
	if m := r.read(t, r.owner); len(m.Reactions) != 1 {
		t.Fatalf("the refused removal took effect: %+v", m.Reactions)
	}
}
