package pebble

import (
	"context"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// TestFloorPutMessageWritesWhatPutMessageWrites: the ingest floor writes
// the same records as PutMessage, so a message it wrote reads back whole
// and is found by a history read (its bucket index entry is there), and
// the two writes produce byte-identical databases entries.
func TestFloorPutMessageWritesWhatPutMessageWrites(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	ids, _ := snowflake.New(0, 0)
	ch := ids.Next()
	m := chat.Message{ID: ids.Next(), ChannelID: ch, GuildID: 7, AuthorID: 9, Content: "floor"}
	if err := s.FloorPutMessage(m); err != nil {
		t.Fatal(err)
	}
	got, err := s.Message(ctx, ch, m.ID)
	if err != nil || got.Content != "floor" || got.AuthorID != 9 || got.GuildID != 7 {
		t.Fatalf("%+v %v", got, err)
	}
	list, err := s.Messages(ctx, ch, store.Page{Limit: 10})
	if err != nil || len(list) != 1 || list[0].ID != m.ID {
		t.Fatalf("history %+v %v", list, err)
	}
	viaPut := m
	viaPut.ChannelID = ids.Next()
	if err := s.PutMessage(ctx, viaPut); err != nil {
		t.Fatal(err)
	}
	a, _ := s.get(messageKey(m.ChannelID, m.ID))
	b, _ := s.get(messageKey(viaPut.ChannelID, viaPut.ID))
	if string(a) != string(b) || len(a) == 0 {
		t.Fatalf("floor record %x, PutMessage's %x", a, b)
	}
}
