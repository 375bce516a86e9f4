package dm

import (
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// Sessions finds this node's live sessions of a user (the gateway).
type Sessions interface {
	UserSessions(userID chat.ID) []guild.Session
}

// sharded is the optional ability of a session to say whether a guild
// belongs to its shard: DMs go to shard 0, as guild ID 0 would.
type sharded interface{ InShard(guildID chat.ID) bool }

// SendLocal hands d to each of sessions whose user asked for intent (0:
// any) and whose shard gets DMs. The cluster node calls it for the
// sessions of its own node.
func SendLocal(sessions []guild.Session, intent protocol.Intents, d *protocol.Dispatch) {
	for _, ss := range sessions {
		if intent != 0 && ss.Intents()&intent == 0 {
			continue
		}
		if sh, ok := ss.(sharded); ok && !sh.InShard(0) {
			continue
		}
		ss.Send(d)
	}
}

// LocalDelivery delivers to the sessions of this node only: the Deliverer
// of a single node.
type LocalDelivery struct{ Sessions Sessions }

// DeliverToUsers implements Deliverer.
func (l LocalDelivery) DeliverToUsers(users []chat.ID, intent protocol.Intents, d *protocol.Dispatch) {
	for _, u := range users {
		SendLocal(l.Sessions.UserSessions(u), intent, d)
	}
}
