package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

func newUser(name string) (chat.User, chat.Credentials) {
	id := NewID()
	u := chat.User{ID: id, Username: fmt.Sprintf("%s_%d", name, id), GlobalName: strings.ToUpper(name)}
	return u, chat.Credentials{UserID: id, PasswordHash: []byte("hash-of-" + u.Username)}
}

func testUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"CreateAndGet", func(t *testing.T) {
			u, c := newUser("Alice")
			u.Avatar, u.Flags = "a1b2", 64
			ok(t, "CreateUser", s.CreateUser(ctx, u, c))
			got, err := s.User(ctx, u.ID)
			ok(t, "User", err)
			check(t, "User", got, u)
		}},
		{"BotUser", func(t *testing.T) {
			u, c := newUser("robot")
			u.Bot, u.ApplicationID, c.PasswordHash = true, NewID(), nil
			ok(t, "CreateUser", s.CreateUser(ctx, u, c))
			got, err := s.User(ctx, u.ID)
			ok(t, "User", err)
			check(t, "User", got, u)
		}},
		{"ByNameIgnoresCase", func(t *testing.T) {
			u, c := newUser("Bob")
			ok(t, "CreateUser", s.CreateUser(ctx, u, c))
			for _, name := range []string{u.Username, strings.ToLower(u.Username), strings.ToUpper(u.Username)} {
				got, err := s.UserByName(ctx, name)
				ok(t, "UserByName "+name, err)
				check(t, "UserByName "+name, got, u)
			}
		}},
		{"DuplicateNameAnyCase", func(t *testing.T) {
			u, c := newUser("Carol")
			ok(t, "CreateUser", s.CreateUser(ctx, u, c))
			for _, name := range []string{u.Username, strings.ToUpper(u.Username)} {
				v, vc := newUser("x")
				v.Username = name
				isErr(t, "CreateUser "+name, s.CreateUser(ctx, v, vc), store.ErrExists)
				_, err := s.User(ctx, v.ID)
				isErr(t, "User of rejected create", err, store.ErrNotFound)
			}
			got, err := s.UserByName(ctx, u.Username)
			ok(t, "UserByName", err)
			check(t, "UserByName after rejected duplicates", got, u)
		}},
		{"ConcurrentSameName", func(t *testing.T) {
			name := fmt.Sprintf("race_%d", NewID())
			const n = 8
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					u, c := newUser("r")
					u.Username = name
					errs[i] = s.CreateUser(ctx, u, c)
				})
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, store.ErrExists):
					t.Fatalf("CreateUser: %v", err)
				}
			}
			if won != 1 {
				t.Fatalf("%d of %d concurrent creates of one username succeeded, want 1", won, n)
			}
		}},
		{"Update", func(t *testing.T) {
			u, c := newUser("Dave")
			ok(t, "CreateUser", s.CreateUser(ctx, u, c))
			u.GlobalName, u.Avatar = "David", "ffee"
			ok(t, "UpdateUser", s.UpdateUser(ctx, u))
			got, err := s.User(ctx, u.ID)
			ok(t, "User", err)
			check(t, "User after update", got, u)
			got, err = s.UserByName(ctx, u.Username)
			ok(t, "UserByName", err)
			check(t, "UserByName after update", got, u)
		}},
		{"Rename", func(t *testing.T) {
			u, c := newUser("Erin")
			ok(t, "CreateUser", s.CreateUser(ctx, u, c))
			old := u.Username
			u.Username = fmt.Sprintf("erin_renamed_%d", u.ID)
			ok(t, "UpdateUser", s.UpdateUser(ctx, u))
			_, err := s.UserByName(ctx, old)
			isErr(t, "UserByName old name", err, store.ErrNotFound)
			got, err := s.UserByName(ctx, strings.ToUpper(u.Username))
			ok(t, "UserByName new name", err)
			check(t, "UserByName new name", got, u)
			// The old name is free again.
			v, vc := newUser("y")
			v.Username = old
			ok(t, "CreateUser with freed name", s.CreateUser(ctx, v, vc))
			// Changing only the case of one's own name is allowed.
			u.Username = strings.ToUpper(u.Username)
			ok(t, "UpdateUser case change", s.UpdateUser(ctx, u))
			got, err = s.User(ctx, u.ID)
			ok(t, "User", err)
			check(t, "User after case change", got, u)
		}},
		{"RenameToTaken", func(t *testing.T) {
			u, c := newUser("Frank")
			v, vc := newUser("Grace")
			ok(t, "CreateUser", s.CreateUser(ctx, u, c))
			ok(t, "CreateUser", s.CreateUser(ctx, v, vc))
			renamed := u
			renamed.Username = strings.ToLower(v.Username)
			isErr(t, "UpdateUser to taken name", s.UpdateUser(ctx, renamed), store.ErrExists)
			got, err := s.User(ctx, u.ID)
			ok(t, "User", err)
			check(t, "User after rejected rename", got, u)
			got, err = s.UserByName(ctx, v.Username)
			ok(t, "UserByName", err)
			check(t, "owner of the name after rejected rename", got, v)
		}},
		{"Missing", func(t *testing.T) {
			u, _ := newUser("ghost")
			_, err := s.User(ctx, u.ID)
			isErr(t, "User", err, store.ErrNotFound)
			_, err = s.UserByName(ctx, u.Username)
			isErr(t, "UserByName", err, store.ErrNotFound)
			isErr(t, "UpdateUser", s.UpdateUser(ctx, u), store.ErrNotFound)
			_, err = s.UserByName(ctx, u.Username)
			isErr(t, "UserByName after failed update", err, store.ErrNotFound)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, tc.run)
	}
}

func testCredentials(t *testing.T, s store.Store) {
	ctx := t.Context()
	t.Run("RoundTrip", func(t *testing.T) {
		u, c := newUser("Heidi")
		c.PasswordHash = []byte{0, 1, 2, 0xff, 0, '$', 'a'}
		ok(t, "CreateUser", s.CreateUser(ctx, u, c))
		got, err := s.Credentials(ctx, u.ID)
		ok(t, "Credentials", err)
		check(t, "Credentials", got, c)
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := s.Credentials(ctx, NewID())
		isErr(t, "Credentials", err, store.ErrNotFound)
	})
}

func testTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	t.Run("PutLookupDelete", func(t *testing.T) {
		user := NewID()
		h1, h2 := RandomBytes(32), RandomBytes(32)
		ok(t, "PutToken 1", s.PutToken(ctx, h1, user))
		ok(t, "PutToken 2", s.PutToken(ctx, h2, user))
		for i, h := range [][]byte{h1, h2} {
			got, err := s.TokenUser(ctx, h)
			ok(t, fmt.Sprint("TokenUser ", i+1), err)
			check(t, fmt.Sprint("TokenUser ", i+1), got, user)
		}
		ok(t, "DeleteToken", s.DeleteToken(ctx, h1))
		_, err := s.TokenUser(ctx, h1)
		isErr(t, "TokenUser after delete", err, store.ErrNotFound)
		got, err := s.TokenUser(ctx, h2)
		ok(t, "TokenUser of the other token", err)
		check(t, "TokenUser of the other token", got, user)
		ok(t, "DeleteToken again", s.DeleteToken(ctx, h1))
	})
	t.Run("PrefixIsNotAMatch", func(t *testing.T) {
		h := RandomBytes(32)
		ok(t, "PutToken", s.PutToken(ctx, h, NewID()))
		_, err := s.TokenUser(ctx, h[:31])
		isErr(t, "TokenUser of a prefix", err, store.ErrNotFound)
		_, err = s.TokenUser(ctx, append(h[:32:32], 0))
		isErr(t, "TokenUser of an extension", err, store.ErrNotFound)
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := s.TokenUser(ctx, RandomBytes(32))
		isErr(t, "TokenUser", err, store.ErrNotFound)
		ok(t, "DeleteToken", s.DeleteToken(ctx, RandomBytes(32)))
	})
}

func testApplications(t *testing.T, s store.Store) {
	ctx := t.Context()
	t.Run("PutGetByBot", func(t *testing.T) {
		a := chat.Application{ID: NewID(), Name: "Bot App", OwnerID: NewID(), BotID: NewID(),
			Flags: chat.AppFlagGatewayPresenceLimited | chat.AppFlagGatewayMessageContentLimited}
		ok(t, "PutApplication", s.PutApplication(ctx, a))
		got, err := s.Application(ctx, a.ID)
		ok(t, "Application", err)
		check(t, "Application", got, a)
		got, err = s.ApplicationByBot(ctx, a.BotID)
		ok(t, "ApplicationByBot", err)
		check(t, "ApplicationByBot", got, a)
		a.Flags, a.Name, a.TokenHash = chat.AppFlagGatewayGuildMembersLimited, "Renamed", RandomBytes(32)
		a.InteractionsKey, a.InteractionsEndpointURL = RandomBytes(32), "http://127.0.0.1:9/interactions"
		ok(t, "PutApplication update", s.PutApplication(ctx, a))
		got, err = s.ApplicationByBot(ctx, a.BotID)
		ok(t, "ApplicationByBot after update", err)
		check(t, "ApplicationByBot after update", got, a)
		got, err = s.Application(ctx, a.ID)
		ok(t, "Application after update", err)
		check(t, "Application after update", got, a)
	})
	t.Run("TokenReset", func(t *testing.T) {
		// How the REST layer resets a bot token: put the new token, delete
		// the one the application records, record the new one.
		a := chat.Application{ID: NewID(), Name: "Reset", OwnerID: NewID(), BotID: NewID()}
		ok(t, "PutApplication", s.PutApplication(ctx, a))
		got, err := s.Application(ctx, a.ID)
		ok(t, "Application", err)
		if len(got.TokenHash) != 0 {
			t.Fatalf("new application has token hash %x", got.TokenHash)
		}
		var live [][]byte
		for i := range 3 {
			h := RandomBytes(32)
			ok(t, "PutToken", s.PutToken(ctx, h, a.BotID))
			if len(got.TokenHash) > 0 {
				ok(t, "DeleteToken", s.DeleteToken(ctx, got.TokenHash))
			}
			got.TokenHash = h
			ok(t, "PutApplication", s.PutApplication(ctx, got))
			live = append(live, h)
			again, err := s.ApplicationByBot(ctx, a.BotID)
			ok(t, "ApplicationByBot", err)
			check(t, fmt.Sprint("token hash after reset ", i), again.TokenHash, h)
		}
		for i, h := range live {
			id, err := s.TokenUser(ctx, h)
			if i < len(live)-1 {
				isErr(t, fmt.Sprint("TokenUser of revoked token ", i), err, store.ErrNotFound)
				continue
			}
			ok(t, "TokenUser of the current token", err)
			check(t, "TokenUser of the current token", id, a.BotID)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := s.Application(ctx, NewID())
		isErr(t, "Application", err, store.ErrNotFound)
		_, err = s.ApplicationByBot(ctx, NewID())
		isErr(t, "ApplicationByBot", err, store.ErrNotFound)
	})
}

func testGuilds(t *testing.T, s store.Store) {
	ctx := t.Context()
	t.Run("PutGetUpdateDelete", func(t *testing.T) {
		g := chat.Guild{ID: NewID(), Name: "Guild", OwnerID: NewID(), Icon: "abc",
			Description: "a place", SystemChannelID: NewID(), CreatedAt: ms(2024, 5, 6, 7, 8, 9).Add(123e6)}
		ok(t, "PutGuild", s.PutGuild(ctx, g))
		got, err := s.Guild(ctx, g.ID)
		ok(t, "Guild", err)
		check(t, "Guild", got, g)
		g.Name, g.OwnerID = "Renamed", NewID()
		ok(t, "PutGuild update", s.PutGuild(ctx, g))
		got, err = s.Guild(ctx, g.ID)
		ok(t, "Guild after update", err)
		check(t, "Guild after update", got, g)
		ok(t, "DeleteGuild", s.DeleteGuild(ctx, g.ID))
		_, err = s.Guild(ctx, g.ID)
		isErr(t, "Guild after delete", err, store.ErrNotFound)
		ok(t, "DeleteGuild again", s.DeleteGuild(ctx, g.ID))
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := s.Guild(ctx, NewID())
		isErr(t, "Guild", err, store.ErrNotFound)
	})
}

// sortedBy returns v sorted by key, for lists whose order is unspecified.
func sortedBy[T any](v []T, key func(T) string) []T {
	v = slices.Clone(v)
	slices.SortFunc(v, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return v
}

func channelKey(c chat.Channel) string { return fmt.Sprintf("%020d", c.ID) }
func roleKey(r chat.Role) string       { return fmt.Sprintf("%020d", r.ID) }
func inviteKey(i chat.Invite) string   { return i.Code }

func testChannels(t *testing.T, s store.Store) {
	ctx := t.Context()
	t.Run("PutGetListUpdateDelete", func(t *testing.T) {
		guild := NewID()
		other := NewID()
		role, member := NewID(), NewID()
		cat := chat.Channel{ID: NewID(), GuildID: guild, Type: chat.ChannelCategory, Name: "Text Channels"}
		text := chat.Channel{ID: NewID(), GuildID: guild, Type: chat.ChannelText, Name: "general",
			Topic: "hello", Position: 1, ParentID: cat.ID, NSFW: true, RateLimit: 5, LastMessageID: NewID(),
			Overwrites: []chat.Overwrite{
				{ID: guild, Type: chat.OverwriteRole, Deny: 1 << 10},
				{ID: role, Type: chat.OverwriteRole, Allow: 1<<10 | 1<<11, Deny: 1 << 13},
				{ID: member, Type: chat.OverwriteMember, Allow: 1 << 63},
			}}
		voice := chat.Channel{ID: NewID(), GuildID: guild, Type: chat.ChannelVoice, Name: "voice", Position: 2}
		elsewhere := chat.Channel{ID: NewID(), GuildID: other, Type: chat.ChannelText, Name: "other"}
		for _, c := range []chat.Channel{text, cat, voice, elsewhere} {
			ok(t, "PutChannel "+c.Name, s.PutChannel(ctx, c))
		}
		got, err := s.Channel(ctx, text.ID)
		ok(t, "Channel", err)
		check(t, "Channel with overwrites", got, text)
		list, err := s.GuildChannels(ctx, guild)
		ok(t, "GuildChannels", err)
		check(t, "GuildChannels", sortedBy(list, channelKey), sortedBy([]chat.Channel{cat, text, voice}, channelKey))

		text.Name, text.Overwrites = "renamed", text.Overwrites[1:2]
		ok(t, "PutChannel update", s.PutChannel(ctx, text))
		got, err = s.Channel(ctx, text.ID)
		ok(t, "Channel after update", err)
		check(t, "Channel after update", got, text)
		list, err = s.GuildChannels(ctx, guild)
		ok(t, "GuildChannels after update", err)
		check(t, "GuildChannels after update", sortedBy(list, channelKey), sortedBy([]chat.Channel{cat, text, voice}, channelKey))

		ok(t, "DeleteChannel", s.DeleteChannel(ctx, guild, voice.ID))
		_, err = s.Channel(ctx, voice.ID)
		isErr(t, "Channel after delete", err, store.ErrNotFound)
		list, err = s.GuildChannels(ctx, guild)
		ok(t, "GuildChannels after delete", err)
		check(t, "GuildChannels after delete", sortedBy(list, channelKey), sortedBy([]chat.Channel{cat, text}, channelKey))
		ok(t, "DeleteChannel again", s.DeleteChannel(ctx, guild, voice.ID))

		list, err = s.GuildChannels(ctx, other)
		ok(t, "GuildChannels other", err)
		check(t, "GuildChannels other", list, []chat.Channel{elsewhere})
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := s.Channel(ctx, NewID())
		isErr(t, "Channel", err, store.ErrNotFound)
		list, err := s.GuildChannels(ctx, NewID())
		ok(t, "GuildChannels of an empty guild", err)
		if len(list) != 0 {
			t.Fatalf("GuildChannels of an empty guild = %v", list)
		}
	})
}

func testRoles(t *testing.T, s store.Store) {
	ctx := t.Context()
	t.Run("PutListUpdateDelete", func(t *testing.T) {
		guild := NewID()
		everyone := chat.Role{ID: guild, GuildID: guild, Name: "@everyone", Permissions: 1<<10 | 1<<11}
		mod := chat.Role{ID: NewID(), GuildID: guild, Name: "mod", Color: 0xff0000, Hoist: true,
			Position: 2, Permissions: 1 << 63, Mentionable: true}
		bot := chat.Role{ID: NewID(), GuildID: guild, Name: "bot", Position: 1, Managed: true}
		stranger := chat.Role{ID: NewID(), GuildID: NewID(), Name: "elsewhere"}
		for _, r := range []chat.Role{mod, everyone, bot, stranger} {
			ok(t, "PutRole "+r.Name, s.PutRole(ctx, r))
		}
		list, err := s.GuildRoles(ctx, guild)
		ok(t, "GuildRoles", err)
		check(t, "GuildRoles", sortedBy(list, roleKey), sortedBy([]chat.Role{everyone, mod, bot}, roleKey))
		mod.Permissions, mod.Name = 8, "admin"
		ok(t, "PutRole update", s.PutRole(ctx, mod))
		ok(t, "DeleteRole", s.DeleteRole(ctx, guild, bot.ID))
		list, err = s.GuildRoles(ctx, guild)
		ok(t, "GuildRoles after update and delete", err)
		check(t, "GuildRoles after update and delete", sortedBy(list, roleKey), sortedBy([]chat.Role{everyone, mod}, roleKey))
		ok(t, "DeleteRole again", s.DeleteRole(ctx, guild, bot.ID))
	})
	t.Run("Empty", func(t *testing.T) {
		list, err := s.GuildRoles(ctx, NewID())
		ok(t, "GuildRoles", err)
		if len(list) != 0 {
			t.Fatalf("GuildRoles of an empty guild = %v", list)
		}
	})
}

func testMembers(t *testing.T, s store.Store) {
	ctx := t.Context()
	guild, guild2 := NewID(), NewID()
	users := make([]chat.ID, 7)
	for i := range users {
		NewID() // leave a gap, so users[i]+1 is nobody
		users[i] = NewID()
	}
	var members []chat.Member // in user-ID order
	for i, u := range users {
		members = append(members, chat.Member{GuildID: guild, UserID: u, Nick: fmt.Sprint("nick", i),
			Roles: []chat.ID{guild + 1, chat.ID(i)}, JoinedAt: ms(2025, 1, 2, 3, 4, i).Add(567e6)})
	}
	// Insert out of order so that order comes from the store, not from us.
	for _, i := range []int{3, 0, 6, 1, 5, 2, 4} {
		ok(t, "PutMember", s.PutMember(ctx, members[i]))
	}
	in2 := chat.Member{GuildID: guild2, UserID: users[2], Nick: "second"}
	ok(t, "PutMember guild2", s.PutMember(ctx, in2))
	ok(t, "PutMember guild2 other", s.PutMember(ctx, chat.Member{GuildID: guild2, UserID: NewID()}))

	t.Run("Get", func(t *testing.T) {
		got, err := s.Member(ctx, guild, users[4])
		ok(t, "Member", err)
		check(t, "Member", got, members[4])
		got, err = s.Member(ctx, guild2, users[2])
		ok(t, "Member guild2", err)
		check(t, "Member guild2", got, in2)
	})
	t.Run("List", func(t *testing.T) {
		cases := []struct {
			name  string
			after chat.ID
			limit int
			want  []chat.Member
		}{
			{"All", 0, 0, members},
			{"AllNegativeLimit", 0, -1, members},
			{"Limit1", 0, 1, members[:1]},
			{"Limit3", 0, 3, members[:3]},
			{"LimitAboveCount", 0, 100, members},
			{"AfterFirst", users[0], 0, members[1:]},
			{"AfterWithLimit", users[2], 2, members[3:5]},
			{"AfterBetweenIDs", users[2] + 1, 0, members[3:]},
			{"AfterBeforeAll", users[0] - 1, 2, members[:2]},
			{"AfterLast", users[6], 0, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.GuildMembers(ctx, guild, tc.after, tc.limit)
				ok(t, "GuildMembers", err)
				check(t, fmt.Sprintf("GuildMembers(after %d, limit %d)", tc.after, tc.limit), got, tc.want)
			})
		}
	})
	t.Run("UserGuilds", func(t *testing.T) {
		got, err := s.UserGuilds(ctx, users[2])
		ok(t, "UserGuilds", err)
		slices.Sort(got)
		want := []chat.ID{guild, guild2}
		slices.Sort(want)
		check(t, "UserGuilds", got, want)
		got, err = s.UserGuilds(ctx, NewID())
		ok(t, "UserGuilds of a user in none", err)
		check(t, "UserGuilds of a user in none", got, nil)
	})
	t.Run("Update", func(t *testing.T) {
		u := chat.Member{GuildID: guild2, UserID: NewID(), Nick: "before"}
		ok(t, "PutMember", s.PutMember(ctx, u))
		u.Nick, u.Roles = "after", []chat.ID{NewID()}
		ok(t, "PutMember update", s.PutMember(ctx, u))
		got, err := s.Member(ctx, guild2, u.UserID)
		ok(t, "Member", err)
		check(t, "Member after update", got, u)
		gs, err := s.UserGuilds(ctx, u.UserID)
		ok(t, "UserGuilds", err)
		check(t, "UserGuilds after update", gs, []chat.ID{guild2})
	})
	t.Run("Delete", func(t *testing.T) {
		g := NewID()
		a := chat.Member{GuildID: g, UserID: NewID()}
		b := chat.Member{GuildID: g, UserID: NewID()}
		ok(t, "PutMember a", s.PutMember(ctx, a))
		ok(t, "PutMember b", s.PutMember(ctx, b))
		ok(t, "DeleteMember", s.DeleteMember(ctx, g, a.UserID))
		_, err := s.Member(ctx, g, a.UserID)
		isErr(t, "Member after delete", err, store.ErrNotFound)
		list, err := s.GuildMembers(ctx, g, 0, 0)
		ok(t, "GuildMembers", err)
		check(t, "GuildMembers after delete", list, []chat.Member{b})
		gs, err := s.UserGuilds(ctx, a.UserID)
		ok(t, "UserGuilds", err)
		check(t, "UserGuilds after delete", gs, nil)
		ok(t, "DeleteMember again", s.DeleteMember(ctx, g, a.UserID))
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := s.Member(ctx, guild, NewID())
		isErr(t, "Member of unknown user", err, store.ErrNotFound)
		_, err = s.Member(ctx, NewID(), users[0])
		isErr(t, "Member of unknown guild", err, store.ErrNotFound)
		list, err := s.GuildMembers(ctx, NewID(), 0, 0)
		ok(t, "GuildMembers of an empty guild", err)
		check(t, "GuildMembers of an empty guild", list, nil)
	})
}

func testInvites(t *testing.T, s store.Store) {
	ctx := t.Context()
	t.Run("PutGetListUpdateDelete", func(t *testing.T) {
		guild := NewID()
		a := chat.Invite{Code: RandomCode(), GuildID: guild, ChannelID: NewID(), InviterID: NewID(),
			MaxUses: 10, MaxAge: 86400, CreatedAt: ms(2025, 7, 1, 0, 0, 0)}
		b := chat.Invite{Code: RandomCode(), GuildID: guild, ChannelID: a.ChannelID, InviterID: NewID()}
		c := chat.Invite{Code: RandomCode(), GuildID: NewID(), ChannelID: NewID()}
		for _, inv := range []chat.Invite{a, b, c} {
			ok(t, "PutInvite", s.PutInvite(ctx, inv))
		}
		got, err := s.Invite(ctx, a.Code)
		ok(t, "Invite", err)
		check(t, "Invite", got, a)
		list, err := s.GuildInvites(ctx, guild)
		ok(t, "GuildInvites", err)
		check(t, "GuildInvites", sortedBy(list, inviteKey), sortedBy([]chat.Invite{a, b}, inviteKey))
		a.Uses = 3
		ok(t, "PutInvite update", s.PutInvite(ctx, a))
		got, err = s.Invite(ctx, a.Code)
		ok(t, "Invite after update", err)
		check(t, "Invite after update", got, a)
		ok(t, "DeleteInvite", s.DeleteInvite(ctx, b.Code))
		_, err = s.Invite(ctx, b.Code)
		isErr(t, "Invite after delete", err, store.ErrNotFound)
		list, err = s.GuildInvites(ctx, guild)
		ok(t, "GuildInvites after update and delete", err)
		check(t, "GuildInvites after update and delete", list, []chat.Invite{a})
		ok(t, "DeleteInvite again", s.DeleteInvite(ctx, b.Code))
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := s.Invite(ctx, RandomCode())
		isErr(t, "Invite", err, store.ErrNotFound)
		list, err := s.GuildInvites(ctx, NewID())
		ok(t, "GuildInvites of an empty guild", err)
		check(t, "GuildInvites of an empty guild", list, nil)
	})
}

func testClosed(t *testing.T, s store.Store) {
	ctx := context.Background()
	ok(t, "Close", s.Close())
	_, err := s.User(ctx, NewID())
	isErr(t, "User after Close", err, store.ErrClosed)
	_, err = s.Messages(ctx, NewID(), store.Page{})
	isErr(t, "Messages after Close", err, store.ErrClosed)
	ch := NewID()
	isErr(t, "PutMessage after Close", s.PutMessage(ctx, MessageAt(ch, ms(2025, 1, 1, 0, 0, 0), 0)), store.ErrClosed)
}
