package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// TestDeleteGuildClientHangsUp disconnects the client of DELETE
// /guilds/{id} once the guild row is gone but while its channels are
// still being deleted: the server finishes the delete anyway, leaving no
// half-deleted guild.
func TestDeleteGuildClientHangsUp(t *testing.T) {
	s := run(t)
	owner, member := s.Register(t, "owner"), s.Register(t, "member")
	g, general := owner.CreateGuild(t, "doomed")
	member.Join(t, owner, general)
	// Enough channels that deleting them (one synced write each) takes
	// far longer than noticing the delete began and hanging up.
	channels := []chat.ID{general}
	for i := range 150 {
		var c struct {
			ID chat.ID `json:"id"`
		}
		owner.Must(t, http.StatusCreated, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": fmt.Sprint("c", i)}, &c)
		channels = append(channels, c.ID)
	}
	for range 3 {
		owner.Must(t, http.StatusOK, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{"position": 1}, nil)
	}

	ctx, hangUp := context.WithCancel(context.Background())
	defer hangUp()
	req, err := http.NewRequestWithContext(ctx, "DELETE", fmt.Sprintf("%s/guilds/%d", s.Base, g.ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", owner.Token)
	answered := make(chan error, 1)
	go func() {
		resp, err := s.HTTP.Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		answered <- err
	}()
	// The guild row is deleted first; hang up as soon as it is gone.
	bg := context.Background()
	poll.Until(t, 10*time.Second, 50*time.Microsecond, func() error {
		if _, err := s.Store.Guild(bg, g.ID); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("guild row still there (%v)", err)
		}
		return nil
	})
	hangUp()
	if err := <-answered; !errors.Is(err, context.Canceled) {
		t.Fatalf("client got %v before hanging up; the delete was not cut in the middle", err)
	}

	poll.Until(t, 10*time.Second, 5*time.Millisecond, func() error {
		for _, id := range channels {
			if _, err := s.Store.Channel(bg, id); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("channel %d left (%v)", id, err)
			}
		}
		if rs, err := s.Store.GuildRoles(bg, g.ID); err != nil || len(rs) > 0 {
			return fmt.Errorf("%d roles left (%v)", len(rs), err)
		}
		if ms, err := s.Store.GuildMembers(bg, g.ID, 0, 0); err != nil || len(ms) > 0 {
			return fmt.Errorf("%d members left (%v)", len(ms), err)
		}
		if is, err := s.Store.GuildInvites(bg, g.ID); err != nil || len(is) > 0 {
			return fmt.Errorf("%d invites left (%v)", len(is), err)
		}
		return nil
	})
	wantCode(t, owner.Fail(t, "GET", fmt.Sprintf("/guilds/%d", g.ID), nil), http.StatusNotFound, protocol.CodeUnknownGuild)
	wantCode(t, member.Fail(t, "GET", fmt.Sprintf("/channels/%d", general), nil), http.StatusNotFound, protocol.CodeUnknownChannel)
}
