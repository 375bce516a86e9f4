package gateway

import (
	"encoding/json"
	"testing"
)

// TestPlatformOf: IDENTIFY properties map to client_status keys as
// Discord's do: its desktop app, its mobile apps and mobile systems, and
// everything else (browsers, bot libraries) as web.
func TestPlatformOf(t *testing.T) {
	for props, want := range map[string]string{
		`{"os":"Windows","browser":"Discord Client"}`:  "desktop",
		`{"os":"Android","browser":"Discord Android"}`: "mobile",
		`{"os":"iOS","browser":"Discord iOS"}`:         "mobile",
		`{"os":"Linux","browser":"Chrome"}`:            "web",
		`{"os":"linux","browser":"discord.py"}`:        "web",
		`{"$os":"android","$browser":"x"}`:             "mobile",
		`null`:                                         "web",
		`"garbage"`:                                    "web",
	} {
		if got := platformOf(json.RawMessage(props)); got != want {
			t.Errorf("%s: %q, want %q", props, got, want)
		}
	}
}

// TestSessionPresenceApply: op 3 is applied leniently (an unknown status
// keeps the current one, offline means invisible, activities that are not
// a list are ignored) and only a non-object is refused.
func TestSessionPresenceApply(t *testing.T) {
	sp := sessionPresence{status: "online"}
	steps := []struct {
		raw    string
		ok     bool
		status string
		acts   string
	}{
		{`{"status":"idle","activities":[{"name":"x","type":0}]}`, true, "idle", `[{"name":"x","type":0}]`},
		{`{"status":"sparkling","activities":"nope"}`, true, "idle", `[{"name":"x","type":0}]`},
		{`{"status":"offline","activities":null}`, true, "invisible", ``},
		{`"online"`, false, "invisible", ``},
		{`{"status":1}`, false, "invisible", ``},
	}
	for _, st := range steps {
		if ok := sp.apply(json.RawMessage(st.raw)); ok != st.ok || sp.status != st.status || string(sp.activities) != st.acts {
			t.Fatalf("%s: ok=%v status=%q activities=%s", st.raw, ok, sp.status, sp.activities)
		}
	}
}
