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

// encodingJSON is v as encoding/json writes it without HTML escaping, the
// bytes Marshal must give.
func encodingJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// TestMarshalIsExact checks what Marshal returns, for a message object
// (written by hand) and for another (the pooled encoder): the same bytes
// as encoding/json without HTML escaping and without the newline, without
// the buffer's slack (only its size class's), and never sharing memory
// with a later result.
func TestMarshalIsExact(t *testing.T) {
	m := benchMessage()
	for _, v := range []any{m, m.Author, m.Mentions} {
		got, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if want := encodingJSON(t, v); string(got) != want || cap(got) > len(got)+64 {
			t.Fatalf("Marshal = %q (cap %d)\nwant %q", got, cap(got), want)
		}
	}
	got, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
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
