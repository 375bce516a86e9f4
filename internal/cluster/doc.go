// Package cluster tells each Accord node which nodes are alive and which
// node owns each guild. It has two halves:
//
//   - Membership: every node publishes a small heartbeat (node id, public
//     URL, incarnation, sequence number) every Config.Interval (default
//     1 s) and listens to everyone else's. A node silent for
//     Config.DeadAfter (default 3 s), measured on the receiver's clock, is
//     dead; a node that shuts down cleanly says so and is dead at once. A
//     restarted node comes back with a larger incarnation (its start time)
//     and replaces its old self; heartbeats of the old incarnation that
//     arrive late are ignored. Membership.Watch returns an immutable
//     Members snapshot with a version number and a channel closed on the
//     next change ("changed, re-read").
//   - Placement: Members.Owner(guild) is the rendezvous-hash (highest random
//     weight) winner of the guild among the live nodes. Every node that has
//     the same member set computes the same owner with no coordination;
//     when a node leaves only its own guilds move, and a new node takes
//     about 1/N of the guilds, all from others. Moves(old, new, guilds)
//     lists the guilds whose owner changed between two snapshots.
//
// The package does no I/O of its own: heartbeats travel over a Transport
// the caller supplies (the bus, on a NATS subject such as
// "accord.cluster.heartbeat"). It imports nothing from Accord but chat.
//
// # How the server uses it
//
// This is the plan the server follows when it runs in cluster mode:
//
//  1. At start it builds a Membership over the bus and runs it. Until
//     Membership.Ready is closed (one DeadAfter after Run subscribed, by
//     which time every live node has been heard at least twice) the node
//     owns no guild and forwards everything: a fresh node that believed it
//     was alone would otherwise claim every guild for a second.
//  2. The owner of guild G runs G's actor (the guild package's actor per
//     guild), as on one node. A REST write for G that arrives at another
//     node is forwarded to the owner by NATS request/reply and its reply
//     is relayed as is; history reads for G's channels are served by the
//     owner too, so its request coalescing and hot-channel cache stay the
//     only ones that see G's writes.
//  3. On each change of membership the server takes the new snapshot, calls
//     Moves(old, new, guilds it has actors or sessions for) and, for each
//     move: an old owner stops G's actor after finishing the operations it
//     has accepted (their store writes are durable before their replies),
//     and the new owner starts G's actor on demand, reloading it from the
//     store. Sessions of G on every node are told where G now lives (or to
//     reconnect and RESUME).
//  4. A request that arrives for G while G is moving (no owner answers, or
//     the old owner answers "moved") is retried against the owner of the
//     newest snapshot until a bound (a few DeadAfter periods) passes; only
//     then does it fail, with a retryable error. Requests in flight
//     therefore wait, bounded, rather than fail during a move.
//  5. GET /healthz reports Membership.Health: this node's id and every node
//     it knows of, with its public URL and whether it is live.
//
// Heartbeat membership cannot tell a dead node from a partitioned one: two
// sides of a partition each own every guild of the other side until it
// heals. That is the usual price of not running a consensus protocol;
// durable store writes (acknowledged only after they are durable) keep
// messages safe meanwhile, and the server may refuse to own guilds while it
// sees fewer than a quorum of the nodes it has ever seen.
package cluster
