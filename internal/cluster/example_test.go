package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

func ExampleMembers_Owner() {
	ms := NewMembers(
		Member{ID: "n1", URL: "http://10.0.0.1:8080"},
		Member{ID: "n2", URL: "http://10.0.0.2:8080"},
		Member{ID: "n3", URL: "http://10.0.0.3:8080"},
	)
	owner, _ := ms.Owner(chat.ID(1234567890123456789))
	fmt.Println(owner.ID, owner.URL)
	// Output: n1 http://10.0.0.1:8080
}

func ExampleMoves() {
	guilds := []chat.ID{1, 2, 3, 4, 5, 6, 7, 8}
	three := NewMembers(Member{ID: "n1"}, Member{ID: "n2"}, Member{ID: "n3"})
	two := NewMembers(Member{ID: "n1"}, Member{ID: "n2"})
	// n3 died: only its guilds move.
	for _, m := range Moves(three, two, guilds) {
		fmt.Printf("guild %d: %s -> %s\n", m.Guild, m.From, m.To)
	}
	// Output:
	// guild 1: n3 -> n2
	// guild 2: n3 -> n2
}

// Two nodes run their Memberships over one bus; the first re-reads its
// view on each change, as the server does to re-place guilds.
func ExampleMembership_Watch() {
	bus := newHub() // the server passes the bus, on the heartbeat subject
	ctx, cancel := context.WithCancel(context.Background())
	var nodes []*Membership
	done := make(chan error, 2)
	for _, id := range []string{"n1", "n2"} {
		m, err := New(Config{Node: id, URL: "http://" + id + ":8080", Transport: bus, Interval: 10 * time.Millisecond, Logger: quiet})
		if err != nil {
			panic(err)
		}
		nodes = append(nodes, m)
		go func() { done <- m.Run(ctx) }()
	}
	for {
		ms, changed := nodes[0].Watch()
		if ms.Len() == 2 {
			owner, _ := ms.Owner(chat.ID(1234567890123456789))
			fmt.Println(ms.Len(), "nodes; owner", owner.ID, owner.URL)
			break
		}
		<-changed
	}
	cancel()
	fmt.Println(<-done, <-done)
	// Output:
	// 2 nodes; owner n1 http://n1:8080
	// <nil> <nil>
}
