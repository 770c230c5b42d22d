package agent

import (
	"net/http"
	"sync"
	"time"
)

// serverClock tells the hall server's time, so that ages (a ticket's, a
// call's) do not depend on this PC's clock. Each answer of the server carries
// its time (the Date header, to the second); serverClock keeps the last one
// with the local monotonic time it came at, and counts on from there: a PC
// clock that is wrong, or set during the day, changes nothing.
type serverClock struct {
	now func() time.Time // the local clock; time.Now

	mu    sync.Mutex // guards the fields below
	at    time.Time  // the server's time at the last answer
	local time.Time  // now() when that answer came (monotonic)
}

// observe takes the server's time from an answer's headers, received at local
// time now, and returns the skew of the local clock (positive: this PC is
// ahead); ok is false when the answer had no Date.
func (c *serverClock) observe(h http.Header, now time.Time) (skew time.Duration, ok bool) {
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return 0, false
	}
	d = d.Add(500 * time.Millisecond) // the header is cut to the second
	c.mu.Lock()
	c.at, c.local = d, now
	c.mu.Unlock()
	return now.Round(0).Sub(d), true
}

// Now returns the server's time now, or the local time before any answer came.
func (c *serverClock) Now() time.Time {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return now
	}
	return c.at.Add(now.Sub(c.local))
}

// Since returns the time elapsed since t by the server's clock.
func (c *serverClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
