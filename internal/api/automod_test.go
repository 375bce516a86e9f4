package api_test

import (
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// TestAutoModRoutes: the rules routes under MANAGE_GUILD with Discord's
// limits and form errors, and a rule's block enforced on REST message
// create and edit.
func TestAutoModRoutes(t *testing.T) {
	s := run(t)
	alice, bob, carol, mallory := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol"), s.Register(t, "mallory")
	g, general := alice.CreateGuild(t, "automod")
	bob.Join(t, alice, general)
	carol.Join(t, alice, general)
	var role struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{"permissions": fmt.Sprint(protocol.PermManageGuild)}, &role)
	alice.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, carol.UserID, role.ID), nil, nil)

	rules := fmt.Sprintf("/guilds/%d/auto-moderation/rules", g.ID)
	rule := func(name string, kw ...string) map[string]any {
		return map[string]any{"name": name, "event_type": 1, "trigger_type": 1, "enabled": true,
			"trigger_metadata": map[string]any{"keyword_filter": kw}, "actions": []any{map[string]any{"type": 1}}}
	}
	type ruleBody struct {
		ID              chat.ID `json:"id"`
		CreatorID       chat.ID `json:"creator_id"`
		Name            string  `json:"name"`
		TriggerMetadata struct {
			KeywordFilter []string `json:"keyword_filter"`
			RegexPatterns []string `json:"regex_patterns"`
		} `json:"trigger_metadata"`
		ExemptRoles []chat.ID `json:"exempt_roles"`
		Enabled     bool      `json:"enabled"`
	}

	// Must not do: no MANAGE_GUILD (403 50013), no member (403 50001).
	wantCode(t, bob.Fail(t, "POST", rules, rule("x", "cat")), 403, protocol.CodeMissingPermissions)
	wantCode(t, bob.Fail(t, "GET", rules, nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, mallory.Fail(t, "GET", rules, nil), 403, protocol.CodeMissingAccess)

	var created ruleBody
	carol.Must(t, 200, "POST", rules, rule("no cats", "cat*"), &created)
	if created.ID == 0 || created.CreatorID != carol.UserID || created.TriggerMetadata.RegexPatterns == nil || created.ExemptRoles == nil || !created.Enabled {
		t.Fatalf("created %+v", created)
	}
	one := fmt.Sprintf("%s/%d", rules, created.ID)
	wantCode(t, bob.Fail(t, "GET", one, nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, bob.Fail(t, "PATCH", one, map[string]any{"name": "mine"}), 403, protocol.CodeMissingPermissions)
	wantCode(t, bob.Fail(t, "DELETE", one, nil), 403, protocol.CodeMissingPermissions)

	// Bad input: 50035 with the field named.
	bad := rule("regex")
	bad["trigger_metadata"] = map[string]any{"regex_patterns": []string{"(unclosed"}}
	e := carol.Fail(t, "POST", rules, bad)
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if c := fieldCode(t, e, "trigger_metadata.regex_patterns.0"); c != protocol.FieldStringTypeRegex {
		t.Fatalf("bad regex code %s", c)
	}
	noName := rule("x", "cat")
	delete(noName, "name")
	if c := fieldCode(t, carol.Fail(t, "POST", rules, noName), "name"); c != protocol.FieldBaseTypeRequired {
		t.Fatalf("missing name code %s", c)
	}
	longTimeout := rule("t", "cat")
	longTimeout["actions"] = []any{map[string]any{"type": 3, "metadata": map[string]any{"duration_seconds": 2419201}}}
	wantCode(t, alice.Fail(t, "POST", rules, longTimeout), 400, protocol.CodeInvalidFormBody)
	// Timeout needs MODERATE_MEMBERS too.
	okTimeout := rule("t", "cat")
	okTimeout["actions"] = []any{map[string]any{"type": 3, "metadata": map[string]any{"duration_seconds": 60}}}
	wantCode(t, carol.Fail(t, "POST", rules, okTimeout), 403, protocol.CodeMissingPermissions)

	// Six keyword rules at most.
	for i := 1; i < 6; i++ {
		carol.Must(t, 200, "POST", rules, rule(fmt.Sprint("r", i), fmt.Sprint("w", i)), nil)
	}
	e = carol.Fail(t, "POST", rules, rule("seventh", "w"))
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	fieldCode(t, e, "trigger_type")
	var list []ruleBody
	carol.Must(t, 200, "GET", rules, nil, &list)
	if len(list) != 6 || list[0].ID != created.ID {
		t.Fatalf("list: %+v", list)
	}

	// Enforcement through REST: Discord's 200000 on create and edit.
	msgs := fmt.Sprintf("/channels/%d/messages", general)
	wantCode(t, bob.Fail(t, "POST", msgs, map[string]any{"content": "Catapult!"}), 400, 200000)
	var m struct {
		ID chat.ID `json:"id"`
	}
	bob.Must(t, 200, "POST", msgs, map[string]any{"content": "a dog"}, &m)
	wantCode(t, bob.Fail(t, "PATCH", fmt.Sprintf("%s/%d", msgs, m.ID), map[string]any{"content": "cats"}), 400, 200000)
	// MANAGE_GUILD holders are not checked.
	carol.Must(t, 200, "POST", msgs, map[string]any{"content": "catch"}, nil)

	var edited ruleBody
	carol.Must(t, 200, "PATCH", one, map[string]any{"enabled": false}, &edited)
	if edited.Enabled || edited.Name != "no cats" {
		t.Fatalf("edited %+v", edited)
	}
	bob.Must(t, 200, "POST", msgs, map[string]any{"content": "Catapult!"}, nil)
	carol.Must(t, 204, "DELETE", one, nil, nil)
	wantCode(t, carol.Fail(t, "GET", one, nil), 404, 10066)
}
