package storetest

import (
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// testPrivate pins down private channels and relationships: a channel row
// is replaced whole, a user's index lists only their channels in ID order,
// and relationships list one user's side in other-user order.
func testPrivate(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b, c := NewID(), NewID(), NewID()
	dm := chat.PrivateChannel{ID: NewID(), Type: chat.ChannelDM, Recipients: []chat.ID{a, b}}
	group := chat.PrivateChannel{ID: NewID(), Type: chat.ChannelGroupDM, Name: "trip", Icon: "abc",
		OwnerID: a, Recipients: []chat.ID{a, b, c}, LastMessageID: NewID(), Closed: []chat.ID{b}}
	ok(t, "PutPrivateChannel dm", s.PutPrivateChannel(ctx, dm))
	ok(t, "PutPrivateChannel group", s.PutPrivateChannel(ctx, group))
	t.Run("Channel", func(t *testing.T) {
		got, err := s.PrivateChannel(ctx, group.ID)
		ok(t, "PrivateChannel", err)
		check(t, "PrivateChannel", got, group)
		got, err = s.PrivateChannel(ctx, dm.ID)
		ok(t, "PrivateChannel dm", err)
		check(t, "PrivateChannel dm", got, dm)
		_, err = s.PrivateChannel(ctx, NewID())
		isErr(t, "PrivateChannel of nothing", err, store.ErrNotFound)
		group.Recipients = []chat.ID{a, c}
		group.Name = ""
		ok(t, "PutPrivateChannel again", s.PutPrivateChannel(ctx, group))
		got, err = s.PrivateChannel(ctx, group.ID)
		ok(t, "PrivateChannel replaced", err)
		check(t, "PrivateChannel replaced", got, group)
	})
	t.Run("Index", func(t *testing.T) {
		for _, u := range []chat.ID{a, b} {
			ok(t, "AddUserPrivateChannel", s.AddUserPrivateChannel(ctx, u, group.ID))
			ok(t, "AddUserPrivateChannel", s.AddUserPrivateChannel(ctx, u, dm.ID))
		}
		ok(t, "AddUserPrivateChannel twice", s.AddUserPrivateChannel(ctx, a, dm.ID))
		got, err := s.UserPrivateChannels(ctx, a)
		ok(t, "UserPrivateChannels", err)
		check(t, "UserPrivateChannels", got, []chat.ID{dm.ID, group.ID})
		ok(t, "RemoveUserPrivateChannel", s.RemoveUserPrivateChannel(ctx, b, group.ID))
		ok(t, "RemoveUserPrivateChannel twice", s.RemoveUserPrivateChannel(ctx, b, group.ID))
		got, err = s.UserPrivateChannels(ctx, b)
		ok(t, "UserPrivateChannels after remove", err)
		check(t, "UserPrivateChannels after remove", got, []chat.ID{dm.ID})
		got, err = s.UserPrivateChannels(ctx, c)
		ok(t, "UserPrivateChannels of nobody's", err)
		check(t, "UserPrivateChannels of nobody's", got, nil)
	})
	t.Run("Relationships", func(t *testing.T) {
		since := time.UnixMilli(time.Now().UnixMilli()).UTC()
		rc := chat.Relationship{UserID: a, OtherID: c, Type: chat.RelationshipOutgoing, Since: since}
		rb := chat.Relationship{UserID: a, OtherID: b, Type: chat.RelationshipBlocked, Since: since}
		other := chat.Relationship{UserID: c, OtherID: a, Type: chat.RelationshipIncoming, Since: since}
		for _, r := range []chat.Relationship{rc, rb, other} {
			ok(t, "PutRelationship", s.PutRelationship(ctx, r))
		}
		got, err := s.Relationships(ctx, a)
		ok(t, "Relationships", err)
		check(t, "Relationships", got, []chat.Relationship{rb, rc})
		rc.Type = chat.RelationshipFriend
		ok(t, "PutRelationship replace", s.PutRelationship(ctx, rc))
		ok(t, "DeleteRelationship", s.DeleteRelationship(ctx, a, b))
		ok(t, "DeleteRelationship twice", s.DeleteRelationship(ctx, a, b))
		got, err = s.Relationships(ctx, a)
		ok(t, "Relationships after changes", err)
		check(t, "Relationships after changes", got, []chat.Relationship{rc})
		got, err = s.Relationships(ctx, b)
		ok(t, "Relationships of b", err)
		check(t, "Relationships of b", got, nil)
	})
}
