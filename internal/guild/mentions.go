package guild

import (
	"strings"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// AllowedMentions is Discord's allowed_mentions object.
type AllowedMentions struct {
	Parse       []string  // any of "users", "roles", "everyone"
	Users       []chat.ID // explicitly allowed users
	Roles       []chat.ID // explicitly allowed roles
	RepliedUser bool      // mention the author of the replied-to message
}

// applyMentions fills the message's mentions from its content, filtered by
// allowed_mentions and by what the author may mention.
func (a *actor) applyMentions(m *chat.Message, perms protocol.Permission, am *AllowedMentions, replied *chat.Message) {
	users, roles := mentionTokens(m.Content)
	parse := map[string]bool{"users": true, "roles": true, "everyone": true}
	repliedUser := true
	var allowUsers, allowRoles []chat.ID
	if am != nil {
		parse = map[string]bool{}
		for _, p := range am.Parse {
			parse[p] = true
		}
		allowUsers, allowRoles, repliedUser = am.Users, am.Roles, am.RepliedUser
	}
	m.Mentions, m.MentionRoles, m.MentionEveryone = nil, nil, false
	for _, id := range users {
		if a.members[id] != nil && (parse["users"] || hasID(allowUsers, id)) {
			m.Mentions = append(m.Mentions, id)
		}
	}
	if replied != nil && repliedUser && a.members[replied.AuthorID] != nil {
		m.Mentions = appendUnique(m.Mentions, replied.AuthorID)
	}
	for _, id := range roles {
		r := a.roles[id]
		if r == nil || id == a.id {
			continue
		}
		if (parse["roles"] || hasID(allowRoles, id)) && (r.Mentionable || perms&protocol.PermMentionEveryone != 0) {
			m.MentionRoles = append(m.MentionRoles, id)
		}
	}
	m.MentionEveryone = parse["everyone"] && perms&protocol.PermMentionEveryone != 0 && mentionsEveryone(m.Content)
}

// mentionTokens parses <@id>, <@!id> and <@&id> out of content.
func mentionTokens(content string) (users, roles []chat.ID) {
	for i := 0; i < len(content); i++ {
		if content[i] != '<' || i+2 >= len(content) || content[i+1] != '@' {
			continue
		}
		j := i + 2
		isRole := false
		switch content[j] {
		case '!':
			j++
		case '&':
			isRole = true
			j++
		}
		k := j
		for k < len(content) && content[k] >= '0' && content[k] <= '9' {
			k++
		}
		if k == j || k >= len(content) || content[k] != '>' || k-j > 20 {
			continue
		}
		id, err := chat.ParseID(content[j:k])
		if err != nil {
			continue
		}
		if isRole {
			roles = appendUnique(roles, id)
		} else {
			users = appendUnique(users, id)
		}
		i = k
	}
	return users, roles
}

func mentionsEveryone(content string) bool {
	return strings.Contains(content, "@everyone") || strings.Contains(content, "@here")
}
