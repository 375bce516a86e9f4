package etf

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Bytes as Erlang/OTP's term_to_binary writes them (checked against a real
// OTP by erlang_test.go under -tags etf); atoms are written short, as
// erlpack does.
func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name, js, hex string
	}{
		{"small int", `7`, "8361" + "07"},
		{"int", `-1`, "8362" + "ffffffff"},
		{"int32 max", `2147483647`, "8362" + "7fffffff"},
		{"small big", `2147483648`, "836e" + "0400" + "00000080"},
		{"negative big", `-9223372036854775808`, "836e" + "0801" + "0000000000000080"},
		{"uint64 snowflake as a number", `18446744073709551615`, "836e" + "0800" + "ffffffffffffffff"},
		{"float", `1.5`, "8346" + "3ff8000000000000"},
		{"string", `"héllo"`, "836d" + "00000006" + "68c3a96c6c6f"},
		{"escaped string", `"a\"\u00e9\n"`, "836d" + "00000005" + "6122c3a90a"},
		{"null", `null`, "8373" + "03" + "6e696c"},
		{"true", `true`, "8373" + "04" + "74727565"},
		{"false", `false`, "8373" + "05" + "66616c7365"},
		{"empty list", `[]`, "836a"},
		{"list", `[1, "a"]`, "836c" + "00000002" + "6101" + "6d0000000161" + "6a"},
		{"empty map", `{}`, "8374" + "00000000"},
		{"map", `{"id":"1","n":[]}`, "8374" + "00000002" + "6d000000026964" + "6d0000000131" + "6d000000016e" + "6a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.hex
			got, err := AppendJSON([]byte{Version}, []byte(tt.js))
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != want {
				t.Errorf("AppendJSON(%s) = %x, want %s", tt.js, got, want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	docs := []string{
		`{"op":0,"t":"MESSAGE_CREATE","s":42,"d":{"id":"1234567890123456789","content":"hi \"there\"\n\u0001","embeds":[],"mentions":[{"id":"1","bot":false}],"nonce":null,"flags":0,"pinned":true}}`,
		`[1,-1,255,256,-2147483648,2147483647,2147483648,-2147483649,9223372036854775807,-9223372036854775808,18446744073709551615,-18446744073709551615]`,
		`[0.5,-1.25,1e+300,1e-300]`,
		`"日本語 🎉"`,
		`{"nested":{"a":{"b":{"c":[[[]]]}}}}`,
	}
	for _, doc := range docs {
		term, err := AppendJSON([]byte{Version}, []byte(doc))
		if err != nil {
			t.Fatalf("AppendJSON(%s): %v", doc, err)
		}
		back, err := ToJSON(nil, term)
		if err != nil {
			t.Fatalf("ToJSON(%x): %v", term, err)
		}
		if !sameJSON(t, doc, string(back)) {
			t.Errorf("round trip of %s gave %s", doc, back)
		}
	}
}

func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	da, db := json.NewDecoder(strings.NewReader(a)), json.NewDecoder(strings.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if err := da.Decode(&x); err != nil {
		t.Fatalf("decode %s: %v", a, err)
	}
	if err := db.Decode(&y); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// What clients send that the server's own encoder never writes.
func TestToJSONClientForms(t *testing.T) {
	tests := []struct {
		name, hex, want string
	}{
		{"UTF-8 atoms", "8377" + "03" + "6e696c", `null`},
		{"long atom", "8364" + "0004" + "74727565", `true`},
		{"other atom", "8364" + "0003" + "666f6f", `"foo"`},
		{"Latin-1 atom", "8373" + "01" + "e9", `"é"`},
		{"byte string", "836b" + "0002" + "6869", `[104,105]`},
		{"tuple", "8368" + "02" + "6101" + "6102", `[1,2]`},
		{"atom and integer keys", "8374" + "00000002" + "7302" + "6f70" + "6101" + "6e0800" + "0000000000000001" + "6a", `{"op":1,"72057594037927936":[]}`},
		{"byte string key", "8374" + "00000001" + "6b0001" + "64" + "7304" + "74727565", `{"d":true}`},
		{"negative zero", "8346" + "8000000000000000", `0`},
		{"control and quote", "836d" + "00000003" + "00225c", `"\u0000\"\\"`},
		{"invalid UTF-8", "836d" + "00000001" + "ff", `"` + "\ufffd" + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hex)
			got, err := ToJSON(nil, b)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("ToJSON(%s) = %s, want %s", tt.hex, got, tt.want)
			}
		})
	}
}

// Must not do: every malformed, hostile or out-of-subset term is refused
// with an error, without reading past the input or allocating by what the
// term announces.
func TestToJSONRefuses(t *testing.T) {
	deep := "83" + strings.Repeat("6c00000001", MaxDepth+1) + "6a" + strings.Repeat("6a", MaxDepth+1)
	tests := []struct {
		name, hex string
		want      error
	}{
		{"empty", "", ErrSyntax},
		{"no version", "6101", ErrSyntax},
		{"bare version", "83", ErrSyntax},
		{"trailing bytes", "83610161", ErrSyntax},
		{"truncated int", "836200", ErrSyntax},
		{"binary longer than input", "836d" + "ffffffff" + "00", ErrSyntax},
		{"list announcing 4G elements", "836c" + "ffffffff" + "6a", ErrSyntax},
		{"map announcing 4G pairs", "8374" + "ffffffff", ErrSyntax},
		{"tuple announcing elements", "8369" + "7fffffff", ErrSyntax},
		{"improper list", "836c" + "00000001" + "6101" + "6102", ErrUnsupported},
		{"bignum over 64 bits", "836e" + "0900" + "010000000000000001", ErrUnsupported},
		{"bad bignum sign", "836e" + "0102" + "01", ErrUnsupported},
		{"large big", "836f" + "00000001" + "00" + "01", ErrUnsupported},
		{"NaN", "8346" + "7ff8000000000001", ErrUnsupported},
		{"infinity", "8346" + "7ff0000000000000", ErrUnsupported},
		{"compressed", "8350" + "00000010" + "789c", ErrUnsupported},
		{"pid", "8358" + "7300" + "00000000" + "00000000" + "00000000", ErrUnsupported},
		{"old float", "8363" + strings.Repeat("30", 31), ErrUnsupported},
		{"map with a list key", "8374" + "00000001" + "6a" + "6101", ErrUnsupported},
		{"huge atom", "8364" + "ffff", ErrSyntax},
		{"too deep", deep, ErrDepth},
		{"too deep in maps", "83" + strings.Repeat("74000000016d0000000161", MaxDepth+1) + "6a", ErrDepth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ToJSON([]byte("x"), b)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ToJSON(%s) error = %v, want %v", tt.hex, err, tt.want)
			}
			if string(got) != "x" {
				t.Errorf("ToJSON left %q in dst after an error", got)
			}
		})
	}
}

func TestAppendJSONRefuses(t *testing.T) {
	for _, js := range []string{``, `{`, `[1,`, `{"a"}`, `{"a":1,}`, `tru`, `"abc`, "\"a\x01\"", `1 2`, `-`, `1e999`, `"\x"`, `{1:2}`,
		strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)} {
		got, err := AppendJSON([]byte{Version}, []byte(js))
		if err == nil {
			t.Errorf("AppendJSON(%q) = %x, want an error", js, got)
		}
		if len(got) != 1 {
			t.Errorf("AppendJSON(%q) left %x in dst after an error", js, got)
		}
	}
}

func TestAppendHelpers(t *testing.T) {
	b := AppendMapHeader([]byte{Version}, 2)
	b = AppendBinary(b, "t")
	b = AppendBinary(b, "READY")
	b = AppendBinary(b, "s")
	b = AppendInt(b, 1)
	got, err := ToJSON(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"t":"READY","s":1}` {
		t.Errorf("got %s", got)
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	js := []byte(`{"id":"1234567890123456789","channel_id":"1234567890123456789","author":{"id":"1","username":"user","avatar":null,"bot":false},"content":"hello world","timestamp":"2026-01-01T00:00:00.000000+00:00","embeds":[],"attachments":[],"mentions":[],"pinned":false,"type":0,"flags":0}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(js)))
	var dst []byte
	for b.Loop() {
		dst, _ = AppendJSON(dst[:0], js)
	}
}
