package gateway

import (
	"hash/maphash"
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/accordchat/accord/internal/etf"
	"github.com/accordchat/accord/internal/protocol"
)

// encoding=etf: the gateway builds every payload as JSON, as for JSON
// connections, and converts at the socket. Outgoing messages become ETF
// binary frames (then compressed as JSON ones are); incoming frames are
// converted to JSON before protocol.DecodePayload, so ETF clients meet the
// same validation, limits (the 4,096-byte frame limit applies to the ETF
// bytes; their JSON form must fit it too) and close codes (4002 for a term
// that is malformed, too deep or outside Discord's subset). The send
// queue's byte bound counts each dispatch by its JSON size, somewhat under
// its ETF size, so an ETF session is held to the same bound in events.

// etfTerms caches the ETF form of each dispatch's "d": a dispatch fanned
// out to many ETF sessions is converted once, by the first writer that
// needs it, and shared like its JSON bytes. Keys are weak so the cache
// does not keep a dispatch alive; an entry is deleted when its dispatch is
// collected (after every session's log has let go of it). Dispatches only
// JSON sessions see never enter it.
var etfTerms sync.Map // weak.Pointer[protocol.Dispatch] -> *etfTerm

// etfEncodes counts dispatch conversions, for tests.
var etfEncodes atomic.Int64

type etfTerm struct {
	once sync.Once
	b    []byte // the term of "d", without the version byte
	err  error
}

// recent is a direct-mapped cache in front of etfTerms. The writers of an
// event fanned out to many sessions look it up in a burst, and comparing
// a pointer is much cheaper than weak.Make (which walks the allocation
// span's list of specials: 13 % of the CPU of BenchmarkFanoutETF). A
// dispatch enters when it is first looked up, so a burst of events larger
// than the cache (writers far behind) costs no more than the weak lookup
// alone. A slot holds its dispatch strongly, so the address in it cannot
// be reused by another dispatch; only small dispatches (the fanned-out
// kind) enter, so at most len(recent) × recentMax bytes (4 MB) stay alive
// because of it.
var (
	recent     [256]atomic.Pointer[recentTerm]
	recentSeed = maphash.MakeSeed()
)

const recentMax = 16 << 10

type recentTerm struct {
	d *protocol.Dispatch
	t *etfTerm
}

// dispatchTerm returns the ETF term of d.Data. The bytes are shared: the
// caller must not modify them.
func dispatchTerm(d *protocol.Dispatch) ([]byte, error) {
	slot := &recent[maphash.Comparable(recentSeed, d)%uint64(len(recent))]
	if r := slot.Load(); r != nil && r.d == d {
		return r.t.get(d)
	}
	k := weak.Make(d)
	v, ok := etfTerms.Load(k)
	if !ok {
		var loaded bool
		v, loaded = etfTerms.LoadOrStore(k, &etfTerm{})
		if !loaded {
			runtime.AddCleanup(d, func(k weak.Pointer[protocol.Dispatch]) { etfTerms.Delete(k) }, k)
			if len(d.Data) <= recentMax {
				slot.Store(&recentTerm{d: d, t: v.(*etfTerm)})
			}
		}
	}
	return v.(*etfTerm).get(d)
}

// get converts d.Data on the first call.
func (t *etfTerm) get(d *protocol.Dispatch) ([]byte, error) {
	t.once.Do(func() {
		etfEncodes.Add(1)
		t.b, t.err = etf.AppendJSON(nil, d.Data)
	})
	return t.b, t.err
}

// appendETFDispatch appends dispatch e as an ETF message: the map
// {"op":0,"t":name,"s":seq,"d":...} around the shared term of "d".
func (c *conn) appendETFDispatch(buf []byte, e entry) []byte {
	d, err := dispatchTerm(e.d)
	if err != nil {
		// The server built invalid JSON: a bug, not the client's fault.
		c.gw.log.Error("etf: encode dispatch", "event", e.d.Name, "err", err)
		d = etf.AppendAtom(nil, "nil")
	}
	bp := bufPool.Get().(*[]byte)
	f := append((*bp)[:0], etf.Version)
	f = etf.AppendMapHeader(f, 4)
	f = etf.AppendInt(etf.AppendBinary(f, "op"), protocol.OpDispatch)
	f = etf.AppendBinary(etf.AppendBinary(f, "t"), e.d.Name)
	f = etf.AppendInt(etf.AppendBinary(f, "s"), e.seq)
	f = append(etf.AppendBinary(f, "d"), d...)
	buf = c.appendMessage(buf, f)
	*bp = f[:0]
	bufPool.Put(bp)
	return buf
}

// appendETF appends the JSON gateway message msg (HELLO, heartbeat ACK,
// op 7, op 9) as an ETF message. These are few and small: converted each
// time.
func (c *conn) appendETF(buf, msg []byte) []byte {
	bp := bufPool.Get().(*[]byte)
	f, err := etf.AppendJSON(append((*bp)[:0], etf.Version), msg)
	if err != nil {
		c.gw.log.Error("etf: encode payload", "err", err)
	} else {
		buf = c.appendMessage(buf, f)
	}
	*bp = f[:0]
	bufPool.Put(bp)
	return buf
}

// decodeETF turns a client's ETF message into the JSON payload the rest
// of the gateway reads; ok is false if it is not a term of Discord's
// subset (the caller closes with 4002).
func decodeETF(msg []byte) (js []byte, ok bool) {
	js, err := etf.ToJSON(nil, msg)
	return js, err == nil
}
