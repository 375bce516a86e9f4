package guild

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// memUsers is a user cache held in memory, as the server's is once warm.
type memUsers map[chat.ID]chat.User

func (m memUsers) User(_ context.Context, id chat.ID) (chat.User, error) {
	if u, ok := m[id]; ok {
		return u, nil
	}
	return chat.User{}, chat.ErrUnknownUser
}

// listBench is a guild of members (10% online) with sessions watching
// #general's list at [0,99], as Discord's client does when the channel
// opens. Members are put into the actor directly: a million store writes
// would measure the store, not the list.
type listBench struct {
	e       *env
	g       chat.ID
	general chat.ID
	members []chat.ID // by name order: members[i] is named u<i>
	subs    []*countSession
}

func newListBench(b *testing.B, members, sessions int) *listBench {
	b.Helper()
	e := newEnv(b, Config{PassiveInterval: time.Hour})
	ctx := context.Background()
	owner := e.user("zz-owner", false)
	g, err := e.r.CreateGuild(ctx, owner, "bench")
	if err != nil {
		b.Fatal(err)
	}
	users := memUsers{owner: {ID: owner, Username: "zz-owner"}}
	lb := &listBench{e: e, g: g.ID, general: *g.SystemChannelID, members: make([]chat.ID, members)}
	for i := range lb.members {
		id := e.ids.Next()
		lb.members[i] = id
		users[id] = chat.User{ID: id, Username: fmt.Sprintf("u%07d", i)}
	}
	e.r.users = users
	// Sessions (the owner's) connect first: GUILD_CREATE of a
	// 100,000-member guild to each would dominate the setup and is not
	// what is measured.
	lb.subs = append(lb.subs, connectCounters(b, e, g.ID, owner, sessions)...)
	online := presence{Status: protocol.StatusOnline, Activities: json.RawMessage("[]")}
	if err := e.r.call(ctx, g.ID, func(_ context.Context, a *actor) error {
		for i, id := range lb.members {
			a.members[id] = &chat.Member{GuildID: g.ID, UserID: id, Roles: []chat.ID{}, JoinedAt: time.Now()}
			if i%10 == 0 {
				a.presence[id] = online
			}
		}
		a.invalidateView()
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for _, s := range lb.subs {
		if err := e.r.SubscribeMemberList(ctx, g.ID, s.id, map[chat.ID][]protocol.ListRange{lb.general: {{0, 99}}}); err != nil {
			b.Fatal(err)
		}
	}
	e.sync(g.ID)
	return lb
}

func (lb *listBench) sent() int64 {
	var n int64
	for _, s := range lb.subs {
		n += s.n.Load()
	}
	return n
}

// BenchmarkMemberListPresence: the cost to the guild actor of one presence
// change in a 100,000-member guild whose #general list 1,000 sessions
// watch at [0,99]: moving the member in the list (remove, insert, indexes)
// and sending the ops to the sessions whose ranges they touch. "in view"
// toggles members whose online slot is inside everyone's range (every
// session gets the update: the worst case); "anywhere" toggles members at
// random (most changes touch no session's range).
func BenchmarkMemberListPresence(b *testing.B) {
	lb := newListBench(b, 100_000, 1000)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		pick func(i int) chat.ID
	}{
		{"in-view", func(i int) chat.ID { return lb.members[1+(i%50)*10] }}, // u0000001, u0000011, ...: offline, first online slots
		{"anywhere", func(i int) chat.ID { return lb.members[(i*7919)%len(lb.members)] }},
	} {
		b.Run(c.name, func(b *testing.B) {
			statuses := []presence{{Status: protocol.StatusOnline, Activities: json.RawMessage("[]")}, {Status: protocol.StatusOffline, Activities: json.RawMessage("[]")}}
			before := lb.sent()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				id := c.pick(i)
				p := statuses[(i/50)%2]
				if err := lb.e.r.call(ctx, lb.g, func(_ context.Context, a *actor) error {
					a.presence[id] = p
					a.listsMember(id)
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(lb.sent()-before)/float64(b.N), "sends/op")
		})
	}
}

// BenchmarkMemberListSync: a SYNC of one range of 100 items from the
// 100,000-member list, encoded, as a session scrolling to a new range
// gets it.
func BenchmarkMemberListSync(b *testing.B) {
	lb := newListBench(b, 100_000, 1)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start := (i * 7919) % 99_000
		if err := lb.e.r.call(ctx, lb.g, func(_ context.Context, a *actor) error {
			w := a.ml.watches[lb.subs[0].id][lb.general]
			d := a.dispatch(protocol.EventGuildMemberListUpdate, a.listSync(w.list, []protocol.ListRange{{start, start + 99}}, nil))
			if d == nil || len(d.Data) < 100*100 {
				return fmt.Errorf("sync of %d bytes", len(d.Data))
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}
