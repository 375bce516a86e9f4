package protocol

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

// benchMessage is a message object of an ordinary shape, as the guild
// actor renders one per post.
func benchMessage() Message {
	return MessageObject(chat.Message{ID: 1 << 40, ChannelID: 1 << 39, GuildID: 1 << 38, AuthorID: 1 << 37,
		Content: "a message <@123> of ordinary length & with some <text>", Nonce: "1300000000000000000"},
		chat.User{ID: 1 << 37, Username: "poster"}, []chat.User{{ID: 123, Username: "mentioned"}})
}

// TestMarshalIsExact checks what the pooled encoder returns: the same
// bytes as encoding/json without HTML escaping and without the newline,
// without the buffer's slack (only its size class's), and never sharing
// memory with a later result.
func TestMarshalIsExact(t *testing.T) {
	m := benchMessage()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != strings.TrimSuffix(want.String(), "\n") || cap(got) > len(got)+64 {
		t.Fatalf("Marshal = %q (cap %d)\nwant %q", got, cap(got), want.String())
	}
	keep := string(got)
	if _, err := Marshal(map[string]string{"other": strings.Repeat("x", len(got))}); err != nil {
		t.Fatal(err)
	}
	if string(got) != keep {
		t.Fatal("a later Marshal changed an earlier result")
	}
	if _, err := Marshal(func() {}); err == nil {
		t.Fatal("Marshal of a func succeeded")
	}
}

func BenchmarkMarshalMessage(b *testing.B) {
	m := benchMessage()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}
