package webhook

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/accordchat/accord/internal/chat"
)

// GitHub's colours as Discord shows them.
const (
	colorPush   = 0x7289da
	colorOpened = 0x00ff00
	colorClosed = 0x000000
	colorOther  = 0xfcb900
)

// maxCommits is how many commits a push embed lists (Discord's 5).
const maxCommits = 5

// ErrIgnored is returned for a GitHub event this route does not post, as
// Discord answers such deliveries without a message.
var ErrIgnored = fmt.Errorf("webhook: github event not posted")

type ghUser struct {
	Login     string `json:"login"`
	AvatarURL string `json:"avatar_url"`
	HTMLURL   string `json:"html_url"`
}

// GitHub converts a GitHub delivery of event (the X-GitHub-Event header)
// into an embed as Discord roughly does: ping, push (its commits) and
// issues (opened, closed, reopened). Other events return ErrIgnored.
func GitHub(event string, b []byte) (Message, error) {
	var p struct {
		Zen        string `json:"zen"`
		Ref        string `json:"ref"`
		Compare    string `json:"compare"`
		Action     string `json:"action"`
		Repository struct {
			FullName string `json:"full_name"`
			HTMLURL  string `json:"html_url"`
		} `json:"repository"`
		Sender  ghUser `json:"sender"`
		Commits []struct {
			ID      string `json:"id"`
			Message string `json:"message"`
			URL     string `json:"url"`
			Author  struct {
				Name     string `json:"name"`
				Username string `json:"username"`
			} `json:"author"`
		} `json:"commits"`
		Issue struct {
			Number  int    `json:"number"`
			Title   string `json:"title"`
			HTMLURL string `json:"html_url"`
			Body    string `json:"body"`
		} `json:"issue"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Message{}, fmt.Errorf("webhook: github payload: %w", err)
	}
	author := &chat.EmbedAuthor{Name: p.Sender.Login, URL: p.Sender.HTMLURL, IconURL: p.Sender.AvatarURL}
	repo := p.Repository.FullName
	switch event {
	case "ping":
		return one(chat.Embed{Title: "[" + repo + "] webhook ping", Description: p.Zen, URL: p.Repository.HTMLURL,
			Author: author}, colorOther), nil
	case "push":
		if len(p.Commits) == 0 {
			return Message{}, ErrIgnored
		}
		branch := strings.TrimPrefix(p.Ref, "refs/heads/")
		var lines []string
		for i, c := range p.Commits {
			if i == maxCommits {
				break
			}
			id := c.ID
			if len(id) > 7 {
				id = id[:7]
			}
			msg, _, _ := strings.Cut(c.Message, "\n")
			name := c.Author.Username
			if name == "" {
				name = c.Author.Name
			}
			lines = append(lines, "["+"`"+id+"`"+"]("+c.URL+") "+clip(msg, 50)+" - "+name)
		}
		n := len(p.Commits)
		word := "commit"
		if n != 1 {
			word = "commits"
		}
		return one(chat.Embed{Title: "[" + repo + ":" + branch + "] " + strconv.Itoa(n) + " new " + word,
			URL: p.Compare, Description: strings.Join(lines, "\n"), Author: author}, colorPush), nil
	case "issues":
		color := colorOther
		switch p.Action {
		case "opened":
			color = colorOpened
		case "closed":
			color = colorClosed
		case "reopened":
		default:
			return Message{}, ErrIgnored
		}
		e := chat.Embed{Title: "[" + repo + "] Issue " + p.Action + ": #" + strconv.Itoa(p.Issue.Number) + " " + p.Issue.Title,
			URL: p.Issue.HTMLURL, Author: author}
		if p.Action == "opened" {
			e.Description = clip(p.Issue.Body, 500)
		}
		return one(e, color), nil
	}
	return Message{}, ErrIgnored
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}

// one is a message of the single embed e in color.
func one(e chat.Embed, color int) Message {
	e.Type = "rich"
	e.Color = &color
	return Message{Username: "GitHub", Embeds: []chat.Embed{e}}
}
