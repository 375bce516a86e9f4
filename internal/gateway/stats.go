package gateway

import (
	"strconv"
	"sync/atomic"

	"github.com/accordchat/accord/internal/protocol"
)

// Stats is a snapshot of the gateway's counters.
type Stats struct {
	Connections       int64            // open WebSocket connections
	Sessions          int64            // connected or resumable sessions
	Identified        int64            // successful IDENTIFYs
	Resumed           int64            // successful RESUMEs
	Invalidated       int64            // sessions ended for good
	SlowDisconnects   int64            // connections closed because their send queue overflowed
	HeartbeatTimeouts int64            // connections closed with 4009
	IdentifyLimited   int64            // IDENTIFYs refused with op 9 (concurrency or daily budget)
	MembersLimited    int64            // op 8 requests answered with RATE_LIMITED
	AddrLimited       int64            // upgrades refused with 429 (connections per address)
	Closes            map[string]int64 // connections closed by the server, by close code
}

type counters struct {
	connections, sessions, identified, resumed, invalidated atomic.Int64
	slow, heartbeatTimeouts                                 atomic.Int64
	identifyLimited, membersLimited, addrLimited            atomic.Int64
	closes                                                  [16]atomic.Int64 // 4000..4014, then other
}

func (c *counters) closed(code protocol.CloseCode) {
	i := int(code) - 4000
	if i < 0 || i >= len(c.closes)-1 {
		i = len(c.closes) - 1
	}
	c.closes[i].Add(1)
}

// Stats returns the gateway's counters, for metrics.
func (g *Gateway) Stats() Stats {
	s := Stats{
		Connections:       g.stats.connections.Load(),
		Sessions:          g.stats.sessions.Load(),
		Identified:        g.stats.identified.Load(),
		Resumed:           g.stats.resumed.Load(),
		Invalidated:       g.stats.invalidated.Load(),
		SlowDisconnects:   g.stats.slow.Load(),
		HeartbeatTimeouts: g.stats.heartbeatTimeouts.Load(),
		IdentifyLimited:   g.stats.identifyLimited.Load(),
		MembersLimited:    g.stats.membersLimited.Load(),
		AddrLimited:       g.stats.addrLimited.Load(),
		Closes:            make(map[string]int64),
	}
	for i := range g.stats.closes {
		if n := g.stats.closes[i].Load(); n > 0 {
			k := strconv.Itoa(4000 + i)
			if i == len(g.stats.closes)-1 {
				k = "other"
			}
			s.Closes[k] = n
		}
	}
	return s
}
