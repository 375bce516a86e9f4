// Package node runs this process as one node of an Accord cluster: the glue
// between the guild registry, the gateway's sessions and the API on one
// side, and the bus (NATS) and cluster membership on the other.
//
//   - Placement. Node implements guild.Placement: guild G belongs to the
//     rendezvous winner of G among the live nodes (cluster.Members.Owner).
//     A node owns nothing until its membership is ready, and a guild that
//     has just changed owner is unsettled for Config.Settle: subscriptions
//     move to the new owner meanwhile, writes wait.
//   - Sessions. Node implements the gateway's Guilds: a session subscribes
//     to a guild at its owner, in process or by request/reply to the owner
//     node, which keeps it as a remote session. Node remembers every
//     subscription of its sessions, so that when a guild moves it
//     subscribes them again at the new owner (a fresh GUILD_CREATE).
//   - Manifold. Node implements guild.RemoteSender: fan-out hands it one
//     event's recipients on one node and it publishes one message to that
//     node (Config.Manifold false: one per session, to measure the
//     difference). Each (sender, destination) link numbers its messages
//     and keeps the last ones in a ring, so a destination that sees a gap
//     (a NATS server died with messages in flight) asks for them again.
//   - Forwarding. A REST request for a guild this node does not own runs
//     at the owner: Forward carries it over request/reply and ServeForward
//     runs it there, through the same API handler.
//   - Directory. Joins and user changes reach the sessions of every node
//     by a broadcast subject.
package node
