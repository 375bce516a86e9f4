package api

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
)

// FuzzOverwrites feeds arbitrary permission_overwrites arrays (of Create
// and Modify Channel) through the JSON decoding and the validation: an
// accepted overwrite names a target, is of type role or member, and keeps
// exactly the allow and deny the client sent, as string or number.
func FuzzOverwrites(f *testing.F) {
	for _, s := range []string{
		`[]`, `null`, `[{"id":"1","type":0,"allow":"1024","deny":"0"}]`,
		`[{"id":"2","type":1,"allow":2048,"deny":"8"},{"id":"3","type":0}]`,
		`[{"id":"1","type":2}]`, `[{"id":"0","type":0}]`, `[{"type":0}]`, `[{"id":"1"}]`,
		`[{"id":"1","type":0,"allow":"-1"}]`, `[{"id":"1","type":0,"allow":"18446744073709551616"}]`,
		`[{"id":"1","type":0,"allow":"18446744073709551615","deny":null}]`, `[{"id":"1","type":"0"}]`,
		`[{"id":"1","type":0,"allow":"1e3"}]`, `[1]`, `{"id":"1"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var in []overwriteBody
		if err := decodeJSON(b, &in); err != nil {
			checkAPIError(t, err)
			return
		}
		out, err := overwrites("permission_overwrites", in)
		if err != nil {
			checkAPIError(t, err)
			return
		}
		if len(out) != len(in) {
			t.Fatalf("%d overwrites in, %d out", len(in), len(out))
		}
		for i, o := range out {
			if o.ID == 0 || (o.Type != chat.OverwriteRole && o.Type != chat.OverwriteMember) {
				t.Fatalf("accepted overwrite %+v", o)
			}
			if o.ID != in[i].ID || o.Allow != in[i].Allow.Value || o.Deny != in[i].Deny.Value {
				t.Fatalf("overwrite %d changed: %+v from %+v", i, o, in[i])
			}
		}
	})
}

// FuzzRoleBody feeds arbitrary Create/Modify Guild Role bodies through
// decoding and roleBody.edit: an accepted name is 1-100 characters, and
// permissions given as a string or a number come out as that number.
func FuzzRoleBody(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"name":"mods","permissions":"8","color":3447003,"hoist":true,"mentionable":false}`,
		`{"name":"","permissions":8}`, `{"name":"` + strings.Repeat("r", 101) + `"}`, `{"permissions":"x"}`,
		`{"permissions":null,"position":-1}`, `{"name":null}`, `{"color":"red"}`, `[]`, `{"permissions":"0"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var body roleBody
		if err := decodeJSON(b, &body); err != nil {
			checkAPIError(t, err)
			return
		}
		e, err := body.edit()
		if err != nil {
			checkAPIError(t, err)
			return
		}
		if e.Name != nil {
			if n := utf8.RuneCountInString(*e.Name); n < 1 || n > 100 {
				t.Fatalf("accepted role name of %d characters", n)
			}
		}
		if (e.Permissions != nil) != body.Permissions.Set {
			t.Fatalf("permissions set %v, edit %v", body.Permissions.Set, e.Permissions)
		}
		if e.Permissions != nil {
			// Both spellings of the accepted value decode to it again.
			for _, enc := range []string{strconv.FormatUint(*e.Permissions, 10), `"` + strconv.FormatUint(*e.Permissions, 10) + `"`} {
				var p permissionsValue
				if err := p.UnmarshalJSON([]byte(enc)); err != nil || p.Value != *e.Permissions {
					t.Fatalf("permissions %s: %d, %v", enc, p.Value, err)
				}
			}
		}
	})
}
