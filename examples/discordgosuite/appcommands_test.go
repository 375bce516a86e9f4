//go:build clients

package discordgosuite

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

// TestAppcommands: discordgo registers commands with
// ApplicationCommandBulkOverwrite (guild) and ApplicationCommandCreate
// (global); a user invokes one the way Discord's own client does (POST
// /interactions); the bot's handler answers with InteractionRespond
// (ephemeral) and FollowupMessageCreate, and a deferred one with
// InteractionResponseEdit. Each answer is checked as users see it over
// REST: the ephemeral one only through the interaction's token.
func TestAppcommands(t *testing.T) {
	a := server(t)
	s := a.bootstrap(t, "dgcmds")
	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	dg := session(t, s.botToken, g, func(next http.RoundTripper) http.RoundTripper { return next }, discordgo.IntentsGuilds)

	type answered struct {
		name, token, userID string
		err                 error
	}
	done := make(chan answered, 4)
	dg.AddHandler(func(dg *discordgo.Session, i *discordgo.InteractionCreate) {
		if i.Type != discordgo.InteractionApplicationCommand {
			return
		}
		data := i.ApplicationCommandData()
		var err error
		switch data.Name {
		case "echo":
			text := data.Options[0].StringValue()
			err = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "secret " + text, Flags: discordgo.MessageFlagsEphemeral}})
			if err == nil {
				var fu *discordgo.Message
				fu, err = dg.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "public " + text})
				if err == nil {
					err = checkAnswer(fu, i, discordgo.MessageTypeChatInputCommand)
				}
				if err == nil && (fu.InteractionMetadata.OriginalResponseMessageID == "" || fu.Interaction == nil || fu.Interaction.Name != "echo") {
					err = fmt.Errorf("follow-up metadata %+v, interaction %+v", fu.InteractionMetadata, fu.Interaction)
				}
			}
		case "slow":
			err = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
			var loading *discordgo.Message
			if err == nil {
				// The "thinking" message is there at once.
				loading, err = dg.InteractionResponse(i.Interaction)
			}
			if err == nil && (loading.Flags&discordgo.MessageFlagsLoading == 0 || loading.Content != "") {
				err = fmt.Errorf("deferred original: flags %d content %q", loading.Flags, loading.Content)
			}
			if err == nil {
				content := "thought it over"
				var m *discordgo.Message
				m, err = dg.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &content})
				if err == nil {
					err = checkAnswer(m, i, discordgo.MessageTypeChatInputCommand)
				}
				if err == nil && (m.ID != loading.ID || m.Flags&discordgo.MessageFlagsLoading != 0) {
					err = fmt.Errorf("completed original %s flags %d, loading was %s", m.ID, m.Flags, loading.ID)
				}
			}
			if err == nil {
				// Answering again is refused.
				err2 := dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
					Data: &discordgo.InteractionResponseData{Content: "twice"}})
				if restCode(err2) != 40060 {
					err = fmt.Errorf("second answer: %v, want 40060", err2)
				}
			}
		}
		userID := ""
		if i.Member != nil && i.Member.User != nil {
			userID = i.Member.User.ID
		}
		done <- answered{data.Name, i.Token, userID, err}
	})
	ready := login(t, dg, g, s.guildID)
	appID := ready.Application.ID

	cmds, err := dg.ApplicationCommandBulkOverwrite(appID, s.guildID, []*discordgo.ApplicationCommand{{
		Name: "echo", Description: "Say it back",
		Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "text", Description: "What to say", Required: true}},
	}})
	if err != nil || len(cmds) != 1 || cmds[0].ID == "" || cmds[0].GuildID != s.guildID {
		t.Fatalf("ApplicationCommandBulkOverwrite: %v %+v", err, cmds)
	}
	slow, err := dg.ApplicationCommandCreate(appID, "", &discordgo.ApplicationCommand{Name: "slow", Description: "Think first"})
	if err != nil || slow.ID == "" {
		t.Fatalf("ApplicationCommandCreate: %v", err)
	}
	// An invalid name is refused with Discord's field error.
	_, err = dg.ApplicationCommandCreate(appID, "", &discordgo.ApplicationCommand{Name: "Bad Name", Description: "x"})
	wantCode(t, err, 50035, 400)

	user := func(name string) (id, token string) {
		var reg struct{ Token string }
		a.rest(t, 201, "POST", "/auth/register", "", map[string]string{
			"username": fmt.Sprintf("%s_%d", name, time.Now().UnixNano()%1e9), "password": "correct horse battery staple"}, &reg)
		var me struct{ ID string }
		a.rest(t, 200, "GET", "/users/@me", reg.Token, nil, &me)
		var inv struct{ Code string }
		a.rest(t, 200, "POST", "/channels/"+s.channelID+"/invites", s.owner, map[string]any{}, &inv)
		a.rest(t, 200, "POST", "/invites/"+inv.Code, reg.Token, nil, nil)
		return me.ID, reg.Token
	}
	invoke := func(token string, cmd *discordgo.ApplicationCommand, options []any) {
		t.Helper()
		a.rest(t, 204, "POST", "/interactions", token, map[string]any{"type": 2, "application_id": appID, "guild_id": s.guildID,
			"channel_id": s.channelID, "session_id": "dg", "data": map[string]any{"id": cmd.ID, "name": cmd.Name, "type": 1, "options": options}}, nil)
	}
	wait := func() answered {
		t.Helper()
		select {
		case d := <-done:
			if d.err != nil {
				t.Fatalf("/%s: %v", d.name, d.err)
			}
			return d
		case <-time.After(eventWait):
			t.Fatal("the bot did not answer")
			panic("unreachable")
		}
	}
	history := func(token string) []string {
		var msgs []struct{ Content string }
		a.rest(t, 200, "GET", "/channels/"+s.channelID+"/messages?limit=50", token, nil, &msgs)
		out := make([]string, len(msgs))
		for i, m := range msgs {
			out[i] = m.Content
		}
		return out
	}

	invokerID, invoker := user("dginvoker")
	_, bystander := user("dgbystander")
	invoke(invoker, cmds[0], []any{map[string]any{"type": 3, "name": "text", "value": "hi"}})
	d := wait()
	if d.name != "echo" || d.userID != invokerID {
		t.Fatalf("answered %+v", d)
	}
	var orig struct {
		Content string
		Flags   int
	}
	a.rest(t, 200, "GET", fmt.Sprintf("/webhooks/%s/%s/messages/@original", appID, d.token), "", nil, &orig)
	if orig.Content != "secret hi" || orig.Flags&64 == 0 {
		t.Fatalf("@original %+v", orig)
	}
	for _, tok := range []string{invoker, bystander, s.owner} {
		seen := history(tok)
		if !strings.Contains(strings.Join(seen, "\n"), "public hi") || strings.Contains(strings.Join(seen, "\n"), "secret") {
			t.Fatalf("history %q", seen)
		}
	}

	invoke(invoker, slow, nil)
	wait()
	if seen := history(bystander); len(seen) == 0 || seen[0] != "thought it over" {
		t.Fatalf("history after the deferred answer %q", seen)
	}
	// As the bystander reads it: the answer names the invoker.
	var msgs []discordgo.Message
	a.rest(t, 200, "GET", "/channels/"+s.channelID+"/messages?limit=1", bystander, nil, &msgs)
	if len(msgs) != 1 || msgs[0].Type != discordgo.MessageTypeChatInputCommand || msgs[0].InteractionMetadata == nil ||
		msgs[0].InteractionMetadata.User.ID != invokerID || msgs[0].Flags&discordgo.MessageFlagsLoading != 0 {
		t.Fatalf("the deferred answer as the bystander reads it: %+v", msgs)
	}
}

// checkAnswer checks an interaction's answer as discordgo parses it: its
// type, the application's webhook and interaction_metadata naming i and
// its user.
func checkAnswer(m *discordgo.Message, i *discordgo.InteractionCreate, typ discordgo.MessageType) error {
	meta := m.InteractionMetadata
	if m.Type != typ || m.WebhookID != i.AppID || meta == nil || meta.ID != i.ID || meta.Type != i.Type ||
		meta.User == nil || i.Member == nil || meta.User.ID != i.Member.User.ID ||
		meta.AuthorizingIntegrationOwners[discordgo.ApplicationIntegrationGuildInstall] != i.GuildID {
		return fmt.Errorf("answer type %d webhook %s metadata %+v", m.Type, m.WebhookID, meta)
	}
	return nil
}
