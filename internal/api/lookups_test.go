package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

type lookupMember struct {
	Nick *string `json:"nick"`
	User struct {
		ID       chat.ID `json:"id"`
		Username string  `json:"username"`
	} `json:"user"`
}

func TestMemberSearch(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	g, ch := alice.CreateGuild(t, "search")
	alina, bob, mallory := s.Register(t, "Alina"), s.Register(t, "bob"), s.Register(t, "mallory")
	alina.Join(t, alice, ch)
	bob.Join(t, alice, ch)
	bob.Must(t, 200, "PATCH", fmt.Sprintf("/guilds/%d/members/@me", g.ID), map[string]any{"nick": "ALfie"}, nil)
	search := func(q string) []chat.ID {
		var ms []lookupMember
		alice.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/members/search%s", g.ID, q), nil, &ms)
		var ids []chat.ID
		for _, m := range ms {
			ids = append(ids, m.User.ID)
		}
		slices.Sort(ids)
		return ids
	}
	all := []chat.ID{alice.UserID, alina.UserID, bob.UserID}
	slices.Sort(all)
	if got := search("?query=al&limit=10"); !slices.Equal(got, all) {
		t.Fatalf("query al: got %v, want %v (username or nick, any case)", got, all)
	}
	if got := search("?query=bo&limit=10"); !slices.Equal(got, []chat.ID{bob.UserID}) {
		t.Fatalf("query bo: got %v", got)
	}
	if got := search("?query=AL"); len(got) != 1 {
		t.Fatalf("default limit is 1: got %v", got)
	}
	if got := search("?query=zz&limit=10"); len(got) != 0 {
		t.Fatalf("no match: got %v", got)
	}
	path := fmt.Sprintf("/guilds/%d/members/search", g.ID)
	for _, q := range []string{"", "?query=", "?query=a&limit=0", "?query=a&limit=1001", "?query=a&limit=x"} {
		wantCode(t, alice.Fail(t, "GET", path+q, nil), 400, protocol.CodeInvalidFormBody)
	}
	// Must not see: a non-member cannot list another guild's members.
	wantCode(t, mallory.Fail(t, "GET", path+"?query=a&limit=10", nil), 403, protocol.CodeMissingAccess)
}

func TestSelfMemberAndPreview(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	g, ch := alice.CreateGuild(t, "preview")
	bob, mallory := s.Register(t, "bob"), s.Register(t, "mallory")
	bob.Join(t, alice, ch)

	var me lookupMember
	bob.Must(t, 200, "GET", fmt.Sprintf("/users/@me/guilds/%d/member", g.ID), nil, &me)
	if me.User.ID != bob.UserID || !strings.HasPrefix(me.User.Username, "bob") {
		t.Fatalf("self member: %+v", me)
	}
	var p map[string]any
	bob.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/preview", g.ID), nil, &p)
	if p["id"] != fmt.Sprint(g.ID) || p["name"] != "preview" || p["approximate_member_count"] != float64(2) {
		t.Fatalf("preview: %v", p)
	}
	for _, k := range []string{"icon", "splash", "discovery_splash", "emojis", "features", "approximate_presence_count", "description", "stickers"} {
		if _, ok := p[k]; !ok {
			t.Fatalf("preview lacks %q: %v", k, p)
		}
	}
	// Must not see: a non-member learns neither its membership nor the
	// guild's preview; both answer as for an unknown guild.
	wantCode(t, mallory.Fail(t, "GET", fmt.Sprintf("/users/@me/guilds/%d/member", g.ID), nil), 404, protocol.CodeUnknownGuild)
	wantCode(t, mallory.Fail(t, "GET", fmt.Sprintf("/guilds/%d/preview", g.ID), nil), 404, protocol.CodeUnknownGuild)
	wantCode(t, bob.Fail(t, "GET", "/guilds/12345/preview", nil), 404, protocol.CodeUnknownGuild)
	wantCode(t, bob.Fail(t, "GET", "/users/@me/guilds/12345/member", nil), 404, protocol.CodeUnknownGuild)
}
