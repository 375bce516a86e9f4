package storetest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// BucketTime returns the first instant of message bucket b.
func BucketTime(b int64) time.Time { return snowflake.Time(snowflake.BucketStart(b)) }

// PutMessages writes ms and fails t on the first error.
func PutMessages(t testing.TB, s store.Store, ms []chat.Message) {
	t.Helper()
	for _, m := range ms {
		if err := s.PutMessage(t.Context(), m); err != nil {
			t.Fatalf("PutMessage(%d/%d): %v", m.ChannelID, m.ID, err)
		}
	}
}

// History is a channel's worth of messages laid out to exercise bucket
// walking: one old bucket, a message on each side of a bucket boundary,
// three busy buckets with an empty one between them, then three years of
// nothing, then two more busy buckets. It has more than 2*store.MaxPage
// messages, so full pages cross buckets and the gap.
type History struct {
	Channel  chat.ID
	Messages []chat.Message // in ID order
	IDs      []chat.ID      // in ID order

	FirstBucket int64   // bucket of the oldest message
	EmptyBucket int64   // an empty bucket between busy ones
	Boundary    chat.ID // first ID of a bucket whose predecessor's last ID is also stored
	GapStart    chat.ID // last ID before the three-year gap
	GapEnd      chat.ID // first ID after it
}

// NewHistory builds (but does not store) a History for channel, starting at
// the bucket holding start.
func NewHistory(channel chat.ID, start time.Time) History {
	b0 := snowflake.Bucket(snowflake.FromTime(start))
	h := History{Channel: channel, FirstBucket: b0, EmptyBucket: b0 + 3}
	add := func(at time.Time, seq int) {
		h.Messages = append(h.Messages, MessageAt(channel, at, seq))
	}
	fill := func(b int64, n int) {
		step := time.Duration(snowflake.BucketSize) * time.Millisecond / time.Duration(n+1)
		for i := 1; i <= n; i++ {
			add(BucketTime(b).Add(time.Duration(i)*step), i)
		}
	}
	fill(b0, 30)
	h.Boundary = snowflake.BucketStart(b0 + 2)
	h.Messages = append(h.Messages,
		chat.Message{ID: h.Boundary - 1, ChannelID: channel, AuthorID: 7, Content: "last of its bucket"},
		chat.Message{ID: h.Boundary, ChannelID: channel, AuthorID: 7, Content: "first of its bucket"})
	fill(b0+1, 40)
	fill(b0+2, 40)
	fill(b0+4, 40)
	gap := b0 + 4 + 3*365/10 // about three years of empty buckets
	fill(gap, 40)
	fill(gap+1, 30)
	slices.SortFunc(h.Messages, func(a, b chat.Message) int { return cmpID(a.ID, b.ID) })
	h.IDs = MessageIDs(h.Messages)
	for i, id := range h.IDs {
		if snowflake.Bucket(id) == gap {
			h.GapStart, h.GapEnd = h.IDs[i-1], id
			break
		}
	}
	return h
}

func cmpID(a, b chat.ID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var historyStart = time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)

func testMessages(t *testing.T, s store.Store) {
	t.Run("ReferenceRules", testReferenceRules)
	t.Run("History", func(t *testing.T) { testHistory(t, s) })
	t.Run("Empty", func(t *testing.T) { testEmptyChannel(t, s) })
	t.Run("OnlyOld", func(t *testing.T) { testOnlyOld(t, s) })
	t.Run("RoundTrip", func(t *testing.T) { testMessageRoundTrip(t, s) })
	t.Run("Edit", func(t *testing.T) { testEdit(t, s) })
	t.Run("Embeds", func(t *testing.T) { testEmbeds(t, s) })
	t.Run("Attachments", func(t *testing.T) { testAttachments(t, s) })
	t.Run("Components", func(t *testing.T) { testComponentsAndWebhookAuthor(t, s) })
	t.Run("Interaction", func(t *testing.T) { testInteraction(t, s) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, s) })
	t.Run("Isolation", func(t *testing.T) { testIsolation(t, s) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrentPuts(t, s) })
	t.Run("Random", func(t *testing.T) { testRandomPages(t, s) })
}

// testReferenceRules pins WantPage to the rules written on store.Page, so
// that the suite's model cannot drift from the documented contract.
func testReferenceRules(t *testing.T) {
	all := []chat.ID{30, 10, 50, 20, 40}
	cases := []struct {
		name string
		p    store.Page
		want []chat.ID
	}{
		{"Newest", store.Page{Limit: 2}, []chat.ID{50, 40}},
		{"DefaultLimit", store.Page{}, []chat.ID{50, 40, 30, 20, 10}},
		{"Before", store.Page{Before: 40, Limit: 2}, []chat.ID{30, 20}},
		{"BeforeMissing", store.Page{Before: 35, Limit: 5}, []chat.ID{30, 20, 10}},
		{"AfterClosestNewestFirst", store.Page{After: 10, Limit: 2}, []chat.ID{30, 20}},
		{"AfterMissing", store.Page{After: 45, Limit: 2}, []chat.ID{50}},
		{"AroundOdd", store.Page{Around: 30, Limit: 3}, []chat.ID{40, 30, 20}},
		{"AroundEven", store.Page{Around: 30, Limit: 4}, []chat.ID{40, 30, 20, 10}},
		{"AroundOne", store.Page{Around: 30, Limit: 1}, []chat.ID{30}},
		{"AroundMissing", store.Page{Around: 35, Limit: 2}, []chat.ID{40, 30}},
		{"AroundMissingOne", store.Page{Around: 35, Limit: 1}, []chat.ID{40}},
		{"AroundNewest", store.Page{Around: 50, Limit: 4}, []chat.ID{50, 40, 30}},
	}
	for _, tc := range cases {
		if got := WantPage(all, tc.p); !slices.Equal(got, tc.want) {
			t.Errorf("%s: WantPage(%+v) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
}

func testHistory(t *testing.T, s store.Store) {
	h := NewHistory(NewID(), historyStart)
	PutMessages(t, s, h.Messages)
	byID := make(map[chat.ID]chat.Message, len(h.Messages))
	for _, m := range h.Messages {
		byID[m.ID] = m
	}
	ids, n := h.IDs, len(h.IDs)
	newest, oldest := ids[n-1], ids[0]
	emptyBucketMid := snowflake.BucketStart(h.EmptyBucket) + 12345
	inGap := snowflake.FromTime(snowflake.Time(h.GapStart).AddDate(1, 0, 0))
	const maxID = chat.ID(math.MaxInt64)
	cases := []struct {
		name string
		p    store.Page
	}{
		{"Latest", store.Page{Limit: 50}},
		{"LatestLimit1", store.Page{Limit: 1}},
		{"LatestLimit100", store.Page{Limit: 100}},
		{"LatestDefaultLimit", store.Page{}},
		{"LatestNegativeLimit", store.Page{Limit: -3}},
		{"LatestLimitClamped", store.Page{Limit: 1000}},

		{"BeforeNewest", store.Page{Before: newest, Limit: 100}},
		{"BeforeAboveAll", store.Page{Before: newest + 1, Limit: 10}},
		{"BeforeMaxID", store.Page{Before: maxID, Limit: 1}},
		{"BeforeAcrossGap", store.Page{Before: h.GapEnd, Limit: 10}},
		{"BeforeAcrossGapLimit100", store.Page{Before: ids[n-50], Limit: 100}},
		{"BeforeInGap", store.Page{Before: inGap, Limit: 100}},
		{"BeforeInEmptyBucket", store.Page{Before: emptyBucketMid, Limit: 5}},
		{"BeforeBoundary", store.Page{Before: h.Boundary, Limit: 3}},
		{"BeforeBoundaryPlus1", store.Page{Before: h.Boundary + 1, Limit: 3}},
		{"BeforeSecondOldest", store.Page{Before: ids[1], Limit: 100}},
		{"BeforeOldest", store.Page{Before: oldest, Limit: 100}},
		{"BeforeOne", store.Page{Before: 1, Limit: 10}},

		{"AfterOne", store.Page{After: 1, Limit: 50}},
		{"AfterOneLimit100", store.Page{After: 1, Limit: 100}},
		{"AfterOldestLimit1", store.Page{After: oldest, Limit: 1}},
		{"AfterBoundaryPrev", store.Page{After: h.Boundary - 1, Limit: 2}},
		{"AfterBoundaryMinus2", store.Page{After: h.Boundary - 2, Limit: 2}},
		{"AfterInEmptyBucket", store.Page{After: emptyBucketMid, Limit: 5}},
		{"AfterAcrossGap", store.Page{After: h.GapStart, Limit: 5}},
		{"AfterBeforeGapLimit100", store.Page{After: ids[n-100], Limit: 100}},
		{"AfterInGap", store.Page{After: inGap, Limit: 100}},
		{"AfterSecondNewest", store.Page{After: ids[n-2], Limit: 100}},
		{"AfterNewest", store.Page{After: newest, Limit: 100}},
		{"AfterMaxID", store.Page{After: maxID, Limit: 10}},

		{"AroundLimit1", store.Page{Around: ids[100], Limit: 1}},
		{"AroundLimit2", store.Page{Around: ids[100], Limit: 2}},
		{"AroundLimit3", store.Page{Around: ids[100], Limit: 3}},
		{"AroundLimit50", store.Page{Around: ids[100], Limit: 50}},
		{"AroundLimit51", store.Page{Around: ids[100], Limit: 51}},
		{"AroundLimit100", store.Page{Around: ids[100], Limit: 100}},
		{"AroundDefaultLimit", store.Page{Around: ids[100]}},
		{"AroundBoundary", store.Page{Around: h.Boundary, Limit: 4}},
		{"AroundMissingLimit1", store.Page{Around: ids[100] + 1, Limit: 1}},
		{"AroundMissing", store.Page{Around: ids[100] + 1, Limit: 10}},
		{"AroundGap", store.Page{Around: inGap, Limit: 100}},
		{"AroundGapStart", store.Page{Around: h.GapStart, Limit: 6}},
		{"AroundEmptyBucket", store.Page{Around: emptyBucketMid, Limit: 20}},
		{"AroundNewest", store.Page{Around: newest, Limit: 50}},
		{"AroundOldest", store.Page{Around: oldest, Limit: 50}},
		{"AroundOne", store.Page{Around: 1, Limit: 10}},
		{"AroundMaxID", store.Page{Around: maxID, Limit: 10}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, m := range CheckPage(t, s, h.Channel, ids, tc.p) {
				check(t, fmt.Sprint("message ", m.ID), m, byID[m.ID])
			}
		})
	}
	t.Run("WalkBefore", func(t *testing.T) {
		var got []chat.ID
		p := store.Page{Limit: 7}
		for {
			page := CheckPage(t, s, h.Channel, ids, p)
			if len(page) == 0 {
				break
			}
			got = append(got, MessageIDs(page)...)
			p.Before = page[len(page)-1].ID
		}
		want := slices.Clone(ids)
		slices.Reverse(want)
		if !slices.Equal(got, want) {
			t.Fatalf("walking Before got %d ids, want %d", len(got), len(want))
		}
	})
	t.Run("WalkAfter", func(t *testing.T) {
		var got []chat.ID
		p := store.Page{After: 1, Limit: 9}
		for {
			page := CheckPage(t, s, h.Channel, ids, p)
			if len(page) == 0 {
				break
			}
			asc := MessageIDs(page)
			slices.Reverse(asc)
			got = append(got, asc...)
			p.After = page[0].ID
		}
		if !slices.Equal(got, ids) {
			t.Fatalf("walking After got %d ids, want %d", len(got), len(ids))
		}
	})
	t.Run("Get", func(t *testing.T) {
		for _, id := range []chat.ID{oldest, h.Boundary - 1, h.Boundary, h.GapStart, h.GapEnd, newest} {
			got, err := s.Message(t.Context(), h.Channel, id)
			ok(t, fmt.Sprint("Message ", id), err)
			check(t, fmt.Sprint("Message ", id), got, byID[id])
		}
		for _, id := range []chat.ID{oldest - 1, h.Boundary + 1, newest + 1, emptyBucketMid} {
			_, err := s.Message(t.Context(), h.Channel, id)
			isErr(t, fmt.Sprint("Message ", id), err, store.ErrNotFound)
		}
	})
}

func allForms(anchor chat.ID) []store.Page {
	return []store.Page{{}, {Limit: 1}, {Limit: 100}, {Before: anchor}, {After: anchor}, {Around: anchor},
		{Before: math.MaxInt64}, {After: 1}, {Around: anchor, Limit: 1}}
}

func testEmptyChannel(t *testing.T, s store.Store) {
	ch := NewID()
	for _, p := range allForms(snowflake.FromTime(historyStart)) {
		CheckPage(t, s, ch, nil, p)
	}
	_, err := s.Message(t.Context(), ch, snowflake.FromTime(historyStart))
	isErr(t, "Message in an empty channel", err, store.ErrNotFound)
}

func testOnlyOld(t *testing.T, s store.Store) {
	ch := NewID()
	old := time.Now().UTC().AddDate(-3, 0, 0)
	ms := []chat.Message{MessageAt(ch, old, 0), MessageAt(ch, old.Add(time.Hour), 1), MessageAt(ch, old.AddDate(0, 0, -25), 2)}
	PutMessages(t, s, ms)
	all := MessageIDs(ms)
	for _, p := range allForms(snowflake.FromTime(time.Now())) {
		CheckPage(t, s, ch, all, p)
	}
	for _, p := range allForms(all[0]) {
		CheckPage(t, s, ch, all, p)
	}
}

func testMessageRoundTrip(t *testing.T, s store.Store) {
	ch, guild := NewID(), NewID()
	edited := ms(2025, 2, 3, 4, 5, 6).Add(789e6)
	full := chat.Message{
		ID: snowflake.FromTime(ms(2025, 2, 3, 4, 0, 0)) + 77, ChannelID: ch, GuildID: guild, AuthorID: NewID(),
		Content:  "hello <@123> ünïcödé 🎉\n\"quoted\"\x00nul",
		EditedAt: &edited, TTS: true, MentionEveryone: true,
		Mentions: []chat.ID{1, math.MaxInt64}, MentionRoles: []chat.ID{guild},
		Nonce: "nonce-1", Type: chat.MessageReply, Flags: 4,
		Reference: &chat.MessageReference{MessageID: NewID(), ChannelID: ch, GuildID: guild},
		Embeds:    SampleEmbeds(),
	}
	minimal := chat.Message{ID: full.ID + 1, ChannelID: ch, AuthorID: 9}
	long := chat.Message{ID: full.ID + 2, ChannelID: ch, AuthorID: 9, Content: string(make([]byte, 2000))}
	PutMessages(t, s, []chat.Message{full, minimal, long})
	for _, want := range []chat.Message{full, minimal, long} {
		got, err := s.Message(t.Context(), ch, want.ID)
		ok(t, "Message", err)
		check(t, "Message", got, want)
	}
	page, err := s.Messages(t.Context(), ch, store.Page{Limit: 10})
	ok(t, "Messages", err)
	check(t, "Messages", page, []chat.Message{long, minimal, full})
}

// testInteraction checks that an application's answer keeps the
// interaction it answers, through the completion of a deferred answer
// (flags and content replaced without marking the message edited, as the
// guild layer does) and in history pages.
func testInteraction(t *testing.T, s store.Store) {
	ch, guild := NewID(), NewID()
	at := ms(2025, 3, 4, 5, 6, 7)
	loading := MessageAt(ch, at, 1)
	loading.GuildID, loading.Content, loading.Type, loading.Flags = guild, "", chat.MessageChatInputCommand, chat.MessageFlagLoading|64
	loading.ApplicationID = NewID()
	loading.Interaction = &chat.InteractionMeta{ID: NewID(), Type: 2, UserID: NewID(), Name: "roll d20", CommandType: 1,
		GuildOwner: guild}
	followUp := MessageAt(ch, at, 2)
	followUp.GuildID, followUp.Type, followUp.ApplicationID = guild, chat.MessageReply, loading.ApplicationID
	followUp.Reference = &chat.MessageReference{MessageID: NewID(), ChannelID: ch, GuildID: guild}
	followUp.Interaction = &chat.InteractionMeta{ID: NewID(), Type: 5, UserID: loading.Interaction.UserID, UserOwner: 3,
		OriginalResponseID: loading.ID, TargetUserID: 4, TargetMessageID: 5,
		Triggering: &chat.InteractionMeta{ID: NewID(), Type: 3, UserID: 6, InteractedMessageID: followUp.Reference.MessageID, GuildOwner: guild}}
	plain := MessageAt(ch, at, 3)
	PutMessages(t, s, []chat.Message{loading, followUp, plain})
	for _, want := range []chat.Message{loading, followUp, plain} {
		got, err := s.Message(t.Context(), ch, want.ID)
		ok(t, "Message", err)
		check(t, "Message", got, want)
	}
	done := loading
	done.Content, done.Flags, done.Embeds = "17", 64, SampleEmbeds()
	ok(t, "PutMessage completion", s.PutMessage(t.Context(), done))
	got, err := s.Message(t.Context(), ch, done.ID)
	ok(t, "Message", err)
	check(t, "completed answer", got, done)
	page, err := s.Messages(t.Context(), ch, store.Page{Limit: 10})
	ok(t, "Messages", err)
	check(t, "Messages", page, []chat.Message{plain, followUp, done})
}

func testEdit(t *testing.T, s store.Store) {
	ch := NewID()
	at := ms(2024, 8, 9, 10, 11, 12)
	ms := []chat.Message{MessageAt(ch, at, 1), MessageAt(ch, at, 2), MessageAt(ch, at, 3)}
	PutMessages(t, s, ms)
	edited := ms[1]
	when := at.Add(time.Minute)
	edited.Content, edited.EditedAt, edited.Mentions = "edited", &when, []chat.ID{5}
	ok(t, "PutMessage edit", s.PutMessage(t.Context(), edited))
	got, err := s.Message(t.Context(), ch, edited.ID)
	ok(t, "Message", err)
	check(t, "Message after edit", got, edited)
	page, err := s.Messages(t.Context(), ch, store.Page{Limit: 10})
	ok(t, "Messages", err)
	check(t, "Messages after edit", page, []chat.Message{ms[2], edited, ms[0]})
}

// SampleEmbeds returns embeds that use every part of Discord's embed
// object, plus a nearly empty one.
func SampleEmbeds() []chat.Embed {
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	black, blue := 0, 0x5865f2
	return []chat.Embed{
		{Title: "Release ✨", Type: "rich", Description: "**bold**\nsecond line", URL: "https://example.com/r",
			Timestamp: &at, Color: &blue,
			Footer:    &chat.EmbedFooter{Text: "footer", IconURL: "https://example.com/f.png"},
			Image:     &chat.EmbedMedia{URL: "https://example.com/i.png"},
			Thumbnail: &chat.EmbedMedia{URL: "https://example.com/t.png"},
			Author:    &chat.EmbedAuthor{Name: "author", URL: "https://example.com/a", IconURL: "https://example.com/a.png"},
			Fields: []chat.EmbedField{{Name: "inline", Value: "yes", Inline: true},
				{Name: "block", Value: "no"}}},
		{Type: "rich", Color: &black, Footer: &chat.EmbedFooter{Text: "only a footer"}},
	}
}

// testEmbeds checks that embeds survive a round trip and that an edit
// replaces them, or removes them, whole.
func testEmbeds(t *testing.T, s store.Store) {
	ch := NewID()
	at := ms(2024, 9, 1, 12, 0, 0)
	withEmbeds := MessageAt(ch, at, 1)
	withEmbeds.Content, withEmbeds.Embeds = "", SampleEmbeds() // an embed-only message
	plain := MessageAt(ch, at, 2)
	PutMessages(t, s, []chat.Message{withEmbeds, plain})
	got, err := s.Message(t.Context(), ch, withEmbeds.ID)
	ok(t, "Message", err)
	check(t, "embed-only message", got, withEmbeds)

	edited := withEmbeds
	when := at.Add(time.Minute)
	edited.EditedAt, edited.Content = &when, "now with text"
	edited.Embeds = []chat.Embed{{Type: "rich", Title: "replacement", Fields: []chat.EmbedField{{Name: "n", Value: "v"}}}}
	ok(t, "PutMessage edit replacing embeds", s.PutMessage(t.Context(), edited))
	got, err = s.Message(t.Context(), ch, edited.ID)
	ok(t, "Message", err)
	check(t, "after replacing embeds", got, edited)

	cleared := edited
	later := when.Add(time.Minute)
	cleared.EditedAt, cleared.Embeds = &later, nil
	ok(t, "PutMessage edit removing embeds", s.PutMessage(t.Context(), cleared))
	got, err = s.Message(t.Context(), ch, cleared.ID)
	ok(t, "Message", err)
	check(t, "after removing embeds", got, cleared)

	// A plain message gains embeds by an edit.
	plainEdited := plain
	plainEdited.EditedAt, plainEdited.Embeds = &when, SampleEmbeds()[1:]
	ok(t, "PutMessage edit adding embeds", s.PutMessage(t.Context(), plainEdited))
	page, err := s.Messages(t.Context(), ch, store.Page{Limit: 10})
	ok(t, "Messages", err)
	check(t, "Messages", page, []chat.Message{plainEdited, cleared})
}

// testAttachments checks that attachments survive a round trip (a
// file-only message, every field set) and that an edit keeps a subset or
// removes them all.
func testAttachments(t *testing.T, s store.Store) {
	ch := NewID()
	at := ms(2024, 10, 1, 12, 0, 0)
	files := MessageAt(ch, at, 1)
	files.Content = ""
	files.Attachments = []chat.Attachment{
		{ID: NewID(), Filename: "cat.png", Description: "a cat", ContentType: "image/png", Size: 12345,
			Width: 640, Height: 480, Flags: chat.AttachmentIsSpoiler},
		{ID: NewID(), Filename: "data.bin", ContentType: "application/octet-stream", Size: 1 << 40},
	}
	PutMessages(t, s, []chat.Message{files})
	got, err := s.Message(t.Context(), ch, files.ID)
	ok(t, "Message", err)
	check(t, "file-only message", got, files)

	kept := files
	when := at.Add(time.Minute)
	kept.EditedAt, kept.Content = &when, "kept one"
	kept.Attachments = files.Attachments[1:]
	ok(t, "PutMessage edit keeping one attachment", s.PutMessage(t.Context(), kept))
	got, err = s.Message(t.Context(), ch, files.ID)
	ok(t, "Message", err)
	check(t, "after keeping one", got, kept)

	none := kept
	later := when.Add(time.Minute)
	none.EditedAt, none.Attachments = &later, nil
	ok(t, "PutMessage edit removing attachments", s.PutMessage(t.Context(), none))
	page, err := s.Messages(t.Context(), ch, store.Page{Limit: 10})
	ok(t, "Messages", err)
	check(t, "after removing attachments", page, []chat.Message{none})
}

func testDelete(t *testing.T, s store.Store) {
	ch := NewID()
	b := snowflake.Bucket(snowflake.FromTime(ms(2023, 6, 1, 0, 0, 0)))
	lone := MessageAt(ch, BucketTime(b).Add(time.Hour), 0)
	mid := []chat.Message{
		MessageAt(ch, BucketTime(b+1).Add(time.Hour), 1),
		MessageAt(ch, BucketTime(b+1).Add(2*time.Hour), 2),
		MessageAt(ch, BucketTime(b+1).Add(3*time.Hour), 3),
	}
	late := []chat.Message{MessageAt(ch, BucketTime(b+5), 4), MessageAt(ch, BucketTime(b+5).Add(time.Second), 5)}
	all := append(append([]chat.Message{lone}, mid...), late...)
	PutMessages(t, s, all)
	live := MessageIDs(all)
	checkAll := func(t *testing.T) {
		t.Helper()
		forms := append(allForms(lone.ID), allForms(mid[1].ID)...)
		forms = append(forms, allForms(late[0].ID)...)
		for _, p := range forms {
			CheckPage(t, s, ch, live, p)
		}
	}
	del := func(t *testing.T, m chat.Message) {
		t.Helper()
		ok(t, "DeleteMessage", s.DeleteMessage(t.Context(), ch, m.ID))
		live = slices.DeleteFunc(live, func(id chat.ID) bool { return id == m.ID })
		_, err := s.Message(t.Context(), ch, m.ID)
		isErr(t, "Message after delete", err, store.ErrNotFound)
	}

	t.Run("OnlyMessageOfBucket", func(t *testing.T) {
		del(t, lone)
		checkAll(t)
	})
	t.Run("RefillEmptiedBucket", func(t *testing.T) {
		PutMessages(t, s, []chat.Message{lone})
		live = append(live, lone.ID)
		checkAll(t)
		del(t, lone)
		checkAll(t)
	})
	t.Run("Middle", func(t *testing.T) {
		del(t, mid[1])
		checkAll(t)
	})
	t.Run("Newest", func(t *testing.T) {
		del(t, late[1])
		checkAll(t)
	})
	t.Run("Missing", func(t *testing.T) {
		ok(t, "DeleteMessage of a deleted message", s.DeleteMessage(t.Context(), ch, mid[1].ID))
		ok(t, "DeleteMessage in an empty bucket", s.DeleteMessage(t.Context(), ch, snowflake.BucketStart(b+3)))
		ok(t, "DeleteMessage in an unknown channel", s.DeleteMessage(t.Context(), NewID(), mid[0].ID))
		checkAll(t)
	})
	t.Run("All", func(t *testing.T) {
		for _, m := range all {
			ok(t, "DeleteMessage", s.DeleteMessage(t.Context(), ch, m.ID))
		}
		live = nil
		checkAll(t)
	})
}

func testIsolation(t *testing.T, s store.Store) {
	ch1, ch2 := NewID(), NewID()
	var ms1, ms2 []chat.Message
	for i := range 30 {
		at := BucketTime(snowflake.Bucket(snowflake.FromTime(historyStart)) + int64(i%4)).Add(time.Duration(i) * time.Minute)
		ms1 = append(ms1, MessageAt(ch1, at, 1))
		ms2 = append(ms2, MessageAt(ch2, at, 2))
	}
	shared := MessageAt(ch1, historyStart, 3)
	sharedIn2 := shared
	sharedIn2.ChannelID, sharedIn2.Content = ch2, "same id, other channel"
	ms1, ms2 = append(ms1, shared), append(ms2, sharedIn2)
	PutMessages(t, s, ms1)
	PutMessages(t, s, ms2)
	ids1, ids2 := MessageIDs(ms1), MessageIDs(ms2)
	for _, p := range allForms(ms1[10].ID) {
		CheckPage(t, s, ch1, ids1, p)
		CheckPage(t, s, ch2, ids2, p)
	}
	_, err := s.Message(t.Context(), ch2, ms1[0].ID)
	isErr(t, "Message of another channel", err, store.ErrNotFound)
	got, err := s.Message(t.Context(), ch2, shared.ID)
	ok(t, "Message with a shared id", err)
	check(t, "Message with a shared id", got, sharedIn2)

	ok(t, "DeleteMessage in the other channel", s.DeleteMessage(t.Context(), ch2, ms1[0].ID))
	ok(t, "DeleteMessage shared id in ch2", s.DeleteMessage(t.Context(), ch2, shared.ID))
	got, err = s.Message(t.Context(), ch1, shared.ID)
	ok(t, "Message with a shared id after deleting it elsewhere", err)
	check(t, "Message with a shared id after deleting it elsewhere", got, shared)
	ids2 = ids2[:len(ids2)-1]
	for _, p := range allForms(ms1[10].ID) {
		CheckPage(t, s, ch1, ids1, p)
		CheckPage(t, s, ch2, ids2, p)
	}
}

func testConcurrentPuts(t *testing.T, s store.Store) {
	ch := NewID()
	const writers, each = 8, 25
	base := BucketTime(snowflake.Bucket(snowflake.FromTime(historyStart)) + 20)
	errs := make(chan error, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				// Writers interleave in time and span three buckets.
				at := base.Add(time.Duration(i*writers+w) * 7 * time.Hour)
				if err := s.PutMessage(t.Context(), MessageAt(ch, at, w)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("PutMessage: %v", err)
	}
	var all []chat.ID
	for w := range writers {
		for i := range each {
			all = append(all, MessageAt(ch, base.Add(time.Duration(i*writers+w)*7*time.Hour), w).ID)
		}
	}
	CheckPage(t, s, ch, all, store.Page{Limit: 100})
	CheckPage(t, s, ch, all, store.Page{After: 1, Limit: 100})
	CheckPage(t, s, ch, all, store.Page{Around: all[100], Limit: 100})
}

// testRandomPages compares random queries against WantPage over a channel
// with messages clustered in some of 60 buckets, before and after deletes.
func testRandomPages(t *testing.T, s store.Store) {
	ch := NewID()
	rng := rand.New(rand.NewPCG(1, 2))
	b0 := snowflake.Bucket(snowflake.FromTime(historyStart))
	var ms []chat.Message
	seen := map[chat.ID]bool{}
	for len(ms) < 300 {
		b := b0 + int64(rng.IntN(12))*int64(rng.IntN(6)) // favours low buckets, leaves gaps
		at := BucketTime(b).Add(time.Duration(rng.Int64N(snowflake.BucketSize)) * time.Millisecond)
		m := MessageAt(ch, at, rng.IntN(4096))
		if !seen[m.ID] {
			seen[m.ID] = true
			ms = append(ms, m)
		}
	}
	PutMessages(t, s, ms)
	live := MessageIDs(ms)
	lo, hi := snowflake.BucketStart(b0-2), snowflake.BucketStart(b0+60)
	query := func() store.Page {
		var anchor chat.ID
		switch rng.IntN(3) {
		case 0:
			anchor = lo + chat.ID(rng.Uint64N(uint64(hi-lo)))
		default:
			anchor = ms[rng.IntN(len(ms))].ID + chat.ID(rng.IntN(3)) - 1
		}
		p := store.Page{Limit: rng.IntN(110) - 2}
		switch rng.IntN(4) {
		case 0:
			p.Before = anchor
		case 1:
			p.After = anchor
		case 2:
			p.Around = anchor
		}
		return p
	}
	for range 150 {
		CheckPage(t, s, ch, live, query())
	}
	for _, i := range rng.Perm(len(ms))[:200] {
		ok(t, "DeleteMessage", s.DeleteMessage(t.Context(), ch, ms[i].ID))
		live = slices.DeleteFunc(live, func(id chat.ID) bool { return id == ms[i].ID })
	}
	for range 150 {
		CheckPage(t, s, ch, live, query())
	}
}
