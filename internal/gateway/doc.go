// Package gateway serves Discord's Gateway v10 over WebSocket: HELLO,
// IDENTIFY, RESUME, heartbeats, close codes, sharding, zlib-stream
// compression and op 8 member requests. It keeps sessions (which outlive
// their connections for RESUME) and implements guild.Directory; guild actors
// fan events out by calling Session.Send.
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
//   - The writer is a goroutine started when a session has something to
//     write and ended when its queue is empty. It drains the queue into one
//     pooled buffer (frame = header + prefix + shared Data + suffix, from
//     protocol.Dispatch.AppendFrame, with no per-delivery allocation) and
//     writes it with one syscall under a write deadline.
//   - A session's queue is a slice of (seq, *Dispatch) pointing at bytes
//     shared by every recipient; it is released once written and trimmed.
//
// Measured (go test -run '^$' -bench Idle -benchtime 1x ./internal/gateway,
// 2,000 identified idle sessions over loopback in one process, heap +
// goroutine stacks per session, the test's client sockets included, 2-core
// VM): this design 2,187 B/session; a goroutine-per-connection server on
// coder/websocket v1.8.15 doing the same handshake 22,237 B/session; a bare
// loopback TCP pair 741 B. Inside a whole server, each session also
// subscribed to a guild actor (BenchmarkIdleSessionMemoryServer): about
// 1.7–2.2 KB/session. So the server's share is well under the 8 KiB target. lesismal/nbio v1.6.8 also avoids a goroutine per
// connection, but it brings its own HTTP engine, buffer allocator and
// write queue; taking a connection from net/http into it dup's the fd,
// and its write path would sit beside our own byte-bounded queue. gobwas/ws
// plus a 100-line epoll loop gives the same memory profile with one queue
// we control, and the REST API keeps plain net/http.
//
// Idle sessions hold no replay history: a client's heartbeat carries its
// last sequence number, and everything up to it is dropped (it can never
// be asked for in a RESUME).
//
// Fan-out (go test -run '^$' -bench Fanout -benchtime 3000x
// ./internal/gateway: 1,000 sessions, 200-byte messages published back to
// back, non-allocating clients in the same process on the same 2 cores):
// about 5,000,000 deliveries/s and 0.01 allocations per delivery, because
// each writer drains many queued frames per write syscall. That is the
// saturated, deeply batched case; latency at a fixed rate is for the bench.
//
// # Slow consumers
//
// Send never blocks. When a connected session has more than
// Config.SendQueueBytes unwritten, its connection is closed with 4000 (a
// reconnectable code, so libraries RESUME) without waiting for the socket;
// the session keeps buffering up to Config.ResumeBytes for the resume and
// is counted in Stats.SlowDisconnects.
//
// # Lock order
//
// Session.mu, then conn.mu, then Gateway.mu (and poller.mu, a leaf).
package gateway
