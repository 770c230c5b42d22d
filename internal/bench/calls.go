package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// "qcall bench calls" measures what the hall's screens cost the clerk, from
// outside, as the clerk's browser sees it: the time from sending call-next to
// having its answer, with about 600 tickets waiting, with no screen connected
// and with ten counter terminals (one per window, each signed in) and fifty
// hall screens connected and reading. The server runs in a process of its own
// (qcall bench-server), the screens in another (qcall bench-clients), and the
// clerk is this process, so that none of the three shares a scheduler.
//
// Each round, untimed, finishes the window's ticket and issues a new one, and
// waits (with screens) until every hall screen has the new ticket; then it
// times one call-next, and waits until every hall screen has the call. So
// each timed call starts from a quiet hall in both runs, and the fan-out of
// the call itself, which happens while the clerk waits for the answer, is
// what the comparison shows. The runs alternate in blocks, so that whatever
// else the machine does falls on both alike.

// runBenchCalls is "qcall bench calls".
func runBenchCalls(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("qcall bench calls", flag.ContinueOnError)
	calls := fs.Int("calls", 100, "timed calls per block and run")
	blocks := fs.Int("blocks", 4, "blocks: each runs the calls without screens, then with them")
	waiting := fs.Int("waiting", 600, "tickets kept waiting")
	halls := fs.Int("halls", 50, "hall screens")
	// For finding what a call waits on: the server's execution trace (read
	// with go tool trace) and CPU profile.
	traceOut := fs.String("trace", "", "write the server's execution trace (runtime/trace) to this file")
	cpuOut := fs.String("cpuprofile", "", "write the server's CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *calls < 1 || *blocks < 1 || *waiting < 20 {
		return errors.New("qcall bench calls: --calls and --blocks at least 1, --waiting at least 20")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	res, err := benchCalls(ctx, self, bcOptions{calls: *calls, blocks: *blocks, waiting: *waiting, halls: *halls, trace: *traceOut, cpuprofile: *cpuOut})
	if err != nil {
		return err
	}
	res.print(os.Stdout)
	return nil
}

type bcOptions struct {
	calls, blocks, waiting, halls int
	trace, cpuprofile             string // the server's execution trace and CPU profile, when set
}

// bcResult is the call-next answer times of both runs.
type bcResult struct {
	none, screens []time.Duration
	screenCount   int
}

func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(d))
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func (r bcResult) print(w io.Writer) {
	fmt.Fprintf(w, "%-34s %8s %10s %10s %10s\n", "call-next, answer at the clerk", "calls", "p50", "p99", "max")
	for _, run := range []struct {
		name string
		d    []time.Duration
	}{{"no screens", r.none}, {fmt.Sprintf("%d screens (10 terminals)", r.screenCount), r.screens}} {
		fmt.Fprintf(w, "%-34s %8d %10s %10s %10s\n", run.name, len(run.d), pct(run.d, 0.5).Round(time.Microsecond),
			pct(run.d, 0.99).Round(time.Microsecond), pct(run.d, 1).Round(time.Microsecond))
	}
	fmt.Fprintf(w, "p99 with screens / without: %.2f× (goal ≤ 1.5×); p50 %.2f×\n",
		float64(pct(r.screens, 0.99))/float64(pct(r.none, 0.99)), float64(pct(r.screens, 0.5))/float64(pct(r.none, 0.5)))
}

// bcHall is the hall under test, seen from the clerk's process.
type bcHall struct {
	url    string
	hc     *http.Client
	tokens map[int]string // window → the signed-in staff member's session
	svc    map[int]string // window → the service issued for it
	next   int            // the window of the next call
}

func benchCalls(ctx context.Context, self string, o bcOptions) (r bcResult, err error) {
	dir, err := os.MkdirTemp("", "qcall-bench-calls-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	args := []string{"--kind", "qcall", "--data", filepath.Join(dir, "hall")}
	if o.trace != "" {
		args = append(args, "--trace", o.trace)
	}
	if o.cpuprofile != "" {
		args = append(args, "--cpuprofile", o.cpuprofile)
	}
	srv, err := startBenchServer(ctx, self, args)
	if err != nil {
		return r, err
	}
	defer srv.close()
	h := &bcHall{url: srv.url, hc: &http.Client{Timeout: 30 * time.Second}, tokens: map[int]string{}, svc: map[int]string{}}
	defer h.hc.CloseIdleConnections()
	if err := h.setUp(ctx, o.waiting); err != nil {
		return r, err
	}
	r.screenCount = o.halls + len(h.tokens)
	for range o.blocks {
		d, err := h.run(ctx, o.calls, nil)
		if err != nil {
			return r, err
		}
		r.none = append(r.none, d...)

		ws := "ws" + strings.TrimPrefix(h.url, "http") + "/ws?"
		hallCl, err := bdStartClients(ctx, self, ws+"client=hall&token=demo-display", o.halls, true, bdDefaultTimeout)
		if err != nil {
			return r, err
		}
		// The screens stand for browsers on machines of their own: their
		// process runs on the CPU time the server and the clerk leave.
		if err := lowerPriority(hallCl.cmd.Process.Pid); err != nil {
			hallCl.stop()
			return r, err
		}
		var terms []string
		for w, tok := range h.tokens {
			terms = append(terms, ws+"client=terminal&window="+strconv.Itoa(w)+"#bearer="+tok)
		}
		termCl, err := bdStartClientsOf(ctx, self, terms, len(terms), false, bdDefaultTimeout)
		if err != nil {
			hallCl.stop()
			return r, err
		}
		if err := lowerPriority(termCl.cmd.Process.Pid); err != nil {
			termCl.stop()
			hallCl.stop()
			return r, err
		}
		d, err = h.run(ctx, o.calls, hallCl)
		termCl.stop()
		if serr := hallCl.stop(); err == nil {
			err = serr
		}
		if err != nil {
			return r, err
		}
		r.screens = append(r.screens, d...)
	}
	return r, srv.close()
}

// setUp signs a staff member in at each window and issues the tickets.
func (h *bcHall) setUp(ctx context.Context, waiting int) error {
	// The demo hall: window N's A-post holder is staff member 1000+N.
	var windows []struct {
		ID        int      `json:"id"`
		ServicesA []string `json:"services_a"`
	}
	if code, b, err := bdAPI(ctx, h.hc, "GET", h.url+"/api/windows", "demo-display", nil, &windows); err != nil || code != http.StatusOK {
		return fmt.Errorf("GET /api/windows: %d %s %v", code, b, err)
	}
	for _, w := range windows {
		if len(w.ServicesA) == 0 {
			continue
		}
		job := strconv.Itoa(1000 + w.ID)
		var login struct{ Token string }
		if code, b, err := bdAPI(ctx, h.hc, "POST", h.url+"/api/login", "", map[string]string{"job_no": job, "password": "demo"}, &login); err != nil || code != http.StatusOK {
			return fmt.Errorf("log in %s: %d %s %v", job, code, b, err)
		}
		if code, b, err := bdAPI(ctx, h.hc, "POST", h.url+"/api/windows/"+strconv.Itoa(w.ID)+"/signin", login.Token, struct{}{}, nil); err != nil || code != http.StatusOK {
			return fmt.Errorf("sign in at %d: %d %s %v", w.ID, code, b, err)
		}
		h.tokens[w.ID], h.svc[w.ID] = login.Token, w.ServicesA[0]
	}
	if len(h.tokens) == 0 {
		return errors.New("no window with an A-post holder to sign in")
	}
	ws := slices.Sorted(func(yield func(int) bool) {
		for w := range h.tokens {
			if !yield(w) {
				return
			}
		}
	})
	for i := range waiting {
		if _, err := h.issue(ctx, h.svc[ws[i%len(ws)]]); err != nil {
			return err
		}
	}
	return nil
}

func (h *bcHall) issue(ctx context.Context, service string) (string, error) {
	var t struct{ Number string }
	code, b, err := bdAPI(ctx, h.hc, "POST", h.url+"/api/tickets", "demo-kiosk", map[string]string{"service": service}, &t)
	if err != nil || code != http.StatusCreated || t.Number == "" {
		return "", fmt.Errorf("issue a ticket: %d %s %v", code, b, err)
	}
	return t.Number, nil
}

// run makes n timed calls, window after window; with the hall screens cl,
// each from a quiet hall (see the top of this file).
func (h *bcHall) run(ctx context.Context, n int, cl *bdClients) ([]time.Duration, error) {
	ws := slices.Sorted(func(yield func(int) bool) {
		for w := range h.tokens {
			if !yield(w) {
				return
			}
		}
	})
	var out []time.Duration
	for range n {
		w := ws[h.next%len(ws)]
		h.next++
		win := h.url + "/api/windows/" + strconv.Itoa(w)
		tok := h.tokens[w]
		// Untimed: the window's previous ticket finished, a new one issued.
		if code, b, err := bdAPI(ctx, h.hc, "POST", win+"/finish", tok, struct{}{}, nil); err != nil || code/100 != 2 && code != http.StatusConflict {
			return nil, fmt.Errorf("finish at %d: %d %s %v", w, code, b, err)
		}
		num, err := h.issue(ctx, h.svc[w])
		if err != nil {
			return nil, err
		}
		if cl != nil {
			if f, err := cl.ask(ctx, fmt.Sprintf("t0 issued:%s %d", num, time.Now().UnixNano())); err != nil {
				return nil, err
			} else if f[1] != strconv.Itoa(cl.n) {
				return nil, fmt.Errorf("only %s of %d hall screens got ticket %s", f[1], cl.n, num)
			}
		}
		var call struct{ Ticket struct{ Number string } }
		t0 := time.Now()
		code, b, err := bdAPI(ctx, h.hc, "POST", win+"/call-next", tok, struct{}{}, &call)
		d := time.Since(t0)
		if err != nil || code != http.StatusOK || call.Ticket.Number == "" {
			return nil, fmt.Errorf("call-next at %d: %d %s %v", w, code, b, err)
		}
		out = append(out, d)
		if cl != nil {
			if _, err := cl.ask(ctx, fmt.Sprintf("t0 %s %d", call.Ticket.Number, t0.UnixNano())); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
