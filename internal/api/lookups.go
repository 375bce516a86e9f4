package api

import (
	"context"
	"net/http"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Read-only guild lookups that discord.js and discord.py call: member
// search, the caller's own member and the guild preview.

func (h *Handler) searchMembers(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	limit, err := queryInt(r, "limit", 1, 1, 1000)
	if err != nil {
		return err
	}
	query := r.URL.Query().Get("query")
	if query == "" { // Discord requires it
		return protocol.InvalidForm(protocol.FieldError{Path: "query", Code: protocol.FieldBaseTypeRequired,
			Message: "This field is required"})
	}
	return guildRead(w, r, func(ctx context.Context, guildID chat.ID) ([]protocol.Member, error) {
		return h.guilds.SearchMembers(ctx, guildID, u.ID, query, limit)
	})
}

func (h *Handler) getMyMember(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return guildRead(w, r, func(ctx context.Context, guildID chat.ID) (protocol.Member, error) {
		return h.guilds.SelfMember(ctx, guildID, u.ID)
	})
}

func (h *Handler) guildPreview(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return guildRead(w, r, func(ctx context.Context, guildID chat.ID) (protocol.GuildPreview, error) {
		return h.guilds.Preview(ctx, guildID, u.ID)
	})
}

// guildRead answers a GET on a {guild_id} route with what read returns.
func guildRead[T any](w http.ResponseWriter, r *http.Request, read func(ctx context.Context, guildID chat.ID) (T, error)) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	v, err := read(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
