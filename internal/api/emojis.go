package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/blob"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/media"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// Custom emoji routes: /guilds/{guild_id}/emojis[/{emoji_id}]. The rules
// (permissions, limits, who sees the creator) live in the guild actor
// (package guild); this file validates bodies and keeps the images: an
// emoji's image is stored under emojis/{emoji_id}, where the CDN serves
// it (/emojis/{emoji_id}.{ext}), before the emoji exists, and deleted
// once the emoji is gone. X-Audit-Log-Reason is accepted and, as Accord
// keeps no audit log yet, not recorded.

// emojiKey is where an emoji's image is stored.
func emojiKey(id chat.ID) string { return "emojis/" + id.String() }

// nullableIDs distinguishes absent (Set false), null and a list, for
// PATCH roles where null clears the allow-list.
type nullableIDs struct {
	Set   bool
	Value []chat.ID
}

func (n *nullableIDs) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

// checkEmojiName turns validEmojiName (reactions.go) into the field
// error of an emoji body's name.
func checkEmojiName(name string) error {
	if n := len(name); n < protocol.MinEmojiName || n > protocol.MaxEmojiName {
		return protocol.InvalidForm(lengthError("name", protocol.MinEmojiName, protocol.MaxEmojiName))
	}
	if !validEmojiName(name) {
		return protocol.InvalidForm(protocol.FieldError{Path: "name", Code: protocol.FieldStringTypeRegex,
			Message: "String value did not match validation regex."})
	}
	return nil
}

// emojiRoles drops duplicates from an allow-list, keeping its order.
func emojiRoles(ids []chat.ID) []chat.ID {
	out := make([]chat.ID, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// emojiImage validates the image field of an emoji: Discord's image data,
// at most protocol.MaxImageBytes (256 KiB, as Discord), and bytes that
// media decodes whole as the type the data URI names.
func (h *Handler) emojiImage(v string) (imageData, error) {
	if v == "" {
		return imageData{}, protocol.InvalidForm(protocol.FieldError{Path: "image", Code: protocol.FieldBaseTypeRequired,
			Message: "This field is required"})
	}
	img, err := imageHash("image", v)
	if err != nil {
		return imageData{}, err
	}
	// imageHash reads the header only; a truncated or corrupt body would
	// be stored and then fail at every resize.
	if _, _, err := media.Decode(bytes.NewReader(img.b), h.cfg.MaxPixels); err != nil {
		return imageData{}, protocol.InvalidForm(protocol.FieldError{Path: "image", Code: protocol.FieldImageInvalid,
			Message: "Invalid image data"})
	}
	return img, nil
}

func (h *Handler) listEmojis(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	es, err := h.guilds.Emojis(r.Context(), id, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, es)
	return nil
}

// emojiPath parses the guild and emoji IDs of an emoji route.
func emojiPath(r *http.Request) (guildID, emojiID chat.ID, err error) {
	if guildID, err = pathID(r, "guild_id"); err != nil {
		return 0, 0, err
	}
	emojiID, err = pathID(r, "emoji_id")
	return guildID, emojiID, err
}

func (h *Handler) getEmoji(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	guildID, emojiID, err := emojiPath(r)
	if err != nil {
		return err
	}
	e, err := h.guilds.Emoji(r.Context(), guildID, u.ID, emojiID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (h *Handler) createEmoji(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	guildID, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var body struct {
		Name  string    `json:"name"`
		Image string    `json:"image"`
		Roles []chat.ID `json:"roles"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	if err := checkEmojiName(body.Name); err != nil {
		return err
	}
	img, err := h.emojiImage(body.Image)
	if err != nil {
		return err
	}
	if h.blobs == nil {
		return protocol.NewAPIError(http.StatusServiceUnavailable, protocol.CodeGeneral, "This server stores no files")
	}
	animated := img.typ == "gif"
	ctx := r.Context()
	// Permission and limits first, so that a refused request stores
	// nothing; the image is durable before the emoji names it.
	if err := h.guilds.CheckCreateEmoji(ctx, guildID, u.ID, animated); err != nil {
		return err
	}
	e := chat.GuildEmoji{ID: h.ids.Next(), Name: body.Name, Roles: emojiRoles(body.Roles), Animated: animated, Format: img.typ}
	key := emojiKey(e.ID)
	if err := h.blobs.Put(ctx, key, bytes.NewReader(img.b), int64(len(img.b)),
		blob.Meta{"content-type": "image/" + img.typ, "guild": guildID.String()}); err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	out, err := h.guilds.CreateEmoji(ctx, guildID, u.ID, e)
	if err != nil {
		// Nothing names the image: drop it now (the collector would
		// later).
		if derr := h.deleteBlob(context.WithoutCancel(ctx), key); derr != nil {
			h.log.Warn("delete image of refused emoji", "key", key, "err", derr)
		}
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) editEmoji(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	guildID, emojiID, err := emojiPath(r)
	if err != nil {
		return err
	}
	var body struct {
		Name  *string     `json:"name"`
		Roles nullableIDs `json:"roles"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	var ed guild.EmojiEdit
	if body.Name != nil {
		if err := checkEmojiName(*body.Name); err != nil {
			return err
		}
		ed.Name = body.Name
	}
	if body.Roles.Set {
		roles := emojiRoles(body.Roles.Value)
		ed.Roles = &roles
	}
	e, err := h.guilds.EditEmoji(r.Context(), guildID, u.ID, emojiID, ed)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (h *Handler) deleteEmoji(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	guildID, emojiID, err := emojiPath(r)
	if err != nil {
		return err
	}
	e, err := h.guilds.DeleteEmoji(r.Context(), guildID, u.ID, emojiID)
	if err != nil {
		return err
	}
	if h.blobs != nil {
		// The emoji is gone; a failure here leaves its image to the
		// collector, not to the client.
		if err := h.deleteBlob(context.WithoutCancel(r.Context()), emojiKey(e.ID)); err != nil {
			h.log.Warn("delete emoji image", "emoji", e.ID, "err", err)
		}
	}
	return noContent(w)
}

// serveEmoji serves /emojis/{emoji_id}.{png|jpg|jpeg|webp|gif}: public,
// as on Discord, in the format the extension asks for (an animated GIF
// asked as .gif is served as stored, animated).
func (h *Handler) serveEmoji(w http.ResponseWriter, r *http.Request) error {
	name, ext, ok := strings.Cut(r.PathValue("file"), ".")
	if !ok {
		return errCDNNotFound
	}
	id, err := chat.ParseID(name)
	if err != nil {
		return errCDNNotFound
	}
	if _, ok := media.Encoders[ext]; !ok {
		return errCDNNotFound
	}
	key := emojiKey(id)
	return h.serveBlob(w, r, key, "variants/"+key, ext, "public, max-age=86400")
}

// collectEmojis deletes emoji images older than cutoff whose emoji is
// gone: those of a deleted guild (the guild actor deletes the emoji, not
// their images), of a request that failed after storing its image, and
// any whose eager delete failed. It reads the store, not the guild
// actors, so that it runs on any node.
func (h *Handler) collectEmojis(ctx context.Context, cutoff time.Time) (int, error) {
	byGuild := map[chat.ID][]chat.ID{}
	err := h.blobs.List(ctx, "emojis/", func(info blob.Info) error {
		id, err := chat.ParseID(strings.TrimPrefix(info.Key, "emojis/"))
		if err != nil || !info.ModTime.Before(cutoff) {
			return nil
		}
		g, err := chat.ParseID(info.Meta["guild"])
		if err != nil {
			return nil // not an emoji image this server wrote
		}
		byGuild[g] = append(byGuild[g], id)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("collect emojis: %w", err)
	}
	deleted := 0
	for g, ids := range byGuild {
		held := map[chat.ID]bool{}
		if _, err := h.st.Guild(ctx, g); err == nil {
			es, err := h.st.GuildEmojis(ctx, g)
			if err != nil {
				return deleted, fmt.Errorf("collect emojis of guild %d: %w", g, err)
			}
			for _, e := range es {
				held[e.ID] = true
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return deleted, fmt.Errorf("collect emojis of guild %d: %w", g, err)
		}
		for _, id := range ids {
			if held[id] {
				continue
			}
			if err := h.deleteBlob(ctx, emojiKey(id)); err != nil {
				return deleted, fmt.Errorf("collect emojis: %w", err)
			}
			deleted++
		}
	}
	return deleted, nil
}
