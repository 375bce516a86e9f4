package storetest

import (
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// testThreads pins down threads: a thread, a forum and an announcement
// channel keep their thread metadata, forum settings and followers
// through a round trip (by ID and in the guild's list); thread members
// list in user-ID order with an exclusive cursor and a limit, never show
// another thread's members, and go one by one or all at once.
func testThreads(t *testing.T, s store.Store) {
	ctx := t.Context()
	guild := NewID()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	order := 1
	forum := chat.Channel{ID: NewID(), GuildID: guild, Type: chat.ChannelForum, Name: "help", Overwrites: []chat.Overwrite{},
		Forum: &chat.ForumSettings{
			AvailableTags:          []chat.ForumTag{{ID: NewID(), Name: "bug", Moderated: true, EmojiName: "🐛"}, {ID: NewID(), Name: "idea"}},
			DefaultSortOrder:       &order,
			DefaultForumLayout:     2,
			DefaultReactionEmoji:   &chat.DefaultReaction{EmojiName: "👍"},
			DefaultThreadRateLimit: 30, DefaultAutoArchiveDuration: 4320,
		}}
	thread := chat.Channel{ID: NewID(), GuildID: guild, Type: chat.ChannelPublicThread, Name: "post", ParentID: forum.ID,
		Overwrites: []chat.Overwrite{}, LastMessageID: NewID(),
		Thread: &chat.ThreadMeta{OwnerID: NewID(), Archived: true, Locked: true, AutoArchiveDuration: 60,
			ArchiveTimestamp: at, CreateTimestamp: at.Add(-time.Hour), LastActive: at.Add(-time.Minute),
			MessageCount: 3, TotalMessageSent: 4, AppliedTags: []chat.ID{forum.Forum.AvailableTags[1].ID}}}
	news := chat.Channel{ID: NewID(), GuildID: guild, Type: chat.ChannelAnnouncement, Name: "news", Overwrites: []chat.Overwrite{},
		Followers: []chat.ID{NewID(), NewID()}}
	for _, c := range []chat.Channel{forum, thread, news} {
		ok(t, "PutChannel", s.PutChannel(ctx, c))
	}
	t.Run("Channels", func(t *testing.T) {
		for _, c := range []chat.Channel{forum, thread, news} {
			got, err := s.Channel(ctx, c.ID)
			ok(t, "Channel", err)
			check(t, "Channel", got, c)
		}
		got, err := s.GuildChannels(ctx, guild)
		ok(t, "GuildChannels", err)
		if len(got) != 3 {
			t.Fatalf("GuildChannels: %d channels, want 3", len(got))
		}
		for _, c := range got {
			if c.ID == thread.ID {
				check(t, "listed thread", c, thread)
			}
		}
		// Unarchiving replaces the metadata whole.
		un := thread
		meta := *thread.Thread
		meta.Archived, meta.Locked, meta.AppliedTags = false, false, nil
		un.Thread = &meta
		ok(t, "PutChannel unarchived", s.PutChannel(ctx, un))
		got1, err := s.Channel(ctx, thread.ID)
		ok(t, "Channel unarchived", err)
		check(t, "unarchived thread", got1, un)
	})
	t.Run("Members", func(t *testing.T) {
		other := NewID()
		users := make([]chat.ID, 4)
		for i := range users {
			NewID() // a gap, so users[i]+1 is nobody
			users[i] = NewID()
		}
		var ms []chat.ThreadMember
		for i, u := range users {
			ms = append(ms, chat.ThreadMember{ThreadID: thread.ID, UserID: u, GuildID: guild, JoinedAt: at.Add(time.Duration(i) * time.Second), Flags: i % 2})
		}
		for _, i := range []int{2, 0, 3, 1} {
			ok(t, "PutThreadMember", s.PutThreadMember(ctx, ms[i]))
		}
		ok(t, "PutThreadMember other", s.PutThreadMember(ctx, chat.ThreadMember{ThreadID: other, UserID: users[0], GuildID: guild, JoinedAt: at}))
		cases := []struct {
			name  string
			after chat.ID
			limit int
			want  []chat.ThreadMember
		}{
			{"All", 0, 0, ms},
			{"Limit2", 0, 2, ms[:2]},
			{"AfterGap", users[0] + 1, 2, ms[1:3]},
			{"AfterLast", users[3], 0, nil},
		}
		for _, c := range cases {
			got, err := s.ThreadMembers(ctx, thread.ID, c.after, c.limit)
			ok(t, "ThreadMembers "+c.name, err)
			check(t, "ThreadMembers "+c.name, got, c.want)
		}
		ok(t, "DeleteThreadMember", s.DeleteThreadMember(ctx, thread.ID, users[1]))
		ok(t, "DeleteThreadMember twice", s.DeleteThreadMember(ctx, thread.ID, users[1]))
		got, err := s.ThreadMembers(ctx, thread.ID, 0, 0)
		ok(t, "ThreadMembers after delete", err)
		check(t, "ThreadMembers after delete", got, []chat.ThreadMember{ms[0], ms[2], ms[3]})
		ok(t, "DeleteThreadMembers", s.DeleteThreadMembers(ctx, thread.ID))
		got, err = s.ThreadMembers(ctx, thread.ID, 0, 0)
		ok(t, "ThreadMembers of a deleted thread", err)
		check(t, "ThreadMembers of a deleted thread", got, nil)
		got, err = s.ThreadMembers(ctx, other, 0, 0)
		ok(t, "ThreadMembers other", err)
		if len(got) != 1 || got[0].UserID != users[0] {
			t.Fatalf("another thread's members: %+v", got)
		}
	})
}
