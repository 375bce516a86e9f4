package component

import (
	"encoding/json"
	"strings"
	"testing"
)

func rows(t *testing.T, s string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestModal(t *testing.T) {
	good := `[{"type":1,"components":[{"type":4,"custom_id":"name","style":1,"label":"Name","max_length":20,"required":true}]}]`
	b, errs := Modal(rows(t, good))
	if len(errs) > 0 || !strings.Contains(string(b), `"max_length":20`) {
		t.Fatalf("good modal: %s %v", b, errs)
	}
	// Buttons are not modal components; text inputs need a label.
	for _, c := range []struct{ body, path string }{
		{`[{"type":1,"components":[{"type":2,"style":1,"custom_id":"b","label":"B"}]}]`, "components.0.components.0.type"},
		{`[{"type":1,"components":[{"type":4,"custom_id":"n","style":1}]}]`, "components.0.components.0.label"},
		{`[{"type":1,"components":[{"type":4,"custom_id":"n","style":3,"label":"L"}]}]`, "components.0.components.0.style"},
		{`[{"type":1,"components":[{"type":4,"custom_id":"n","style":1,"label":"L","max_length":4001}]}]`, "components.0.components.0.max_length"},
	} {
		_, errs := Modal(rows(t, c.body))
		if len(errs) == 0 || errs[0].Path != c.path {
			t.Errorf("%s: errors %+v, want one at %s", c.body, errs, c.path)
		}
	}
}

func TestSelects(t *testing.T) {
	for _, c := range []struct{ body, path string }{
		{`[{"type":1,"components":[{"type":5,"custom_id":"u","default_values":[{"id":"1","type":"role"}]}]}]`, "components.0.components.0.default_values.0.type"},
		{`[{"type":1,"components":[{"type":3,"custom_id":"s","max_values":2,"options":[{"label":"a","value":"a"}]}]}]`, "components.0.components.0.options"},
		{`[{"type":1,"components":[{"type":3,"custom_id":"s","min_values":3,"max_values":2,"options":[{"label":"a","value":"a"},{"label":"b","value":"b"},{"label":"c","value":"c"}]}]}]`, "components.0.components.0.min_values"},
		{`[{"type":1,"components":[{"type":6,"custom_id":"r","channel_types":[0]}]}]`, "components.0.components.0.channel_types"},
		{`[{"type":1,"components":[{"type":3,"custom_id":"s","options":[{"label":"a","value":"a"},{"label":"b","value":"a"}]}]}]`, "components.0.components.0.options.1.value"},
		{`[{"type":1,"components":[{"type":2,"style":6,"custom_id":"p"}]}]`, "components.0.components.0.sku_id"},
		{`["row"]`, "components.0"},
	} {
		_, errs := Message(rows(t, c.body))
		if len(errs) == 0 || errs[0].Path != c.path {
			t.Errorf("%s: errors %+v, want one at %s", c.body, errs, c.path)
		}
	}
	b, errs := Message(rows(t, `[{"type":1,"components":[{"type":7,"custom_id":"m","default_values":[{"id":"1","type":"user"}]}]}]`))
	if len(errs) > 0 || !Interactive(b) {
		t.Fatalf("mentionable select: %s %v", b, errs)
	}
}

func TestInteractive(t *testing.T) {
	link, errs := Message(rows(t, `[{"type":1,"components":[{"type":2,"style":5,"label":"L","url":"https://a.b"}]}]`))
	if len(errs) > 0 || Interactive(link) {
		t.Fatalf("link only: %s %v interactive %v", link, errs, Interactive(link))
	}
	if Interactive(nil) {
		t.Fatal("nothing is interactive")
	}
	button, _ := Message(rows(t, `[{"type":1,"components":[{"type":2,"style":1,"label":"L","custom_id":"c"}]}]`))
	if !Interactive(button) {
		t.Fatal("a button is interactive")
	}
}
