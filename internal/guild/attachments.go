package guild

import (
	"context"
	"slices"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Attachments. The REST layer writes a message's files to the blob store
// before it asks for the message, so that an acknowledged message's files
// are durable; it calls CheckAttach first, which runs at the guild's owner
// (refusing with *NotOwnerError elsewhere) and checks the permissions, so
// that no blob is written for a request that will be refused or re-run at
// another node.

// AttachmentEdit replaces a message's attachments on edit.
type AttachmentEdit struct {
	// Keep names the message's attachments that stay; the others go,
	// unless KeepAll.
	Keep    []chat.ID
	KeepAll bool
	// New are files uploaded with the edit, appended after the kept ones.
	New []chat.Attachment
}

// apply returns the attachments after the edit and those it removed.
func (e *AttachmentEdit) apply(old []chat.Attachment) (kept, removed []chat.Attachment) {
	for _, a := range old {
		if e.KeepAll || slices.Contains(e.Keep, a.ID) {
			kept = append(kept, a)
		} else {
			removed = append(removed, a)
		}
	}
	return append(kept, e.New...), removed
}

// CheckAttach checks that userID may post files in channelID now: it must
// see the channel and have SEND_MESSAGES and ATTACH_FILES there, and the
// channel must take messages. With edit set, it checks editing messageID
// instead: the user must be its author, see the channel and have
// ATTACH_FILES.
func (r *Registry) CheckAttach(ctx context.Context, channelID, userID, messageID chat.ID) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		if messageID != 0 {
			if err := a.require(userID, ch, protocol.PermViewChannel|protocol.PermAttachFiles); err != nil {
				return err
			}
			m, err := a.r.data.Message(ctx, ch.ID, messageID)
			if err != nil {
				return err
			}
			if m.AuthorID != userID {
				return protocol.NewAPIError(403, protocol.CodeCannotEditOthers, "Cannot edit a message authored by another user")
			}
			return nil
		}
		if err := a.require(userID, ch, protocol.PermViewChannel|protocol.PermSendMessages|protocol.PermAttachFiles); err != nil {
			return err
		}
		if ch.Type != chat.ChannelText {
			return protocol.NewAPIError(400, protocol.CodeNonTextChannel, "Cannot send messages in a non-text channel")
		}
		return nil
	})
}

// signAttachments gives m's attachments (and its referenced message's)
// the URLs clients fetch them from.
func (r *Registry) signAttachments(m *protocol.Message) {
	sign := r.cfg.AttachmentURL
	if sign == nil {
		return
	}
	for i := range m.Attachments {
		u := sign(m.Attachments[i].URL)
		m.Attachments[i].URL, m.Attachments[i].ProxyURL = u, u
	}
	if m.ReferencedMessage != nil {
		r.signAttachments(m.ReferencedMessage)
	}
}

// attachmentsGone reports attachments no message holds any more.
func (r *Registry) attachmentsGone(channelID chat.ID, as []chat.Attachment) {
	if len(as) > 0 && r.cfg.AttachmentsGone != nil {
		r.cfg.AttachmentsGone(channelID, as)
	}
}

// CheckManageGuild checks that userID may edit guildID (MANAGE_GUILD), at
// the guild's owner: the REST layer asks it before it stores a new icon,
// so that nobody else writes blobs under the guild's name.
func (r *Registry) CheckManageGuild(ctx context.Context, guildID, userID chat.ID) error {
	_, err := ask(ctx, r, guildID, func(_ context.Context, a *actor) (struct{}, error) {
		return struct{}{}, a.require(userID, nil, protocol.PermManageGuild)
	})
	return err
}
