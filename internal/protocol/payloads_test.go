package protocol

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestFrameLen(t *testing.T) {
	for _, seq := range []int64{0, 9, 10, 99, 100, 123456789, -5} {
		d := &Dispatch{Name: "GUILD_CREATE", Data: []byte(`{"a":[1,2,3]}`)}
		if got, want := d.FrameLen(seq), len(d.AppendFrame(nil, seq)); got != want {
			t.Fatalf("seq %d: FrameLen %d, frame %d", seq, got, want)
		}
	}
}

func TestDecodePayload(t *testing.T) {
	tests := []struct {
		in string
		op int
		ok bool
	}{
		{`{"op":1,"d":null}`, 1, true},
		{` {"op":2,"d":{"token":"x"}} `, 2, true},
		{`{"d":1}`, 0, false},
		{`{"op":"1"}`, 0, false},
		{`[1]`, 0, false},
		{`nope`, 0, false},
		{`{"op":1,"d":` + strings.Repeat(" ", MaxClientPayload) + `1}`, 0, false},
	}
	for _, tt := range tests {
		p, err := DecodePayload([]byte(tt.in))
		if (err == nil) != tt.ok || (tt.ok && p.Op != tt.op) {
			t.Errorf("DecodePayload(%.40q) = %+v, %v", tt.in, p, err)
		}
		if err != nil && !errors.Is(err, CloseDecodeError) {
			t.Errorf("error %v is not CloseDecodeError", err)
		}
	}
}

func TestRequestGuildMembersUserIDs(t *testing.T) {
	for in, want := range map[string]int{`"1"`: 1, `1`: 1, `["1","2"]`: 2, `[1,2,3]`: 3, `null`: 0} {
		var r RequestGuildMembers
		if err := json.Unmarshal([]byte(`{"guild_id":"5","user_ids":`+in+`}`), &r); err != nil || len(r.UserIDs) != want {
			t.Errorf("user_ids %s: %v, %v", in, r.UserIDs, err)
		}
	}
}

// FuzzDecodePayload feeds arbitrary client frames through the decoding the
// gateway does: the envelope, then the "d" of each client opcode. Nothing
// may panic, and whatever decodes must encode again.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{
		`{"op":1,"d":251}`,
		`{"op":2,"d":{"token":"t","intents":513,"properties":{"os":"linux"},"shard":[0,1],"large_threshold":50,"presence":{"status":"online"}}}`,
		`{"op":6,"d":{"token":"t","session_id":"abc","seq":1337}}`,
		`{"op":8,"d":{"guild_id":"1","query":"","limit":0,"user_ids":["1",2],"nonce":"n"}}`,
		`{"op":3,"d":{"since":null,"activities":[],"status":"idle","afk":false}}`,
		`{"op":2,"d":{"intents":-1}}`,
		`{"op":8,"d":{"guild_id":"x"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePayload(b)
		if err != nil {
			return
		}
		var v any
		switch p.Op {
		case 2:
			v = new(Identify)
		case 6:
			v = new(Resume)
		case 8:
			v = new(RequestGuildMembers)
		default:
			return
		}
		if err := DecodeData(p.D, v); err != nil {
			if !errors.Is(err, CloseDecodeError) {
				t.Fatalf("DecodeData error %v is not CloseDecodeError", err)
			}
			return
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("decoded %#v does not encode: %v", v, err)
		}
	})
}
