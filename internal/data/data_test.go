package data_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/pebble"
)

func TestService(t *testing.T) {
	if _, err := data.New(data.Config{}); err == nil {
		t.Fatal("New without a store succeeded")
	}
	st, err := pebble.New(pebble.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := data.New(data.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ids, _ := snowflake.New(0, 0)
	const ch chat.ID = 42
	var made []chat.ID
	for i := 0; i < 5; i++ {
		m := chat.Message{ID: ids.Next(), ChannelID: ch, AuthorID: 7, Content: "hi"}
		if err := s.CreateMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		made = append(made, m.ID)
	}
	m, err := s.Message(ctx, ch, made[0])
	if err != nil || m.Content != "hi" {
		t.Fatalf("get: %+v %v", m, err)
	}
	m.Content = "edited"
	if err := s.UpdateMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	ms, err := s.Messages(ctx, ch, store.Page{Limit: 10})
	if err != nil || len(ms) != 5 || ms[0].ID != made[4] || ms[4].Content != "edited" {
		t.Fatalf("list: %+v %v", ms, err)
	}
	if err := s.DeleteMessages(ctx, ch, made[0], made[1], 999); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Message(ctx, ch, made[0]); !errors.Is(err, chat.ErrUnknownMessage) {
		t.Fatalf("deleted message: %v", err)
	}
	if ms, _ := s.Messages(ctx, ch, store.Page{Limit: 10}); len(ms) != 3 {
		t.Fatalf("after delete %d", len(ms))
	}
}
