package gateway_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/server"
)

// TestDiscordgo runs the real discordgo library against a test server: it
// connects, gets READY and GUILD_CREATE, receives a message another user
// sent over REST, sends one and reads the channel's history.
func TestDiscordgo(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	discordgoaccord.PointAt(s.URL())
	alice := s.Register(t, "alice")
	gd, general := alice.CreateGuild(t, "discordgo")
	b := bot(t, s, alice, gd.ID)

	dg, err := discordgo.New("Bot " + b.Token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent
	dg.ShouldReconnectOnError = false
	var (
		mu       sync.Mutex
		ready    *discordgo.Ready
		guilds   []*discordgo.GuildCreate
		messages []*discordgo.MessageCreate
	)
	dg.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		mu.Lock()
		ready = r
		mu.Unlock()
	})
	dg.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) {
		mu.Lock()
		guilds = append(guilds, g)
		mu.Unlock()
	})
	dg.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
		mu.Lock()
		messages = append(messages, m)
		mu.Unlock()
	})
	if err := dg.Open(); err != nil {
		t.Fatalf("discordgo Open: %v", err)
	}
	defer dg.Close()

	poll.Until(t, 5*time.Second, 10*time.Millisecond, func() error {
		mu.Lock()
		defer mu.Unlock()
		if ready == nil || len(guilds) != 1 {
			return fmt.Errorf("ready %v, %d GUILD_CREATE", ready != nil, len(guilds))
		}
		return nil
	})
	mu.Lock()
	if ready.User.ID != b.UserID.String() || !ready.User.Bot || ready.SessionID == "" || ready.Application == nil || ready.Application.ID == "" {
		t.Fatalf("READY user %+v session %q application %+v", ready.User, ready.SessionID, ready.Application)
	}
	g := guilds[0].Guild
	if g.ID != gd.ID.String() || g.Unavailable || len(g.Channels) == 0 || g.MemberCount < 2 {
		t.Fatalf("GUILD_CREATE %+v", g)
	}
	mu.Unlock()
	if st := dg.State; st != nil {
		if _, err := st.Channel(general.String()); err != nil {
			t.Fatalf("discordgo state lacks the general channel: %v", err)
		}
	}

	alice.Send(t, general, "hello discordgo")
	poll.Until(t, 5*time.Second, 10*time.Millisecond, func() error {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range messages {
			if m.Content == "hello discordgo" && m.Author.ID == alice.UserID.String() && m.GuildID == gd.ID.String() && m.ChannelID == general.String() {
				return nil
			}
		}
		return fmt.Errorf("%d messages, none from alice", len(messages))
	})

	sent, err := dg.ChannelMessageSend(general.String(), "hello from discordgo")
	if err != nil {
		t.Fatalf("ChannelMessageSend: %v", err)
	}
	if sent.Content != "hello from discordgo" || sent.Author.ID != b.UserID.String() {
		t.Fatalf("sent %+v", sent)
	}
	if ts := sent.Timestamp; time.Since(ts) > time.Minute || time.Until(ts) > time.Minute {
		t.Fatalf("message timestamp %v", ts)
	}
	history, err := dg.ChannelMessages(general.String(), 10, "", "", "")
	if err != nil {
		t.Fatalf("ChannelMessages: %v", err)
	}
	if len(history) != 2 || history[0].ID != sent.ID || history[1].Content != "hello discordgo" {
		t.Fatalf("history %+v", history)
	}
	if st, err := discordgo.SnowflakeTimestamp(sent.ID); err != nil || time.Since(st) > time.Minute {
		t.Fatalf("message id %s decodes to %v (%v)", sent.ID, st, err)
	}
}
