package protocol

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/chat"
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

// discordgo's RequestGuildMembers sends guild_id as a list; a session
// closed with 4002 for it lost its member requests (issue 17).
func TestRequestGuildMembersGuildIDList(t *testing.T) {
	for in, want := range map[string][]chat.ID{`"5"`: {5}, `5`: {5}, `["5"]`: {5}, `["5","6"]`: {5, 6}, `[7]`: {7}} {
		var r RequestGuildMembers
		if err := json.Unmarshal([]byte(`{"guild_id":`+in+`,"query":"a","limit":3,"nonce":"n"}`), &r); err != nil {
			t.Errorf("guild_id %s: %v", in, err)
			continue
		}
		if r.GuildID != want[0] || !slices.Equal(r.Guilds(), want) || *r.Query != "a" || r.Limit != 3 || r.Nonce != "n" {
			t.Errorf("guild_id %s: %+v, guilds %v", in, r, r.Guilds())
		}
	}
	var r RequestGuildMembers
	if err := json.Unmarshal([]byte(`{"guild_id":["x"]}`), &r); err == nil {
		t.Errorf("guild_id [\"x\"] decoded: %+v", r)
	}
}
