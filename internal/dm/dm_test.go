package dm

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/pebble"
)

type users map[chat.ID]chat.User

func (u users) User(_ context.Context, id chat.ID) (chat.User, error) {
	if x, ok := u[id]; ok {
		return x, nil
	}
	return chat.User{}, chat.ErrUnknownUser
}

func (u users) UserByName(_ context.Context, name string) (chat.User, error) {
	for _, x := range u {
		if x.Username == name {
			return x, nil
		}
	}
	return chat.User{}, chat.ErrUnknownUser
}

// elsewhere places everything on another node.
type elsewhere struct{}

func (elsewhere) Owner(chat.ID) (string, bool, bool) { return "n2", false, true }

// recorder is a Deliverer that keeps what it is handed.
type recorder struct{ got []string }

func (r *recorder) DeliverToUsers(users []chat.ID, _ protocol.Intents, d *protocol.Dispatch) {
	for range users {
		r.got = append(r.got, d.Name)
	}
}

func newService(t *testing.T, p guild.Placement) (*Service, store.Store, users, *recorder) {
	t.Helper()
	st, err := pebble.New(pebble.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	d, err := data.New(data.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	ids, err := snowflake.New(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	us := users{1: {ID: 1, Username: "a"}, 2: {ID: 2, Username: "b"}}
	s, err := New(Config{Store: st, Data: d, IDs: ids, Users: us, Placement: p})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	s.SetDelivery(rec)
	return s, st, us, rec
}

// An operation on a channel or pair another node owns fails with
// *guild.NotOwnerError naming it, before anything is written or sent.
func TestNotOwnerChangesNothing(t *testing.T) {
	s, st, us, rec := newService(t, elsewhere{})
	ctx := t.Context()
	c := chat.PrivateChannel{ID: 100, Type: chat.ChannelDM, Recipients: []chat.ID{1, 2}}
	if err := st.PutPrivateChannel(ctx, c); err != nil {
		t.Fatal(err)
	}
	var no *guild.NotOwnerError
	_, err := s.CreateMessage(ctx, c.ID, 1, guild.MessageCreate{Content: "hi"})
	if !errors.As(err, &no) || no.Node != "n2" {
		t.Fatalf("CreateMessage: %v, want NotOwnerError for n2", err)
	}
	if _, err := s.OpenDM(ctx, us[1], 2); !errors.As(err, &no) {
		t.Fatalf("OpenDM: %v", err)
	}
	if err := s.SetRelationship(ctx, us[1], 2, chat.RelationshipBlocked); !errors.As(err, &no) {
		t.Fatalf("SetRelationship: %v", err)
	}
	ms, err := st.Messages(ctx, c.ID, store.Page{Limit: 5})
	if err != nil || len(ms) != 0 {
		t.Fatalf("messages written: %v %v", ms, err)
	}
	rs, err := st.Relationships(ctx, 1)
	if err != nil || len(rs) != 0 || len(rec.got) != 0 {
		t.Fatalf("relationships %v, events %v (%v)", rs, rec.got, err)
	}
}

func TestMentions(t *testing.T) {
	c := chat.PrivateChannel{Recipients: []chat.ID{1, 2}}
	replied := &chat.Message{AuthorID: 2}
	cases := []struct {
		name    string
		content string
		am      *guild.AllowedMentions
		replied *chat.Message
		want    []chat.ID
	}{
		{"recipient", "hi <@2> and <@!2>", nil, nil, []chat.ID{2}},
		{"not a recipient", "hi <@3>", nil, nil, nil},
		{"parse none", "hi <@2>", &guild.AllowedMentions{}, nil, nil},
		{"listed", "hi <@2>", &guild.AllowedMentions{Users: []chat.ID{2}}, nil, []chat.ID{2}},
		{"reply pings by default", "ok", nil, replied, []chat.ID{2}},
		{"reply without replied_user", "ok", &guild.AllowedMentions{}, replied, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := mentions(c, tc.content, tc.am, tc.replied); !slices.Equal(got, tc.want) {
				t.Fatalf("mentions %v, want %v", got, tc.want)
			}
		})
	}
}
