package automod

import (
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

// BenchmarkCheck measures one message check against n keyword rules, each
// with 10 keywords mixing the four strategies and an allow list, on a
// typical 120-byte chat message that matches nothing (the common case:
// every keyword must be ruled out).
func BenchmarkCheck(b *testing.B) {
	const content = "hey everyone, did anybody see the match last night? that final goal was unbelievable, see you all at 8"
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			rules := make([]Rule, n)
			for i := range rules {
				var kws []string
				for k := range 10 {
					w := fmt.Sprintf("bad%dw%d", i, k)
					switch k % 4 {
					case 1:
						w += "*"
					case 2:
						w = "*" + w
					case 3:
						w = "*" + w + "*"
					}
					kws = append(kws, w)
				}
				rules[i] = keywordRule(chat.ID(i+1), kws, []string{"fine"}, nil)
			}
			m := NewMatcher(rules)
			msg := &Message{Content: content, ChannelID: 5, Roles: []chat.ID{3}}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if len(m.Check(msg)) != 0 {
					b.Fatal("unexpected hit")
				}
			}
		})
	}
}
