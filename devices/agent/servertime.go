package agent

import (
	"net/http"
	"sync"
	"time"
)

// serverClock is the hall server's clock as the agent knows it: the local
// clock corrected by the offset seen in the Date header of the server's
// answers. Timing rules (a call too old to announce) compare the server's
// event times with it, so that an agent PC whose clock is off neither
// announces stale calls nor drops fresh ones.
//
// A Date header has whole seconds, so the offset is known to about half a
// second plus the answer's time on the network; the rules it serves count in
// tens of seconds.
type serverClock struct {
	now func() time.Time // the local clock

	mu     sync.Mutex    // guards offset and known
	offset time.Duration // server minus local
	known  bool
}

// skewWarn is how far the local clock may be off the server's before the
// agent warns.
const skewWarn = 5 * time.Second

// observe takes the Date header of an answer of the server that arrived at
// local time at. It returns the new offset, and whether it is one to warn
// of: the first one beyond skewWarn, or one that moved by more than skewWarn
// since the last.
func (c *serverClock) observe(date string, at time.Time) (offset time.Duration, warn bool) {
	d, err := http.ParseTime(date)
	if err != nil {
		return 0, false
	}
	// The server wrote Date somewhere within its second, before the answer
	// left: the middle of that second is the best guess for "at".
	offset = d.Add(500 * time.Millisecond).Sub(at)
	c.mu.Lock()
	defer c.mu.Unlock()
	prev, known := c.offset, c.known
	c.offset, c.known = offset, true
	if !known {
		return offset, offset.Abs() > skewWarn
	}
	return offset, (offset - prev).Abs() > skewWarn
}

// Now returns the server's time now: the local clock until an answer came.
func (c *serverClock) Now() time.Time {
	c.mu.Lock()
	off := c.offset
	c.mu.Unlock()
	return c.now().Add(off)
}

// Since returns how long ago t (a server time) was, by the server's clock.
func (c *serverClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
