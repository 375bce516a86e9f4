package protocol

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

// TestAppendMessage: Marshal of a message object, written out by hand,
// gives encoding/json's bytes (HTML not escaped) for random messages with
// every field present, absent, empty or odd: strings with quotes,
// control bytes, invalid UTF-8, U+2028, HTML and long runes; nil and empty
// lists; members with and without users; a referenced message; stored
// components with spaces to compact.
func TestAppendMessage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		m := randomMessage(rng, 2)
		got, err := Marshal(m)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if w := encodingJSON(t, m); string(got) != w {
			t.Fatalf("message %d:\n got %s\nwant %s", i, got, w)
		}
		if p, err := Marshal(&m); err != nil || !bytes.Equal(p, got) {
			t.Fatalf("message %d: Marshal(*Message) = %s, %v", i, p, err)
		}
	}
	bad := benchMessage()
	bad.Components = json.RawMessage(`[{"type":`)
	if _, err := Marshal(bad); err == nil {
		t.Fatal("a message with broken stored components was encoded")
	}
}

func randomString(rng *rand.Rand) string {
	pieces := []string{"", "a", "hello world", `"`, `\`, "<b>&amp;</b>", "\n", "\r\t", "\b\f", "\x00", "\x1f", "\x7f",
		"é", "日本", "😀", "\u2028", "\u2029", "\xff", "\xe2\x80", "\ufffd", "/", "'"}
	var b strings.Builder
	for n := rng.IntN(6); n > 0; n-- {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func randomOpt(rng *rand.Rand) *string {
	if rng.IntN(2) == 0 {
		return nil
	}
	s := randomString(rng)
	return &s
}

func randomIDs(rng *rand.Rand) []chat.ID {
	switch rng.IntN(3) {
	case 0:
		return nil
	case 1:
		return []chat.ID{}
	}
	return []chat.ID{chat.ID(rng.Uint64()), 1, chat.ID(rng.Uint64N(1 << 50))}
}

func randomUser(rng *rand.Rand) User {
	u := User{ID: chat.ID(rng.Uint64()), Username: randomString(rng), Discriminator: "0", GlobalName: randomOpt(rng),
		Avatar: randomOpt(rng), Bot: rng.IntN(2) == 0, PublicFlags: rng.Uint64(), Flags: rng.Uint64N(1 << 20), Banner: randomOpt(rng)}
	if rng.IntN(2) == 0 {
		c := rng.IntN(1<<24) - 1<<10
		u.AccentColor = &c
	}
	return u
}

func randomMember(rng *rand.Rand) *Member {
	if rng.IntN(3) == 0 {
		return nil
	}
	m := &Member{Nick: randomOpt(rng), Avatar: randomOpt(rng), Roles: randomIDs(rng), JoinedAt: randomString(rng),
		PremiumSince: randomOpt(rng), Deaf: rng.IntN(2) == 0, Mute: rng.IntN(2) == 0, Flags: rng.IntN(16) - 4,
		Pending: rng.IntN(2) == 0, CommunicationDisabledUntil: randomOpt(rng)}
	if rng.IntN(2) == 0 {
		u := randomUser(rng)
		m.User = &u
	}
	if rng.IntN(2) == 0 {
		m.GuildID = chat.ID(rng.Uint64())
	}
	return m
}

func randomMessage(rng *rand.Rand, depth int) Message {
	m := Message{ID: chat.ID(rng.Uint64()), Type: rng.IntN(25) - 1, Content: randomString(rng), ChannelID: chat.ID(rng.Uint64()),
		Author: randomUser(rng), MentionRoles: randomIDs(rng), Pinned: rng.IntN(2) == 0, MentionEveryone: rng.IntN(2) == 0,
		TTS: rng.IntN(2) == 0, Timestamp: randomString(rng), EditedTimestamp: randomOpt(rng), Flags: rng.IntN(1 << 16),
		Nonce: randomString(rng), Member: randomMember(rng)}
	switch rng.IntN(3) {
	case 1:
		m.Attachments = []Attachment{}
	case 2:
		m.Attachments = []Attachment{{ID: 9, Filename: randomString(rng), Size: 12, URL: "https://x/<y>"}}
	}
	switch rng.IntN(4) {
	case 1:
		m.Embeds = []Embed{}
	case 2:
		m.Embeds = []Embed{{Type: "rich"}}
	case 3:
		m.Embeds = []Embed(nil)
	}
	switch rng.IntN(3) {
	case 1:
		m.Mentions = []MentionedUser{}
	case 2:
		m.Mentions = []MentionedUser{{User: randomUser(rng), Member: randomMember(rng)}, {User: randomUser(rng)}}
	}
	m.Components = []json.RawMessage{nil, json.RawMessage("[]"), json.RawMessage(` [ {"type": 1, "components" : [ ] } ] `)}[rng.IntN(3)]
	if rng.IntN(2) == 0 {
		m.WebhookID = chat.ID(rng.Uint64())
	}
	if rng.IntN(3) == 0 {
		m.Reactions = []Reaction{{Count: 2, Me: true, BurstColors: []string{}}}
	}
	if rng.IntN(3) == 0 {
		m.MessageReference = &MessageReference{Type: rng.IntN(2), MessageID: chat.ID(rng.Uint64N(3)), ChannelID: chat.ID(rng.Uint64N(3)), GuildID: chat.ID(rng.Uint64N(3))}
	}
	if depth > 0 && rng.IntN(3) == 0 {
		r := randomMessage(rng, depth-1)
		m.ReferencedMessage = &r
	}
	if rng.IntN(2) == 0 {
		m.GuildID = chat.ID(rng.Uint64())
	}
	if rng.IntN(4) == 0 {
		m.Thread = &Channel{ID: 5, Type: 11, Name: randomString(rng)}
	}
	if rng.IntN(3) == 0 {
		m.ApplicationID = chat.ID(rng.Uint64())
	}
	if rng.IntN(4) == 0 {
		m.InteractionMetadata = &InteractionMetadata{ID: 3, Type: 2, User: randomUser(rng), Name: randomString(rng)}
	}
	if rng.IntN(4) == 0 {
		m.Interaction = &MessageInteraction{ID: 4, Type: 2, Name: randomString(rng), User: randomUser(rng)}
	}
	return m
}
