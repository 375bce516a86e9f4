package bus

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func sampleEnvelope() Envelope {
	return Envelope{Guild: 1234567890123456789, Parts: []Part{
		{Event: "MESSAGE_CREATE", Data: []byte(`{"id":"1","content":"hi"}`), Sessions: []string{"aa", "bb"}},
		{Event: "MESSAGE_CREATE", Data: []byte(`{"id":"1","content":""}`), Sessions: []string{"cc"}},
		{Event: "TYPING_START"},
	}}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	for _, e := range []Envelope{{}, {Guild: 1}, sampleEnvelope()} {
		b := e.Append(nil)
		if len(b) != e.Size() {
			t.Errorf("Size() = %d, encoding has %d bytes", e.Size(), len(b))
		}
		got, err := DecodeEnvelope(b)
		if err != nil {
			t.Fatalf("decode %+v: %v", e, err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, e)
		}
	}
}

// TestEnvelopeIsCompact pins that the encoding costs a few bytes over the
// event and session ids it carries, which is the point of Manifold.
func TestEnvelopeIsCompact(t *testing.T) {
	e := Envelope{Guild: 1 << 60, Parts: []Part{{Event: "MESSAGE_CREATE", Data: make([]byte, 500), Sessions: make([]string, 100)}}}
	for i := range e.Parts[0].Sessions {
		e.Parts[0].Sessions[i] = strings.Repeat("f", 32)
	}
	payload := len("MESSAGE_CREATE") + 500 + 100*32
	if over := e.Size() - payload; over > 100+20 {
		t.Errorf("envelope adds %d bytes to a %d-byte payload", over, payload)
	}
}

func TestEnvelopeRejectsMalformed(t *testing.T) {
	s := sampleEnvelope()
	good := s.Append(nil)
	cases := map[string][]byte{
		"empty":           nil,
		"version 2":       append([]byte{2}, good[1:]...),
		"truncated":       good[:len(good)-1],
		"trailing":        append(append([]byte{}, good...), 0),
		"huge parts":      {1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"huge sessions":   {1, 0, 1, 0, 0, 0xff, 0xff, 0x03},
		"length past end": {1, 0, 1, 9, 'a'},
		"bad varint":      {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	}
	for name, b := range cases {
		if _, err := DecodeEnvelope(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	s := sampleEnvelope()
	f.Add(s.Append(nil))
	f.Add((&Envelope{}).Append(nil))
	f.Add([]byte{1, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEnvelope(b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to something that decodes the same.
		again, err := DecodeEnvelope(e.Append(nil))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("re-decode differs:\n got %+v\nwant %+v", again, e)
		}
		if e.Size() > len(b) {
			t.Fatalf("decoded %d bytes into an envelope of size %d", len(b), e.Size())
		}
	})
}

func TestSubjects(t *testing.T) {
	if got := NodeSubject("n1"); got != "accord.node.n1" {
		t.Errorf("NodeSubject = %q", got)
	}
	if got := RPCSubject("n1"); got != "accord.rpc.n1" {
		t.Errorf("RPCSubject = %q", got)
	}
	for _, s := range []Subject{HeartbeatSubject, NodeSubject("a-b_C9"), RPCSubject("x")} {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []Subject{"", "a..b", "a.*", "a.>", "a b", ".a", "a."} {
		if err := s.Validate(); !errors.Is(err, ErrBadSubject) {
			t.Errorf("%q: err = %v, want ErrBadSubject", s, err)
		}
	}
	for _, id := range []string{"n1", "node-2", "A_b"} {
		if err := ValidNodeID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	// Ids that would split or widen a subject must be refused: a node id of
	// "*" would subscribe a node to every other node's events.
	for _, id := range []string{"", "*", ">", "a.b", "a b", "é", strings.Repeat("x", 65)} {
		if err := ValidNodeID(id); !errors.Is(err, ErrBadNodeID) {
			t.Errorf("%q: err = %v, want ErrBadNodeID", id, err)
		}
	}
}
