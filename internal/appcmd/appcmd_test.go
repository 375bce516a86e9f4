package appcmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	str := func(name string, required bool) Option {
		return Option{Type: OptString, Name: name, Description: "d", Required: required}
	}
	many := func(n int) []Option {
		out := make([]Option, n)
		for i := range out {
			out[i] = str(strings.Repeat("o", 1)+string(rune('a'+i%26))+strings.Repeat("x", i/26), false)
		}
		return out
	}
	choices := func(n int) []Choice {
		out := make([]Choice, n)
		for i := range out {
			out[i] = Choice{Name: "c", Value: json.RawMessage(`"v"`)}
		}
		return out
	}
	tests := []struct {
		name string
		cmd  Command
		want string // a path with an error; "" for none
	}{
		{"ok", Command{Name: "ping", Description: "Ping!"}, ""},
		{"unicode ok", Command{Name: "héllo-wörld_'1", Description: "d"}, ""},
		{"devanagari", Command{Name: "नमस्ते", Description: "d"}, ""},
		{"upper case", Command{Name: "Ping", Description: "d"}, "name"},
		{"space", Command{Name: "two words", Description: "d"}, "name"},
		{"too long", Command{Name: strings.Repeat("a", 33), Description: "d"}, "name"},
		{"no description", Command{Name: "ping"}, "description"},
		{"description too long", Command{Name: "ping", Description: strings.Repeat("d", 101)}, "description"},
		{"user command with spaces and capitals", Command{Type: UserType, Name: "Show Profile"}, ""},
		{"user command with description", Command{Type: UserType, Name: "Show", Description: "d"}, "description"},
		{"bad type", Command{Type: 9, Name: "x"}, "type"},
		{"26 options", Command{Name: "x", Description: "d", Options: many(26)}, "options"},
		{"25 options", Command{Name: "x", Description: "d", Options: many(25)}, ""},
		{"required after optional", Command{Name: "x", Description: "d", Options: []Option{str("a", false), str("b", true)}}, "options.1.required"},
		{"duplicate option", Command{Name: "x", Description: "d", Options: []Option{str("a", false), str("a", false)}}, "options.1.name"},
		{"26 choices", Command{Name: "x", Description: "d", Options: []Option{{Type: OptString, Name: "a", Description: "d", Choices: choices(26)}}}, "options.0.choices"},
		{"choices and autocomplete", Command{Name: "x", Description: "d", Options: []Option{{Type: OptString, Name: "a", Description: "d", Choices: choices(2), Autocomplete: true}}}, "options.0.autocomplete"},
		{"integer choice not a number", Command{Name: "x", Description: "d", Options: []Option{{Type: OptInteger, Name: "a", Description: "d", Choices: choices(1)}}}, "options.0.choices.0.value"},
		{"min_length on an integer", Command{Name: "x", Description: "d", Options: []Option{{Type: OptInteger, Name: "a", Description: "d", MinLength: ptr(1)}}}, "options.0.min_length"},
		{"max_length too big", Command{Name: "x", Description: "d", Options: []Option{{Type: OptString, Name: "a", Description: "d", MaxLength: ptr(6001)}}}, "options.0.max_length"},
		{"min over max", Command{Name: "x", Description: "d", Options: []Option{{Type: OptNumber, Name: "a", Description: "d", MinValue: ptr(2.0), MaxValue: ptr(1.0)}}}, "options.0.max_value"},
		{"channel_types on a string", Command{Name: "x", Description: "d", Options: []Option{{Type: OptString, Name: "a", Description: "d", ChannelTypes: []int{0}}}}, "options.0.channel_types"},
		{"sub-commands in a group", Command{Name: "x", Description: "d", Options: []Option{{Type: OptSubCommandGroup, Name: "g", Description: "d",
			Options: []Option{{Type: OptSubCommand, Name: "s", Description: "d", Options: []Option{str("a", true)}}}}}}, ""},
		{"group in a sub-command", Command{Name: "x", Description: "d", Options: []Option{{Type: OptSubCommand, Name: "s", Description: "d",
			Options: []Option{{Type: OptSubCommandGroup, Name: "g", Description: "d"}}}}}, "options.0.options.0.type"},
		{"string in a group", Command{Name: "x", Description: "d", Options: []Option{{Type: OptSubCommandGroup, Name: "g", Description: "d",
			Options: []Option{str("a", false)}}}}, "options.0.options.0.type"},
		{"sub-command mixed with options", Command{Name: "x", Description: "d", Options: []Option{{Type: OptSubCommand, Name: "s", Description: "d"}, str("a", false)}}, "options"},
		{"bad locale", Command{Name: "x", Description: "d", NameLocalizations: map[string]string{"xx": "y"}}, "name_localizations.xx"},
		{"bad localized name", Command{Name: "x", Description: "d", NameLocalizations: map[string]string{"fr": "Bad Name"}}, "name_localizations.fr"},
		{"good localizations", Command{Name: "x", Description: "d", NameLocalizations: map[string]string{"fr": "bonjour"}, DescriptionLocalizations: map[string]string{"de": "Hallo"}}, ""},
		{"bad permissions", Command{Name: "x", Description: "d", DefaultMemberPermissions: ptr("abc")}, "default_member_permissions"},
		{"bad context", Command{Name: "x", Description: "d", Contexts: []int{3}}, "contexts.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			Normalize(&tc.cmd)
			errs := Validate(&tc.cmd, "")
			if tc.want == "" {
				if len(errs) > 0 {
					t.Fatalf("errors %+v", errs)
				}
				return
			}
			for _, e := range errs {
				if e.Path == tc.want {
					return
				}
			}
			t.Fatalf("want an error at %q, got %+v", tc.want, errs)
		})
	}
}

func TestAllowed(t *testing.T) {
	const guild, channel, other, user, role chat.ID = 1000, 2000, 2001, 3000, 4000
	admin := protocol.PermAdministrator
	kick := protocol.PermKickMembers
	kickStr := "2"
	inv := Invoker{GuildID: guild, ChannelID: channel, UserID: user, Roles: []chat.ID{role}, Permissions: protocol.PermViewChannel}
	with := func(p protocol.Permission) Invoker { i := inv; i.Permissions |= p; return i }
	tests := []struct {
		name          string
		cmd           Command
		cmdPerms, app []Permission
		inv           Invoker
		want          bool
	}{
		{"no restrictions", Command{}, nil, nil, inv, true},
		{"lacks default_member_permissions", Command{DefaultMemberPermissions: &kickStr}, nil, nil, inv, false},
		{"has default_member_permissions", Command{DefaultMemberPermissions: &kickStr}, nil, nil, with(kick), true},
		{"administrator passes default_member_permissions", Command{DefaultMemberPermissions: &kickStr}, nil, nil, with(admin), true},
		{"\"0\" is administrators only", Command{DefaultMemberPermissions: ptr("0")}, nil, nil, with(kick), false},
		{"user override allows", Command{DefaultMemberPermissions: &kickStr}, []Permission{{ID: user, Type: PermUser, Permission: true}}, nil, inv, true},
		{"user override denies over role", Command{}, []Permission{{ID: user, Type: PermUser}, {ID: role, Type: PermRole, Permission: true}}, nil, inv, false},
		{"role override denies", Command{}, []Permission{{ID: role, Type: PermRole}}, nil, inv, false},
		{"@everyone denied, role allowed", Command{}, []Permission{{ID: guild, Type: PermRole}, {ID: role, Type: PermRole, Permission: true}}, nil, inv, true},
		{"@everyone denied", Command{}, []Permission{{ID: guild, Type: PermRole}}, nil, inv, false},
		{"channel denied", Command{}, []Permission{{ID: channel, Type: PermChannel}}, nil, inv, false},
		{"other channel denied", Command{}, []Permission{{ID: other, Type: PermChannel}}, nil, inv, true},
		{"all channels denied, this allowed", Command{}, []Permission{{ID: guild - 1, Type: PermChannel}, {ID: channel, Type: PermChannel, Permission: true}}, nil, inv, true},
		{"all channels denied", Command{}, []Permission{{ID: guild - 1, Type: PermChannel}}, nil, inv, false},
		{"app-wide user deny", Command{}, nil, []Permission{{ID: user, Type: PermUser}}, inv, false},
		{"command overrides the app", Command{}, []Permission{{ID: user, Type: PermUser, Permission: true}}, []Permission{{ID: user, Type: PermUser}}, inv, true},
		{"app-wide channel deny", Command{}, nil, []Permission{{ID: channel, Type: PermChannel}}, inv, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Allowed(tc.cmd, tc.cmdPerms, tc.app, tc.inv); got != tc.want {
				t.Fatalf("Allowed = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckInvocation(t *testing.T) {
	cmd := Command{Name: "x", Description: "d", Options: []Option{
		{Type: OptString, Name: "text", Description: "d", Required: true},
		{Type: OptInteger, Name: "n", Description: "d"},
	}}
	grouped := Command{Name: "g", Description: "d", Options: []Option{
		{Type: OptSubCommandGroup, Name: "grp", Description: "d", Options: []Option{
			{Type: OptSubCommand, Name: "sub", Description: "d", Options: []Option{{Type: OptUser, Name: "who", Description: "d", Required: true}}}}},
	}}
	str := InvokedOption{Type: OptString, Name: "text", Value: json.RawMessage(`"hi"`)}
	tests := []struct {
		name    string
		cmd     Command
		opts    []InvokedOption
		partial bool
		ok      bool
	}{
		{"all given", cmd, []InvokedOption{str, {Type: OptInteger, Name: "n", Value: json.RawMessage(`1`)}}, false, true},
		{"optional left out", cmd, []InvokedOption{str}, false, true},
		{"required missing", cmd, nil, false, false},
		{"required missing while typing", cmd, nil, true, true},
		{"unknown option", cmd, []InvokedOption{str, {Type: OptString, Name: "evil"}}, false, false},
		{"wrong type", cmd, []InvokedOption{{Type: OptInteger, Name: "text"}}, false, false},
		{"twice", cmd, []InvokedOption{str, str}, false, false},
		{"group and sub-command", grouped, []InvokedOption{{Type: OptSubCommandGroup, Name: "grp", Options: []InvokedOption{
			{Type: OptSubCommand, Name: "sub", Options: []InvokedOption{{Type: OptUser, Name: "who", Value: json.RawMessage(`"1"`)}}}}}}, false, true},
		{"sub-command's required missing", grouped, []InvokedOption{{Type: OptSubCommandGroup, Name: "grp", Options: []InvokedOption{
			{Type: OptSubCommand, Name: "sub"}}}}, false, false},
		{"no sub-command", grouped, nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := CheckInvocation(tc.cmd, tc.opts, tc.partial)
			if (len(errs) == 0) != tc.ok {
				t.Fatalf("errors %+v, want ok=%v", errs, tc.ok)
			}
		})
	}
}
