package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/blob"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// The attachment collector deletes the blobs no message holds: a deleted
// message's files are deleted at once (guild.Config.AttachmentsGone), but
// a deleted channel's or guild's, those of a request that failed after
// storing its files on a node that then died, and any whose eager delete
// failed are left for it.
//
// A file uploaded with a new message is stored before its message gets an
// ID, so the message holding it has a larger ID, made within
// uploadWindow of the file's: the collector looks for it among the
// channel's messages in that window. A file added by an edit names its
// message in its metadata.

// uploadWindow bounds the time from a file's ID to its message's ID: the
// upload's remaining bytes, then the guild's queue. Requests are cut off
// long before (the HTTP read timeout).
const uploadWindow = time.Hour

// CollectAttachments deletes attachment blobs older than grace that no
// message holds, and emoji images no emoji holds (collectEmojis), and
// returns how many it deleted. grace must exceed the
// longest request (default uploadWindow when 0), so that files whose
// message is still on its way are left alone.
func (h *Handler) CollectAttachments(ctx context.Context, grace time.Duration) (int, error) {
	if h.blobs == nil {
		return 0, nil
	}
	if grace <= 0 {
		grace = uploadWindow
	}
	cutoff := time.Now().Add(-grace)
	byChannel := map[chat.ID][]blob.Info{}
	err := h.blobs.List(ctx, "attachments/", func(info blob.Info) error {
		parts := strings.Split(info.Key, "/")
		if len(parts) != 3 || !info.ModTime.Before(cutoff) {
			return nil
		}
		ch, err := chat.ParseID(parts[1])
		if err != nil {
			return nil
		}
		byChannel[ch] = append(byChannel[ch], info)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("collect attachments: %w", err)
	}
	deleted := 0
	for ch, infos := range byChannel {
		held, err := h.heldAttachments(ctx, ch, infos)
		if err != nil {
			return deleted, fmt.Errorf("collect attachments of channel %d: %w", ch, err)
		}
		for _, info := range infos {
			id, _ := chat.ParseID(info.Key[strings.LastIndexByte(info.Key, '/')+1:])
			if held[id] {
				continue
			}
			if err := h.deleteBlob(ctx, info.Key); err != nil {
				return deleted, fmt.Errorf("collect attachments: %w", err)
			}
			deleted++
		}
	}
	n, err := h.collectEmojis(ctx, cutoff)
	return deleted + n, err
}

// heldAttachments returns which of a channel's attachment blobs its
// messages hold: none when the channel or its guild is gone.
func (h *Handler) heldAttachments(ctx context.Context, channelID chat.ID, infos []blob.Info) (map[chat.ID]bool, error) {
	held := map[chat.ID]bool{}
	c, err := h.st.Channel(ctx, channelID)
	if errors.Is(err, store.ErrNotFound) {
		return held, nil
	}
	if err != nil {
		return nil, err
	}
	if c.GuildID != 0 {
		if _, err := h.st.Guild(ctx, c.GuildID); errors.Is(err, store.ErrNotFound) {
			return held, nil
		} else if err != nil {
			return nil, err
		}
	}
	hold := func(m chat.Message) {
		for _, a := range m.Attachments {
			held[a.ID] = true
		}
	}
	var ids []chat.ID
	for _, info := range infos {
		id, _ := chat.ParseID(info.Key[strings.LastIndexByte(info.Key, '/')+1:])
		if s := info.Meta["message"]; s != "" {
			if mid, err := chat.ParseID(s); err == nil {
				m, err := h.st.Message(ctx, channelID, mid)
				if err == nil {
					hold(m)
				} else if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, chat.ErrUnknownMessage) {
					return nil, err
				}
			}
			continue
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return held, nil
	}
	// One pass over the messages made from the oldest file's ID to the
	// newest's plus the window.
	slices.Sort(ids)
	end := snowflake.FromTime(snowflake.Time(ids[len(ids)-1]).Add(uploadWindow))
	for cursor := ids[0]; cursor < end; {
		page, err := h.st.Messages(ctx, channelID, store.Page{After: cursor, Limit: store.MaxPage})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			hold(m)
			cursor = max(cursor, m.ID)
		}
	}
	return held, nil
}
