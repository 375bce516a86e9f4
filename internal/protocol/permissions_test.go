package protocol

import (
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

// TestPermissions checks the algorithm against the rules and examples of
// Discord's permissions documentation (shared/discord-facts.md §4).
func TestPermissions(t *testing.T) {
	const (
		guild   ID = 100
		owner   ID = 1
		user    ID = 2
		roleA   ID = 10
		roleB   ID = 11
		admin   ID = 12
		view       = PermViewChannel
		send       = PermSendMessages
		react      = PermAddReactions
		history    = PermReadMessageHistory
	)
	if react|send != 2112 {
		t.Fatalf("docs example 0x40 | 0x800 = 2112, got %d", react|send)
	}
	g := GuildView{GuildID: guild, OwnerID: owner, Roles: map[ID]Permission{
		guild: view | send | history, // @everyone
		roleA: PermManageMessages,
		roleB: PermKickMembers,
		admin: PermAdministrator,
	}}
	ow := func(id ID, typ int, allow, deny Permission) chat.Overwrite {
		return chat.Overwrite{ID: id, Type: typ, Allow: allow, Deny: deny}
	}
	role, member := chat.OverwriteRole, chat.OverwriteMember
	tests := []struct {
		name       string
		user       ID
		roles      []ID
		overwrites []chat.Overwrite // nil channel = guild level when noChannel
		noChannel  bool
		want       Permission
	}{
		{name: "owner has everything", user: owner, noChannel: true, want: PermAll},
		{name: "owner ignores overwrites", user: owner, overwrites: []chat.Overwrite{ow(guild, role, 0, view)}, want: PermAll},
		{name: "@everyone base", user: user, noChannel: true, want: view | send | history},
		{name: "roles OR into base", user: user, roles: []ID{roleA, roleB}, noChannel: true,
			want: view | send | history | PermManageMessages | PermKickMembers},
		{name: "unknown role adds nothing", user: user, roles: []ID{999}, noChannel: true, want: view | send | history},
		{name: "administrator is everything", user: user, roles: []ID{admin}, noChannel: true, want: PermAll},
		{name: "administrator ignores overwrites", user: user, roles: []ID{admin},
			overwrites: []chat.Overwrite{ow(user, member, 0, PermAll)}, want: PermAll},
		{name: "no overwrites keeps base", user: user, want: view | send | history},
		{name: "@everyone overwrite denies", user: user, overwrites: []chat.Overwrite{ow(guild, role, 0, send)}, want: view | history},
		{name: "@everyone overwrite allows", user: user, overwrites: []chat.Overwrite{ow(guild, role, react, 0)}, want: view | send | history | react},
		{name: "role overwrite beats @everyone overwrite", user: user, roles: []ID{roleA},
			overwrites: []chat.Overwrite{ow(guild, role, 0, send), ow(roleA, role, send, 0)}, want: view | send | history | PermManageMessages},
		{name: "role overwrites: allow wins over deny regardless of position", user: user, roles: []ID{roleA, roleB},
			overwrites: []chat.Overwrite{ow(roleA, role, 0, send), ow(roleB, role, send, 0)},
			want:       view | send | history | PermManageMessages | PermKickMembers},
		{name: "overwrite of a role the member lacks is ignored", user: user,
			overwrites: []chat.Overwrite{ow(roleA, role, 0, view)}, want: view | send | history},
		{name: "member overwrite beats role overwrite", user: user, roles: []ID{roleA},
			overwrites: []chat.Overwrite{ow(roleA, role, PermAttachFiles, 0), ow(user, member, 0, PermAttachFiles)},
			want:       view | send | history | PermManageMessages},
		{name: "member overwrite for someone else is ignored", user: user,
			overwrites: []chat.Overwrite{ow(3, member, 0, view)}, want: view | send | history},
		{name: "no VIEW_CHANNEL means nothing", user: user, roles: []ID{roleA},
			overwrites: []chat.Overwrite{ow(user, member, 0, view)}, want: 0},
		{name: "denied SEND_MESSAGES takes its dependants", user: user,
			overwrites: []chat.Overwrite{ow(guild, role, PermMentionEveryone|PermEmbedLinks|PermAttachFiles|PermSendTTSMessages|react, send)},
			want:       view | history | react},
		{name: "type matters: a member overwrite with a role's ID is not the role's", user: user, roles: []ID{roleA},
			overwrites: []chat.Overwrite{ow(roleA, member, 0, view)}, want: view | send | history | PermManageMessages},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ch *chat.Channel
			if !tt.noChannel {
				ch = &chat.Channel{ID: 500, GuildID: guild, Overwrites: tt.overwrites}
			}
			if got := Compute(g, tt.user, tt.roles, ch); got != tt.want {
				t.Fatalf("got %#x, want %#x", got, tt.want)
			}
		})
	}
}

func BenchmarkCompute(b *testing.B) {
	g := GuildView{GuildID: 100, OwnerID: 1, Roles: map[ID]Permission{100: PermDefaultEveryone, 10: PermManageMessages, 11: PermKickMembers}}
	ch := &chat.Channel{Overwrites: []chat.Overwrite{
		{ID: 100, Type: chat.OverwriteRole, Deny: PermSendMessages},
		{ID: 10, Type: chat.OverwriteRole, Allow: PermSendMessages},
		{ID: 2, Type: chat.OverwriteMember, Deny: PermAttachFiles},
	}}
	roles := []ID{10, 11}
	b.ReportAllocs()
	for b.Loop() {
		if Compute(g, 2, roles, ch) == 0 {
			b.Fatal("no permissions")
		}
	}
}
