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
