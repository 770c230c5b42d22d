package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
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
// The clerk's browser and the screens run on machines of their own; here
// they share two or so cores with the server. So the screens' processes run
// under the idle policy (lowerPriority), and the answer is timed to its
// arrival in the clerk's socket, as the kernel stamps it (bcClerk): what the
// clerk waits for from the server, not for a CPU of its own. The time until
// the clerk's process has read it is shown too.
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
	none, screens bcTimes
	screenCount   int
	stamped       bool // the arrival times are the kernel's
}

// bcTimes are the answer times of one run's calls: until the answer reached
// the clerk's socket (its arrival, as the kernel stamps it), which is what
// the clerk waits for from the server, and until the clerk's process had
// read it. The clerk's process shares the machine with the server, where a
// clerk's browser would have a machine of its own: between the two, it waits
// for a CPU the server and the screens also want.
type bcTimes struct {
	arrived, read []time.Duration
}

func (t *bcTimes) add(u bcTimes) {
	t.arrived, t.read = append(t.arrived, u.arrived...), append(t.read, u.read...)
}

func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(d))
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func (r bcResult) print(w io.Writer) {
	title := "call-next, answer at the clerk"
	if r.stamped {
		title += " (arrival in its socket)"
	}
	fmt.Fprintf(w, "%-58s %8s %10s %10s %10s\n", title, "calls", "p50", "p99", "max")
	screens := fmt.Sprintf("%d screens (10 terminals)", r.screenCount)
	// table prints both runs' times of one kind, indented by indent, and
	// their ratios, with the goal when it has one.
	table := func(indent, goal string, none, with []time.Duration) {
		for _, run := range []struct {
			name string
			d    []time.Duration
		}{{"no screens", none}, {screens, with}} {
			fmt.Fprintf(w, "%-58s %8d %10s %10s %10s\n", indent+run.name, len(run.d), pct(run.d, 0.5).Round(time.Microsecond),
				pct(run.d, 0.99).Round(time.Microsecond), pct(run.d, 1).Round(time.Microsecond))
		}
		ratio := func(q float64) float64 { return float64(pct(with, q)) / float64(pct(none, q)) }
		fmt.Fprintf(w, "%sp99 with screens / without: %.2f×%s; p50 %.2f×\n", indent, ratio(0.99), goal, ratio(0.5))
	}
	table("", " (goal ≤ 1.5×)", r.none.arrived, r.screens.arrived)
	if !r.stamped {
		return
	}
	fmt.Fprintf(w, "read by the clerk's process (which shares the CPUs with the server and the screens):\n")
	table("  ", "", r.none.read, r.screens.read)
}

// bcHall is the hall under test, seen from the clerk's process.
type bcHall struct {
	url    string
	hc     *http.Client   // the untimed requests'
	clerk  bcClerk        // the timed call-next's
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
	defer h.clerk.close()
	if err := h.setUp(ctx, o.waiting); err != nil {
		return r, err
	}
	r.screenCount = o.halls + len(h.tokens)
	for range o.blocks {
		t, err := h.run(ctx, o.calls, nil)
		if err != nil {
			return r, err
		}
		r.none.add(t)

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
		t, err = h.run(ctx, o.calls, hallCl)
		termCl.stop()
		if serr := hallCl.stop(); err == nil {
			err = serr
		}
		if err != nil {
			return r, err
		}
		r.screens.add(t)
	}
	r.stamped = h.clerk.stamped
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
func (h *bcHall) run(ctx context.Context, n int, cl *bdClients) (bcTimes, error) {
	ws := slices.Sorted(func(yield func(int) bool) {
		for w := range h.tokens {
			if !yield(w) {
				return
			}
		}
	})
	var out bcTimes
	for range n {
		w := ws[h.next%len(ws)]
		h.next++
		win := h.url + "/api/windows/" + strconv.Itoa(w)
		tok := h.tokens[w]
		// Untimed: the window's previous ticket finished, a new one issued.
		if code, b, err := bdAPI(ctx, h.hc, "POST", win+"/finish", tok, struct{}{}, nil); err != nil || code/100 != 2 && code != http.StatusConflict {
			return bcTimes{}, fmt.Errorf("finish at %d: %d %s %v", w, code, b, err)
		}
		num, err := h.issue(ctx, h.svc[w])
		if err != nil {
			return bcTimes{}, err
		}
		if cl != nil {
			if f, err := cl.ask(ctx, fmt.Sprintf("t0 issued:%s %d", num, time.Now().UnixNano())); err != nil {
				return bcTimes{}, err
			} else if f[1] != strconv.Itoa(cl.n) {
				return bcTimes{}, fmt.Errorf("only %s of %d hall screens got ticket %s", f[1], cl.n, num)
			}
		}
		var call struct{ Ticket struct{ Number string } }
		a, err := h.clerk.post(win+"/call-next", tok)
		if err == nil && a.code == http.StatusOK {
			err = json.Unmarshal(a.body, &call)
		}
		if err != nil || a.code != http.StatusOK || call.Ticket.Number == "" {
			return bcTimes{}, fmt.Errorf("call-next at %d: %d %s %v", w, a.code, a.body, err)
		}
		read := a.read.Sub(a.sent)
		arrived := read
		if !a.arrived.IsZero() {
			// Both on the wall clock (the kernel's stamp has no other):
			// bounded, should it be set meanwhile.
			arrived = min(max(a.arrived.Sub(a.sent), 0), read)
		}
		out.arrived, out.read = append(out.arrived, arrived), append(out.read, read)
		if cl != nil {
			if _, err := cl.ask(ctx, fmt.Sprintf("t0 %s %d", call.Ticket.Number, a.sent.UnixNano())); err != nil {
				return bcTimes{}, err
			}
		}
	}
	return out, nil
}

// bcClerk makes the timed call-next as a browser's tab does, on a connection
// kept open, and in the one goroutine that waits for the answer: reading the
// answer takes the clerk's process one wakeup, where http.Client's transport
// hands the request and the answer between goroutines of its own (a writer,
// a reader, the caller), each of which may wait for a CPU on a machine shared
// with the server and the screens. Where the kernel stamps what it receives
// (Linux), it also tells when the answer arrived (see bcTimes).
type bcClerk struct {
	conn    net.Conn
	rd      *bufio.Reader
	arrival func() time.Time // when the newest bytes read arrived; nil or zero when unknown
	stamped bool             // the kernel stamped an answer
}

// bcAnswer is an answer to the clerk and its times: when the request was
// written, when the answer arrived (zero when the kernel does not tell), and
// when the clerk had read it.
type bcAnswer struct {
	code                int
	body                []byte
	sent, arrived, read time.Time
}

// post sends POST url {} with the bearer token and returns the answer. The
// server keeps the connection open far longer than a block lasts.
func (c *bcClerk) post(url, token string) (bcAnswer, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader("{}"))
	if err != nil {
		return bcAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	var wire bytes.Buffer // written whole, so that sent is when it goes
	if err := req.Write(&wire); err != nil {
		return bcAnswer{}, err
	}
	if c.conn == nil {
		conn, err := net.Dial("tcp", req.URL.Host)
		if err != nil {
			return bcAnswer{}, err
		}
		var rd io.Reader
		rd, c.arrival = stampArrivals(conn)
		c.conn, c.rd = conn, bufio.NewReader(rd)
	}
	a := bcAnswer{sent: time.Now()}
	if _, err := c.conn.Write(wire.Bytes()); err != nil {
		return a, err
	}
	resp, err := http.ReadResponse(c.rd, req)
	if err != nil {
		return a, err
	}
	defer resp.Body.Close()
	a.code = resp.StatusCode
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	a.read = time.Now()
	if c.arrival != nil {
		a.arrived = c.arrival()
		c.stamped = c.stamped || !a.arrived.IsZero()
	}
	return a, err
}

func (c *bcClerk) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.rd, c.arrival = nil, nil, nil
	}
}
