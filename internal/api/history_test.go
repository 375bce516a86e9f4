package api_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
)

// TestHistoryCursorEdges pins Discord's paging at the ends of a channel:
// after=0 is a cursor (discord.py's history(oldest_first=True) starts
// there), and every page comes back newest first.
func TestHistoryCursorEdges(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "edges")
	var sent []chat.ID
	for i := range 7 {
		sent = append(sent, alice.Send(t, ch, fmt.Sprint("m", i)).ID)
	}
	list := func(q string) []chat.ID {
		var ms []accordtest.Message
		alice.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages%s", ch, q), nil, &ms)
		var ids []chat.ID
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		return ids
	}
	newestFirst := func(ids []chat.ID) []chat.ID {
		out := slices.Clone(ids)
		slices.Reverse(out)
		return out
	}
	cases := []struct {
		q    string
		want []chat.ID
	}{
		{"?after=0&limit=3", newestFirst(sent[:3])},
		{"?after=0", newestFirst(sent)},
		{fmt.Sprintf("?before=%d&limit=3", sent[6]), newestFirst(sent[3:6])},
		{fmt.Sprintf("?before=%d", sent[0]), nil},
		{fmt.Sprintf("?after=%d", sent[6]), nil},
		{fmt.Sprintf("?around=%d&limit=4", sent[6]), newestFirst(sent[4:7])},
		{fmt.Sprintf("?around=%d&limit=4", sent[0]), newestFirst(sent[:2])},
		{fmt.Sprintf("?around=%d&limit=5", sent[0]), newestFirst(sent[:3])},
	}
	for _, tc := range cases {
		if got := list(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.q, got, tc.want)
		}
	}

	// discord.py's oldest_first walk: after=0, then after the newest of
	// each page, reversing each page itself.
	var walked []chat.ID
	for after := chat.ID(0); ; {
		page := list(fmt.Sprintf("?after=%d&limit=2", after))
		if len(page) == 0 {
			break
		}
		walked = append(walked, newestFirst(page)...)
		after = page[0]
	}
	if !slices.Equal(walked, sent) {
		t.Fatalf("oldest-first walk: got %v, want %v", walked, sent)
	}
}
