package guard

import (
	"container/heap"
	"container/list"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// ConnLimits bound the connections a server keeps open, so that a flood of
// connections that send nothing (or headers and no body) cannot take the
// files the hall's own devices need.
//
// A connection is vouched for once a request on it carries a valid device
// token or staff session (kiosks, screens, evaluators, agents, counter
// terminals, the director console). Until then it is unvouched: a phone, a
// /healthz probe, a browser loading a page, or an attacker.
//
//   - At most MaxConns connections are open in all.
//   - Unvouched connections may hold at most MaxConns − Reserved of them; the
//     Reserved rest is kept for vouched ones.
//   - At most PerAddr unvouched connections come from one address (IPv4
//     address, IPv6 /64).
//
// When a new connection would pass its address's share, that address's
// oldest unvouched connection is closed to make room; when it would pass the
// share of all unvouched connections, the oldest unvouched connection of the
// address that holds the most is. So a flood churns only its own connections,
// while a kiosk's request, vouched for milliseconds after it connects, or a
// /healthz probe from an address that holds few, gets in. A vouched
// connection is never closed to make room; when all MaxConns are vouched, a
// new connection is refused (closed at once).
type ConnLimits struct {
	// MaxConns caps the open connections; 0 is DefaultMaxConns. Keep it under
	// the process's limit of open files, with room for the data files.
	MaxConns int
	// Reserved is how many of MaxConns only vouched connections may take;
	// 0 is half of MaxConns.
	Reserved int
	// PerAddr caps the unvouched connections from one address; 0 is
	// DefaultConnsPerAddr, below 0 no cap per address (the global share still
	// holds). Behind a reverse proxy every client has the proxy's address:
	// raise it there, or turn it off.
	PerAddr int
	// Logger gets a line when connections are closed to make room or
	// refused, at most one every 10 s; default slog.Default().
	Logger *slog.Logger
}

// The defaults of ConnLimits.
const (
	DefaultMaxConns     = 10000
	DefaultConnsPerAddr = 256
)

// ConnLimiter applies ConnLimits to the connections of a listener. Wrap the
// listener with Listener, and set the http.Server's ConnContext to the
// limiter's ConnContext, so that an authenticated request can vouch for its
// connection.
type ConnLimiter struct {
	max, reserved, perAddr int
	log                    *slog.Logger

	mu        sync.Mutex                  // guards the fields below
	open      int                         // connections open
	unvouched int                         // of which not vouched for
	byAddr    map[netip.Prefix]*addrConns // the unvouched, per address
	hogs      addrHeap                    // the same addresses, the one with most unvouched first
	stats     ConnStats
	logged    time.Time // last log line
	logStats  ConnStats // stats at the last log line
}

// addrConns are the unvouched connections of one address, oldest first.
type addrConns struct {
	key   netip.Prefix
	conns list.List // *limitedConn
	index int       // in ConnLimiter.hogs
}

// addrHeap is a container/heap of addresses, most unvouched connections first.
type addrHeap []*addrConns

func (h addrHeap) Len() int           { return len(h) }
func (h addrHeap) Less(i, j int) bool { return h[i].conns.Len() > h[j].conns.Len() }
func (h addrHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *addrHeap) Push(x any) {
	a := x.(*addrConns)
	a.index = len(*h)
	*h = append(*h, a)
}
func (h *addrHeap) Pop() any {
	old := *h
	a := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return a
}

// ConnStats counts what a ConnLimiter did.
type ConnStats struct {
	Open      int    // connections open now
	Unvouched int    // of which not vouched for
	Evicted   uint64 // unvouched connections closed to make room
	Refused   uint64 // connections refused: all places taken by vouched ones
}

// NewConnLimiter returns a limiter with lim, defaults filled in.
func NewConnLimiter(lim ConnLimits) *ConnLimiter {
	if lim.MaxConns <= 0 {
		lim.MaxConns = DefaultMaxConns
	}
	if lim.Reserved <= 0 || lim.Reserved >= lim.MaxConns {
		lim.Reserved = lim.MaxConns / 2
	}
	switch {
	case lim.PerAddr == 0:
		lim.PerAddr = DefaultConnsPerAddr
	case lim.PerAddr < 0:
		lim.PerAddr = lim.MaxConns
	}
	if lim.Logger == nil {
		lim.Logger = slog.Default()
	}
	return &ConnLimiter{max: lim.MaxConns, reserved: lim.Reserved, perAddr: lim.PerAddr, log: lim.Logger,
		byAddr: map[netip.Prefix]*addrConns{}}
}

// Stats returns the counters.
func (l *ConnLimiter) Stats() ConnStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.Open, s.Unvouched = l.open, l.unvouched
	return s
}

// Listener returns ln with the limits applied to what it accepts.
func (l *ConnLimiter) Listener(ln net.Listener) net.Listener {
	return &limitedListener{Listener: ln, lim: l}
}

// ConnContext is for http.Server.ConnContext: it lets the requests of c vouch
// for it.
func (l *ConnLimiter) ConnContext(ctx context.Context, c net.Conn) context.Context {
	if lc, ok := c.(*limitedConn); ok {
		return context.WithValue(ctx, connKey{}, lc)
	}
	return ctx
}

type connKey struct{}

// Vouch marks the connection of r as vouched for (a valid device token or
// staff session came on it). Without a ConnLimiter it does nothing.
func Vouch(r *http.Request) {
	if lc, ok := r.Context().Value(connKey{}).(*limitedConn); ok {
		lc.lim.vouch(lc)
	}
}

type limitedListener struct {
	net.Listener
	lim *ConnLimiter
}

// Accept returns the next connection that the limits admit; those refused are
// closed here and never reach the server.
func (ln *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc := ln.lim.admit(c); lc != nil {
			return lc, nil
		}
	}
}

// limitedConn is a connection the limiter counts. The fields but Conn, lim
// and addr are guarded by lim.mu.
type limitedConn struct {
	net.Conn
	lim  *ConnLimiter
	addr netip.Prefix
	elem *list.Element // in lim.byAddr[addr] while unvouched; nil once vouched
	gone bool          // no longer counted: closed, or evicted
	once sync.Once
}

// Close closes the connection and gives its place back.
func (c *limitedConn) Close() error {
	c.once.Do(func() { c.lim.release(c) })
	return c.Conn.Close()
}

// addrKey is the address a connection counts against.
func addrKey(a net.Addr) netip.Prefix {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Prefix{}
	}
	return AddrPrefix(ap.Addr())
}

// AddrPrefix is the address a client is known by: the IPv4 address, or the
// /64 of an IPv6 one (a host gets a whole /64).
func AddrPrefix(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// admit counts c in, closing the connections that make room for it, or closes
// c and returns nil when there is none.
func (l *ConnLimiter) admit(c net.Conn) *limitedConn {
	lc := &limitedConn{Conn: c, lim: l, addr: addrKey(c.RemoteAddr())}
	var evict []*limitedConn
	l.mu.Lock()
	if own := l.byAddr[lc.addr]; own != nil && own.conns.Len() >= l.perAddr {
		evict = append(evict, l.evictLocked(own))
	}
	if (l.unvouched >= l.max-l.reserved || l.open >= l.max) && len(l.hogs) > 0 {
		evict = append(evict, l.evictLocked(l.hogs[0]))
	}
	admitted := l.open < l.max
	if admitted {
		l.open++
		l.unvouched++
		own := l.byAddr[lc.addr]
		if own == nil {
			own = &addrConns{key: lc.addr}
			l.byAddr[lc.addr] = own
			heap.Push(&l.hogs, own)
		}
		lc.elem = own.conns.PushBack(lc)
		heap.Fix(&l.hogs, own.index)
	} else {
		l.stats.Refused++
	}
	l.logLocked()
	l.mu.Unlock()
	for _, e := range evict {
		e.Conn.Close() // the server's goroutine then fails its read and calls Close
	}
	if !admitted {
		c.Close()
		return nil
	}
	return lc
}

// evictLocked stops counting the oldest unvouched connection of a, and
// returns it to be closed by the caller.
func (l *ConnLimiter) evictLocked(a *addrConns) *limitedConn {
	c := a.conns.Front().Value.(*limitedConn)
	l.forgetLocked(c)
	l.stats.Evicted++
	return c
}

// forgetLocked stops counting c.
func (l *ConnLimiter) forgetLocked(c *limitedConn) {
	if c.gone {
		return
	}
	c.gone = true
	l.open--
	l.unlistLocked(c)
}

// unlistLocked takes c off the unvouched connections.
func (l *ConnLimiter) unlistLocked(c *limitedConn) {
	if c.elem == nil {
		return
	}
	l.unvouched--
	own := l.byAddr[c.addr]
	own.conns.Remove(c.elem)
	c.elem = nil
	if own.conns.Len() == 0 {
		heap.Remove(&l.hogs, own.index)
		delete(l.byAddr, c.addr)
	} else {
		heap.Fix(&l.hogs, own.index)
	}
}

func (l *ConnLimiter) release(c *limitedConn) {
	l.mu.Lock()
	l.forgetLocked(c)
	l.mu.Unlock()
}

func (l *ConnLimiter) vouch(c *limitedConn) {
	l.mu.Lock()
	if !c.gone {
		l.unlistLocked(c)
	}
	l.mu.Unlock()
}

// logLocked says, at most every 10 s, how many connections were closed to make
// room or refused since it last said so.
func (l *ConnLimiter) logLocked() {
	ev, ref := l.stats.Evicted-l.logStats.Evicted, l.stats.Refused-l.logStats.Refused
	if ev == 0 && ref == 0 {
		return
	}
	now := time.Now()
	if now.Sub(l.logged) < 10*time.Second {
		return
	}
	l.logged, l.logStats = now, l.stats
	l.log.Warn("display: connections over the limits", "closed_to_make_room", ev, "refused", ref,
		"open", l.open, "unvouched", l.unvouched, "max", l.max)
}
