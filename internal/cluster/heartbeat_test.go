package cluster

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestHeartbeatRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		hb   Heartbeat
	}{
		{"plain", Heartbeat{Node: "n1", URL: "http://127.0.0.1:8080", Incarnation: 1764651600000000000, Seq: 1}},
		{"leaving", Heartbeat{Node: "node_2-b", URL: "https://a.example/x?y=z", Incarnation: 7, Seq: 1 << 63, Leaving: true}},
		{"no url", Heartbeat{Node: "x"}},
		{"longest", Heartbeat{Node: strings.Repeat("a", MaxNodeIDLen), URL: strings.Repeat("u", MaxURLLen), Incarnation: ^uint64(0), Seq: ^uint64(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.hb.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeHeartbeat(b)
			if err != nil {
				t.Fatalf("decode %x: %v", b, err)
			}
			if got != tc.hb {
				t.Fatalf("round trip: got %+v, want %+v", got, tc.hb)
			}
		})
	}
}

// TestHeartbeatEncodingPinned fixes version 1 byte for byte: nodes of
// different builds must read each other's heartbeats.
func TestHeartbeatEncodingPinned(t *testing.T) {
	b, err := Heartbeat{Node: "n1", URL: "http://h", Incarnation: 0x0102030405060708, Seq: 9, Leaving: true}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	const want = "01" + "01" + "0102030405060708" + "0000000000000009" + "02" + "6e31" + "0008" + "687474703a2f2f68"
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("encoding:\n got %s\nwant %s", got, want)
	}
}

func TestDecodeHeartbeatRejects(t *testing.T) {
	good, err := Heartbeat{Node: "n1", URL: "http://h", Incarnation: 1, Seq: 1}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	// raw builds a heartbeat with any node id and URL, bypassing the
	// encoder's checks.
	raw := func(node, url string) []byte {
		b := append([]byte(nil), good[:fixedLen]...)
		b = append(b, byte(len(node)))
		b = append(b, node...)
		b = append(b, byte(len(url)>>8), byte(len(url)))
		return append(b, url...)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"version 0", with(func(b []byte) []byte { b[0] = 0; return b }), ErrVersion},
		{"version 2", with(func(b []byte) []byte { b[0] = 2; return b }), ErrVersion},
		{"truncated fixed part", good[:fixedLen], ErrMalformed},
		{"truncated node id", good[:fixedLen+2], ErrMalformed},
		{"truncated url", good[:len(good)-1], ErrMalformed},
		{"trailing byte", append(append([]byte(nil), good...), 0), ErrMalformed},
		{"unknown flag", with(func(b []byte) []byte { b[1] = 2; return b }), ErrMalformed},
		{"too big", append(append([]byte(nil), good...), make([]byte, maxHeartbeat)...), ErrMalformed},
		{"empty node id", raw("", "http://h"), ErrNodeID},
		{"dot in node id", raw("n.1", "http://h"), ErrNodeID},
		{"wildcard node id", raw(">", "http://h"), ErrNodeID},
		{"space in node id", raw("n 1", "http://h"), ErrNodeID},
		{"non-ascii node id", raw("nö", "http://h"), ErrNodeID},
		{"long node id", raw(strings.Repeat("a", MaxNodeIDLen+1), ""), ErrNodeID},
		{"space in url", raw("n1", "http://h/ x"), ErrURL},
		{"control in url", raw("n1", "http://h/\n"), ErrURL},
		{"non-ascii url", raw("n1", "http://hé"), ErrURL},
		{"long url", raw("n1", strings.Repeat("u", MaxURLLen+1)), ErrURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hb, err := DecodeHeartbeat(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("DecodeHeartbeat(%x) = %+v, %v; want %v", tc.in, hb, err, tc.want)
			}
		})
	}
}

func TestMarshalRejectsInvalid(t *testing.T) {
	for _, tc := range []struct {
		hb   Heartbeat
		want error
	}{
		{Heartbeat{Node: ""}, ErrNodeID},
		{Heartbeat{Node: "a.b"}, ErrNodeID},
		{Heartbeat{Node: "n1", URL: "http://x y"}, ErrURL},
		{Heartbeat{Node: "n1", URL: strings.Repeat("u", MaxURLLen+1)}, ErrURL},
	} {
		if b, err := tc.hb.MarshalBinary(); !errors.Is(err, tc.want) {
			t.Errorf("MarshalBinary(%+v) = %x, %v; want %v", tc.hb, b, err, tc.want)
		}
	}
}

func TestValidNodeID(t *testing.T) {
	for _, id := range []string{"n1", "A-z_09", strings.Repeat("x", MaxNodeIDLen)} {
		if err := ValidNodeID(id); err != nil {
			t.Errorf("ValidNodeID(%q) = %v", id, err)
		}
	}
	for _, id := range []string{"", "a.b", "a*", "a>", "a b", "a/b", "\x00", strings.Repeat("x", MaxNodeIDLen+1)} {
		if err := ValidNodeID(id); !errors.Is(err, ErrNodeID) {
			t.Errorf("ValidNodeID(%q) = %v, want ErrNodeID", id, err)
		}
	}
}

// FuzzDecodeHeartbeat: the decoder never panics, everything it accepts is
// valid, and re-encodes to exactly the bytes it came from.
func FuzzDecodeHeartbeat(f *testing.F) {
	for _, hb := range []Heartbeat{
		{Node: "n1", URL: "http://127.0.0.1:8080", Incarnation: 1, Seq: 2},
		{Node: "b", Leaving: true},
	} {
		b, err := hb.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{2, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		hb, err := DecodeHeartbeat(b)
		if err != nil {
			if hb != (Heartbeat{}) {
				t.Fatalf("error %v with a non-zero heartbeat %+v", err, hb)
			}
			return
		}
		again, err := hb.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", hb, err)
		}
		if string(again) != string(b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, again)
		}
	})
}
