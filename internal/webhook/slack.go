package webhook

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// Message is what a Slack or GitHub payload becomes: the fields of an
// execute request.
type Message struct {
	Content   string
	Username  string
	AvatarURL string
	Embeds    []chat.Embed
}

// maxEmbeds is how many embeds one message carries (Discord's 10).
const maxEmbeds = 10

// Slack converts a Slack incoming-webhook payload: text becomes content
// (Slack's <url|label> links and mrkdwn bold turned into Discord's
// markdown), each attachment an embed.
func Slack(b []byte) (Message, error) {
	var p struct {
		Text        string `json:"text"`
		Username    string `json:"username"`
		IconURL     string `json:"icon_url"`
		Attachments []struct {
			Fallback   string `json:"fallback"`
			Color      string `json:"color"`
			Pretext    string `json:"pretext"`
			AuthorName string `json:"author_name"`
			AuthorLink string `json:"author_link"`
			AuthorIcon string `json:"author_icon"`
			Title      string `json:"title"`
			TitleLink  string `json:"title_link"`
			Text       string `json:"text"`
			Fields     []struct {
				Title string `json:"title"`
				Value string `json:"value"`
				Short bool   `json:"short"`
			} `json:"fields"`
			ImageURL   string          `json:"image_url"`
			ThumbURL   string          `json:"thumb_url"`
			Footer     string          `json:"footer"`
			FooterIcon string          `json:"footer_icon"`
			TS         json.RawMessage `json:"ts"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Message{}, fmt.Errorf("webhook: slack payload: %w", err)
	}
	m := Message{Content: slackText(p.Text), Username: p.Username, AvatarURL: p.IconURL}
	for i, a := range p.Attachments {
		if i == maxEmbeds {
			break
		}
		if a.Pretext != "" {
			m.Content = strings.TrimSpace(m.Content + "\n" + slackText(a.Pretext))
		}
		e := chat.Embed{Type: "rich", Title: a.Title, URL: a.TitleLink, Description: slackText(a.Text)}
		if e.Title == "" && e.Description == "" && len(a.Fields) == 0 {
			e.Description = a.Fallback
		}
		if c, err := strconv.ParseUint(strings.TrimPrefix(a.Color, "#"), 16, 24); err == nil {
			color := int(c)
			e.Color = &color
		}
		if a.AuthorName != "" {
			e.Author = &chat.EmbedAuthor{Name: a.AuthorName, URL: a.AuthorLink, IconURL: a.AuthorIcon}
		}
		for _, f := range a.Fields {
			e.Fields = append(e.Fields, chat.EmbedField{Name: f.Title, Value: slackText(f.Value), Inline: f.Short})
		}
		if a.ImageURL != "" {
			e.Image = &chat.EmbedMedia{URL: a.ImageURL}
		}
		if a.ThumbURL != "" {
			e.Thumbnail = &chat.EmbedMedia{URL: a.ThumbURL}
		}
		if a.Footer != "" {
			e.Footer = &chat.EmbedFooter{Text: a.Footer, IconURL: a.FooterIcon}
		}
		if ts, err := strconv.ParseFloat(strings.Trim(string(a.TS), `"`), 64); err == nil && ts > 0 {
			t := time.Unix(int64(ts), 0).UTC()
			e.Timestamp = &t
		}
		m.Embeds = append(m.Embeds, e)
	}
	return m, nil
}

// slackText turns Slack's mrkdwn links <url|label> and <url> into
// Discord's [label](url) and url, and *bold* into **bold**.
func slackText(s string) string {
	var out strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		out.WriteString(s[:i])
		inner := s[i+1 : i+j]
		if url, label, ok := strings.Cut(inner, "|"); ok {
			out.WriteString("[" + label + "](" + url + ")")
		} else {
			out.WriteString(inner)
		}
		s = s[i+j+1:]
	}
	out.WriteString(s)
	return out.String()
}
