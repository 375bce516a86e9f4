package storetest

import (
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// testBans pins down bans: a guild's bans list in user-ID order with an
// exclusive cursor and a limit, another guild's bans never show, a ban is
// replaced whole, and a lifted ban is gone (lifting twice is no error).
func testBans(t *testing.T, s store.Store) {
	ctx := t.Context()
	guild, guild2 := NewID(), NewID()
	users := make([]chat.ID, 5)
	for i := range users {
		NewID() // leave a gap, so users[i]+1 is nobody
		users[i] = NewID()
	}
	var bans []chat.Ban // in user-ID order
	for i, u := range users {
		reason := ""
		if i%2 == 0 {
			reason = "spam " + u.String()
		}
		bans = append(bans, chat.Ban{GuildID: guild, UserID: u, Reason: reason})
	}
	for _, i := range []int{3, 0, 4, 1, 2} {
		ok(t, "PutBan", s.PutBan(ctx, bans[i]))
	}
	other := chat.Ban{GuildID: guild2, UserID: users[1], Reason: "elsewhere"}
	ok(t, "PutBan guild2", s.PutBan(ctx, other))

	t.Run("Get", func(t *testing.T) {
		got, err := s.Ban(ctx, guild, users[2])
		ok(t, "Ban", err)
		check(t, "Ban", got, bans[2])
		got, err = s.Ban(ctx, guild2, users[1])
		ok(t, "Ban guild2", err)
		check(t, "Ban guild2", got, other)
		_, err = s.Ban(ctx, guild2, users[0])
		isErr(t, "Ban of an unbanned user", err, store.ErrNotFound)
	})
	t.Run("List", func(t *testing.T) {
		cases := []struct {
			name  string
			after chat.ID
			limit int
			want  []chat.Ban
		}{
			{"All", 0, 0, bans},
			{"Limit2", 0, 2, bans[:2]},
			{"AfterFirst", users[0], 0, bans[1:]},
			{"AfterGap", users[1] + 1, 2, bans[2:4]},
			{"AfterLast", users[4], 0, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.GuildBans(ctx, guild, c.after, c.limit)
				ok(t, "GuildBans", err)
				check(t, "GuildBans", got, c.want)
			})
		}
		got, err := s.GuildBans(ctx, NewID(), 0, 0)
		ok(t, "GuildBans of a guild without bans", err)
		check(t, "GuildBans of a guild without bans", got, nil)
	})
	t.Run("Replace", func(t *testing.T) {
		b := chat.Ban{GuildID: guild2, UserID: NewID(), Reason: "first"}
		ok(t, "PutBan", s.PutBan(ctx, b))
		b.Reason = ""
		ok(t, "PutBan again", s.PutBan(ctx, b))
		got, err := s.Ban(ctx, guild2, b.UserID)
		ok(t, "Ban", err)
		check(t, "replaced ban", got, b)
	})
	t.Run("Delete", func(t *testing.T) {
		ok(t, "DeleteBan", s.DeleteBan(ctx, guild, users[1]))
		ok(t, "DeleteBan twice", s.DeleteBan(ctx, guild, users[1]))
		_, err := s.Ban(ctx, guild, users[1])
		isErr(t, "Ban after DeleteBan", err, store.ErrNotFound)
		got, err := s.GuildBans(ctx, guild, 0, 0)
		ok(t, "GuildBans", err)
		check(t, "GuildBans after DeleteBan", got, []chat.Ban{bans[0], bans[2], bans[3], bans[4]})
		if _, err := s.Ban(ctx, guild2, users[1]); err != nil {
			t.Fatalf("the same user's ban in another guild: %v", err)
		}
	})
}

// testMemberTimeout pins down that a member's timeout end is kept, and
// that clearing it stores no timeout.
func testMemberTimeout(t *testing.T, s store.Store) {
	ctx := t.Context()
	until := ms(2026, 3, 4, 5, 6, 7).Add(890e6)
	m := chat.Member{GuildID: NewID(), UserID: NewID(), Roles: []chat.ID{}, JoinedAt: ms(2026, 1, 1, 0, 0, 0),
		CommunicationDisabledUntil: &until}
	ok(t, "PutMember", s.PutMember(ctx, m))
	got, err := s.Member(ctx, m.GuildID, m.UserID)
	ok(t, "Member", err)
	check(t, "timed-out member", got, m)
	list, err := s.GuildMembers(ctx, m.GuildID, 0, 0)
	ok(t, "GuildMembers", err)
	check(t, "GuildMembers", list, []chat.Member{m})

	m.CommunicationDisabledUntil = nil
	ok(t, "PutMember cleared", s.PutMember(ctx, m))
	got, err = s.Member(ctx, m.GuildID, m.UserID)
	ok(t, "Member", err)
	check(t, "member after the timeout was lifted", got, m)
}
