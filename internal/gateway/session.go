package gateway

import (
	"sync"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// entry is one dispatch in a session's log with the sequence number the
// session gave it.
type entry struct {
	seq int64
	d   *protocol.Dispatch
}

// entryOverhead is what one log entry costs beyond its shared payload bytes;
// counting it keeps a flood of tiny dispatches bounded too.
const entryOverhead = 64

func entrySize(d *protocol.Dispatch) int { return len(d.Data) + len(d.Name) + entryOverhead }

// Session is one gateway session: an identified user with its sequence of
// dispatches. It outlives its connection: while disconnected it keeps
// buffering for RESUME until the resume window passes. It implements
// guild.Session; all methods are safe for concurrent use, and Send never
// blocks.
type Session struct {
	gw             *Gateway
	id             string
	userID         chat.ID
	bot            bool
	intents        protocol.Intents
	shard          [2]int // [id, count]; count 0 = unsharded
	largeThreshold int

	mu       sync.Mutex
	c        *conn     // guarded by mu; attached connection, nil while disconnected
	log      []entry   // guarded by mu; log[head:] is retained, seqs contiguous
	head     int       // guarded by mu
	seq      int64     // guarded by mu; last sequence number given out
	sent     int64     // guarded by mu; last seq handed to c's socket
	pending  int       // guarded by mu; bytes of entries with seq > sent
	kept     int       // guarded by mu; bytes of entries with seq <= sent
	detached time.Time // guarded by mu; when c became nil
	overflow bool      // guarded by mu; the resume buffer overflowed: cannot resume
	gone     bool      // guarded by mu; invalidated for good
	guilds   []chat.ID // guarded by mu; guilds connected at READY
}

// ID returns the session_id.
func (s *Session) ID() string { return s.id }

// UserID returns the session's user.
func (s *Session) UserID() chat.ID { return s.userID }

// Intents returns the intents given at IDENTIFY.
func (s *Session) Intents() protocol.Intents { return s.intents }

// Bot reports whether the session's user is a bot.
func (s *Session) Bot() bool { return s.bot }

// Shard returns the session's [shard_id, num_shards]; num_shards is 0 when
// the session did not ask for sharding.
func (s *Session) Shard() (id, count int) { return s.shard[0], s.shard[1] }

// LargeThreshold returns the large_threshold given at IDENTIFY (50-250,
// default 50).
func (s *Session) LargeThreshold() int { return s.largeThreshold }

// InShard reports whether the guild belongs to the session's shard.
func (s *Session) InShard(guildID chat.ID) bool {
	return s.shard[1] <= 1 || int(uint64(guildID)>>22%uint64(s.shard[1])) == s.shard[0]
}

// Send queues d with the session's next sequence number. It never blocks:
// if the connected socket has more than Config.SendQueueBytes unwritten,
// the connection is closed asynchronously (the session stays resumable); if
// a disconnected session buffers more than Config.ResumeBytes it can no
// longer be resumed and is dropped by the sweeper. d must not be modified
// afterwards; it is shared with other sessions.
func (s *Session) Send(d *protocol.Dispatch) {
	s.mu.Lock()
	if s.gone || s.overflow {
		s.mu.Unlock()
		return
	}
	s.seq++
	s.log = append(s.log, entry{seq: s.seq, d: d})
	s.pending += entrySize(d)
	c := s.c
	slow := false
	if c != nil && s.pending > s.gw.cfg.SendQueueBytes {
		slow = true
		s.c = nil
		s.detached = time.Now()
	} else if c == nil && s.pending > s.gw.cfg.ResumeBytes {
		s.overflow = true
		s.log, s.head, s.pending, s.kept = nil, 0, 0, 0
	}
	s.mu.Unlock()
	switch {
	case slow:
		s.gw.stats.slow.Add(1)
		s.gw.log.Info("slow consumer disconnected", "session", s.id, "user", s.userID)
		c.closeSlow()
	case c != nil:
		c.kick()
	}
}

// take appends to buf the unsent dispatches for c, up to about maxBytes of
// payload, and reports whether more remain.
func (s *Session) take(c *conn, buf []entry, maxBytes int) ([]entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c != c || s.head >= len(s.log) {
		return buf, false
	}
	i := s.head + int(s.sent+1-s.log[s.head].seq)
	n := 0
	for ; i < len(s.log) && n < maxBytes; i++ {
		buf = append(buf, s.log[i])
		n += len(s.log[i].d.Data)
	}
	return buf, i < len(s.log)
}

// written records that c's socket accepted every dispatch up to last, and
// trims already-written history beyond Config.ReplayBytes.
func (s *Session) written(c *conn, last int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c != c || last <= s.sent || s.head >= len(s.log) {
		return
	}
	for i := s.head + int(s.sent+1-s.log[s.head].seq); i < len(s.log) && s.log[i].seq <= last; i++ {
		n := entrySize(s.log[i].d)
		s.pending -= n
		s.kept += n
	}
	s.sent = last
	for s.kept > s.gw.cfg.ReplayBytes && s.head < len(s.log) && s.log[s.head].seq <= s.sent {
		s.kept -= entrySize(s.log[s.head].d)
		s.log[s.head] = entry{}
		s.head++
	}
	switch {
	case s.head == len(s.log):
		s.log, s.head = nil, 0 // idle sessions hold no buffer
	case s.head > 64 && s.head*2 >= len(s.log):
		n := copy(s.log, s.log[s.head:])
		clear(s.log[n:])
		s.log, s.head = s.log[:n], 0
	}
}

// ack drops already-written dispatches up to seq, which the client reported
// in a heartbeat: it will never ask for them in a RESUME. This keeps idle
// sessions from holding READY and GUILD_CREATE snapshots.
func (s *Session) ack(c *conn, seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c != c {
		return
	}
	seq = min(seq, s.sent)
	for s.head < len(s.log) && s.log[s.head].seq <= seq {
		s.kept -= entrySize(s.log[s.head].d)
		s.log[s.head] = entry{}
		s.head++
	}
	if s.head == len(s.log) {
		s.log, s.head = nil, 0
	}
}

// resume outcomes.
const (
	resumeOK = iota
	resumeBadSeq
	resumeGone
)

// resume attaches c to s and rewinds so that every dispatch after seq is
// written again. It returns the connection that was attached before.
func (s *Session) resume(c *conn, seq int64) (old *conn, result int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone || s.overflow {
		return nil, resumeGone
	}
	if seq > s.seq || seq < 0 {
		return nil, resumeBadSeq
	}
	first := s.seq + 1
	if s.head < len(s.log) {
		first = s.log[s.head].seq
	}
	if seq < first-1 {
		return nil, resumeGone // the client needs dispatches we no longer have
	}
	old = s.c
	s.c = c
	s.sent = seq
	s.pending, s.kept = 0, 0
	for _, e := range s.log[s.head:] {
		if e.seq > seq {
			s.pending += entrySize(e.d)
		} else {
			s.kept += entrySize(e.d)
		}
	}
	return old, resumeOK
}

// detach marks s disconnected if c is its connection.
func (s *Session) detach(c *conn) {
	s.mu.Lock()
	if s.c == c {
		s.c = nil
		s.detached = time.Now()
	}
	s.mu.Unlock()
}

// expired reports whether the sweeper should invalidate s.
func (s *Session) expired(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.overflow || s.c == nil && !s.detached.IsZero() && now.Sub(s.detached) > s.gw.cfg.ResumeWindow
}

// kill marks s gone and reports whether it was alive. The attached
// connection, if any, is left to its own close.
func (s *Session) kill() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return false
	}
	s.gone = true
	s.c = nil
	s.log, s.head, s.pending, s.kept = nil, 0, 0, 0
	return true
}

func (s *Session) guildIDs() []chat.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]chat.ID(nil), s.guilds...)
}
