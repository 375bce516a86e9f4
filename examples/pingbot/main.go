// Command pingbot is a discordgo bot that answers "!ping" with "pong". It is
// an unmodified discordgo v0.29 bot; the only Accord-specific part is
// discordgoaccord.PointAt, which replaces Discord's API base URL with the server's.
//
// Quick start, with a server running (accord serve):
//
//	# register a user, make an application, get its bot token and add the
//	# bot to a guild (see the README), then:
//	go run ./examples/pingbot --url http://127.0.0.1:8080 --token "$BOT_TOKEN"
//
// Flags may also be given as ACCORD_URL and BOT_TOKEN.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

func main() {
	url := flag.String("url", envOr("ACCORD_URL", "http://127.0.0.1:8080"), "Accord server base URL")
	token := flag.String("token", os.Getenv("BOT_TOKEN"), "bot token")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *url, *token, log.Printf); err != nil {
		log.Fatal(err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// run connects the bot and answers until ctx ends.
func run(ctx context.Context, baseURL, token string, logf func(string, ...any)) error {
	if token == "" {
		return errors.New("pingbot: no token (--token or BOT_TOKEN)")
	}
	discordgoaccord.PointAt(strings.TrimSuffix(baseURL, "/"))
	dg, err := discordgo.New("Bot " + token)
	if err != nil {
		return fmt.Errorf("pingbot: %w", err)
	}
	dg.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent
	dg.AddHandler(func(s *discordgo.Session, r *discordgo.Ready) {
		logf("pingbot: logged in as %s in %d guilds", r.User.Username, len(r.Guilds))
	})
	dg.AddHandler(func(s *discordgo.Session, g *discordgo.GuildCreate) {
		logf("pingbot: guild %s available", g.Name)
	})
	dg.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
		if m.Author == nil || m.Author.ID == s.State.User.ID || strings.TrimSpace(m.Content) != "!ping" {
			return
		}
		if _, err := s.ChannelMessageSend(m.ChannelID, "pong"); err != nil {
			logf("pingbot: reply: %v", err)
		}
	})
	if err := dg.Open(); err != nil {
		return fmt.Errorf("pingbot: open gateway: %w", err)
	}
	<-ctx.Done()
	return dg.Close()
}
