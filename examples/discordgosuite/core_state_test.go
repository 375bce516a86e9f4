//go:build clients

package discordgosuite

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// rolesAndOverwrites: role create/edit, a role given to B and channel
// overwrites reach A's state, and State.UserChannelPermissions agrees with
// what Accord lets B and A do.
func (c *core) rolesAndOverwrites(t *testing.T) {
	g, st := c.s.guildID, c.da.State
	if p, err := st.UserChannelPermissions(c.s.botID, c.s.channelID); err != nil || p&discordgo.PermissionManageRoles != 0 {
		t.Fatalf("A's own permissions %b, %v: want no MANAGE_ROLES", p, err)
	}
	_, err := c.da.GuildRoleCreate(g, &discordgo.RoleParams{Name: "not allowed"})
	wantCode(t, err, discordgo.ErrCodeMissingPermissions, 403)

	created := expect(t, c.da, func(e *discordgo.GuildRoleCreate) bool { return e.Role.Name == "writers" })
	var role struct{ ID string }
	c.a.rest(t, 200, "POST", "/guilds/"+g+"/roles", c.s.owner, map[string]string{"name": "writers", "permissions": "0"}, &role)
	recv(t, created, "GUILD_ROLE_CREATE at A")
	updated := expect(t, c.da, func(e *discordgo.GuildRoleUpdate) bool { return e.Role.ID == role.ID })
	c.a.rest(t, 200, "PATCH", "/guilds/"+g+"/roles/"+role.ID, c.s.owner, map[string]any{"name": "scribes", "color": 0x3366ff}, nil)
	recv(t, updated, "GUILD_ROLE_UPDATE at A")
	if r, err := st.Role(g, role.ID); err != nil || r.Name != "scribes" || r.Color != 0x3366ff {
		t.Errorf("state role %+v, %v", r, err)
	}

	given := expect(t, c.da, func(e *discordgo.GuildMemberUpdate) bool {
		return e.User.ID == c.bID && slices.Contains(e.Roles, role.ID)
	})
	c.a.rest(t, 204, "PUT", "/guilds/"+g+"/members/"+c.bID+"/roles/"+role.ID, c.s.owner, nil, nil)
	recv(t, given, "GUILD_MEMBER_UPDATE at A")

	channelID := c.newChannel(t, "discordgo-perms")
	send := strconv.FormatInt(discordgo.PermissionSendMessages, 10)
	overwritten := expect(t, c.da, func(e *discordgo.ChannelUpdate) bool {
		return e.ID == channelID && len(e.PermissionOverwrites) == 2
	})
	c.a.rest(t, 204, "PUT", "/channels/"+channelID+"/permissions/"+g, c.s.owner, map[string]any{"type": 0, "allow": "0", "deny": send}, nil)
	c.a.rest(t, 204, "PUT", "/channels/"+channelID+"/permissions/"+role.ID, c.s.owner, map[string]any{"type": 0, "allow": send, "deny": "0"}, nil)
	recv(t, overwritten, "CHANNEL_UPDATE at A")
	perms := func(userID string) int64 {
		t.Helper()
		p, err := st.UserChannelPermissions(userID, channelID)
		if err != nil {
			t.Fatalf("UserChannelPermissions(%s): %v", userID, err)
		}
		return p
	}
	if perms(c.bID)&discordgo.PermissionSendMessages == 0 {
		t.Error("A's state computes that B may not send")
	}
	if p := perms(c.s.botID); p&discordgo.PermissionSendMessages != 0 || p&discordgo.PermissionViewChannel == 0 {
		t.Errorf("A's state computes its own permissions as %b: want VIEW_CHANNEL without SEND_MESSAGES", p)
	}
	// Accord agrees: B may send, A may not.
	if _, err := c.db.ChannelMessageSend(channelID, "B may write here"); err != nil {
		t.Errorf("B's send: %v", err)
	}
	_, err = c.da.ChannelMessageSend(channelID, "A may not")
	wantCode(t, err, discordgo.ErrCodeMissingPermissions, 403)

	hidden := expect(t, c.da, func(e *discordgo.ChannelUpdate) bool {
		return e.ID == channelID && len(e.PermissionOverwrites) == 3
	})
	view := strconv.FormatInt(discordgo.PermissionViewChannel, 10)
	c.a.rest(t, 204, "PUT", "/channels/"+channelID+"/permissions/"+c.bID, c.s.owner, map[string]any{"type": 1, "allow": "0", "deny": view}, nil)
	recv(t, hidden, "CHANNEL_UPDATE at A")
	if perms(c.bID)&discordgo.PermissionViewChannel != 0 {
		t.Error("A's state computes that B still sees the channel")
	}
	_, err = c.db.Channel(channelID)
	wantCode(t, err, discordgo.ErrCodeMissingAccess, 403)
}

// twoShards: a bot's two shard sessions each get only their guilds
// (guild_id >> 22 % 2) and those guilds' messages, blank without
// MESSAGE_CONTENT.
func (c *core) twoShards(t *testing.T) {
	appID, _, token := c.a.addBotApp(t, c.s.owner, c.s.guildID, "discordgo-shards")
	byShard := [2][]string{}
	byShard[shardOf(t, c.s.guildID)] = append(byShard[shardOf(t, c.s.guildID)], c.s.guildID)
	for i := 0; i < 12 && (len(byShard[0]) == 0 || len(byShard[1]) == 0); i++ {
		var guild struct{ ID string }
		c.a.rest(t, 201, "POST", "/guilds", c.s.owner, map[string]string{"name": fmt.Sprintf("discordgo-shard-%d", i)}, &guild)
		c.a.authorize(t, c.s.owner, appID, guild.ID)
		byShard[shardOf(t, guild.ID)] = append(byShard[shardOf(t, guild.ID)], guild.ID)
	}
	if len(byShard[0]) == 0 || len(byShard[1]) == 0 {
		t.Fatalf("no guild on each shard after 12 tries: %v", byShard)
	}

	var mu sync.Mutex
	got := [2][]string{} // guild ids of every GUILD_CREATE and MESSAGE_CREATE per shard
	sessions := [2]*discordgo.Session{}
	for shard := range 2 {
		if shard == 1 {
			time.Sleep(5200 * time.Millisecond) // max_concurrency 1: one IDENTIFY per 5 s
		}
		dg := session(t, token, c.g, noWrap, discordgo.IntentsGuilds|discordgo.IntentsGuildMessages)
		dg.SyncEvents = true
		dg.ShardID, dg.ShardCount = shard, 2
		dg.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildCreate) {
			mu.Lock()
			got[shard] = append(got[shard], e.ID)
			mu.Unlock()
		})
		dg.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageCreate) {
			mu.Lock()
			got[shard] = append(got[shard], e.GuildID)
			mu.Unlock()
		})
		if ready := login(t, dg, c.g, byShard[shard][0]); ready.Shard == nil || *ready.Shard != [2]int{shard, 2} {
			t.Errorf("READY shard %v, want [%d 2]", ready.Shard, shard)
		}
		sessions[shard] = dg
	}
	for shard, dg := range sessions {
		eventually(t, fmt.Sprintf("shard %d's guilds in its state", shard), func() bool {
			return len(dg.State.Guilds) == len(byShard[shard])
		})
		for _, id := range byShard[shard] {
			if _, err := dg.State.Guild(id); err != nil {
				t.Errorf("shard %d lacks guild %s", shard, id)
			}
		}
	}
	for shard, dg := range sessions {
		guildID := byShard[shard][0]
		var chans []struct {
			ID   string
			Type int
		}
		c.a.rest(t, 200, "GET", "/guilds/"+guildID+"/channels", c.s.owner, nil, &chans)
		i := slices.IndexFunc(chans, func(ch struct {
			ID   string
			Type int
		}) bool {
			return ch.Type == 0
		})
		arrived := expect(t, dg, func(e *discordgo.MessageCreate) bool { return e.ChannelID == chans[i].ID })
		sent := c.post(t, chans[i].ID, fmt.Sprintf("to shard %d", shard))
		if m := recv(t, arrived, fmt.Sprintf("the message on shard %d", shard)); m.ID != sent || m.Content != "" {
			t.Errorf("shard %d got %s %q, want %s with blank content (no MESSAGE_CONTENT)", shard, m.ID, m.Content, sent)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for shard := range 2 {
		for _, id := range got[shard] {
			if shardOf(t, id) != shard {
				t.Errorf("shard %d got an event of guild %s (shard %d)", shard, id, shardOf(t, id))
			}
		}
	}
}
