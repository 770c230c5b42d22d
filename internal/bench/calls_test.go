package bench

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestBenchCalls_SmallRun runs "bench calls" small: the server, the screens
// and the clerk each in a process of their own, every timed call answered,
// its arrival (stamped by the kernel on Linux) no later than its reading,
// and with screens each call and each new ticket reaching every hall screen
// (run fails otherwise).
func TestBenchCalls_SmallRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := benchCalls(ctx, testBin, bcOptions{calls: 4, blocks: 1, waiting: 20, halls: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.none.arrived) != 4 || len(r.screens.arrived) != 4 || len(r.none.read) != 4 || len(r.screens.read) != 4 {
		t.Fatalf("%d calls without screens, %d with; want 4 each", len(r.none.read), len(r.screens.read))
	}
	if r.screenCount != 15 {
		t.Errorf("%d screens, want 5 halls and 10 terminals", r.screenCount)
	}
	for _, run := range []bcTimes{r.none, r.screens} {
		for i, d := range run.arrived {
			if d <= 0 || d > run.read[i] || run.read[i] > time.Minute {
				t.Fatalf("a call-next's answer arrived after %s and was read after %s", d, run.read[i])
			}
		}
	}
	if runtime.GOOS == "linux" && !r.stamped {
		t.Error("the kernel stamped no answer's arrival")
	}
	var out bytes.Buffer
	r.print(&out)
	want := []string{"no screens", "15 screens (10 terminals)", "p99 with screens / without"}
	if r.stamped {
		want = append(want, "arrival in its socket", "read by the clerk's process")
	}
	for _, s := range want {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the output lacks %q:\n%s", s, out.String())
		}
	}
}
