package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// giveRole creates a role with perms (on top of @everyone's) and gives it
// to member.
func giveRole(t *testing.T, owner *accordtest.Client, guildID chat.ID, member *accordtest.Client, perms protocol.Permission) {
	t.Helper()
	var ro roleObj
	owner.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", guildID),
		map[string]any{"name": "r", "permissions": fmt.Sprint(perms | protocol.PermDefaultEveryone)}, &ro)
	owner.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", guildID, member.UserID, ro.ID), nil, nil)
}

// withReason sends a request with X-Audit-Log-Reason, URL-encoded as
// discord.js and discordgo send it.
func withReason(t *testing.T, c *accordtest.Client, method, path string, body any, reason string) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, c.S.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", c.Prefix+c.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Audit-Log-Reason", url.PathEscape(reason))
	resp, err := c.S.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type banObj struct {
	Reason *string `json:"reason"`
	User   struct {
		ID chat.ID `json:"id"`
	} `json:"user"`
}

func TestBansREST(t *testing.T) {
	s := run(t)
	owner, mod, bob, carol := s.Register(t, "owner"), s.Register(t, "mod"), s.Register(t, "bob"), s.Register(t, "carol")
	g, general := owner.CreateGuild(t, "bans")
	for _, c := range []*accordtest.Client{mod, bob, carol} {
		c.Join(t, owner, general)
	}
	giveRole(t, owner, g.ID, mod, protocol.PermBanMembers|protocol.PermManageGuild)
	stranger := s.Register(t, "stranger")
	bans := fmt.Sprintf("/guilds/%d/bans", g.ID)
	ban := func(u *accordtest.Client) string { return fmt.Sprintf("%s/%d", bans, u.UserID) }
	bob.Send(t, general, "bob was here")

	// Must not: no permission, non-member, the owner, bad input.
	wantCode(t, carol.Fail(t, "PUT", ban(bob), map[string]any{}), 403, protocol.CodeMissingPermissions)
	wantCode(t, stranger.Fail(t, "PUT", ban(bob), map[string]any{}), 403, protocol.CodeMissingAccess)
	wantCode(t, mod.Fail(t, "PUT", ban(owner), map[string]any{}), 403, protocol.CodeMissingPermissions)
	wantCode(t, carol.Fail(t, "GET", bans, nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, stranger.Fail(t, "GET", bans, nil), 403, protocol.CodeMissingAccess)
	for _, body := range []map[string]any{{"delete_message_seconds": 604801}, {"delete_message_seconds": -1}, {"delete_message_days": 8}} {
		e := mod.Fail(t, "PUT", ban(bob), body)
		wantCode(t, e, 400, protocol.CodeInvalidFormBody)
		if len(e.Errors) == 0 {
			t.Errorf("%v: no field errors", body)
		}
	}
	wantCode(t, mod.Fail(t, "PUT", bans+"/notanid", map[string]any{}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, mod.Fail(t, "GET", bans+"?limit=1001", nil), 400, protocol.CodeInvalidFormBody)
	wantCode(t, mod.Fail(t, "GET", ban(bob), nil), 404, protocol.CodeUnknownBan)
	wantCode(t, mod.Fail(t, "DELETE", ban(bob), nil), 404, protocol.CodeUnknownBan)

	// The ban, with a reason and a day of messages deleted.
	if st := withReason(t, mod, "PUT", ban(bob), map[string]any{"delete_message_seconds": 86400}, "spam & ads"); st != 204 {
		t.Fatalf("ban: status %d", st)
	}
	var b banObj
	mod.Must(t, 200, "GET", ban(bob), nil, &b)
	if b.User.ID != bob.UserID || b.Reason == nil || *b.Reason != "spam & ads" {
		t.Fatalf("ban %+v", b)
	}
	var msgs []accordtest.Message
	owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", general), nil, &msgs)
	for _, m := range msgs {
		if m.Author.ID == bob.UserID {
			t.Fatalf("banned user's message survived: %+v", m)
		}
	}
	var list []banObj
	mod.Must(t, 200, "GET", bans, nil, &list)
	if len(list) != 1 || list[0].User.ID != bob.UserID {
		t.Fatalf("bans %+v", list)
	}

	// The banned user's access is gone, and no invite brings them back.
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/channels/%d/messages", general), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", general), map[string]any{"content": "hi"}), 403, protocol.CodeMissingAccess)
	var inv struct {
		Code string `json:"code"`
	}
	owner.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/invites", general), map[string]any{}, &inv)
	wantCode(t, bob.Fail(t, "POST", "/invites/"+inv.Code, nil), 403, protocol.CodeUserBanned)
	var mine []struct {
		ID chat.ID `json:"id"`
	}
	bob.Must(t, 200, "GET", "/users/@me/guilds", nil, &mine)
	if len(mine) != 0 {
		t.Fatalf("banned user still lists the guild: %+v", mine)
	}

	// Lifted, they may come back.
	mod.Must(t, 204, "DELETE", ban(bob), nil, nil)
	bob.Must(t, 200, "POST", "/invites/"+inv.Code, nil, nil)
}

func TestBulkBanREST(t *testing.T) {
	s := run(t)
	owner, mod, bob, carol := s.Register(t, "owner"), s.Register(t, "mod"), s.Register(t, "bob"), s.Register(t, "carol")
	g, general := owner.CreateGuild(t, "bulk")
	for _, c := range []*accordtest.Client{mod, bob, carol} {
		c.Join(t, owner, general)
	}
	giveRole(t, owner, g.ID, mod, protocol.PermBanMembers|protocol.PermManageGuild)
	path := fmt.Sprintf("/guilds/%d/bulk-ban", g.ID)

	many := make([]string, 201)
	for i := range many {
		many[i] = fmt.Sprint(1000 + i)
	}
	for _, body := range []map[string]any{
		{},
		{"user_ids": many},
		{"user_ids": []string{bob.UserID.String(), bob.UserID.String()}},
		{"user_ids": []string{bob.UserID.String()}, "delete_message_seconds": 700000},
	} {
		wantCode(t, mod.Fail(t, "POST", path, body), 400, protocol.CodeInvalidFormBody)
	}
	wantCode(t, carol.Fail(t, "POST", path, map[string]any{"user_ids": []string{bob.UserID.String()}}), 403, protocol.CodeMissingPermissions)

	var res struct {
		Banned []chat.ID `json:"banned_users"`
		Failed []chat.ID `json:"failed_users"`
	}
	mod.Must(t, 200, "POST", path, map[string]any{"user_ids": []string{bob.UserID.String(), owner.UserID.String()}}, &res)
	if len(res.Banned) != 1 || res.Banned[0] != bob.UserID || len(res.Failed) != 1 || res.Failed[0] != owner.UserID {
		t.Fatalf("bulk ban %+v", res)
	}
	e := mod.Fail(t, "POST", path, map[string]any{"user_ids": []string{owner.UserID.String(), bob.UserID.String()}})
	wantCode(t, e, 500, protocol.CodeBulkBanFailed)
}

func TestTimeoutREST(t *testing.T) {
	s := run(t)
	owner, mod, bob := s.Register(t, "owner"), s.Register(t, "mod"), s.Register(t, "bob")
	g, general := owner.CreateGuild(t, "timeouts")
	mod.Join(t, owner, general)
	bob.Join(t, owner, general)
	giveRole(t, owner, g.ID, mod, protocol.PermModerateMembers)
	member := fmt.Sprintf("/guilds/%d/members/%d", g.ID, bob.UserID)
	target := owner.Send(t, general, "react here")

	for _, v := range []any{time.Now().Add(29 * 24 * time.Hour).Format(time.RFC3339), "tomorrow", 12} {
		e := mod.Fail(t, "PATCH", member, map[string]any{"communication_disabled_until": v})
		if v == 12 {
			if e.Status != 400 {
				t.Errorf("%v: status %d", v, e.Status)
			}
			continue
		}
		wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	}
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	wantCode(t, bob.Fail(t, "PATCH", fmt.Sprintf("/guilds/%d/members/%d", g.ID, mod.UserID),
		map[string]any{"communication_disabled_until": until}), 403, protocol.CodeMissingPermissions)
	wantCode(t, mod.Fail(t, "PATCH", fmt.Sprintf("/guilds/%d/members/%d", g.ID, owner.UserID),
		map[string]any{"communication_disabled_until": until}), 403, protocol.CodeMissingPermissions)

	var m struct {
		CommunicationDisabledUntil *string `json:"communication_disabled_until"`
	}
	mod.Must(t, 200, "PATCH", member, map[string]any{"communication_disabled_until": until}, &m)
	if m.CommunicationDisabledUntil == nil {
		t.Fatalf("member after timeout: %+v", m)
	}
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", general), map[string]any{"content": "muted"}), 403, protocol.CodeMissingPermissions)
	react := fmt.Sprintf("/channels/%d/messages/%d/reactions/%s/@me", general, target.ID, url.PathEscape("👍"))
	wantCode(t, bob.Fail(t, "PUT", react, nil), 403, protocol.CodeMissingPermissions)
	bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", general), nil, nil)

	mod.Must(t, 200, "PATCH", member, map[string]any{"communication_disabled_until": nil}, &m)
	bob.Send(t, general, "free again")
	bob.Must(t, 204, "PUT", react, nil, nil)
}

func TestSlowmodeREST(t *testing.T) {
	s := run(t)
	owner, bob := s.Register(t, "owner"), s.Register(t, "bob")
	_, general := owner.CreateGuild(t, "slow")
	bob.Join(t, owner, general)
	ch := fmt.Sprintf("/channels/%d", general)
	for _, v := range []int{-1, 21601} {
		wantCode(t, owner.Fail(t, "PATCH", ch, map[string]any{"rate_limit_per_user": v}), 400, protocol.CodeInvalidFormBody)
	}
	owner.Must(t, 200, "PATCH", ch, map[string]any{"rate_limit_per_user": 30}, nil)
	bob.Send(t, general, "first")
	st, body, err := bob.Request("POST", ch+"/messages", map[string]any{"content": "second"})
	if err != nil {
		t.Fatal(err)
	}
	var limited struct {
		Code       int     `json:"code"`
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	if err := json.Unmarshal(body, &limited); err != nil || st != 429 || limited.Code != protocol.CodeSlowmode ||
		limited.RetryAfter <= 25 || limited.RetryAfter > 30 || limited.Global {
		t.Fatalf("second message: %d %s", st, body)
	}
	// The owner holds every bit, BYPASS_SLOWMODE included.
	owner.Send(t, general, "one")
	owner.Send(t, general, "two")
	if !strings.Contains(string(body), "slowmode") {
		t.Errorf("message %s", body)
	}
}

func TestBulkDeleteREST(t *testing.T) {
	s := run(t)
	owner, bob := s.Register(t, "owner"), s.Register(t, "bob")
	_, general := owner.CreateGuild(t, "bulk delete")
	bob.Join(t, owner, general)
	a, b := owner.Send(t, general, "a"), owner.Send(t, general, "b")
	path := fmt.Sprintf("/channels/%d/messages/bulk-delete", general)
	ids := func(xs ...chat.ID) map[string]any {
		out := []string{}
		for _, x := range xs {
			out = append(out, x.String())
		}
		return map[string]any{"messages": out}
	}
	wantCode(t, bob.Fail(t, "POST", path, ids(a.ID, b.ID)), 403, protocol.CodeMissingPermissions)
	wantCode(t, owner.Fail(t, "POST", path, ids(a.ID, a.ID)), 400, protocol.CodeInvalidFormBody)
	wantCode(t, owner.Fail(t, "POST", path, ids(a.ID)), 400, protocol.CodeInvalidFormBody)
	old := chat.ID(uint64(time.Now().Add(-15*24*time.Hour).UnixMilli()-1420070400000) << 22)
	wantCode(t, owner.Fail(t, "POST", path, ids(a.ID, old)), 400, protocol.CodeBulkDeleteTooOld)
	// An ID of no message is ignored.
	owner.Must(t, 204, "POST", path, ids(a.ID, b.ID, b.ID+1), nil)
	var left []accordtest.Message
	owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", general), nil, &left)
	for _, m := range left {
		if m.ID == a.ID || m.ID == b.ID {
			t.Fatalf("message %d survived bulk delete", m.ID)
		}
	}
}

// Older clients (discordgo v0.29) put a ban's parameters in the query.
func TestBanQueryParameters(t *testing.T) {
	s := run(t)
	owner, bob, carol := s.Register(t, "owner"), s.Register(t, "bob"), s.Register(t, "carol")
	g, general := owner.CreateGuild(t, "query bans")
	bob.Join(t, owner, general)
	carol.Join(t, owner, general)
	bob.Send(t, general, "to be deleted")
	path := fmt.Sprintf("/guilds/%d/bans/%d", g.ID, bob.UserID)
	wantCode(t, owner.Fail(t, "PUT", path+"?delete_message_days=8", nil), 400, protocol.CodeInvalidFormBody)
	wantCode(t, owner.Fail(t, "PUT", path+"?delete_message_days=x", nil), 400, protocol.CodeInvalidFormBody)
	owner.Must(t, 204, "PUT", path+"?delete_message_days=1&reason=flooding", nil, nil)
	var b banObj
	owner.Must(t, 200, "GET", path, nil, &b)
	if b.Reason == nil || *b.Reason != "flooding" {
		t.Fatalf("ban %+v", b)
	}
	var msgs []accordtest.Message
	owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", general), nil, &msgs)
	for _, m := range msgs {
		if m.Author.ID == bob.UserID {
			t.Fatalf("message of the banned user survived: %+v", m)
		}
	}
}

func TestAuditLogREST(t *testing.T) {
	s := run(t)
	owner, bob, carol := s.Register(t, "owner"), s.Register(t, "bob"), s.Register(t, "carol")
	g, general := owner.CreateGuild(t, "audited")
	bob.Join(t, owner, general)
	carol.Join(t, owner, general)
	stranger := s.Register(t, "stranger")
	if st := withReason(t, owner, "DELETE", fmt.Sprintf("/guilds/%d/members/%d", g.ID, carol.UserID), nil, "broke rule #3 — twice"); st != 204 {
		t.Fatalf("kick: %d", st)
	}
	path := fmt.Sprintf("/guilds/%d/audit-logs", g.ID)
	var log struct {
		Entries []struct {
			ID         chat.ID  `json:"id"`
			ActionType int      `json:"action_type"`
			TargetID   *string  `json:"target_id"`
			UserID     *chat.ID `json:"user_id"`
			Reason     *string  `json:"reason"`
		} `json:"audit_log_entries"`
		Users   []struct{ ID chat.ID } `json:"users"`
		Threads []any                  `json:"threads"`
	}
	owner.Must(t, 200, "GET", fmt.Sprintf("%s?action_type=%d&user_id=%d&limit=10", path, protocol.AuditMemberKick, owner.UserID), nil, &log)
	if len(log.Entries) != 1 || log.Entries[0].Reason == nil || *log.Entries[0].Reason != "broke rule #3 — twice" ||
		*log.Entries[0].TargetID != carol.UserID.String() || *log.Entries[0].UserID != owner.UserID || log.Threads == nil {
		t.Fatalf("audit log %+v", log)
	}
	for _, q := range []string{"?limit=0", "?limit=101", "?action_type=x", "?user_id=abc", "?before=-1"} {
		wantCode(t, owner.Fail(t, "GET", path+q, nil), 400, protocol.CodeInvalidFormBody)
	}
	wantCode(t, bob.Fail(t, "GET", path, nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, stranger.Fail(t, "GET", path, nil), 403, protocol.CodeMissingAccess)
	wantCode(t, carol.Fail(t, "GET", path, nil), 403, protocol.CodeMissingAccess)
}
