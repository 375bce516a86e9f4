//go:build clients

package discordgosuite

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

// TestPresence: a bot with GUILD_PRESENCES (and GUILD_MEMBERS) gets
// PRESENCE_UPDATE online when a user's session identifies and offline
// once the user's last session has ended, after the server's grace. Must
// not: a bot in the same guild without GUILD_PRESENCES, and one with it
// that shares no guild with the user, get none of the user's updates.
func TestPresence(t *testing.T) {
	a := server(t)
	s := a.bootstrap(t, "dgpresence")
	_, blindToken := a.addBot(t, s.owner, s.guildID, "dgpresence-blind")
	elsewhere := a.bootstrap(t, "dgpresence-elsewhere")
	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	same := func(next http.RoundTripper) http.RoundTripper { return next }

	watching := session(t, s.botToken, g, same, discordgo.IntentsGuilds|discordgo.IntentsGuildMembers|discordgo.IntentsGuildPresences)
	login(t, watching, g, s.guildID)
	blind := session(t, blindToken, g, same, discordgo.IntentsGuilds|discordgo.IntentsGuildMembers)
	login(t, blind, g, s.guildID)
	stranger := session(t, elsewhere.botToken, g, same, discordgo.IntentsGuilds|discordgo.IntentsGuildMembers|discordgo.IntentsGuildPresences)
	login(t, stranger, g, elsewhere.guildID)

	// The user, made over REST, joins the guild.
	var reg struct{ Token string }
	a.rest(t, 201, "POST", "/auth/register", "", map[string]string{
		"username": "dgpresence_user_" + time.Now().Format("150405.000000")[7:], "password": "correct horse battery staple"}, &reg)
	var me struct{ ID string }
	a.rest(t, 200, "GET", "/users/@me", reg.Token, nil, &me)
	var inv struct{ Code string }
	a.rest(t, 200, "POST", "/channels/"+s.channelID+"/invites", s.owner, map[string]any{}, &inv)
	a.rest(t, 200, "POST", "/invites/"+inv.Code, reg.Token, nil, nil)

	var mu sync.Mutex
	var leaked []string
	for _, dg := range []*discordgo.Session{blind, stranger} {
		remove := dg.AddHandler(func(_ *discordgo.Session, p *discordgo.PresenceUpdate) {
			if p.User != nil && p.User.ID == me.ID {
				mu.Lock()
				leaked = append(leaked, string(p.Status))
				mu.Unlock()
			}
		})
		t.Cleanup(remove)
	}

	online := expect(t, watching, func(p *discordgo.PresenceUpdate) bool {
		return p.User != nil && p.User.ID == me.ID && p.Status == discordgo.StatusOnline
	})
	// A user account's session: discordgo with the bare token (no "Bot ").
	user, err := discordgo.New(reg.Token)
	if err != nil {
		t.Fatal(err)
	}
	user.Client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: g.dial}}
	dialer := *user.Dialer
	dialer.NetDialContext = g.dial
	user.Dialer = &dialer
	user.Identify.Intents = discordgo.IntentsGuilds
	user.ShouldReconnectOnError = false
	if err := user.Open(); err != nil {
		t.Fatalf("user session: %v", err)
	}
	if p := recv(t, online, "PRESENCE_UPDATE online"); p.GuildID != s.guildID {
		t.Fatalf("online presence %+v", p)
	}

	offline := expect(t, watching, func(p *discordgo.PresenceUpdate) bool {
		return p.User != nil && p.User.ID == me.ID && p.Status == discordgo.StatusOffline
	})
	closed := time.Now()
	if err := user.Close(); err != nil {
		t.Fatalf("close the user's session: %v", err)
	}
	recv(t, offline, "PRESENCE_UPDATE offline")
	if waited := time.Since(closed); waited < time.Second {
		t.Fatalf("offline after %v: before the grace", waited)
	}

	// Any leak would have reached the other bots with the watcher's updates.
	time.Sleep(time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Fatalf("a bot without GUILD_PRESENCES or sharing no guild saw the presence: %v", leaked)
	}
}
