package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"qcall/display/internal/answer"
	"qcall/queue"
)

// Login throttling. Failures are counted per job number and per address
// (IPv4 address, IPv6 /64). Once a job number has loginJobFree failures in a
// row, or an address loginAddrFree, every further attempt for it must wait:
// loginLockBase, doubling with each further failure, up to loginLockMax. An attempt while it must wait is
// answered 429 rate_limited with Retry-After, costs no bcrypt, and counts as
// no failure. A successful login clears its job number's count (not its
// address's); a count is forgotten after loginForget without failure.
const (
	loginJobFree  = 5
	loginAddrFree = 20
	loginLockBase = 30 * time.Second
	loginLockMax  = 15 * time.Minute
	loginForget   = time.Hour
	// loginMaxKeys bounds each table; past it, a new key is not counted (the
	// address's count still is).
	loginMaxKeys = 10000
)

// loginFailures is the failure count of one job number or address.
type loginFailures struct {
	n     int       // failures in a row
	last  time.Time // of the last failure
	until time.Time // attempts wait until then
}

// loginGuard throttles logins and runs bcrypt in a bounded pool, so that
// wrong logins cannot starve the kiosks of CPU.
type loginGuard struct {
	mu     sync.Mutex // guards the fields below
	byJob  map[string]*loginFailures
	byAddr map[netip.Prefix]*loginFailures

	// slots holds one token per bcrypt that may run at once; queue one per
	// login that may wait for a slot. A login that finds the queue full is
	// refused at once.
	slots, queue chan struct{}

	dummyMu sync.Mutex         // guards dummies
	dummies map[int]*dummyHash // bcrypt cost → a hash of nothing anyone knows
}

type dummyHash struct {
	once sync.Once
	hash []byte
}

// newLoginGuard returns a guard whose pool runs half the machine's CPUs'
// worth of bcrypt at once (at least one) and lets 8 logins per slot wait.
func newLoginGuard() *loginGuard {
	n := max(1, runtime.GOMAXPROCS(0)/2)
	return newLoginGuardN(n, 8*n)
}

func newLoginGuardN(slots, queue int) *loginGuard {
	return &loginGuard{byJob: map[string]*loginFailures{}, byAddr: map[netip.Prefix]*loginFailures{},
		slots: make(chan struct{}, slots), queue: make(chan struct{}, queue), dummies: map[int]*dummyHash{}}
}

// wait returns how long attempts for jobNo from addr must still wait; 0: none.
func (g *loginGuard) wait(jobNo string, addr netip.Prefix, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	var d time.Duration
	if f := g.byJob[jobNo]; f != nil {
		d = max(d, f.until.Sub(now))
	}
	if f := g.byAddr[addr]; f != nil {
		d = max(d, f.until.Sub(now))
	}
	return max(d, 0)
}

// failed counts a failure for jobNo and addr; it returns the failures in a
// row of each.
func (g *loginGuard) failed(jobNo string, addr netip.Prefix, now time.Time) (job, fromAddr int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return countFailure(g.byJob, jobNo, loginJobFree, now), countFailure(g.byAddr, addr, loginAddrFree, now)
}

func countFailure[K comparable](m map[K]*loginFailures, k K, free int, now time.Time) int {
	f := m[k]
	if f != nil && now.Sub(f.last) > loginForget {
		f = nil
	}
	if f == nil {
		if len(m) >= loginMaxKeys {
			for k, f := range m {
				if now.Sub(f.last) > loginForget {
					delete(m, k)
				}
			}
			if len(m) >= loginMaxKeys {
				return 0
			}
		}
		f = &loginFailures{}
		m[k] = f
	}
	f.n++
	f.last = now
	if over := f.n - free; over >= 0 {
		lock := loginLockMax
		if over < 10 {
			lock = min(loginLockBase<<over, loginLockMax)
		}
		f.until = now.Add(lock)
	}
	return f.n
}

// succeeded clears jobNo's count.
func (g *loginGuard) succeeded(jobNo string) {
	g.mu.Lock()
	delete(g.byJob, jobNo)
	g.mu.Unlock()
}

// compare runs bcrypt in the pool: it waits for a slot (or ctx), and answers
// rate_limited at once when too many logins already wait.
func (g *loginGuard) compare(ctx context.Context, hash, password []byte) (match bool, err error) {
	select {
	case g.queue <- struct{}{}:
	default:
		return false, answer.RateLimited(time.Second, "too many logins at once")
	}
	select {
	case g.slots <- struct{}{}:
		<-g.queue
	case <-ctx.Done():
		<-g.queue
		return false, ctx.Err()
	}
	defer func() { <-g.slots }()
	return bcrypt.CompareHashAndPassword(hash, password) == nil, nil
}

// dummy returns a hash of the same cost as the configuration's staff
// passwords (the highest, if they differ) of a password nobody knows: an
// unknown job number is compared against it, so that it takes as long as a
// wrong password. The hash of a cost is made the first time it is needed.
func (g *loginGuard) dummy(cfg *queue.Config) []byte {
	cost := bcrypt.DefaultCost
	found := false
	for _, st := range cfg.Staff {
		if c, err := bcrypt.Cost([]byte(st.PasswordHash)); err == nil && (!found || c > cost) {
			cost, found = c, true
		}
	}
	g.dummyMu.Lock()
	d := g.dummies[cost]
	if d == nil {
		d = &dummyHash{}
		g.dummies[cost] = d
	}
	g.dummyMu.Unlock()
	d.once.Do(func() {
		pw := make([]byte, 16)
		rand.Read(pw)
		h, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(pw)), cost)
		if err != nil {
			h = []byte(queue.DemoPasswordHash) // cannot happen: the cost came from a valid hash
		}
		d.hash = h
	})
	return d.hash
}
