package chat

import "time"

// Private channel types (Discord's numbering).
const (
	ChannelDM      = 1
	ChannelGroupDM = 3
)

// MaxGroupDMRecipients is how many people a group DM holds, its owner
// included (Discord's limit for user accounts).
const MaxGroupDMRecipients = 10

// PrivateChannel is a direct message (ChannelDM, two recipients) or a group
// DM (ChannelGroupDM, up to MaxGroupDMRecipients). It belongs to no guild:
// its recipients are who may see it. Its messages live in the same
// (channel, bucket) partitions as a guild channel's.
type PrivateChannel struct {
	ID            ID     `json:"id"`
	Type          int    `json:"type"`
	Name          string `json:"name,omitempty"`
	Icon          string `json:"icon,omitempty"`
	OwnerID       ID     `json:"owner_id,omitempty"` // group DMs only
	Recipients    []ID   `json:"recipients"`
	LastMessageID ID     `json:"last_message_id,omitempty"`
	// Closed are the recipients of a DM who closed it: it leaves their
	// list (READY, GET /users/@me/channels) until its next message.
	Closed []ID `json:"closed,omitempty"`
}

// Has reports whether userID is one of c's recipients.
func (c *PrivateChannel) Has(userID ID) bool { return hasID(c.Recipients, userID) }

// ClosedBy reports whether userID closed the DM.
func (c *PrivateChannel) ClosedBy(userID ID) bool { return hasID(c.Closed, userID) }

func hasID(ids []ID, id ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Relationship types (Discord's numbering).
const (
	RelationshipFriend   = 1
	RelationshipBlocked  = 2
	RelationshipIncoming = 3 // a friend request OtherID sent UserID
	RelationshipOutgoing = 4 // a friend request UserID sent OtherID
)

// Relationship is how UserID relates to OtherID, as UserID sees it. A
// friendship or a pending request is two rows (one per side); a block is
// one row on the blocker's side (the blocked user sees nothing).
type Relationship struct {
	UserID  ID        `json:"user_id"`
	OtherID ID        `json:"other_id"`
	Type    int       `json:"type"`
	Since   time.Time `json:"since"`
}
