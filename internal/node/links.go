package node

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// Links. Events go from a guild's owner to each node with recipients as
// frames on that node's subject. The bus delivers at most once, in order:
// a NATS server that dies takes the frames in flight through it along.
// So each (sender, destination) link numbers its frames, and the sender
// keeps the last ringSize of them, at most ringBytes of them (the newest
// always); a destination that sees a number skip
// asks the sender for the missing frames (kindReplay) before it delivers
// the next. A link that falls silent sends a tick with its last number
// after tickIdle, so that a loss at the end of a burst is found too.
//
// Frame: version 1, sender id, sender incarnation, sequence number (0 in
// a tick), then a tick's last number or a data frame's bus.Envelope.

const (
	frameV1  = 1
	ringSize = 8192
	// ringBytes bounds a link's kept frames by size too: a count alone let
	// the ring hold 8,192 of whatever was sent, GUILD_CREATEs of a
	// 100k-member guild included (5 MB each). At 50k sessions over 3 nodes
	// the owner's two rings held 16 MB of subscriptions' GUILD_CREATEs.
	// 8 MiB is 8,192 frames of a typical 1 KB message event: the count
	// still bounds the replay window of ordinary traffic.
	ringBytes = 8 << 20
	tickIdle  = 200 * time.Millisecond
)

type outLinks struct {
	n     *Node
	mu    sync.Mutex
	links map[string]*outLink // by destination node
}

type outLink struct {
	mu       sync.Mutex
	seq      uint64
	ring     [ringSize][]byte // frame of seq at ring[seq%ringSize]
	oldest   uint64           // the lowest seq whose frame is kept (0: none sent)
	bytes    int              // the kept frames' total length
	lastSend time.Time
	ticked   uint64 // seq announced by the last tick
}

func (o *outLinks) init(n *Node) { o.n, o.links = n, make(map[string]*outLink) }

func (o *outLinks) link(node string) *outLink {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.links[node]
	if l == nil {
		l = &outLink{}
		o.links[node] = l
	}
	return l
}

// forget drops the link to a node that died or restarted: its next run
// numbers from scratch.
func (o *outLinks) forget(node string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.links, node)
}

func (o *outLinks) header(b []byte, seq uint64) []byte {
	b = append(b, frameV1)
	b = binary.AppendUvarint(b, uint64(len(o.n.cfg.Self)))
	b = append(b, o.n.cfg.Self...)
	b = binary.AppendUvarint(b, o.n.cfg.Incarnation)
	return binary.AppendUvarint(b, seq)
}

// Deliver implements guild.RemoteSender: per destination node, one frame
// with every part (Manifold), or one frame per recipient session without
// it.
func (n *Node) Deliver(guildID chat.ID, nodes map[string][]guild.RemotePart) {
	if len(nodes) == 0 {
		return
	}
	n.stats.remoteEvents.Add(1)
	for node, parts := range nodes {
		n.deliverTo(node, guildID, parts)
	}
}

func (n *Node) deliverTo(node string, guildID chat.ID, parts []guild.RemotePart) {
	l := n.out.link(node)
	if !n.cfg.Manifold {
		for _, p := range parts {
			for _, s := range p.Sessions {
				n.out.send(node, l, bus.Envelope{Guild: guildID, Parts: []bus.Part{{Event: p.D.Name, Data: p.D.Data, Sessions: []string{s}}}})
			}
		}
		return
	}
	env := bus.Envelope{Guild: guildID, Parts: make([]bus.Part, len(parts))}
	for i, p := range parts {
		env.Parts[i] = bus.Part{Event: p.D.Name, Data: p.D.Data, Sessions: p.Sessions}
	}
	for _, e := range split(env) {
		n.out.send(node, l, e)
	}
}

// split cuts an envelope too big for one bus message into several, by
// part and then by recipients.
func split(env bus.Envelope) []bus.Envelope {
	const limit = bus.MaxPayload - 4<<10 // room for the frame header
	if env.Size() <= limit {
		return []bus.Envelope{env}
	}
	var out []bus.Envelope
	for _, p := range env.Parts {
		one := bus.Envelope{Guild: env.Guild, Parts: []bus.Part{p}}
		if one.Size() <= limit || len(p.Sessions) < 2 {
			out = append(out, one)
			continue
		}
		half := len(p.Sessions) / 2
		a, b := p, p
		a.Sessions, b.Sessions = p.Sessions[:half], p.Sessions[half:]
		out = append(out, split(bus.Envelope{Guild: env.Guild, Parts: []bus.Part{a}})...)
		out = append(out, split(bus.Envelope{Guild: env.Guild, Parts: []bus.Part{b}})...)
	}
	return out
}

// send numbers env, keeps it in the ring and publishes it. The link's lock
// is held through Publish so that numbers and publication order agree.
func (o *outLinks) send(node string, l *outLink, env bus.Envelope) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	frame := env.Append(o.header(make([]byte, 0, 32+env.Size()), l.seq))
	l.keep(frame)
	l.lastSend = time.Now()
	o.n.stats.envelopes.Add(1)
	o.n.stats.envelopeBytes.Add(uint64(len(frame)))
	// A failed publish is not retried here: the frame stays in the ring
	// and the destination fetches it when the next frame or tick shows
	// the gap.
	if err := o.n.cfg.Bus.Publish(context.Background(), bus.NodeSubject(node), frame); err != nil {
		o.n.stats.publishErrors.Add(1)
	}
}

// keep puts the frame of l.seq in the ring, dropping the oldest frames
// beyond ringSize or ringBytes (never the newest). l.mu must be held.
func (l *outLink) keep(frame []byte) {
	if l.oldest == 0 {
		l.oldest = l.seq
	}
	slot := &l.ring[l.seq%ringSize]
	if l.seq-l.oldest >= ringSize { // the slot holds seq-ringSize: it goes
		l.bytes -= len(*slot)
		l.oldest = l.seq - ringSize + 1
	}
	*slot = frame
	l.bytes += len(frame)
	for l.bytes > ringBytes && l.oldest < l.seq {
		old := &l.ring[l.oldest%ringSize]
		l.bytes -= len(*old)
		*old = nil
		l.oldest++
	}
}

// tick announces, on each link silent for tickIdle, the last number sent.
func (o *outLinks) tick(ctx context.Context) {
	t := time.NewTicker(tickIdle)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		o.mu.Lock()
		links := make(map[string]*outLink, len(o.links))
		for node, l := range o.links {
			links[node] = l
		}
		o.mu.Unlock()
		for node, l := range links {
			l.mu.Lock()
			if l.seq > l.ticked && time.Since(l.lastSend) >= tickIdle {
				frame := binary.AppendUvarint(o.header(nil, 0), l.seq)
				if err := o.n.cfg.Bus.Publish(ctx, bus.NodeSubject(node), frame); err == nil {
					l.ticked = l.seq
				}
			}
			l.mu.Unlock()
		}
	}
}

// serveReplay answers a destination's request for the frames from req.Seq
// on.
func (o *outLinks) serveReplay(req request) reply {
	if req.Incarnation != o.n.cfg.Incarnation {
		return reply{Err: "incarnation changed", Code: "incarnation"}
	}
	l := o.link(req.From)
	l.mu.Lock()
	defer l.mu.Unlock()
	var rep reply
	from := req.Seq
	if l.oldest > 0 && from < l.oldest {
		from = l.oldest
		rep.Code = "lost"
	}
	for s := from; s <= l.seq && s > 0; s++ {
		rep.Frames = append(rep.Frames, l.ring[s%ringSize])
	}
	return rep
}

// frame is one decoded frame.
type frame struct {
	from        string
	incarnation uint64
	seq         uint64 // 0: a tick
	last        uint64 // a tick's last number
	env         bus.Envelope
}

var errFrame = errors.New("node: malformed frame")

func decodeFrame(b []byte) (frame, error) {
	var f frame
	if len(b) == 0 || b[0] != frameV1 {
		return f, errFrame
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return f, errFrame
	}
	f.from, b = string(b[k:k+int(n)]), b[k+int(n):]
	if f.incarnation, k = binary.Uvarint(b); k <= 0 {
		return f, errFrame
	}
	b = b[k:]
	if f.seq, k = binary.Uvarint(b); k <= 0 {
		return f, errFrame
	}
	b = b[k:]
	if f.seq == 0 {
		if f.last, k = binary.Uvarint(b); k <= 0 {
			return f, errFrame
		}
		return f, nil
	}
	env, err := bus.DecodeEnvelope(b)
	if err != nil {
		return f, fmt.Errorf("%w: %w", errFrame, err)
	}
	f.env = env
	return f, nil
}

type inLinks struct {
	n     *Node
	mu    sync.Mutex
	links map[string]*inLink // by sender node
}

type inLink struct {
	incarnation uint64
	next        uint64 // the number expected next; 0 before the first frame
}

func (in *inLinks) init(n *Node) { in.n, in.links = n, make(map[string]*inLink) }

func (in *inLinks) forget(node string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	delete(in.links, node)
}

// receive handles one frame on this node's subject. The bus calls it one
// frame at a time, in the order each sender published.
func (in *inLinks) receive(b []byte) {
	f, err := decodeFrame(b)
	if err != nil {
		in.n.stats.malformed.Add(1)
		return
	}
	in.mu.Lock()
	l := in.links[f.from]
	if l != nil && f.incarnation < l.incarnation {
		in.mu.Unlock()
		return // a late frame of the sender's previous run
	}
	if l == nil || f.incarnation > l.incarnation {
		l = &inLink{incarnation: f.incarnation}
		in.links[f.from] = l
	}
	in.mu.Unlock()
	if f.seq == 0 {
		if l.next != 0 && f.last >= l.next {
			in.fetch(f.from, l, f.last)
		}
		return
	}
	if l.next != 0 && f.seq > l.next {
		in.fetch(f.from, l, f.seq-1)
	}
	if l.next == 0 || f.seq >= l.next {
		in.n.deliverLocal(f.env)
		l.next = f.seq + 1
	}
}

// fetch asks the sender for the frames l.next..upto and delivers them.
func (in *inLinks) fetch(from string, l *inLink, upto uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rep, err := in.n.call(ctx, from, request{Kind: kindReplay, Incarnation: l.incarnation, Seq: l.next})
	if err == nil && rep.Code == "lost" {
		err = errors.New("frames older than the sender's ring")
	}
	if err != nil {
		in.n.stats.lost.Add(upto - l.next + 1)
		in.n.log.Warn("frames lost", "from", from, "first", l.next, "last", upto, "err", err)
	}
	for _, b := range rep.Frames {
		f, err := decodeFrame(b)
		if err != nil || f.seq < l.next || f.seq > upto {
			continue
		}
		in.n.deliverLocal(f.env)
		in.n.stats.replayed.Add(1)
		l.next = f.seq + 1
	}
	if l.next <= upto {
		l.next = upto + 1
	}
}

// deliverLocal hands an envelope's dispatches to this node's sessions.
func (n *Node) deliverLocal(env bus.Envelope) {
	var to []guild.Session
	for _, p := range env.Parts {
		d := &protocol.Dispatch{Name: p.Event, Data: p.Data}
		// One lock per part, not per recipient: a part can name
		// thousands of sessions. Send runs outside it.
		to = n.subscribed(p.Sessions, to[:0])
		for _, s := range to {
			s.Send(d)
		}
		n.stats.delivered.Add(uint64(len(to)))
	}
}
