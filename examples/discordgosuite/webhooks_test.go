//go:build clients

package discordgosuite

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

// TestWebhooks: a bot with MANAGE_WEBHOOKS creates a webhook with
// discordgo's WebhookCreate (WEBHOOKS_UPDATE arrives), lists it, executes
// it with wait (the message has webhook_id and the override name), edits
// and deletes that message through the token, sends a message with
// buttons and reads them back, and deletes the webhook, whose token then
// stops working.
func TestWebhooks(t *testing.T) {
	a := server(t)
	s := a.bootstrap(t, "discordgo-webhooks")
	var role struct{ ID string }
	a.rest(t, 200, "POST", "/guilds/"+s.guildID+"/roles", s.owner, map[string]string{"permissions": fmt.Sprint(1<<29 | 1<<10 | 1<<11 | 1<<16)}, &role)
	a.rest(t, 204, "PUT", "/guilds/"+s.guildID+"/members/"+s.botID+"/roles/"+role.ID, s.owner, nil, nil)

	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	dg := session(t, s.botToken, g, func(next http.RoundTripper) http.RoundTripper { return next }, discordgo.IntentsGuilds|discordgo.IntentsGuildMessages|discordgo.IntentsGuildWebhooks)
	updates := expect(t, dg, func(u *discordgo.WebhooksUpdate) bool { return u.ChannelID == s.channelID })
	login(t, dg, g, s.guildID)

	wh, err := dg.WebhookCreate(s.channelID, "Captain Hook", "")
	if err != nil {
		t.Fatalf("WebhookCreate: %v", err)
	}
	if wh.ID == "" || wh.Token == "" || wh.ChannelID != s.channelID || wh.GuildID != s.guildID || wh.User == nil || wh.User.ID != s.botID {
		t.Fatalf("created %+v", wh)
	}
	if u := recv(t, updates, "WEBHOOKS_UPDATE"); u.GuildID != s.guildID {
		t.Fatalf("WEBHOOKS_UPDATE %+v", u)
	}
	list, err := dg.ChannelWebhooks(s.channelID)
	if err != nil || len(list) != 1 || list[0].ID != wh.ID {
		t.Fatalf("ChannelWebhooks %v: %v", list, err)
	}
	if got, err := dg.WebhookWithToken(wh.ID, wh.Token); err != nil || got.Name != "Captain Hook" || got.User != nil {
		t.Fatalf("WebhookWithToken %+v: %v", got, err)
	}

	m, err := dg.WebhookExecute(wh.ID, wh.Token, true, &discordgo.WebhookParams{Content: "ahoy", Username: "Smee"})
	if err != nil {
		t.Fatalf("WebhookExecute: %v", err)
	}
	if m.WebhookID != wh.ID || m.Author == nil || m.Author.ID != wh.ID || m.Author.Username != "Smee" || !m.Author.Bot {
		t.Fatalf("executed %+v author %+v", m, m.Author)
	}
	content := "ahoy, edited"
	edited, err := dg.WebhookMessageEdit(wh.ID, wh.Token, m.ID, &discordgo.WebhookEdit{Content: &content})
	if err != nil || edited.Content != content {
		t.Fatalf("WebhookMessageEdit %+v: %v", edited, err)
	}
	read, err := dg.ChannelMessage(s.channelID, m.ID)
	if err != nil || read.Content != content || read.WebhookID != wh.ID {
		t.Fatalf("ChannelMessage %+v: %v", read, err)
	}
	if err := dg.WebhookMessageDelete(wh.ID, wh.Token, m.ID); err != nil {
		t.Fatalf("WebhookMessageDelete: %v", err)
	}
	if _, err := dg.ChannelMessage(s.channelID, m.ID); err == nil {
		t.Fatal("deleted webhook message still there")
	}

	// A bot's buttons are stored and read back.
	sent, err := dg.ChannelMessageSendComplex(s.channelID, &discordgo.MessageSend{Content: "pick", Components: []discordgo.MessageComponent{
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Yes", Style: discordgo.SuccessButton, CustomID: "yes"},
			discordgo.Button{Label: "Docs", Style: discordgo.LinkButton, URL: "https://example.com"},
		}},
	}})
	if err != nil {
		t.Fatalf("send with components: %v", err)
	}
	back, err := dg.ChannelMessage(s.channelID, sent.ID)
	if err != nil || len(back.Components) != 1 {
		t.Fatalf("read back %+v: %v", back, err)
	}
	row, ok := back.Components[0].(*discordgo.ActionsRow)
	if !ok || len(row.Components) != 2 {
		t.Fatalf("row %#v", back.Components[0])
	}
	if b, ok := row.Components[0].(*discordgo.Button); !ok || b.CustomID != "yes" || b.Style != discordgo.SuccessButton {
		t.Fatalf("button %#v", row.Components[0])
	}
	// Must not: a duplicate custom_id is refused with 50035.
	_, err = dg.ChannelMessageSendComplex(s.channelID, &discordgo.MessageSend{Content: "dup", Components: []discordgo.MessageComponent{
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "A", Style: discordgo.PrimaryButton, CustomID: "same"},
			discordgo.Button{Label: "B", Style: discordgo.PrimaryButton, CustomID: "same"},
		}},
	}})
	wantCode(t, err, 50035, 400)

	if err := dg.WebhookDelete(wh.ID); err != nil {
		t.Fatalf("WebhookDelete: %v", err)
	}
	_, err = dg.WebhookExecute(wh.ID, wh.Token, true, &discordgo.WebhookParams{Content: "gone?"})
	wantCode(t, err, 10015, 404)
}
