package store

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Private is the part of the store that holds direct messages' channels
// and relationships. A private channel is one row by ID plus one index row
// per recipient (a user's partition lists their private channels);
// relationships are one partition per user, clustered by the other user.
// Messages of private channels use the ordinary message tables.
type Private interface {
	// PutPrivateChannel inserts or replaces a private channel's row (not
	// its recipients' index rows).
	PutPrivateChannel(ctx context.Context, c chat.PrivateChannel) error
	// PrivateChannel reads one; ErrNotFound if there is none.
	PrivateChannel(ctx context.Context, id chat.ID) (chat.PrivateChannel, error)
	// AddUserPrivateChannel and RemoveUserPrivateChannel keep userID's
	// index; UserPrivateChannels lists it in channel-ID order.
	AddUserPrivateChannel(ctx context.Context, userID, channelID chat.ID) error
	RemoveUserPrivateChannel(ctx context.Context, userID, channelID chat.ID) error
	UserPrivateChannels(ctx context.Context, userID chat.ID) ([]chat.ID, error)

	// PutRelationship inserts or replaces r (r.UserID's side only);
	// DeleteRelationship removes one side; Relationships lists userID's
	// side in other-user-ID order.
	PutRelationship(ctx context.Context, r chat.Relationship) error
	DeleteRelationship(ctx context.Context, userID, otherID chat.ID) error
	Relationships(ctx context.Context, userID chat.ID) ([]chat.Relationship, error)
}
