package api_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

type profileOf struct {
	User struct {
		ID     chat.ID `json:"id"`
		Banner *string `json:"banner"`
		Bio    string  `json:"bio"`
	} `json:"user"`
	UserProfile struct {
		Bio    string  `json:"bio"`
		Banner *string `json:"banner"`
	} `json:"user_profile"`
	MutualGuilds []struct {
		ID   chat.ID `json:"id"`
		Nick *string `json:"nick"`
	} `json:"mutual_guilds"`
}

// TestProfiles: PATCH /users/@me sets global_name, bio and a banner image
// (stored and served at /banners/{user}/{hash}.png); GET /users/{id}
// shows the public user, member objects show the change, and GET
// /users/{id}/profile gives bio, banner and the guilds the caller shares.
// Must not do: a bio over 190 characters, a global_name over 32, a banner
// that is not an image or too large (50035); read the profile of someone
// sharing no guild (50001); read profiles as a bot (20001); an unknown
// user (10013).
func TestProfiles(t *testing.T) {
	s := runFiles(t, server.BlobConfig{})
	alice, bob, carol := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol")
	g, general := alice.CreateGuild(t, "profiles")
	bob.Join(t, alice, general)
	carol.CreateGuild(t, "elsewhere") // shares no guild with bob

	img := realPNG(t, 32, 32)
	var me struct {
		GlobalName string `json:"global_name"`
		Banner     string `json:"banner"`
		Bio        string `json:"bio"`
	}
	bob.Must(t, 200, "PATCH", "/users/@me", map[string]any{"global_name": "Bobby", "bio": "I like trains",
		"banner": dataURI("png", img)}, &me)
	if me.GlobalName != "Bobby" || me.Bio != "I like trains" || len(me.Banner) != 32 {
		t.Fatalf("PATCH answer %+v", me)
	}
	resp, got := fetch(t, s, fmt.Sprintf("%s/banners/%d/%s.png", s.URL(), bob.UserID, me.Banner))
	if resp.StatusCode != 200 || !bytes.Equal(got, img) {
		t.Fatalf("banner from the CDN: %d (%d bytes)", resp.StatusCode, len(got))
	}

	var pub map[string]any
	alice.Must(t, 200, "GET", fmt.Sprintf("/users/%d", bob.UserID), nil, &pub)
	if pub["global_name"] != "Bobby" || pub["banner"] != me.Banner {
		t.Fatalf("GET /users/{id} %v", pub)
	}
	if _, ok := pub["bio"]; ok {
		t.Fatalf("public user carries the private-profile bio: %v", pub)
	}
	var member struct {
		User struct {
			GlobalName string `json:"global_name"`
		} `json:"user"`
	}
	alice.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/members/%d", g.ID, bob.UserID), nil, &member)
	if member.User.GlobalName != "Bobby" {
		t.Fatalf("member object after the change %+v", member)
	}

	var p profileOf
	alice.Must(t, 200, "GET", fmt.Sprintf("/users/%d/profile", bob.UserID), nil, &p)
	if p.User.ID != bob.UserID || p.User.Bio != "I like trains" || p.UserProfile.Bio != "I like trains" ||
		p.UserProfile.Banner == nil || *p.UserProfile.Banner != me.Banner ||
		len(p.MutualGuilds) != 1 || p.MutualGuilds[0].ID != g.ID {
		t.Fatalf("profile %+v", p)
	}
	bob.Must(t, 200, "GET", fmt.Sprintf("/users/%d/profile", bob.UserID), nil, &p)
	if p.User.ID != bob.UserID || p.MutualGuilds == nil {
		t.Fatalf("own profile %+v", p)
	}

	// Clearing: null removes the banner and the bio.
	var cleared map[string]any
	bob.Must(t, 200, "PATCH", "/users/@me", map[string]any{"banner": nil, "bio": nil}, &cleared)
	if cleared["banner"] != nil || cleared["bio"] != "" || cleared["global_name"] != "Bobby" {
		t.Fatalf("after clearing %v", cleared)
	}

	// Must not do.
	wantField(t, bob.Fail(t, "PATCH", "/users/@me", map[string]any{"bio": strings.Repeat("é", protocol.MaxBio+1)}), "bio", protocol.FieldBaseTypeMaxLength)
	bob.Must(t, 200, "PATCH", "/users/@me", map[string]any{"bio": strings.Repeat("é", protocol.MaxBio)}, nil)
	wantField(t, bob.Fail(t, "PATCH", "/users/@me", map[string]any{"global_name": strings.Repeat("x", 33)}), "global_name", protocol.FieldBaseTypeBadLength)
	wantField(t, bob.Fail(t, "PATCH", "/users/@me", map[string]any{"banner": "data:image/png;base64,AAAA"}), "banner", protocol.FieldImageInvalid)
	wantField(t, bob.Fail(t, "PATCH", "/users/@me", map[string]any{"banner": dataURI("png", pngBytes(protocol.MaxImageBytes+10))}), "banner", protocol.FieldBinaryTypeMaxSize)
	wantCode(t, carol.Fail(t, "GET", fmt.Sprintf("/users/%d/profile", bob.UserID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, alice.Fail(t, "GET", fmt.Sprintf("/users/%d/profile", bob.UserID+999), nil), 404, protocol.CodeUnknownUser)
	wantCode(t, alice.Fail(t, "GET", fmt.Sprintf("/users/%d", bob.UserID+999), nil), 404, protocol.CodeUnknownUser)

	var app struct {
		ID chat.ID
	}
	alice.Must(t, 201, "POST", "/applications", map[string]string{"name": "profiler"}, &app)
	var tok struct{ Token string }
	alice.Must(t, 200, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, &tok)
	alice.Must(t, 200, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=0", app.ID),
		map[string]any{"guild_id": g.ID, "authorize": true}, nil)
	bot := &accordtest.Client{S: s, Token: tok.Token, Prefix: "Bot "}
	wantCode(t, bot.Fail(t, "GET", fmt.Sprintf("/users/%d/profile", bob.UserID), nil), 403, protocol.CodeBotsForbidden)
	bot.Must(t, 200, "GET", fmt.Sprintf("/users/%d", bob.UserID), nil, nil) // the public user is fine
}
