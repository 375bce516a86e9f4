package guild

import (
	"context"
	"slices"
	"sort"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

func (a *actor) guildObject() protocol.Guild {
	out := protocol.GuildObject(a.guild, a.sortedRoles())
	out.Emojis = a.emojiObjects(false)
	return out
}

func (a *actor) sortedRoles() []chat.Role {
	out := make([]chat.Role, 0, len(a.roles))
	for _, r := range a.roles {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Position != out[j].Position {
			return out[i].Position < out[j].Position
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (a *actor) sortedChannels() []chat.Channel {
	out := make([]chat.Channel, 0, len(a.channels))
	for _, c := range a.channels {
		if c.Thread == nil { // threads are listed apart (threadlists.go)
			out = append(out, *c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Position != out[j].Position {
			return out[i].Position < out[j].Position
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// sortedMemberIDs returns the members' IDs in ascending order. The slice is
// cached until membership changes (invalidateView); callers must not
// modify it.
func (a *actor) sortedMemberIDs() []chat.ID {
	if a.memberIDs != nil && len(a.memberIDs) == len(a.members) {
		return a.memberIDs
	}
	ids := make([]chat.ID, 0, len(a.members))
	for id := range a.members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	a.memberIDs = ids
	return ids
}

// memberObject renders a member with its user; a user that cannot be read
// is rendered with its ID only.
func (a *actor) memberObject(m *chat.Member) protocol.Member {
	u := a.userOf(m.UserID)
	return protocol.MemberObject(*m, &u)
}

func (a *actor) userOf(id chat.ID) chat.User { return a.r.userOrDeleted(context.Background(), id) }

// userOrDeleted returns a user for rendering: one that cannot be read is
// rendered with its ID only.
func (r *Registry) userOrDeleted(ctx context.Context, id chat.ID) chat.User {
	u, err := r.User(ctx, id)
	if err != nil {
		return chat.User{ID: id, Username: "deleted-user"}
	}
	return u
}

// guildCreate builds GUILD_CREATE for a session of userID. Members are
// trimmed as Discord does: without GUILD_PRESENCES only the user itself;
// above largeThreshold only members online or with a role or nickname.
func (a *actor) guildCreate(userID chat.ID, intents protocol.Intents, largeThreshold int) protocol.GuildCreate {
	largeThreshold = protocol.LargeThreshold(largeThreshold)
	body := protocol.GuildCreate{
		Guild:                a.guildObject(),
		Large:                len(a.members) > largeThreshold,
		MemberCount:          len(a.members),
		VoiceStates:          []struct{}{},
		Members:              []protocol.Member{},
		Channels:             []protocol.Channel{},
		Threads:              a.activeThreads(userID),
		Presences:            []protocol.Presence{},
		StageInstances:       []struct{}{},
		GuildScheduledEvents: []struct{}{},
		SoundboardSounds:     []struct{}{},
	}
	if m := a.members[userID]; m != nil {
		body.JoinedAt = protocol.Timestamp(m.JoinedAt)
	}
	for _, c := range a.sortedChannels() {
		body.Channels = append(body.Channels, protocol.ChannelObject(c))
	}
	withPresences := intents.Has(protocol.IntentGuildPresences)
	if !withPresences {
		// Only the user itself and no presences: no need to walk a large
		// guild's members for every IDENTIFY.
		if m := a.members[userID]; m != nil {
			body.Members = append(body.Members, a.memberObject(m))
		}
		return body
	}
	for _, id := range a.sortedMemberIDs() {
		m := a.members[id]
		_, online := a.presenceOf(id)
		include := id == userID
		if withPresences {
			include = include || !body.Large || online || len(m.Roles) > 0 || m.Nick != ""
		}
		if include {
			body.Members = append(body.Members, a.memberObject(m))
		}
		if withPresences && online {
			p, _ := a.presenceOf(id)
			body.Presences = append(body.Presences, p)
		}
	}
	return body
}
