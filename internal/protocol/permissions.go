package protocol

import "github.com/accordchat/accord/internal/chat"

// Permission is a set of Discord permission bits.
type Permission = uint64

// Permission bits (shared/discord-facts.md §4).
const (
	PermCreateInstantInvite Permission = 1 << 0
	PermKickMembers         Permission = 1 << 1
	PermBanMembers          Permission = 1 << 2
	PermAdministrator       Permission = 1 << 3
	PermManageChannels      Permission = 1 << 4
	PermManageGuild         Permission = 1 << 5
	PermAddReactions        Permission = 1 << 6
	PermViewAuditLog        Permission = 1 << 7
	PermPrioritySpeaker     Permission = 1 << 8
	PermStream              Permission = 1 << 9
	PermViewChannel         Permission = 1 << 10
	PermSendMessages        Permission = 1 << 11
	PermSendTTSMessages     Permission = 1 << 12
	PermManageMessages      Permission = 1 << 13
	PermEmbedLinks          Permission = 1 << 14
	PermAttachFiles         Permission = 1 << 15
	PermReadMessageHistory  Permission = 1 << 16
	PermMentionEveryone     Permission = 1 << 17
	PermUseExternalEmojis   Permission = 1 << 18
	PermViewGuildInsights   Permission = 1 << 19
	PermConnect             Permission = 1 << 20
	PermSpeak               Permission = 1 << 21
	PermChangeNickname      Permission = 1 << 26
	PermManageNicknames     Permission = 1 << 27
	PermManageRoles         Permission = 1 << 28
	PermManageWebhooks      Permission = 1 << 29
	PermModerateMembers     Permission = 1 << 40
	PermPinMessages         Permission = 1 << 51
	PermBypassSlowmode      Permission = 1 << 52

	// PermAll is every defined bit (0..52 without 47).
	PermAll Permission = (1<<53 - 1) &^ (1 << 47)

	// PermDefaultEveryone is what a new guild's @everyone role gets, as in
	// Discord: view, send, history, reactions, invites, nickname, voice etc.
	PermDefaultEveryone Permission = PermCreateInstantInvite | PermAddReactions | PermStream |
		PermViewChannel | PermSendMessages | PermEmbedLinks | PermAttachFiles |
		PermReadMessageHistory | PermMentionEveryone | PermUseExternalEmojis |
		PermConnect | PermSpeak | PermChangeNickname | 1<<25 /* USE_VAD */ |
		1<<31 /* USE_APPLICATION_COMMANDS */ | 1<<35 /* CREATE_PUBLIC_THREADS */ |
		1<<36 /* CREATE_PRIVATE_THREADS */ | 1<<38 /* SEND_MESSAGES_IN_THREADS */
)

// sendImplied are lost when SEND_MESSAGES is denied.
const sendImplied = PermMentionEveryone | PermSendTTSMessages | PermAttachFiles | PermEmbedLinks

// GuildView is what the permission algorithm reads about a guild. Roles maps
// role ID to its permissions and must contain the @everyone role (ID = guild
// ID).
type GuildView struct {
	GuildID ID
	OwnerID ID
	Roles   map[ID]Permission
}

// ID is re-exported so callers of this file need not import chat for it.
type ID = chat.ID

// BasePermissions computes a member's guild-level permissions: owner gets all,
// then @everyone OR the member's roles, and ADMINISTRATOR means all.
func BasePermissions(g GuildView, userID ID, roles []ID) Permission {
	if userID == g.OwnerID {
		return PermAll
	}
	p := g.Roles[g.GuildID]
	for _, r := range roles {
		p |= g.Roles[r]
	}
	if p&PermAdministrator != 0 {
		return PermAll
	}
	// Bits Discord does not define grant nothing; keeping them would
	// pre-grant whatever a later version defines there.
	return p & PermAll
}

// ChannelPermissions applies a channel's overwrites to base in Discord's
// order: @everyone overwrite, the union of the member's role overwrites, then
// the member's own overwrite. Without VIEW_CHANNEL nothing else applies, and
// a denied SEND_MESSAGES takes the permissions that depend on it.
func ChannelPermissions(base Permission, guildID, userID ID, roles []ID, overwrites []chat.Overwrite) Permission {
	if base&PermAdministrator != 0 {
		return PermAll
	}
	p := base
	var everyone, member *chat.Overwrite
	var allow, deny Permission
	for i := range overwrites {
		ow := &overwrites[i]
		switch {
		case ow.Type == chat.OverwriteRole && ow.ID == guildID:
			everyone = ow
		case ow.Type == chat.OverwriteMember && ow.ID == userID:
			member = ow
		case ow.Type == chat.OverwriteRole && hasID(roles, ow.ID):
			allow |= ow.Allow
			deny |= ow.Deny
		}
	}
	if everyone != nil {
		p = p&^everyone.Deny | everyone.Allow
	}
	p = p&^deny | allow
	if member != nil {
		p = p&^member.Deny | member.Allow
	}
	p &= PermAll // as in BasePermissions: undefined bits grant nothing
	if p&PermViewChannel == 0 {
		return 0
	}
	if p&PermSendMessages == 0 {
		p &^= sendImplied
	}
	return p
}

// Compute is BasePermissions followed by ChannelPermissions; channel may be
// nil for guild-level permissions.
func Compute(g GuildView, userID ID, roles []ID, channel *chat.Channel) Permission {
	base := BasePermissions(g, userID, roles)
	if channel == nil {
		return base
	}
	return ChannelPermissions(base, g.GuildID, userID, roles, channel.Overwrites)
}

func hasID(ids []ID, id ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
