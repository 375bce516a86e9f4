package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/protocol"
)

// TestPermissionMatrix checks every kind of subject against channel and
// guild actions: the owner, a plain member, a member whose role grants more,
// a member hidden from the channel by an overwrite, and an outsider.
func TestPermissionMatrix(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	g, ch := owner.CreateGuild(t, "matrix")
	member := s.Register(t, "member")
	member.Join(t, owner, ch)
	helper := s.Register(t, "helper")
	helper.Join(t, owner, ch)
	denied := s.Register(t, "denied")
	denied.Join(t, owner, ch)
	muted := s.Register(t, "muted")
	muted.Join(t, owner, ch)
	outsider := s.Register(t, "outsider")

	var role roleObj
	owner.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{
		"name": "helper", "permissions": fmt.Sprint(protocol.PermDefaultEveryone | protocol.PermManageMessages | protocol.PermManageChannels)}, &role)
	owner.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, helper.UserID, role.ID), nil, nil)
	owner.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", ch, denied.UserID),
		map[string]any{"type": 1, "deny": fmt.Sprint(protocol.PermViewChannel)}, nil)
	owner.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", ch, muted.UserID),
		map[string]any{"type": 1, "deny": fmt.Sprint(protocol.PermSendMessages)}, nil)

	const (
		ok      = 0
		access  = protocol.CodeMissingAccess
		missing = protocol.CodeMissingPermissions
	)
	type action struct {
		name string
		do   func(c *accordtest.Client) (int, []byte, error)
	}
	actions := []action{
		{"view channel", func(c *accordtest.Client) (int, []byte, error) {
			return c.Request("GET", fmt.Sprintf("/channels/%d", ch), nil)
		}},
		{"read history", func(c *accordtest.Client) (int, []byte, error) {
			return c.Request("GET", fmt.Sprintf("/channels/%d/messages", ch), nil)
		}},
		{"send message", func(c *accordtest.Client) (int, []byte, error) {
			return c.Request("POST", fmt.Sprintf("/channels/%d/messages", ch), map[string]string{"content": "hi"})
		}},
		{"delete others' message", func(c *accordtest.Client) (int, []byte, error) {
			m := owner.Send(t, ch, "target")
			return c.Request("DELETE", fmt.Sprintf("/channels/%d/messages/%d", ch, m.ID), nil)
		}},
		{"manage channel", func(c *accordtest.Client) (int, []byte, error) {
			return c.Request("PATCH", fmt.Sprintf("/channels/%d", ch), map[string]string{"topic": "t"})
		}},
		{"manage roles", func(c *accordtest.Client) (int, []byte, error) {
			return c.Request("POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]string{"name": "r"})
		}},
	}
	subjects := []struct {
		name string
		c    *accordtest.Client
		want []int // per action: ok or the JSON error code
	}{
		{"owner", owner, []int{ok, ok, ok, ok, ok, ok}},
		{"member", member, []int{ok, ok, ok, missing, missing, missing}},
		{"member with role", helper, []int{ok, ok, ok, ok, ok, missing}},
		{"member denied by overwrite", denied, []int{access, access, access, access, access, missing}},
		{"member denied send by overwrite", muted, []int{ok, ok, missing, missing, missing, missing}},
		{"outsider", outsider, []int{access, access, access, access, access, access}},
	}
	for _, sub := range subjects {
		for i, a := range actions {
			t.Run(sub.name+"/"+a.name, func(t *testing.T) {
				st, body, err := a.do(sub.c)
				if err != nil {
					t.Fatal(err)
				}
				want := sub.want[i]
				if want == ok {
					if st >= 300 {
						t.Fatalf("status %d, want success; body %s", st, body)
					}
					return
				}
				wantBody := fmt.Sprintf(`"code":%d`, want)
				if st != 403 || !strings.Contains(string(body), wantBody) {
					t.Fatalf("status %d body %s, want 403 with %s", st, body, wantBody)
				}
			})
		}
	}
}
