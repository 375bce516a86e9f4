package guild

import (
	"context"
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/automod"
	"github.com/accordchat/accord/internal/chat"
)

// BenchmarkCreateMessageAutoMod is BenchmarkCreateMessage's ingest by a
// plain member (who is checked) under no rules, Discord's most (6
// keyword rules of 1,000 keywords each) and 1,000 keyword rules of 10
// keywords each (more than Discord allows, installed behind the limit),
// so that the check's share of ingest shows.
func BenchmarkCreateMessageAutoMod(b *testing.B) {
	for _, c := range []struct {
		name         string
		rules, words int
	}{{"rules=0", 0, 0}, {"rules=6x1000kw", 6, 1000}, {"rules=1000x10kw", 1000, 10}} {
		b.Run(c.name, func(b *testing.B) {
			e := newEnv(b, Config{})
			ctx := context.Background()
			owner, member := e.user("owner", false), e.user("member", false)
			g, err := e.r.CreateGuild(ctx, owner, "bench")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.r.AddMember(ctx, g.ID, member); err != nil {
				b.Fatal(err)
			}
			rules := make([]automod.Rule, c.rules)
			for i := range rules {
				kws := make([]string, c.words)
				for k := range kws {
					kws[k] = fmt.Sprintf("*bad%dw%d*", i, k)
				}
				rules[i] = automod.Rule{ID: chat.ID(i + 1), Name: "r", EventType: automod.EventMessageSend, TriggerType: automod.TriggerKeyword,
					Enabled: true, TriggerMetadata: automod.Metadata{KeywordFilter: kws}, Actions: []automod.Action{{Type: automod.ActionBlockMessage}}}
			}
			err = e.r.call(ctx, g.ID, func(_ context.Context, a *actor) error {
				a.am.rules, a.am.match = rules, automod.NewMatcher(rules)
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			connectCounters(b, e, g.ID, owner, 100)
			ch := *g.SystemChannelID
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					content := fmt.Sprint("hey everyone, did anybody see the match last night? that final goal was unbelievable ", i)
					if _, err := e.r.CreateMessage(ctx, ch, member, MessageCreate{Content: content}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
