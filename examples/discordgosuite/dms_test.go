//go:build clients

package discordgosuite

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

// TestDms (so named for `ACCORD_CLIENT_ONLY=dms`, which runs ^TestDms)
// drives direct messages through discordgo v0.29, unmodified: a
// user made over REST opens a DM with the bot and writes; the bot, with
// IntentsDirectMessages, gets MessageCreate in the DM with its content
// (MESSAGE_CONTENT does not apply to DMs) and answers through
// UserChannelCreate and ChannelMessageSend; a user who blocked the bot
// makes UserChannelCreate fail with 50007.
func TestDms(t *testing.T) {
	a := server(t)
	s := a.bootstrap(t, "discordgo-dms")
	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	dg := session(t, s.botToken, g, noWrap, discordgo.IntentsGuilds|discordgo.IntentsDirectMessages)
	dg.SyncEvents = true
	login(t, dg, g, s.guildID)

	member := func(name string) (id, token string) {
		suffix := make([]byte, 4)
		rand.Read(suffix)
		var reg struct{ Token string }
		a.rest(t, 201, "POST", "/auth/register", "", map[string]string{
			"username": name + "_" + hex.EncodeToString(suffix), "password": "correct horse battery staple"}, &reg)
		var me struct{ ID string }
		a.rest(t, 200, "GET", "/users/@me", reg.Token, nil, &me)
		var inv struct{ Code string }
		a.rest(t, 200, "POST", "/channels/"+s.channelID+"/invites", s.owner, map[string]any{}, &inv)
		a.rest(t, 200, "POST", "/invites/"+inv.Code, reg.Token, nil, nil)
		return me.ID, reg.Token
	}
	humanID, human := member("dmuser")

	var dm struct {
		ID   string
		Type int
	}
	a.rest(t, 200, "POST", "/users/@me/channels", human, map[string]string{"recipient_id": s.botID}, &dm)
	got := expect(t, dg, func(m *discordgo.MessageCreate) bool { return m.ChannelID == dm.ID })
	a.rest(t, 200, "POST", "/channels/"+dm.ID+"/messages", human, map[string]string{"content": "hello bot"}, nil)
	m := recv(t, got, "MessageCreate in the DM")
	if m.Content != "hello bot" || m.GuildID != "" || m.Author.ID != humanID {
		t.Fatalf("DM message %+v", m.Message)
	}

	ch, err := dg.UserChannelCreate(humanID)
	if err != nil {
		t.Fatalf("UserChannelCreate: %v", err)
	}
	if ch.ID != dm.ID || ch.Type != discordgo.ChannelTypeDM || len(ch.Recipients) != 1 || ch.Recipients[0].ID != humanID {
		t.Fatalf("UserChannelCreate gave %+v, want DM %s with %s", ch, dm.ID, humanID)
	}
	sent, err := dg.ChannelMessageSend(ch.ID, "hello human")
	if err != nil {
		t.Fatalf("ChannelMessageSend in the DM: %v", err)
	}
	var history []struct{ ID, Content string }
	a.rest(t, 200, "GET", "/channels/"+dm.ID+"/messages?limit=1", human, nil, &history)
	if len(history) != 1 || history[0].ID != sent.ID || history[0].Content != "hello human" {
		t.Fatalf("the user's history %+v, want the bot's answer %s", history, sent.ID)
	}

	// Pins in the DM: the bot pins the user's message (no permission
	// applies in a DM) and lists it; unpinning empties the list.
	if err := dg.ChannelMessagePin(dm.ID, m.ID); err != nil {
		t.Fatalf("ChannelMessagePin in the DM: %v", err)
	}
	pinned, err := dg.ChannelMessagesPinned(dm.ID)
	if err != nil || len(pinned) != 1 || pinned[0].ID != m.ID || pinned[0].Content != "hello bot" {
		t.Fatalf("ChannelMessagesPinned: %v %+v", err, pinned)
	}
	if err := dg.ChannelMessageUnpin(dm.ID, m.ID); err != nil {
		t.Fatalf("ChannelMessageUnpin in the DM: %v", err)
	}
	if pinned, err = dg.ChannelMessagesPinned(dm.ID); err != nil || len(pinned) != 0 {
		t.Fatalf("ChannelMessagesPinned after unpin: %v %+v", err, pinned)
	}

	// Must not do: DM a user who blocked the bot.
	blockerID, blocker := member("blocker")
	a.rest(t, 204, "PUT", "/users/@me/relationships/"+s.botID, blocker, map[string]int{"type": 2}, nil)
	_, err = dg.UserChannelCreate(blockerID)
	wantCode(t, err, 50007, 403)
}
