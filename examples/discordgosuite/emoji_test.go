//go:build clients

package discordgosuite

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

// TestCustomEmoji: a bot with CREATE_GUILD_EXPRESSIONS creates an emoji
// with discordgo's GuildEmojiCreate, sees it arrive in its state through
// GUILD_EMOJIS_UPDATE, fetches its image from the CDN, reacts with it
// (the MESSAGE_REACTION_ADD names it), and deletes it; a new reaction with
// it is then refused.
func TestCustomEmoji(t *testing.T) {
	a := server(t)
	s := a.bootstrap(t, "discordgo-emoji")
	// The bot joined with no permissions: the owner gives it a role that
	// may create emoji (CREATE_GUILD_EXPRESSIONS, 1<<43).
	var role struct{ ID string }
	a.rest(t, 200, "POST", "/guilds/"+s.guildID+"/roles", s.owner, map[string]string{"permissions": fmt.Sprint(uint64(1) << 43)}, &role)
	a.rest(t, 204, "PUT", "/guilds/"+s.guildID+"/members/"+s.botID+"/roles/"+role.ID, s.owner, nil, nil)

	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	dg := session(t, s.botToken, g, func(next http.RoundTripper) http.RoundTripper { return next },
		discordgo.IntentsGuilds|discordgo.IntentsGuildMessages|discordgo.IntentsGuildEmojis|discordgo.IntentsGuildMessageReactions)
	updates := make(chan *discordgo.GuildEmojisUpdate, 8)
	reactions := make(chan *discordgo.MessageReactionAdd, 8)
	dg.AddHandler(func(_ *discordgo.Session, u *discordgo.GuildEmojisUpdate) { updates <- u })
	dg.AddHandler(func(_ *discordgo.Session, r *discordgo.MessageReactionAdd) { reactions <- r })
	login(t, dg, g, s.guildID)

	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for i := range 32 {
		img.Set(i, i, color.RGBA{255, 0, 0, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	e, err := dg.GuildEmojiCreate(s.guildID, &discordgo.EmojiParams{Name: "accord_blob",
		Image: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())})
	if err != nil {
		t.Fatalf("GuildEmojiCreate: %v", err)
	}
	if e.ID == "" || e.Name != "accord_blob" || e.Animated || !e.RequireColons || e.User == nil || e.User.ID != s.botID {
		t.Fatalf("created emoji %+v", e)
	}
	select {
	case u := <-updates:
		if u.GuildID != s.guildID || len(u.Emojis) != 1 || u.Emojis[0].ID != e.ID {
			t.Fatalf("GUILD_EMOJIS_UPDATE %+v", u)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no GUILD_EMOJIS_UPDATE within 10 s")
	}
	st, err := dg.State.Guild(s.guildID)
	if err != nil || len(st.Emojis) != 1 || st.Emojis[0].ID != e.ID {
		t.Fatalf("state guild emojis %v: %v", st, err)
	}
	// discordgoaccord points the CDN at Accord too: discordgo's own
	// EndpointEmoji (and e.URL) is Accord's CDN path.
	if u := discordgo.EndpointEmoji(e.ID); u != a.base+"/emojis/"+e.ID+".png" {
		t.Fatalf("EndpointEmoji %q is not Accord's CDN (%s)", u, a.base)
	}
	res, err := a.http.Get(discordgo.EndpointEmoji(e.ID))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("CDN emoji: %d, %d bytes", res.StatusCode, len(got))
	}

	m, err := dg.ChannelMessageSend(s.channelID, "react with the custom emoji")
	if err != nil {
		t.Fatal(err)
	}
	if err := dg.MessageReactionAdd(s.channelID, m.ID, e.APIName()); err != nil {
		t.Fatalf("MessageReactionAdd %s: %v", e.APIName(), err)
	}
	select {
	case r := <-reactions:
		if r.MessageID != m.ID || r.Emoji.ID != e.ID || r.Emoji.Name != "accord_blob" || r.UserID != s.botID {
			t.Fatalf("MESSAGE_REACTION_ADD %+v emoji %+v", r.MessageReaction, r.Emoji)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no MESSAGE_REACTION_ADD within 10 s")
	}
	users, err := dg.MessageReactions(s.channelID, m.ID, e.APIName(), 10, "", "")
	if err != nil || len(users) != 1 || users[0].ID != s.botID {
		t.Fatalf("MessageReactions: %v %v", users, err)
	}

	if err := dg.GuildEmojiDelete(s.guildID, e.ID); err != nil {
		t.Fatalf("GuildEmojiDelete: %v", err)
	}
	select {
	case u := <-updates:
		if len(u.Emojis) != 0 {
			t.Fatalf("GUILD_EMOJIS_UPDATE after delete %+v", u)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no GUILD_EMOJIS_UPDATE after the delete within 10 s")
	}
	// A deleted emoji is unknown: a new reaction with it is 10014.
	err = dg.MessageReactionAdd(s.channelID, m.ID, "accord_blob:"+e.ID)
	var rerr *discordgo.RESTError
	if !errors.As(err, &rerr) || rerr.Message == nil || rerr.Message.Code != discordgo.ErrCodeUnknownEmoji {
		t.Fatalf("reaction with a deleted emoji: %v", err)
	}
}
