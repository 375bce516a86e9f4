package protocol

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestDecodeListChannels: malformed objects fail (4002 at the gateway);
// values out of bounds are dropped or cut, never kept.
func TestDecodeListChannels(t *testing.T) {
	got, err := DecodeListChannels(json.RawMessage(`{"5":[[0,99],[100,500],[-1,3],[9,2]],"3":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []ListRange{{0, 99}, {100, 199}}; !slices.Equal(got[5], want) || len(got) != 2 || len(got[3]) != 0 {
		t.Fatalf("decoded %v", got)
	}
	for _, bad := range []string{`[1]`, `{"x":[[0,1]]}`, `{"1":[["a",1]]}`, `{"1":5}`} {
		if _, err := DecodeListChannels(json.RawMessage(bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}
