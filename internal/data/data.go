// Package data is the data service that every message read and write goes
// through, as Discord's Rust data services sit between the API and the
// database. Today it is a thin layer over the store; it is the one place
// where request coalescing and the hot-channel cache will go, so callers
// (guild actors, REST handlers) must not reach messages in the store
// directly.
//
// A Service is safe for concurrent use. Returned messages belong to the
// caller.
package data

import (
	"context"
	"errors"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Config configures a Service.
type Config struct {
	// Store holds the messages. Required.
	Store store.Store
}

// Service reads and writes messages.
type Service struct {
	st store.Store
}

// New returns a Service over cfg.Store.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("data: Config.Store is required")
	}
	return &Service{st: cfg.Store}, nil
}

// CreateMessage stores a new message; it returns once the write is durable.
func (s *Service) CreateMessage(ctx context.Context, m chat.Message) error {
	if err := s.st.PutMessage(ctx, m); err != nil {
		return fmt.Errorf("data: create message %d in %d: %w", m.ID, m.ChannelID, err)
	}
	return nil
}

// UpdateMessage replaces a stored message (an edit); durable on return.
func (s *Service) UpdateMessage(ctx context.Context, m chat.Message) error {
	if err := s.st.PutMessage(ctx, m); err != nil {
		return fmt.Errorf("data: update message %d in %d: %w", m.ID, m.ChannelID, err)
	}
	return nil
}

// Message returns one message, or chat.ErrUnknownMessage.
func (s *Service) Message(ctx context.Context, channelID, messageID chat.ID) (chat.Message, error) {
	m, err := s.st.Message(ctx, channelID, messageID)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, chat.ErrUnknownMessage
	}
	if err != nil {
		return chat.Message{}, fmt.Errorf("data: message %d in %d: %w", messageID, channelID, err)
	}
	return m, nil
}

// Messages returns a page of a channel's messages, newest first.
func (s *Service) Messages(ctx context.Context, channelID chat.ID, p store.Page) ([]chat.Message, error) {
	ms, err := s.st.Messages(ctx, channelID, p)
	if err != nil {
		return nil, fmt.Errorf("data: messages of %d: %w", channelID, err)
	}
	return ms, nil
}

// DeleteMessages deletes messages of one channel; missing ones are ignored.
func (s *Service) DeleteMessages(ctx context.Context, channelID chat.ID, ids ...chat.ID) error {
	for _, id := range ids {
		if err := s.st.DeleteMessage(ctx, channelID, id); err != nil {
			return fmt.Errorf("data: delete message %d in %d: %w", id, channelID, err)
		}
	}
	return nil
}
