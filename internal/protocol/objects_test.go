package protocol

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

func TestMessageObjectEmbeds(t *testing.T) {
	plain, err := json.Marshal(MessageObject(chat.Message{ID: 1 << 22, Content: "x"}, chat.User{ID: 2}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(plain), `"embeds":[]`) {
		t.Errorf("message without embeds: %s", plain)
	}

	at := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.FixedZone("x", 3600))
	black := 0
	m := chat.Message{ID: 1 << 22, Embeds: []chat.Embed{
		{Title: "t", Description: "d", URL: "https://e.com", Timestamp: &at, Color: &black,
			Footer:    &chat.EmbedFooter{Text: "f", IconURL: "https://e.com/f.png"},
			Image:     &chat.EmbedMedia{URL: "https://e.com/i.png"},
			Thumbnail: &chat.EmbedMedia{URL: "https://e.com/t.png"},
			Author:    &chat.EmbedAuthor{Name: "a"},
			Fields:    []chat.EmbedField{{Name: "n", Value: "v"}, {Name: "n2", Value: "v2", Inline: true}}},
		{Type: "rich", Description: "second"},
	}}
	b, err := json.Marshal(MessageObject(m, chat.User{ID: 2}, nil))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Embeds []map[string]any `json:"embeds"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"author":{"name":"a"},"color":0,"description":"d",` +
			`"fields":[{"inline":false,"name":"n","value":"v"},{"inline":true,"name":"n2","value":"v2"}],` +
			`"footer":{"icon_url":"https://e.com/f.png","text":"f"},"image":{"url":"https://e.com/i.png"},` +
			`"thumbnail":{"url":"https://e.com/t.png"},"timestamp":"2024-05-06T06:08:09.123456+00:00",` +
			`"title":"t","type":"rich","url":"https://e.com"}`,
		`{"description":"second","type":"rich"}`,
	}
	if len(got.Embeds) != len(want) {
		t.Fatalf("embeds: %s", b)
	}
	for i, e := range got.Embeds {
		// Re-encoding a map sorts its keys, so the comparison ignores order.
		enc, _ := json.Marshal(e)
		if string(enc) != want[i] {
			t.Errorf("embed %d:\n got %s\nwant %s", i, enc, want[i])
		}
	}
}
