package pebble

import (
	"math"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store/storetest"
)

func recordSamples() []chat.Message {
	edited := time.Date(2025, 2, 3, 4, 5, 6, 789012345, time.UTC)
	return []chat.Message{
		{},
		{AuthorID: 1, Content: "hi"},
		{GuildID: math.MaxUint64, AuthorID: 2, Content: "ünïcödé 🎉", EditedAt: &edited, TTS: true,
			MentionEveryone: true, Mentions: []chat.ID{1, math.MaxUint64}, MentionRoles: []chat.ID{3},
			Nonce: "n", Type: chat.MessageReply, Flags: -1 << 40,
			Reference: &chat.MessageReference{MessageID: 4, ChannelID: 5, GuildID: 6}},
		{AuthorID: 3, Type: -7, Reference: &chat.MessageReference{}},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for i, m := range recordSamples() {
		rec := appendMessage(nil, &m)
		var got chat.Message
		if err := decodeMessage(rec, &got); err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		if !storetest.Equal(got, m) {
			t.Fatalf("sample %d:\n got %+v\nwant %+v", i, got, m)
		}
		// Every strict prefix is rejected, never misread.
		for n := range len(rec) {
			if err := decodeMessage(rec[:n], &got); err == nil {
				t.Fatalf("sample %d: %d-byte prefix of %d decoded", i, n, len(rec))
			}
		}
		if err := decodeMessage(append(rec, 0), &got); err == nil {
			t.Fatalf("sample %d: trailing byte accepted", i)
		}
	}
}

// FuzzDecodeMessage feeds arbitrary bytes to the record decoder: it must
// never panic or allocate without bound, and whatever it accepts must
// survive an encode/decode round trip unchanged.
func FuzzDecodeMessage(f *testing.F) {
	for _, m := range recordSamples() {
		f.Add(appendMessage(nil, &m))
	}
	f.Add([]byte{recordVersion, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, rec []byte) {
		var m chat.Message
		if err := decodeMessage(rec, &m); err != nil {
			return
		}
		again := appendMessage(nil, &m)
		var m2 chat.Message
		if err := decodeMessage(again, &m2); err != nil {
			t.Fatalf("re-encoded record rejected: %v", err)
		}
		if !storetest.Equal(m, m2) {
			t.Fatalf("round trip changed the message:\n%+v\n%+v", m, m2)
		}
	})
}
