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
		{AuthorID: 4, Embeds: []chat.Embed{{}}},
		{AuthorID: 5, Content: "with embeds", Embeds: embedSamples()},
		{AuthorID: 6, Type: chat.MessageChatInputCommand, Flags: chat.MessageFlagLoading, ApplicationID: 7,
			Interaction: &chat.InteractionMeta{ID: 8, Type: 2, UserID: 9, Name: "roll dice", CommandType: 1, GuildOwner: 10,
				OriginalResponseID: 11}},
		{AuthorID: 6, Type: chat.MessageContextMenuCommand, ApplicationID: math.MaxUint64,
			Reference:   &chat.MessageReference{MessageID: 12, ChannelID: 13},
			Interaction: &chat.InteractionMeta{ID: 8, Type: 2, UserID: 9, Name: "Quote", CommandType: 3, TargetMessageID: 12, TargetUserID: 14, UserOwner: 15}},
		{AuthorID: 6, Type: chat.MessageReply, ApplicationID: 7, Interaction: &chat.InteractionMeta{ID: 16, Type: 5, UserID: 9,
			Triggering: &chat.InteractionMeta{ID: 17, Type: 3, UserID: 9, InteractedMessageID: 18, GuildOwner: 10}}},
	}
}

// TestRecordVersion4 checks that records written before interaction
// metadata existed still decode, and that a version 4 record cannot claim
// an interaction.
func TestRecordVersion4(t *testing.T) {
	for i, m := range recordSamples() {
		if m.Interaction != nil {
			continue
		}
		rec := appendMessage(nil, &m)
		rec[0] = 4
		var got chat.Message
		if err := decodeMessage(rec, &got); err != nil || !storetest.Equal(got, m) {
			t.Fatalf("sample %d as version 4: %v\n got %+v\nwant %+v", i, err, got, m)
		}
	}
	m := chat.Message{AuthorID: 1, ApplicationID: 2, Interaction: &chat.InteractionMeta{ID: 3, Type: 2, UserID: 4}}
	rec := appendMessage(nil, &m)
	rec[0] = 4
	if err := decodeMessage(rec, new(chat.Message)); err == nil {
		t.Fatal("version 4 record with an interaction decoded")
	}
}

// TestRecordInteractionCorruption checks a triggering marker the encoder
// never writes.
func TestRecordInteractionCorruption(t *testing.T) {
	m := chat.Message{AuthorID: 1, ApplicationID: 2, Interaction: &chat.InteractionMeta{ID: 3, Type: 2, UserID: 4}}
	rec := appendMessage(nil, &m)
	rec[len(rec)-1] = 2 // the triggering marker
	if err := decodeMessage(rec, new(chat.Message)); err == nil {
		t.Fatal("triggering marker 2 decoded")
	}
}

func embedSamples() []chat.Embed {
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	early := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	late := time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	black, white := 0, 0xffffff
	return []chat.Embed{
		{Title: "Title ✨", Type: "rich", Description: "desc\nline", URL: "https://example.com/a",
			Timestamp: &at, Color: &white,
			Footer:    &chat.EmbedFooter{Text: "foot", IconURL: "https://example.com/f.png"},
			Image:     &chat.EmbedMedia{URL: "https://example.com/i.png"},
			Thumbnail: &chat.EmbedMedia{URL: "attachment://t.png"},
			Author:    &chat.EmbedAuthor{Name: "me", URL: "https://example.com/me", IconURL: "https://example.com/me.png"},
			Fields:    []chat.EmbedField{{Name: "a", Value: "1", Inline: true}, {Name: "b", Value: "2"}, {}}},
		{Color: &black, Timestamp: &early, Footer: &chat.EmbedFooter{}, Author: &chat.EmbedAuthor{}},
		{Description: "only", Timestamp: &late, Image: &chat.EmbedMedia{}},
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

// TestRecordVersion1 checks that records written before embeds existed
// (version 1: the same layout without the embeds flag) still decode, and
// that a version 1 record cannot claim embeds.
func TestRecordVersion1(t *testing.T) {
	for i, m := range recordSamples() {
		if len(m.Embeds) > 0 || m.Interaction != nil {
			continue
		}
		rec := appendMessage(nil, &m)
		rec[0] = 1
		var got chat.Message
		if err := decodeMessage(rec, &got); err != nil {
			t.Fatalf("sample %d as version 1: %v", i, err)
		}
		if !storetest.Equal(got, m) {
			t.Fatalf("sample %d as version 1:\n got %+v\nwant %+v", i, got, m)
		}
	}
	m := chat.Message{AuthorID: 1, Embeds: []chat.Embed{{Title: "t"}}}
	rec := appendMessage(nil, &m)
	rec[0] = 1
	if err := decodeMessage(rec, new(chat.Message)); err == nil {
		t.Fatal("version 1 record with embeds decoded")
	}
	rec[0] = recordVersion + 1
	if err := decodeMessage(rec, new(chat.Message)); err == nil {
		t.Fatal("future version decoded")
	}
}

// TestRecordEmbedCorruption checks values the encoder never writes.
func TestRecordEmbedCorruption(t *testing.T) {
	m := chat.Message{AuthorID: 1, Embeds: []chat.Embed{{Fields: []chat.EmbedField{{Name: "n", Value: "v"}}}}}
	rec := appendMessage(nil, &m)
	var got chat.Message
	if err := decodeMessage(rec, &got); err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), rec...)
	bad[len(bad)-1] = 2 // inline flag other than 0 or 1
	if err := decodeMessage(bad, &got); err == nil {
		t.Error("inline flag 2 decoded")
	}
	// An empty embed list is never written: a count of 0 is corrupt.
	empty := chat.Message{AuthorID: 1}
	bad = appendMessage(nil, &empty)
	bad[1] |= recEmbeds
	bad = append(bad, 0)
	if err := decodeMessage(bad, &got); err == nil {
		t.Error("empty embed list decoded")
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
