package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestBenchCalls_SmallRun runs "bench calls" small: the server, the screens
// and the clerk each in a process of their own, every timed call answered,
// and with screens each call and each new ticket reaching every hall screen
// (run fails otherwise).
func TestBenchCalls_SmallRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := benchCalls(ctx, testBin, bcOptions{calls: 4, blocks: 1, waiting: 20, halls: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.none) != 4 || len(r.screens) != 4 {
		t.Fatalf("%d calls without screens, %d with; want 4 each", len(r.none), len(r.screens))
	}
	if r.screenCount != 15 {
		t.Errorf("%d screens, want 5 halls and 10 terminals", r.screenCount)
	}
	for _, d := range append(r.none, r.screens...) {
		if d <= 0 || d > time.Minute {
			t.Fatalf("a call-next took %s", d)
		}
	}
	var out bytes.Buffer
	r.print(&out)
	for _, s := range []string{"no screens", "15 screens (10 terminals)", "p99 with screens / without"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the output lacks %q:\n%s", s, out.String())
		}
	}
}
