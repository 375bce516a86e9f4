// Package gateway serves Discord's Gateway v10 over WebSocket: HELLO,
// IDENTIFY, RESUME, heartbeats, close codes, sharding, JSON or ETF
// encoding (etf.go), zlib-stream and zstd-stream compression, op 8 member
// requests and the Discord client's guild
// subscriptions (op 14, op 37 bulk), which end passive mode for a guild
// (see package guild). It keeps sessions (which outlive
// their connections for RESUME) and implements guild.Directory; guild actors
// fan events out by calling Session.Send.
//
// A user's presence is combined from their sessions here (presence.go):
// IDENTIFY makes a session online unless its presence says otherwise, op 3
// changes it, the most recently changed session sets the status and each
// platform's status goes into client_status; when no session of the user
// has a connection any more, the user goes offline after
// Config.PresenceGrace, so a RESUME does not flap. The guild layer gets
// only changes (guild.Registry.UpdatePresence).
//
// # Memory per idle session
//
// The performance target is at most 8 KiB of server memory per idle session
// at 15,000 sessions. A goroutine blocked in Read per connection costs at
// least its stack (8 KiB once grown for a JSON decode) plus a read buffer, so
// an idle connection here has no goroutine and no buffer at all:
//
//   - WebSocket framing is github.com/gobwas/ws, used at the frame level
//     (ws.UpgradeHTTP, ws.ReadHeader, ws.Cipher); server frames are built by
//     hand straight into the writer's batch buffer.
//   - On Linux one epoll instance (poller_linux.go) watches every socket
//     with one-shot registrations; when bytes arrive a short-lived goroutine
//     reads one frame with a pooled buffer and re-arms. Elsewhere, and for
//     connections that are not plain TCP, a goroutine per connection reads.
//   - Writes are done by a fixed pool of writer goroutines (writers.go,
//     Config.Writers, default GOMAXPROCS) fed by a FIFO of connections with
//     something to write; an idle connection is in no queue and has no
//     goroutine. A worker takes a connection, drains up to 256 KiB of its
//     queue into one pooled buffer (frame = header + prefix + shared Data +
//     suffix, from protocol.Dispatch.AppendFrame, with no per-delivery
//     allocation), writes it with one non-blocking write(2) through
//     syscall.RawConn, and puts the connection back at the tail if more is
//     queued. Only one worker holds a connection at a time (conn.writing),
//     so frames keep their order.
//   - A session's queue is a slice of (seq, *Dispatch) pointing at bytes
//     shared by every recipient; it is released once written and trimmed.
//
// Measured (go test -run '^$' -bench Idle -benchtime 1x ./internal/gateway,
// 2,000 idle connections over loopback in one process, each after HELLO,
// IDENTIFY, READY, GUILD_CREATE and one heartbeat; heap + goroutine stacks
// per connection, the test's own client sockets included; 2-core VM):
//
//	this package (full sessions, directory, guild subscription)  ~2.1 KB
//	the same inside a whole server (real guild actor, store)      ~1.7–2.4 KB
//	lesismal/nbio v1.6.8, conn taken over from net/http,
//	  handler with no session state                                ~1.4 KB
//	coder/websocket v1.8.15, one reading goroutine per conn       ~22 KB
//	bare loopback TCP pair (floor)                                 ~0.75 KB
//
// Both epoll designs are far under the 8 KiB target; a goroutine per
// connection is not. nbio's transport is a little smaller (it dup's the fd
// and drops Go's netFD), but it brings its own HTTP engine, buffer
// allocator and unbounded write buffering, which would sit beside our own
// byte-bounded queue and writer; gobwas/ws plus a 100-line epoll loop
// keeps one queue we control and leaves the REST API on plain net/http.
//
// Idle sessions hold no replay history: a client's heartbeat carries its
// last sequence number, and everything up to it is dropped (it can never
// be asked for in a RESUME).
//
// Fan-out (go test -run '^$' -bench Fanout -benchtime 3000x
// ./internal/gateway: 1,000 sessions, 200-byte messages published back to
// back, non-allocating clients in the same process on the same 2 cores):
// about 6,300,000 deliveries/s (5,900,000 with a goroutine per wake-up)
// and under 0.01 allocations per delivery, because each writer drains many
// queued frames per write syscall. That is the
// saturated, deeply batched case; latency at a fixed rate is for the bench.
//
// # Writer design
//
// The first writer started a goroutine per wake-up and set a write deadline
// before every write. At 5 messages/s to 10,000 sessions (every delivery
// its own write) that was ~10 % of the server's CPU in runtime.newproc and
// scheduling plus ~5 % in SetWriteDeadline. The pool removes both:
//
//   - No goroutine creation on the hot path: Session.Send → conn.kick only
//     appends the connection to the pool's queue (a mutex and a slice), so
//     guild relays just enqueue and the syscalls run on every core.
//   - No deadline per write: workers never block on a socket. When the
//     socket is full (EAGAIN, or a partial write) the rest of the buffer
//     goes to a goroutine of its own (finishWrite) that sets
//     Config.WriteTimeout, blocks, clears the deadline and gives the
//     connection back to the pool. Only full sockets pay for a goroutine
//     and a deadline; a stalled client is still closed after WriteTimeout
//     and never holds a worker.
//   - Round-robin over busy connections: under saturation each connection
//     waits its turn while its queue grows, so each write carries more
//     frames (deeper batches than a goroutine per connection, which wrote
//     as soon as anything arrived).
//
// Connections that are not plain sockets (no syscall.RawConn) keep a
// writer goroutine per wake-up with a blocking write, as before.
//
// # Slow consumers
//
// Send never blocks. When a connected session has more than
// Config.SendQueueBytes unwritten, its connection is closed with 4000 (a
// reconnectable code, so libraries RESUME) without waiting for the socket;
// the session keeps buffering up to Config.ResumeBytes for the resume and
// is counted in Stats.SlowDisconnects.
//
// # Limits
//
// Discord's gateway limits, each a Config field (limits.go): 120 payloads
// per 60 s per connection, counted in two fields of the connection (no
// timer), then 4008; per account, max_concurrency IDENTIFYs per 5 s
// (bots) and a daily budget of 1000, both answered with op 9 d:false and
// reported by Gateway.SessionStartLimit in GET /gateway/bot; one "request
// all members" per guild per account per 30 s, then a RATE_LIMITED
// dispatch; and a cap on open connections per client address, checked
// before the upgrade (429). Config.DisableLimits turns them all off for
// load tests; the 4,096-byte payload limit (4002, checked on the frame
// header before anything is read) always holds.
//
// # Goroutines
//
// Every goroutine of the gateway and of its connections (the poller, the
// sweeper, the writers, a reader per connection the poller does not watch,
// the poller's one-frame readers, writes blocked on a full socket) starts
// through Gateway.startGoRoutine, which counts it in a WaitGroup. Shutdown
// waits for the connections to drain, stops starting goroutines and waits
// for the count to reach zero, bounded by its ctx. A session's read loop is
// in readloop.go, its write loop in writeloop.go.
//
// # Lock order
//
// Session.mu, then conn.mu, then Gateway.mu (and poller.mu, writerPool.mu,
// limiter.mu and Gateway.grMu, leaves).
package gateway
