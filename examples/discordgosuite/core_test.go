//go:build clients

package discordgosuite

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

const badID = "1234567890123456789"

// core is TestCore's shared setup: the owner's guild, bot A (the client
// under test) and bot B (a second client that receives what A does, types,
// and is the member whose permissions A's state computes).
type core struct {
	a       *accord
	s       setup
	ownerID string
	bID     string
	g       *guard
	da, db  *discordgo.Session
	cut     *cutter
}

func noWrap(rt http.RoundTripper) http.RoundTripper { return rt }

func newCore(t *testing.T) *core {
	a := server(t)
	c := &core{a: a, s: a.bootstrap(t, "discordgo-core")}
	var me struct{ ID string }
	a.rest(t, 200, "GET", "/users/@me", c.s.owner, nil, &me)
	c.ownerID = me.ID
	// "discordgo-core-typist..." is a prefix of no other member's name.
	var bToken string
	c.bID, bToken = a.addBot(t, c.s.owner, c.s.guildID, "discordgo-core-typist")
	discordgoaccord.PointAt(a.base)
	c.g = &guard{allowed: a.host}

	c.da = session(t, c.s.botToken, c.g, noWrap, discordgo.IntentsGuilds|discordgo.IntentsGuildMessages|
		discordgo.IntentsMessageContent|discordgo.IntentsGuildMembers|discordgo.IntentsGuildMessageTyping)
	c.da.SyncEvents = true // handlers in event order
	c.da.ShouldReconnectOnError = true
	c.cut = &cutter{dial: c.g.dial}
	c.da.Dialer.NetDialContext = c.cut.dialContext
	login(t, c.da, c.g, c.s.guildID)

	c.db = session(t, bToken, c.g, noWrap, discordgo.IntentsGuilds|discordgo.IntentsGuildMessages|discordgo.IntentsMessageContent)
	c.db.SyncEvents = true
	login(t, c.db, c.g, c.s.guildID)
	return c
}

// post sends a message as the owner over REST and returns its id.
func (c *core) post(t *testing.T, channelID, content string) string {
	t.Helper()
	var m struct{ ID string }
	c.a.rest(t, 200, "POST", "/channels/"+channelID+"/messages", c.s.owner, map[string]string{"content": content}, &m)
	return m.ID
}

// newChannel makes a text channel as the owner and waits for A's state to have it.
func (c *core) newChannel(t *testing.T, name string) string {
	t.Helper()
	created := expect(t, c.da, func(e *discordgo.ChannelCreate) bool { return e.Name == name })
	var ch struct{ ID string }
	c.a.rest(t, 201, "POST", "/guilds/"+c.s.guildID+"/channels", c.s.owner, map[string]string{"name": name}, &ch)
	if got := recv(t, created, "CHANNEL_CREATE at A"); got.ID != ch.ID {
		t.Fatalf("CHANNEL_CREATE for %s, want %s", got.ID, ch.ID)
	}
	return ch.ID
}

// TestCore is the behaviour every client suite covers (issue 17), each
// part a subtest over one setup.
func TestCore(t *testing.T) {
	c := newCore(t)
	t.Run("ReadyAndCaches", c.readyAndCaches)
	t.Run("SendReceiveEditDelete", c.sendReceiveEditDelete)
	t.Run("HistoryPagingAndAround", c.history)
	t.Run("Typing", c.typing)
	t.Run("MemberRequests", c.memberRequests)
	t.Run("RolesAndOverwrites", c.rolesAndOverwrites)
	t.Run("ResumeReplaysMissed", c.resume)
	t.Run("TwoShards", c.twoShards)
	t.Run("ErrorClasses", c.errorClasses)
}

// readyAndCaches: READY and GUILD_CREATE fill the state's guild, channels,
// roles and own member; a guild the bot is not in stays out.
func (c *core) readyAndCaches(t *testing.T) {
	st := c.da.State
	if st.User.ID != c.s.botID || !st.User.Bot {
		t.Errorf("state user %+v, want bot %s", st.User, c.s.botID)
	}
	guild, err := st.Guild(c.s.guildID)
	if err != nil {
		t.Fatalf("state lacks the guild: %v", err)
	}
	if guild.OwnerID != c.ownerID || guild.MemberCount != 3 || guild.Unavailable {
		t.Errorf("guild owner %s, %d members, unavailable %v; want %s, 3, false", guild.OwnerID, guild.MemberCount, guild.Unavailable, c.ownerID)
	}
	if ch, err := st.Channel(c.s.channelID); err != nil || ch.Type != discordgo.ChannelTypeGuildText {
		t.Errorf("state channel %+v, %v", ch, err)
	}
	if _, err := st.Role(c.s.guildID, c.s.guildID); err != nil {
		t.Errorf("state lacks @everyone: %v", err)
	}
	if m, err := st.Member(c.s.guildID, c.s.botID); err != nil || m.User.ID != c.s.botID {
		t.Errorf("state lacks the own member: %v", err)
	}

	var other struct{ ID string }
	c.a.rest(t, 201, "POST", "/guilds", c.s.owner, map[string]string{"name": "not the bots"}, &other)
	// A session's events arrive in order: a GUILD_CREATE for the other guild
	// would come before the marker.
	marked := expect(t, c.da, func(e *discordgo.MessageCreate) bool { return e.Content == "after the other guild" })
	c.post(t, c.s.channelID, "after the other guild")
	recv(t, marked, "the marker")
	if _, err := st.Guild(other.ID); err == nil {
		t.Error("A's state has a guild A is not in")
	}
}

// sendReceiveEditDelete: A's message, its edit and its delete reach B; B
// cannot edit A's message.
func (c *core) sendReceiveEditDelete(t *testing.T) {
	created := expect(t, c.db, func(e *discordgo.MessageCreate) bool { return e.Content == "hello B" })
	sent, err := c.da.ChannelMessageSend(c.s.channelID, "hello B")
	if err != nil {
		t.Fatal(err)
	}
	if got := recv(t, created, "MESSAGE_CREATE at B"); got.ID != sent.ID || got.Author.ID != c.s.botID || got.ChannelID != c.s.channelID {
		t.Errorf("B got %+v, want %s by %s", got.Message, sent.ID, c.s.botID)
	}

	_, err = c.db.ChannelMessageEdit(c.s.channelID, sent.ID, "not yours")
	wantCode(t, err, discordgo.ErrCodeCannotEditFromAnotherUser, 403)

	updated := expect(t, c.db, func(e *discordgo.MessageUpdate) bool { return e.ID == sent.ID })
	edited, err := c.da.ChannelMessageEdit(c.s.channelID, sent.ID, "hello again B")
	if err != nil || edited.EditedTimestamp == nil {
		t.Fatalf("edit: %+v, %v", edited, err)
	}
	if got := recv(t, updated, "MESSAGE_UPDATE at B"); got.Content != "hello again B" {
		t.Errorf("MESSAGE_UPDATE content %q", got.Content)
	}

	deleted := expect(t, c.db, func(e *discordgo.MessageDelete) bool { return e.ID == sent.ID })
	if err := c.da.ChannelMessageDelete(c.s.channelID, sent.ID); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, deleted, "MESSAGE_DELETE at B"); got.ChannelID != c.s.channelID {
		t.Errorf("MESSAGE_DELETE channel %s", got.ChannelID)
	}
	_, err = c.da.ChannelMessage(c.s.channelID, sent.ID)
	wantCode(t, err, discordgo.ErrCodeUnknownMessage, 404)
}

// history: ChannelMessages pages both ways from either end (after "0" is
// the start) and around either end, newest first as Discord answers.
func (c *core) history(t *testing.T) {
	channelID := c.newChannel(t, "discordgo-history")
	var ids []string
	for i := range 5 {
		m, err := c.da.ChannelMessageSend(channelID, fmt.Sprintf("page %d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	m0, m1, m2, m3, m4 := ids[0], ids[1], ids[2], ids[3], ids[4]
	for _, q := range []struct {
		limit                 int
		before, after, around string
		want                  []string
	}{
		{2, "", "0", "", []string{m1, m0}},
		{2, "", m1, "", []string{m3, m2}},
		{2, "", m3, "", []string{m4}},
		{2, "", m4, "", []string{}},
		{2, "", "", "", []string{m4, m3}},
		{2, m4, "", "", []string{m3, m2}},
		{2, m2, "", "", []string{m1, m0}},
		{2, m0, "", "", []string{}},
		{5, "", "", m0, []string{m2, m1, m0}},
		{5, "", "", m4, []string{m4, m3, m2}},
		{5, "", "", m2, []string{m4, m3, m2, m1, m0}},
		{3, "", "", m2, []string{m3, m2, m1}},
	} {
		got, err := c.da.ChannelMessages(channelID, q.limit, q.before, q.after, q.around)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(idsOf(got), q.want) {
			t.Errorf("limit %d before %q after %q around %q: %v, want %v", q.limit, q.before, q.after, q.around, idsOf(got), q.want)
		}
	}
}

// typing: B's TYPING_START reaches A; B, without GUILD_MESSAGE_TYPING,
// gets none of A's.
func (c *core) typing(t *testing.T) {
	typing := expect(t, c.da, func(e *discordgo.TypingStart) bool { return e.UserID == c.bID })
	if err := c.db.ChannelTyping(c.s.channelID); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, typing, "TYPING_START at A"); got.ChannelID != c.s.channelID || got.GuildID != c.s.guildID || got.Timestamp == 0 {
		t.Errorf("TYPING_START %+v", got)
	}

	var mu sync.Mutex
	var bTyping []string
	t.Cleanup(c.db.AddHandler(func(_ *discordgo.Session, e *discordgo.TypingStart) {
		mu.Lock()
		bTyping = append(bTyping, e.UserID)
		mu.Unlock()
	}))
	if err := c.da.ChannelTyping(c.s.channelID); err != nil {
		t.Fatal(err)
	}
	marked := expect(t, c.db, func(e *discordgo.MessageCreate) bool { return e.Content == "after typing" })
	if _, err := c.da.ChannelMessageSend(c.s.channelID, "after typing"); err != nil {
		t.Fatal(err)
	}
	recv(t, marked, "the marker at B")
	mu.Lock()
	defer mu.Unlock()
	if len(bTyping) != 0 {
		t.Errorf("B got TYPING_START from %v without GUILD_MESSAGE_TYPING", bTyping)
	}
}

// requestMembers sends op 8 through dg and returns the ids of the members
// of every chunk answering it, in order.
func requestMembers(t *testing.T, dg *discordgo.Session, nonce string, send func() error) []string {
	t.Helper()
	chunks := make(chan *discordgo.GuildMembersChunk, 16)
	t.Cleanup(dg.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildMembersChunk) {
		if e.Nonce == nonce {
			chunks <- e
		}
	}))
	if err := send(); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for {
		e := recv(t, chunks, "GUILD_MEMBERS_CHUNK "+nonce)
		for _, m := range e.Members {
			ids = append(ids, m.User.ID)
		}
		if e.ChunkIndex == e.ChunkCount-1 {
			return ids
		}
	}
}

// memberRequests: op 8 with GUILD_MEMBERS lists every member, finds by
// name prefix and by id, and an unknown prefix finds no one.
func (c *core) memberRequests(t *testing.T) {
	g := c.s.guildID
	all := requestMembers(t, c.da, "all", func() error { return c.da.RequestGuildMembers(g, "", 0, "all", false) })
	slices.Sort(all)
	want := []string{c.ownerID, c.s.botID, c.bID}
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Errorf("all members %v, want %v", all, want)
	}
	if _, err := c.da.State.Member(g, c.ownerID); err != nil {
		t.Errorf("the chunk did not fill the state: %v", err)
	}
	bMember, err := c.da.State.Member(g, c.bID)
	if err != nil {
		t.Fatal(err)
	}
	byName := requestMembers(t, c.da, "name", func() error { return c.da.RequestGuildMembers(g, bMember.User.Username, 10, "name", false) })
	if !slices.Equal(byName, []string{c.bID}) {
		t.Errorf("query %q: %v, want B", bMember.User.Username, byName)
	}
	none := requestMembers(t, c.da, "none", func() error { return c.da.RequestGuildMembers(g, "nobody-by-this-name", 10, "none", false) })
	if len(none) != 0 {
		t.Errorf("an unknown prefix found %v", none)
	}
	byID := requestMembers(t, c.da, "id", func() error {
		return c.da.RequestGuildMembersList(g, []string{c.ownerID}, 0, "id", false)
	})
	if !slices.Equal(byID, []string{c.ownerID}) {
		t.Errorf("user_ids [owner]: %v", byID)
	}
}

// resume: a connection cut from the client side RESUMEs (discordgo gets
// RESUMED, no new READY) and replays what A missed, in order.
func (c *core) resume(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	var readies, resumes int
	t.Cleanup(c.da.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageCreate) {
		mu.Lock()
		seen = append(seen, e.ID)
		mu.Unlock()
	}))
	t.Cleanup(c.da.AddHandler(func(*discordgo.Session, *discordgo.Ready) { mu.Lock(); readies++; mu.Unlock() }))
	t.Cleanup(c.da.AddHandler(func(*discordgo.Session, *discordgo.Resumed) { mu.Lock(); resumes++; mu.Unlock() }))
	conn := c.cut.conn()
	conn.deafen()
	missed := []string{c.post(t, c.s.channelID, "missed 1"), c.post(t, c.s.channelID, "missed 2")}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	early := slices.ContainsFunc(seen, func(id string) bool { return slices.Contains(missed, id) })
	mu.Unlock()
	if early {
		t.Fatal("A read from a deaf connection")
	}
	conn.sever()
	eventually(t, "RESUMED and the missed messages", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return resumes == 1 && slices.Contains(seen, missed[0]) && slices.Contains(seen, missed[1])
	})
	mu.Lock()
	got := slices.DeleteFunc(slices.Clone(seen), func(id string) bool { return !slices.Contains(missed, id) })
	r := readies
	mu.Unlock()
	if !slices.Equal(got, missed) || r != 0 {
		t.Errorf("replayed %v (want %v), %d new READYs (want 0)", got, missed, r)
	}
	if c.cut.conn() == conn {
		t.Error("no new gateway connection")
	}
	after := expect(t, c.da, func(e *discordgo.MessageCreate) bool { return e.Content == "after resume" })
	c.post(t, c.s.channelID, "after resume")
	recv(t, after, "a message after the resume")
}

// errorClasses: Accord's errors surface as discordgo's *RESTError with
// Discord's codes (50001 and 50013 on a channel are asserted in
// RolesAndOverwrites).
func (c *core) errorClasses(t *testing.T) {
	_, err := c.da.Channel(badID)
	wantCode(t, err, discordgo.ErrCodeUnknownChannel, 404)
	_, err = c.da.ChannelMessage(c.s.channelID, badID)
	wantCode(t, err, discordgo.ErrCodeUnknownMessage, 404)
	_, err = c.da.ChannelMessageSend(c.s.channelID, strings.Repeat("x", 2001))
	wantCode(t, err, discordgo.ErrCodeInvalidFormBody, 400)
	if re := (*discordgo.RESTError)(nil); errors.As(err, &re) && !strings.Contains(string(re.ResponseBody), `"content"`) {
		t.Errorf("50035 names no field: %s", re.ResponseBody)
	}
	_, err = c.da.GuildChannelCreate(c.s.guildID, "not-allowed", discordgo.ChannelTypeGuildText)
	wantCode(t, err, discordgo.ErrCodeMissingPermissions, 403)
}
