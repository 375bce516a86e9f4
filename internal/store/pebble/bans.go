package pebble

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
)

// pGuildBan keys a guild's bans: gb/<guild><user> -> chat.Ban JSON, so a
// prefix scan lists them in user-ID order ("gb/" is no prefix of another
// table's prefix, nor another of it).
const pGuildBan = "gb/"

// PutBan stores b.
func (s *Store) PutBan(ctx context.Context, b chat.Ban) error {
	return s.putJSON(ctx, fmt.Sprintf("put ban %d/%d", b.GuildID, b.UserID), idKey(pGuildBan, b.GuildID, b.UserID), b)
}

// Ban returns userID's ban from guildID.
func (s *Store) Ban(ctx context.Context, guildID, userID chat.ID) (chat.Ban, error) {
	var b chat.Ban
	if err := s.enter(ctx); err != nil {
		return b, err
	}
	defer s.mu.RUnlock()
	if err := s.getJSON(idKey(pGuildBan, guildID, userID), &b); err != nil {
		return chat.Ban{}, fmt.Errorf("pebble store: ban %d/%d: %w", guildID, userID, err)
	}
	return b, nil
}

// GuildBans returns up to limit bans (<= 0: all) with user IDs above
// after, in user-ID order.
func (s *Store) GuildBans(ctx context.Context, guildID, after chat.ID, limit int) ([]chat.Ban, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var start []byte
	if after != 0 {
		start = keyAfter(idKey(pGuildBan, guildID, after))
	}
	var out []chat.Ban
	err := s.scan(idKey(pGuildBan, guildID), start, func(k, v []byte) (bool, error) {
		var b chat.Ban
		if err := jsonUnmarshal(k, v, &b); err != nil {
			return false, err
		}
		out = append(out, b)
		return limit <= 0 || len(out) < limit, nil
	})
	if err != nil {
		return nil, fmt.Errorf("pebble store: bans of guild %d: %w", guildID, err)
	}
	return out, nil
}

// DeleteBan removes a ban.
func (s *Store) DeleteBan(ctx context.Context, guildID, userID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete ban %d/%d", guildID, userID), idKey(pGuildBan, guildID, userID))
}
