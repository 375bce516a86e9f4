package guild

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// stallStore holds the first DeleteChannel until release is closed, so a
// test can end the caller's context in the middle of a guild delete.
type stallStore struct {
	store.Store
	stalled chan struct{} // closed when the first DeleteChannel arrives
	release chan struct{} // closed by the test to let it go on
}

func (s *stallStore) DeleteChannel(ctx context.Context, guildID, channelID chat.ID) error {
	select {
	case <-s.stalled:
	default:
		close(s.stalled)
		<-s.release
	}
	// The pebble store refuses work under a cancelled context, as a
	// network store would; the delete must not be handed one.
	return s.Store.DeleteChannel(ctx, guildID, channelID)
}

// TestDeleteGuildOutlivesCaller cancels the caller of DeleteGuild after
// the guild row is gone but before its channels, roles, members and
// invites are: the caller stops waiting, and the actor still deletes
// everything.
func TestDeleteGuildOutlivesCaller(t *testing.T) {
	stall := &stallStore{stalled: make(chan struct{}), release: make(chan struct{})}
	e := newEnvWrapped(t, Config{}, func(st store.Store) store.Store { stall.Store = st; return stall })
	ctx := context.Background()
	owner, other := e.user("owner", false), e.user("other", false)
	g, err := e.r.CreateGuild(ctx, owner, "doomed")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.AddMember(ctx, g.ID, other); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := e.r.CreateChannel(ctx, g.ID, owner, ChannelCreate{Name: fmt.Sprint("c", i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.r.CreateRole(ctx, g.ID, owner, RoleEdit{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.r.CreateInvite(ctx, *g.SystemChannelID, owner, 0, 0); err != nil {
		t.Fatal(err)
	}
	channels, err := e.st.GuildChannels(ctx, g.ID)
	if err != nil || len(channels) != 4 {
		t.Fatalf("channels %v %v", channels, err)
	}

	callCtx, cancel := context.WithCancel(ctx)
	returned := make(chan error, 1)
	go func() { returned <- e.r.DeleteGuild(callCtx, g.ID, owner) }()
	select {
	case <-stall.stalled:
	case <-time.After(5 * time.Second):
		t.Fatal("delete never reached the channels")
	}
	if _, err := e.st.Guild(ctx, g.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("guild row while stalled: %v", err)
	}
	cancel()
	if err := <-returned; !errors.Is(err, context.Canceled) {
		t.Fatalf("DeleteGuild after cancel = %v, want context.Canceled", err)
	}
	close(stall.release)

	waitFor(t, "guild fully deleted", func() bool { return guildLeftovers(ctx, e.st, g.ID, channels) == nil })
	if _, err := e.r.Guild(ctx, g.ID, owner, false); !errors.Is(err, chat.ErrUnknownGuild) {
		t.Fatalf("Guild after delete: %v", err)
	}
}

// guildLeftovers returns an error naming what of guildID is still in st.
func guildLeftovers(ctx context.Context, st store.Store, guildID chat.ID, channels []chat.Channel) error {
	if _, err := st.Guild(ctx, guildID); !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("guild row: %v", err)
	}
	for _, c := range channels {
		if _, err := st.Channel(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("channel %d: %v", c.ID, err)
		}
	}
	if cs, err := st.GuildChannels(ctx, guildID); err != nil || len(cs) > 0 {
		return fmt.Errorf("channels %v %v", cs, err)
	}
	if rs, err := st.GuildRoles(ctx, guildID); err != nil || len(rs) > 0 {
		return fmt.Errorf("roles %v %v", rs, err)
	}
	if ms, err := st.GuildMembers(ctx, guildID, 0, 0); err != nil || len(ms) > 0 {
		return fmt.Errorf("members %v %v", ms, err)
	}
	if is, err := st.GuildInvites(ctx, guildID); err != nil || len(is) > 0 {
		return fmt.Errorf("invites %v %v", is, err)
	}
	return nil
}
