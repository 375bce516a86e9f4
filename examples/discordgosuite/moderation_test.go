//go:build clients

package discordgosuite

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

// Permission bits the moderation tests give the bot.
const (
	permBanMembers      = 1 << 2
	permManageMessages  = 1 << 13
	permModerateMembers = 1 << 40
	permDefaultEveryone = 1<<0 | 1<<6 | 1<<9 | 1<<10 | 1<<11 | 1<<14 | 1<<15 | 1<<16 | 1<<17 | 1<<18 | 1<<20 | 1<<21 | 1<<26
)

// moderator bootstraps a guild whose bot holds perms through a role, and a
// plain member who joined by invite; it returns the member's id and token.
func moderator(t *testing.T, a *accord, name string, perms uint64) (s setup, memberID, memberToken string) {
	t.Helper()
	s = a.bootstrap(t, name)
	var role struct{ ID string }
	a.rest(t, 200, "POST", "/guilds/"+s.guildID+"/roles", s.owner,
		map[string]string{"name": "mod", "permissions": fmt.Sprint(perms | permDefaultEveryone)}, &role)
	a.rest(t, 204, "PUT", "/guilds/"+s.guildID+"/members/"+s.botID+"/roles/"+role.ID, s.owner, nil, nil)
	var reg struct{ Token string }
	a.rest(t, 201, "POST", "/auth/register", "", map[string]string{
		"username": fmt.Sprintf("%s_m%d", name, time.Now().UnixNano()%1e9), "password": "correct horse battery staple"}, &reg)
	var me struct{ ID string }
	a.rest(t, 200, "GET", "/users/@me", reg.Token, nil, &me)
	var inv struct{ Code string }
	a.rest(t, 200, "POST", "/channels/"+s.channelID+"/invites", s.owner, map[string]any{}, &inv)
	a.rest(t, 200, "POST", "/invites/"+inv.Code, reg.Token, nil, nil)
	return s, me.ID, reg.Token
}

// restCode is the JSON error code of a discordgo REST error (0 if none).
func restCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

// TestModerationBans: a ban with a reason (discordgo sends it in the
// query), GUILD_BAN_ADD to the bot, the ban in the list, the banned user's
// invite refused with 40007, hierarchy refusing the owner, and an unban.
func TestModerationBans(t *testing.T) {
	a := server(t)
	s, victim, victimToken := moderator(t, a, "dgbans", permBanMembers)
	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	dg := session(t, s.botToken, g, func(next http.RoundTripper) http.RoundTripper { return next },
		discordgo.IntentsGuilds|discordgo.IntentsGuildMessages|discordgo.IntentGuildModeration)
	bans := make(chan *discordgo.GuildBanAdd, 4)
	dg.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildBanAdd) { bans <- e })
	login(t, dg, g, s.guildID)

	if err := dg.GuildBanCreateWithReason(s.guildID, victim, "spamming links", 1); err != nil {
		t.Fatalf("GuildBanCreateWithReason: %v", err)
	}
	select {
	case e := <-bans:
		if e.GuildID != s.guildID || e.User == nil || e.User.ID != victim {
			t.Fatalf("GUILD_BAN_ADD %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no GUILD_BAN_ADD within 10 s")
	}
	list, err := dg.GuildBans(s.guildID, 0, "", "")
	if err != nil {
		t.Fatalf("GuildBans: %v", err)
	}
	if len(list) != 1 || list[0].User.ID != victim || list[0].Reason != "spamming links" {
		t.Fatalf("bans %+v", list)
	}
	var inv struct{ Code string }
	a.rest(t, 200, "POST", "/channels/"+s.channelID+"/invites", s.owner, map[string]any{}, &inv)
	status, _, raw := a.restFull(t, "POST", "/invites/"+inv.Code, victimToken, nil)
	if status != 403 || !bytesContain(raw, `"code":40007`) {
		t.Fatalf("banned user's join: %d %s", status, raw)
	}
	var owner struct{ ID string }
	a.rest(t, 200, "GET", "/users/@me", s.owner, nil, &owner)
	if err := dg.GuildBanCreateWithReason(s.guildID, owner.ID, "", 0); restCode(err) != 50013 {
		t.Fatalf("banning the owner: %v", err)
	}
	if err := dg.GuildBanDelete(s.guildID, victim); err != nil {
		t.Fatalf("GuildBanDelete: %v", err)
	}
	if _, err := dg.GuildBan(s.guildID, victim); restCode(err) != 10026 {
		t.Fatalf("lifted ban: %v", err)
	}
}

// TestModerationTimeout: GuildMemberTimeout times the member out; their
// send is refused with 50013 until the timeout is lifted.
func TestModerationTimeout(t *testing.T) {
	a := server(t)
	s, member, memberToken := moderator(t, a, "dgtimeout", permModerateMembers)
	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	dg := session(t, s.botToken, g, func(next http.RoundTripper) http.RoundTripper { return next }, discordgo.IntentsGuilds)

	tooLong := time.Now().Add(29 * 24 * time.Hour)
	if err := dg.GuildMemberTimeout(s.guildID, member, &tooLong); restCode(err) != 50035 {
		t.Fatalf("a 29-day timeout: %v", err)
	}
	until := time.Now().Add(time.Hour)
	if err := dg.GuildMemberTimeout(s.guildID, member, &until); err != nil {
		t.Fatalf("GuildMemberTimeout: %v", err)
	}
	send := func() (int, []byte) {
		st, _, raw := a.restFull(t, "POST", "/channels/"+s.channelID+"/messages", memberToken, map[string]string{"content": "hello"})
		return st, raw
	}
	if st, raw := send(); st != 403 || !bytesContain(raw, `"code":50013`) {
		t.Fatalf("send while timed out: %d %s", st, raw)
	}
	if err := dg.GuildMemberTimeout(s.guildID, member, nil); err != nil {
		t.Fatalf("lift the timeout: %v", err)
	}
	if st, raw := send(); st != 200 {
		t.Fatalf("send after the timeout: %d %s", st, raw)
	}
}

// TestModerationBulkDelete: ChannelMessagesBulkDelete removes the
// messages, the bot gets one MESSAGE_DELETE_BULK naming them, and the
// history no longer holds them.
func TestModerationBulkDelete(t *testing.T) {
	a := server(t)
	s, _, _ := moderator(t, a, "dgbulk", permManageMessages)
	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	dg := session(t, s.botToken, g, func(next http.RoundTripper) http.RoundTripper { return next },
		discordgo.IntentsGuilds|discordgo.IntentsGuildMessages)
	bulk := make(chan *discordgo.MessageDeleteBulk, 2)
	dg.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageDeleteBulk) { bulk <- e })
	login(t, dg, g, s.guildID)

	var ids []string
	for i := range 3 {
		m, err := dg.ChannelMessageSend(s.channelID, fmt.Sprint("bulk ", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	if err := dg.ChannelMessagesBulkDelete(s.channelID, ids); err != nil {
		t.Fatalf("ChannelMessagesBulkDelete: %v", err)
	}
	select {
	case e := <-bulk:
		got := slices.Clone(e.Messages)
		slices.Sort(got)
		want := slices.Clone(ids)
		slices.Sort(want)
		if e.ChannelID != s.channelID || !slices.Equal(got, want) {
			t.Fatalf("MESSAGE_DELETE_BULK %+v, want %v", e, ids)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no MESSAGE_DELETE_BULK within 10 s")
	}
	left, err := dg.ChannelMessages(s.channelID, 100, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range left {
		if slices.Contains(ids, m.ID) {
			t.Fatalf("message %s survived the bulk delete", m.ID)
		}
	}
}

func bytesContain(b []byte, s string) bool { return strings.Contains(string(b), s) }
