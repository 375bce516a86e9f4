package api

import (
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

func TestParseEmoji(t *testing.T) {
	for _, c := range []struct {
		in   string
		want chat.Emoji
		ok   bool
	}{
		{"🔥", chat.Emoji{Name: "🔥"}, true},
		{"❤️", chat.Emoji{Name: "❤️"}, true},
		{"👍🏽", chat.Emoji{Name: "👍🏽"}, true},
		{"#️⃣", chat.Emoji{Name: "#️⃣"}, true},
		{"🏴󠁧󠁢󠁳󠁣󠁴󠁿", chat.Emoji{Name: "🏴󠁧󠁢󠁳󠁣󠁴󠁿"}, true},
		{"blob:123456789012345678", chat.Emoji{ID: 123456789012345678, Name: "blob"}, true},
		{"a:party_blob:123456789012345678", chat.Emoji{ID: 123456789012345678, Name: "party_blob", Animated: true}, true},
		{"", chat.Emoji{}, false},
		{"123", chat.Emoji{}, false},          // would pose as a custom emoji's key
		{"#", chat.Emoji{}, false},            // a keycap base alone
		{"é", chat.Emoji{}, false},            // a letter
		{"🔥 ", chat.Emoji{}, false},           // a space
		{"🔥\n", chat.Emoji{}, false},          // a control
		{"\xff", chat.Emoji{}, false},         // not UTF-8
		{"b:1", chat.Emoji{}, false},          // name too short
		{"blob:0", chat.Emoji{}, false},       // no ID
		{"bl-ob:123", chat.Emoji{}, false},    // bad name
		{"blob:123:456", chat.Emoji{}, false}, // not an ID
		{strings.Repeat("🔥", 17), chat.Emoji{}, false},
	} {
		got, err := parseEmoji(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseEmoji(%q) = %+v, %v; want %+v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}
