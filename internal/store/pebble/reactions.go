package pebble

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Reactions and pins. Key layout (see keys.go for the other tables):
//
//	r/<channel><message><emoji key>\x00<user>  chat.Reaction JSON; byte
//	                                           order is (emoji key, user)
//	                                           as in the CQL clustering
//	p/<channel><message>                       chat.Pin JSON
//
// Emoji keys never hold a NUL byte (package api refuses one), so the NUL
// ends the key and no emoji's rows are a prefix range of another's.
const (
	pReaction = "r/"
	pPin      = "p/"
)

func reactionEmojiPrefix(channelID, messageID chat.ID, emoji string) []byte {
	return append(strKey(pReaction, []chat.ID{channelID, messageID}, emoji), 0)
}

func reactionKey(channelID, messageID chat.ID, emoji string, userID chat.ID) []byte {
	return binary.BigEndian.AppendUint64(reactionEmojiPrefix(channelID, messageID, emoji), uint64(userID))
}

// PutReaction stores r.
func (s *Store) PutReaction(ctx context.Context, r chat.Reaction) error {
	return s.putJSON(ctx, fmt.Sprintf("put reaction %d/%d", r.MessageID, r.UserID),
		reactionKey(r.ChannelID, r.MessageID, r.Emoji.Key(), r.UserID), r)
}

// DeleteReaction removes one user's reaction.
func (s *Store) DeleteReaction(ctx context.Context, channelID, messageID chat.ID, emoji string, userID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete reaction %d/%d", messageID, userID),
		reactionKey(channelID, messageID, emoji, userID))
}

// DeleteReactions removes a message's reactions with emoji, or all of them
// when emoji is "", with one range tombstone.
func (s *Store) DeleteReactions(ctx context.Context, channelID, messageID chat.ID, emoji string) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	p := idKey(pReaction, channelID, messageID)
	if emoji != "" {
		p = reactionEmojiPrefix(channelID, messageID, emoji)
	}
	b := s.newBatch()
	if err := b.b.DeleteRange(p, prefixEnd(p), nil); err != nil {
		b.b.Close()
		return fmt.Errorf("pebble store: delete reactions of %d: %w", messageID, err)
	}
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: delete reactions of %d: %w", messageID, err)
	}
	return nil
}

// Reactions returns the reactions on messageIDs, by message, emoji key and
// user.
func (s *Store) Reactions(ctx context.Context, channelID chat.ID, messageIDs []chat.ID) ([]chat.Reaction, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	sorted := slices.Clone(messageIDs)
	slices.Sort(sorted)
	var out []chat.Reaction
	for i, id := range sorted {
		if i > 0 && sorted[i-1] == id {
			continue
		}
		rs, err := scanJSON[chat.Reaction](s, idKey(pReaction, channelID, id))
		if err != nil {
			return nil, fmt.Errorf("pebble store: reactions of %d: %w", id, err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// ReactionUsers returns up to limit users above after who reacted with
// emoji, in ID order.
func (s *Store) ReactionUsers(ctx context.Context, channelID, messageID chat.ID, emoji string, after chat.ID, limit int) ([]chat.ID, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	if limit <= 0 {
		limit = store.MaxPage
	}
	p := reactionEmojiPrefix(channelID, messageID, emoji)
	var start []byte
	if after != 0 {
		start = keyAfter(reactionKey(channelID, messageID, emoji, after))
	}
	var out []chat.ID
	err := s.scan(p, start, func(k, _ []byte) (bool, error) {
		if len(k) != len(p)+8 {
			return false, fmt.Errorf("reaction key %q has a bad length", k)
		}
		out = append(out, chat.ID(binary.BigEndian.Uint64(k[len(p):])))
		return len(out) < limit, nil
	})
	if err != nil {
		return nil, fmt.Errorf("pebble store: reaction users of %d: %w", messageID, err)
	}
	return out, nil
}

// PutPin stores p.
func (s *Store) PutPin(ctx context.Context, p chat.Pin) error {
	return s.putJSON(ctx, fmt.Sprintf("put pin %d", p.MessageID), idKey(pPin, p.ChannelID, p.MessageID), p)
}

// DeletePin removes a pin.
func (s *Store) DeletePin(ctx context.Context, channelID, messageID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete pin %d", messageID), idKey(pPin, channelID, messageID))
}

// Pins returns a channel's pins, newest pin first.
func (s *Store) Pins(ctx context.Context, channelID chat.ID) ([]chat.Pin, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	ps, err := scanJSON[chat.Pin](s, idKey(pPin, channelID))
	if err != nil {
		return nil, fmt.Errorf("pebble store: pins of channel %d: %w", channelID, err)
	}
	store.SortPins(ps)
	return ps, nil
}
