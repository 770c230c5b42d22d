package agent

import (
	"net/http"
	"testing"
	"time"
)

func TestServerClock(t *testing.T) {
	local := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := &serverClock{now: func() time.Time { return local }}
	if !c.Now().Equal(local) {
		t.Fatalf("before any answer Now = %v, want the local clock", c.Now())
	}
	steps := []struct {
		server string // the Date header, at local time `local`
		offset time.Duration
		warn   bool
	}{
		{local.Add(-90 * time.Second).Format(http.TimeFormat), -89500 * time.Millisecond, true}, // PC 90 s fast
		{local.Add(-89 * time.Second).Format(http.TimeFormat), -88500 * time.Millisecond, false},
		{local.Format(http.TimeFormat), 500 * time.Millisecond, true}, // the PC's clock was set right
		{local.Add(3 * time.Second).Format(http.TimeFormat), 3500 * time.Millisecond, false},
	}
	for i, s := range steps {
		off, warn := c.observe(s.server, local)
		if off != s.offset || warn != s.warn {
			t.Errorf("step %d: offset %v warn %v, want %v %v", i, off, warn, s.offset, s.warn)
		}
	}
	if got := c.Since(local); got != 3500*time.Millisecond {
		t.Errorf("Since = %v", got)
	}
	if _, warn := c.observe("not a date", local); warn || c.Since(local) != 3500*time.Millisecond {
		t.Error("a bad Date header changed the clock")
	}
	fresh := &serverClock{now: func() time.Time { return local }}
	if _, warn := fresh.observe(local.Format(http.TimeFormat), local); warn {
		t.Error("a right clock warned")
	}
}
