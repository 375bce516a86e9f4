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
// Measured alternatives (TestIdleSessionMemory / the idle benchmarks in
// memory_test.go, 2,000 idle sessions over loopback in one process, heap +
// stacks per session, client side included): this design ~3 KiB; a
// goroutine-per-connection design with coder/websocket v1.8.15 ~ 15 KiB
// (each connection holds a reader goroutine with its bufio buffers).
// lesismal/nbio v1.6.8 also avoids a goroutine per connection, but it
// brings its own HTTP engine, buffer allocator and write queue; taking a
// connection from net/http into it means dup'ing the fd, and its write
// path would sit beside our own byte-bounded queue. gobwas/ws plus a
// 100-line epoll loop gives the same memory profile with one queue we
// control. The figures are in the test log (go test -run IdleSessionMemory
// -v ./internal/gateway).
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
