package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

// FuzzDecodePayload feeds arbitrary client frames through the decoding the
// gateway does: the envelope, then the "d" of each client opcode that has
// a typed form (2, 6, 8, 14, 37). Nothing may panic, every refusal must be
// CloseDecodeError (so the gateway closes with 4002), and whatever decodes
// must encode to JSON whose decoding encodes to the same bytes: the wire
// form is a fixed point after one round.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{
		`{"op":1,"d":251}`,
		`{"op":1,"d":null}`,
		`{"op":2,"d":{"token":"t","intents":513,"properties":{"os":"linux"},"shard":[0,1],"large_threshold":50,"presence":{"status":"online"}}}`,
		`{"op":2,"d":{"token":"t","intents":"513"}}`,
		`{"op":6,"d":{"token":"t","session_id":"abc","seq":1337}}`,
		`{"op":8,"d":{"guild_id":"1","query":"","limit":0,"user_ids":["1",2],"nonce":"n"}}`,
		`{"op":8,"d":{"guild_id":"1","user_ids":"5","presences":true}}`,
		`{"op":3,"d":{"since":null,"activities":[],"status":"idle","afk":false}}`,
		`{"op":14,"d":{"guild_id":"4194304","typing":true,"activities":true,"threads":true,"channels":{"1":[[0,99]]}}}`,
		`{"op":37,"d":{"subscriptions":{"4194304":{"typing":true},"8388608":{}}}}`,
		`{"op":37,"d":{"subscriptions":{"x":{}}}}`,
		`{"op":2,"d":{"intents":-1}}`,
		`{"op":8,"d":{"guild_id":"x"}}`,
		`{"op":0,"d":{},"s":5,"t":"MESSAGE_CREATE"}`,
		` {"op":6,"d":{"seq":-1}} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePayload(b)
		if err != nil {
			if !errors.Is(err, CloseDecodeError) {
				t.Fatalf("DecodePayload error %v is not CloseDecodeError", err)
			}
			return
		}
		if len(b) > MaxClientPayload {
			t.Fatalf("accepted a %d-byte frame", len(b))
		}
		roundTrip(t, p, func() any { return new(Payload) })
		var newData func() any
		switch p.Op {
		case OpIdentify:
			newData = func() any { return new(Identify) }
		case OpResume:
			newData = func() any { return new(Resume) }
		case OpRequestGuildMembers:
			newData = func() any { return new(RequestGuildMembers) }
		case OpGuildSubscriptions:
			newData = func() any { return new(GuildSubscriptions) }
		case OpBulkGuildSubscribe:
			newData = func() any { return new(BulkGuildSubscriptions) }
		default:
			return
		}
		v := newData()
		if err := DecodeData(p.D, v); err != nil {
			if !errors.Is(err, CloseDecodeError) {
				t.Fatalf("DecodeData error %v is not CloseDecodeError", err)
			}
			return
		}
		roundTrip(t, v, newData)
	})
}

// roundTrip encodes v, decodes that into a fresh value and encodes again:
// both encodings must succeed and be equal.
func roundTrip(t *testing.T, v any, newV func() any) {
	t.Helper()
	enc1, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("decoded %#v does not encode: %v", v, err)
	}
	w := newV()
	if err := json.Unmarshal(enc1, w); err != nil {
		t.Fatalf("own encoding %s does not decode: %v", enc1, err)
	}
	enc2, err := json.Marshal(w)
	if err != nil {
		t.Fatalf("re-decoded %#v does not encode: %v", w, err)
	}
	if !bytes.Equal(enc1, enc2) {
		t.Fatalf("encoding is not stable:\n%s\n%s", enc1, enc2)
	}
}

// FuzzPermissions checks properties of Discord's permission algorithm
// (BasePermissions, ChannelPermissions, Compute) over arbitrary role
// permissions and overwrites. shape picks who the user is and which
// overwrites exist: bit 0 owner, 1 holds role A, 2 holds role B, 3 an
// @everyone overwrite, 4 an overwrite for role A, 5 a member overwrite,
// 6 overwrites for someone else, 7 guild level (no channel).
func FuzzPermissions(f *testing.F) {
	const all = ^uint64(0)
	f.Add(uint8(0b0011_1010), PermDefaultEveryone, PermManageMessages, uint64(0),
		uint64(0), PermViewChannel, PermViewChannel, uint64(0), PermViewChannel|PermSendMessages, uint64(0))
	f.Add(uint8(0b0010_1000), PermDefaultEveryone, uint64(0), uint64(0),
		uint64(0), all, uint64(0), uint64(0), PermAdministrator|PermManageMessages, uint64(0))
	f.Add(uint8(0b0000_0001), uint64(0), uint64(0), uint64(0), uint64(0), all, uint64(0), uint64(0), uint64(0), all)
	f.Add(uint8(0b0000_0010), PermDefaultEveryone, PermAdministrator, uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint8(0b0111_1110), all, all, all, all, all, all, all, all, all)
	f.Add(uint8(0b0010_0000), PermViewChannel, uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), PermSendMessages)
	f.Add(uint8(0b1000_0000), uint64(1)<<47|1<<60, uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Fuzz(func(t *testing.T, shape uint8, everyone, roleA, roleB, evAllow, evDeny, raAllow, raDeny, memAllow, memDeny uint64) {
		const (
			guildID ID = 100
			ownerID ID = 1
			userID  ID = 2
			otherID ID = 3
			roleAID ID = 10
			roleBID ID = 11
		)
		has := func(bit uint) bool { return shape&(1<<bit) != 0 }
		g := GuildView{GuildID: guildID, OwnerID: ownerID, Roles: map[ID]Permission{guildID: everyone, roleAID: roleA, roleBID: roleB}}
		user := userID
		if has(0) {
			user = ownerID
		}
		var roles []ID
		if has(1) {
			roles = append(roles, roleAID)
		}
		if has(2) {
			roles = append(roles, roleBID)
		}
		var ows []chat.Overwrite
		if has(6) { // overwrites for another member and a role the user lacks apply to nobody here
			ows = append(ows, chat.Overwrite{ID: otherID, Type: chat.OverwriteMember, Allow: all, Deny: all},
				chat.Overwrite{ID: 999, Type: chat.OverwriteRole, Allow: all, Deny: all},
				chat.Overwrite{ID: userID, Type: chat.OverwriteRole, Allow: all, Deny: all})
		}
		if has(3) {
			ows = append(ows, chat.Overwrite{ID: guildID, Type: chat.OverwriteRole, Allow: evAllow, Deny: evDeny})
		}
		if has(4) {
			ows = append(ows, chat.Overwrite{ID: roleAID, Type: chat.OverwriteRole, Allow: raAllow, Deny: raDeny})
		}
		if has(5) {
			ows = append(ows, chat.Overwrite{ID: user, Type: chat.OverwriteMember, Allow: memAllow, Deny: memDeny})
		}
		var ch *chat.Channel
		if !has(7) {
			ch = &chat.Channel{ID: 50, GuildID: guildID, Overwrites: ows}
		}

		base := BasePermissions(g, user, roles)
		got := Compute(g, user, roles, ch)
		if got&^PermAll != 0 {
			t.Fatalf("result %#x has bits outside PermAll: %#x", got, got&^PermAll)
		}
		if base&^PermAll != 0 {
			t.Fatalf("base %#x has bits outside PermAll", base)
		}
		admin := everyone&PermAdministrator != 0 || (has(1) && roleA&PermAdministrator != 0) ||
			(has(2) && roleB&PermAdministrator != 0)
		if user == ownerID || admin {
			if got != PermAll || base != PermAll {
				t.Fatalf("owner/administrator got %#x (base %#x), want every permission", got, base)
			}
			return
		}
		if ch == nil {
			if got != base {
				t.Fatalf("guild level %#x differs from BasePermissions %#x", got, base)
			}
			return
		}
		if got != 0 && got&PermViewChannel == 0 {
			t.Fatalf("result %#x without VIEW_CHANNEL is not empty", got)
		}
		if got&PermSendMessages == 0 && got&sendImplied != 0 {
			t.Fatalf("result %#x keeps SEND_MESSAGES' dependants without it", got)
		}
		// Nothing comes from nowhere: every bit is in the base or allowed
		// by an overwrite that applies.
		var allowed Permission
		if has(3) {
			allowed |= evAllow
		}
		if has(4) && has(1) {
			allowed |= raAllow
		}
		if has(5) {
			allowed |= memAllow
		}
		if got&^(base|allowed) != 0 {
			t.Fatalf("result %#x has bits %#x neither in base %#x nor allowed", got, got&^(base|allowed), base)
		}
		if has(5) {
			// The member's own overwrite is applied last: its denies hold...
			if got&(memDeny&^memAllow&PermAll) != 0 {
				t.Fatalf("member overwrite denies %#x but result is %#x", memDeny, got)
			}
			// ...and its allows hold whatever @everyone or a role denies.
			checkMemberAllow(t, got, memAllow)
			worst := append([]chat.Overwrite(nil), ows...)
			for i := range worst {
				if worst[i].Type == chat.OverwriteRole {
					worst[i].Allow, worst[i].Deny = 0, all
				}
			}
			denied := ChannelPermissions(base, guildID, user, roles, worst)
			checkMemberAllow(t, denied, memAllow)
			// More allowed never means less permitted.
			more := append([]chat.Overwrite(nil), ows...)
			more[len(more)-1].Allow |= roleB
			if wider := ChannelPermissions(base, guildID, user, roles, more); got&^wider != 0 {
				t.Fatalf("allowing %#x more took %#x away", roleB, got&^wider)
			}
		}
	})
}

// checkMemberAllow fails unless got holds what a member overwrite allows:
// all of it when it allows VIEW_CHANNEL, less SEND_MESSAGES' dependants
// when SEND_MESSAGES is missing.
func checkMemberAllow(t *testing.T, got, allow Permission) {
	t.Helper()
	if allow&PermViewChannel == 0 {
		return // the channel may stay hidden, which empties the result
	}
	want := allow & PermAll
	if got&PermSendMessages == 0 {
		want &^= sendImplied
	}
	if got&want != want {
		t.Fatalf("member overwrite allows %#x; result %#x lacks %#x", allow, got, want&^got)
	}
}
