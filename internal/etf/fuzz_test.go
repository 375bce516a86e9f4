package etf

import (
	"encoding/hex"
	"encoding/json"
	"testing"
)

// FuzzToJSON feeds arbitrary bytes to the decoder the gateway runs on
// every client frame. It must never panic, its output must be valid JSON
// that is no larger than a constant times its input (a term cannot make
// the server allocate by what it announces), and re-encoding that JSON
// must decode to the same JSON.
func FuzzToJSON(f *testing.F) {
	for _, s := range []string{
		"8374000000026d000000026f7061016d0000000164740000000000",
		"836c000000026101730374727565" + "6a",
		"836e080000000000000000ff",
		"8346400921fb54442d18",
		"836b00036869ff",
		"8368026d00000000776e696c",
		"83740000000162000000016a",
		"836c00000001" + "6a" + "6102",
	} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := ToJSON(nil, b)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("ToJSON(%x) = %s: not JSON", b, out)
		}
		if len(out) > 6*len(b)+16 {
			t.Fatalf("ToJSON(%x) grew %d bytes to %d", b, len(b), len(out))
		}
		term, err := AppendJSON([]byte{Version}, out)
		if err != nil {
			t.Fatalf("AppendJSON(%s): %v", out, err)
		}
		again, err := ToJSON(nil, term)
		if err != nil || string(again) != string(out) {
			t.Fatalf("ToJSON(AppendJSON(%s)) = %s, %v", out, again, err)
		}
	})
}

// FuzzAppendJSON checks that whatever JSON the encoder accepts becomes a
// term the decoder reads back as valid JSON.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{
		`{"op":0,"d":{"id":"1","list":[1,2.5,-3,null,true,false,"x\"\u00e9"]}}`,
		`[18446744073709551615,-9223372036854775808,1e300]`,
		`""`, `{}`, `[]`, `[[[[]]]]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		term, err := AppendJSON([]byte{Version}, js)
		if err != nil {
			return
		}
		out, err := ToJSON(nil, term)
		if err != nil {
			t.Fatalf("ToJSON(AppendJSON(%q) = %x): %v", js, term, err)
		}
		if !json.Valid(out) {
			t.Fatalf("ToJSON(AppendJSON(%q)) = %s: not JSON", js, out)
		}
	})
}
