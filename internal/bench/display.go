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
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"qcall/queue"
)

// "qcall bench display" measures the realtime side of the hall: N websocket
// clients (in a process of their own, "qcall bench-clients") connect to a
// fresh in-process server, a staff member calls tickets one at a time, and for
// each call the clients report when the ticket_called event reached them; the
// latency is that time minus the moment the call-next answer (2xx) reached the
// caller. The same clients then connect to a baseline in the same process: a
// minimal gorilla/websocket broadcast server (the chat example's design: two
// goroutines and a buffered channel per connection) that broadcasts a payload
// of the size of a real ticket_called message. Both runs also measure the
// server's memory per idle connection: heap and stacks in use after a GC, with
// all N connected and idle, less the same before they connected. The clients
// live in the other process, so none of their memory is counted.
//
// The child speaks a line protocol: it prints "ready N" once every client has
// its first message, then answers each line of its stdin:
//
//	t0 KEY UNIXNANO  -> done KEY COUNT     (once all N got the call KEY, or after the timeout)
//	sync SEQ         -> synced SEQ COUNT   (once all N got a message at seq >= SEQ, or after the timeout)
//	report           -> result SAMPLES P50 P99 MAX LOST CLOSED GAPS SIZE BAD (nanoseconds, bytes)
//	quit             -> closes the connections and exits
//
// KEY is the ticket number of a ticket_called event. Times are wall-clock Unix
// nanoseconds, which both processes read from the same host clock.

// bdDefaultTimeout is how long a client may take to get an event before it
// counts as lost.
const bdDefaultTimeout = 10 * time.Second

// bdKinds are the client kinds the benchmark can open: the query of /ws, the
// device token, and whether the kind gets every event (so that its stream can
// be checked for gaps).
var bdKinds = map[string]struct {
	query, token string
	every        bool
}{
	"hall":   {"client=hall", "demo-display", true},
	"kiosk":  {"client=kiosk", "demo-kiosk", true},
	"agent":  {"client=agent", "demo-agent", true},
	"window": {"client=window&window=1", "demo-display", false},
}

// runBenchDisplay is "qcall bench display".
func runBenchDisplay(ctx context.Context, args []string, p Program) error {
	fs := flag.NewFlagSet("qcall bench display", flag.ContinueOnError)
	clients := fs.String("clients", "1000,10000", "comma-separated numbers of websocket clients, one run each")
	calls := fs.Int("calls", 50, "calls per run")
	kind := fs.String("kind", "hall", "client kind: hall, kiosk, agent or window (window 1)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the qcall server during the calls of the largest run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o := bdOptions{Calls: *calls, Kind: *kind, Out: os.Stdout, CPUProfile: *cpuprofile, StartHall: p.StartHall}
	for f := range strings.SplitSeq(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("--clients: %q is not a number of clients", f)
		}
		o.Clients = append(o.Clients, n)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	o.Self = self
	res, err := benchDisplay(ctx, o)
	if err != nil {
		return err
	}
	if bad := res.failures(); bad != "" {
		return errors.New(bad)
	}
	return nil
}

// bdOptions configure a benchDisplay.
type bdOptions struct {
	Self       string // the qcall binary that runs the clients (bench-clients)
	Clients    []int  // N of each run
	Calls      int
	Kind       string
	Out        io.Writer     // the table; nil: none
	Timeout    time.Duration // for an event to reach every client; default bdDefaultTimeout
	CPUProfile string        // profile the qcall server during the calls of the largest N
	// StartHall starts the qcall server of each run (Program.StartHall).
	StartHall func(ctx context.Context, dir string) (*Hall, error)
}

// bdRun is one run: the qcall hub or the baseline, with N clients.
type bdRun struct {
	Name          string
	N             int
	Samples       int64 // (call, client) receipts measured
	P50, P99, Max time.Duration
	Lost          int64   // (call, client) receipts that did not come within the timeout
	Closed        int64   // connections that ended during the run
	Gaps          int64   // events missing or out of order in a client's stream
	Bad           int64   // clients whose first message was not a snapshot
	Size          int     // mean size of the measured message
	IdleBytes     float64 // server heap and stacks per idle connection
	Connect       time.Duration
}

func (r bdRun) failed() bool { return r.Lost > 0 || r.Closed > 0 || r.Gaps > 0 || r.Bad > 0 }

// bdPair is the qcall run and the baseline run of one N.
type bdPair struct{ Q, B bdRun }

type bdResults []bdPair

// failures says what went wrong in any run, or "".
func (rs bdResults) failures() string {
	var s []string
	for _, p := range rs {
		for _, r := range []bdRun{p.Q, p.B} {
			if r.failed() {
				s = append(s, fmt.Sprintf("%s with %d clients: %d receipts lost, %d connections closed, %d stream gaps, %d bad starts",
					r.Name, r.N, r.Lost, r.Closed, r.Gaps, r.Bad))
			}
		}
	}
	return strings.Join(s, "; ")
}

func (rs bdResults) printPair(w io.Writer, p bdPair) {
	fmt.Fprintf(w, "\n%d clients (load average after: %s)\n", p.Q.N, bdLoad())
	fmt.Fprintf(w, "%-34s %10s %10s %10s %7s %13s %9s\n", "run", "p50", "p99", "max", "lost", "KiB/idle conn", "connect")
	for _, r := range []bdRun{p.Q, p.B} {
		fmt.Fprintf(w, "%-34s %10s %10s %10s %7d %13.1f %9s\n", r.Name, r.P50.Round(time.Microsecond),
			r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond), r.Lost, r.IdleBytes/1024, r.Connect.Round(10*time.Millisecond))
		if r.Closed > 0 || r.Gaps > 0 || r.Bad > 0 {
			fmt.Fprintf(w, "  %d connections closed, %d events missing or out of order, %d bad starts\n", r.Closed, r.Gaps, r.Bad)
		}
	}
	ratio := float64(p.Q.P99) / float64(max(p.B.P99, time.Microsecond))
	fmt.Fprintf(w, "p99 qcall / baseline:            %.2f× (goal ≤ 2×) %s\n", ratio, bdMark(ratio <= 2))
	fmt.Fprintf(w, "qcall server memory / idle conn: %.1f KiB (goal ≤ 24 KiB) %s\n", p.Q.IdleBytes/1024, bdMark(p.Q.IdleBytes <= 24*1024))
	fmt.Fprintf(w, "events lost:                     %d of %d %s\n", p.Q.Lost+p.Q.Gaps, p.Q.Samples+p.Q.Lost, bdMark(!p.Q.failed()))
}

func bdMark(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

// benchDisplay runs, for each N, the qcall run then the baseline run, and
// prints each pair's table as it is done.
func benchDisplay(ctx context.Context, o bdOptions) (bdResults, error) {
	if o.Timeout <= 0 {
		o.Timeout = bdDefaultTimeout
	}
	if o.Calls < 1 {
		return nil, errors.New("bench display: --calls must be at least 1")
	}
	if _, ok := bdKinds[o.Kind]; !ok {
		return nil, fmt.Errorf("bench display: unknown client kind %q", o.Kind)
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	limit := bdNofile()
	for _, n := range o.Clients {
		if limit > 0 && n+256 > limit {
			return nil, fmt.Errorf("bench display: %d clients need some %d open files per process; the limit here is %d", n, n+256, limit)
		}
	}
	lim := "unknown"
	if limit > 0 {
		lim = strconv.Itoa(limit)
	}
	fmt.Fprintf(out, "qcall bench display: %s clients in a separate process, %d calls per run, one at a time; open files limit %s\n",
		o.Kind, o.Calls, lim)
	fmt.Fprintf(out, "machine: %d CPUs, load average %s (other processes skew the runs: compare two)\n", runtime.NumCPU(), bdLoad())
	fmt.Fprintf(out, "latency: call-next 2xx (qcall) or broadcast (baseline) to the event read by each client; lost: not read within %s\n", o.Timeout)
	var res bdResults
	biggest := slices.Max(o.Clients)
	for _, n := range o.Clients {
		profile := ""
		if n == biggest {
			profile, biggest = o.CPUProfile, -1
		}
		q, err := bdQcall(ctx, o, n, profile)
		if err != nil {
			return res, fmt.Errorf("qcall run, %d clients: %w", n, err)
		}
		b, err := bdBaseline(ctx, o, n, q.Size)
		if err != nil {
			return res, fmt.Errorf("baseline run, %d clients: %w", n, err)
		}
		p := bdPair{Q: q, B: b}
		res = append(res, p)
		res.printPair(out, p)
		if len(res) == 1 {
			fmt.Fprintf(out, "(ticket_called message: %d bytes; the baseline broadcasts a payload of that size)\n", q.Size)
		}
	}
	return res, nil
}

// bdQcall is the qcall run with n clients: a fresh server in this process.
func bdQcall(ctx context.Context, o bdOptions, n int, cpuprofile string) (r bdRun, err error) {
	r = bdRun{Name: "qcall hub", N: n}
	dir, err := os.MkdirTemp("", "qcall-bench-display-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	m, err := o.StartHall(ctx, filepath.Join(dir, "hall"))
	if err != nil {
		return r, err
	}
	defer func() {
		if cerr := m.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()

	// Tickets for every call, and a staff member at window 1, before the
	// clients connect: the memory measured is only theirs.
	service := m.Config.Windows[0].ServicesA[0]
	for range o.Calls {
		if code, b, err := bdAPI(ctx, hc, "POST", m.URL+"/api/tickets", "demo-kiosk", map[string]string{"service": service}, nil); err != nil || code != http.StatusCreated {
			return r, fmt.Errorf("issue a ticket: %d %s %v", code, b, err)
		}
	}
	var login struct{ Token string }
	if code, b, err := bdAPI(ctx, hc, "POST", m.URL+"/api/login", "", map[string]string{"job_no": "1001", "password": "demo"}, &login); err != nil || code != http.StatusOK {
		return r, fmt.Errorf("log in: %d %s %v", code, b, err)
	}
	win := m.URL + "/api/windows/" + strconv.Itoa(m.Config.Windows[0].ID)
	if code, b, err := bdAPI(ctx, hc, "POST", win+"/signin", login.Token, struct{}{}, nil); err != nil || code != http.StatusOK {
		return r, fmt.Errorf("sign in: %d %s %v", code, b, err)
	}
	seq := func() (uint64, error) {
		var s uint64
		err := m.Engine.View(ctx, func(st *queue.State) error { s = st.Seq; return nil })
		return s, err
	}

	k := bdKinds[o.Kind]
	ws := "ws" + strings.TrimPrefix(m.URL, "http") + "/ws?" + k.query + "&token=" + k.token
	before := bdServerMem()
	t := time.Now()
	cl, err := bdStartClients(ctx, o.Self, ws, n, k.every, o.Timeout)
	if err != nil {
		return r, err
	}
	defer cl.stop()
	r.Connect = time.Since(t)
	time.Sleep(100 * time.Millisecond) // let the last writers return their buffers
	r.IdleBytes = float64(int64(bdServerMem())-int64(before)) / float64(n)

	if s, err := seq(); err != nil {
		return r, err
	} else if _, err := cl.ask(ctx, fmt.Sprintf("sync %d", s)); err != nil {
		return r, err
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return r, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return r, err
		}
		defer pprof.StopCPUProfile()
	}
	for range o.Calls {
		var call struct{ Ticket struct{ Number string } }
		code, b, err := bdAPI(ctx, hc, "POST", win+"/call-next", login.Token, struct{}{}, &call)
		t0 := time.Now().UnixNano() // the caller has the answer (bdAPI has read its short body)
		if err != nil || code/100 != 2 || call.Ticket.Number == "" {
			return r, fmt.Errorf("call-next: %d %s %v", code, b, err)
		}
		if _, err := cl.ask(ctx, fmt.Sprintf("t0 %s %d", call.Ticket.Number, t0)); err != nil {
			return r, err
		}
		// Finish the ticket and wait until every client has the round's
		// state, so that the next call starts from quiet.
		if code, b, err := bdAPI(ctx, hc, "POST", win+"/finish", login.Token, struct{}{}, nil); err != nil || code != http.StatusOK {
			return r, fmt.Errorf("finish: %d %s %v", code, b, err)
		}
		s, err := seq()
		if err != nil {
			return r, err
		}
		if _, err := cl.ask(ctx, fmt.Sprintf("sync %d", s)); err != nil {
			return r, err
		}
	}
	if cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err := cl.result(ctx, &r); err != nil {
		return r, err
	}
	return r, cl.stop()
}

// bdBaseline is the baseline run with n clients: a plain broadcast of a
// payload of size bytes.
func bdBaseline(ctx context.Context, o bdOptions, n, size int) (r bdRun, err error) {
	r = bdRun{Name: "baseline: plain gorilla broadcast", N: n}
	bs, err := bdStartBroadcast()
	if err != nil {
		return r, err
	}
	defer bs.close()
	before := bdServerMem()
	t := time.Now()
	cl, err := bdStartClients(ctx, o.Self, bs.url, n, true, o.Timeout)
	if err != nil {
		return r, err
	}
	defer cl.stop()
	r.Connect = time.Since(t)
	time.Sleep(100 * time.Millisecond)
	r.IdleBytes = float64(int64(bdServerMem())-int64(before)) / float64(n)
	for i := range o.Calls {
		key := fmt.Sprintf("X%04d", i+1)
		msg := bdPayload(uint64(i+1), key, size)
		t0 := time.Now().UnixNano()
		bs.broadcast(msg)
		if _, err := cl.ask(ctx, fmt.Sprintf("t0 %s %d", key, t0)); err != nil {
			return r, err
		}
	}
	if err := cl.result(ctx, &r); err != nil {
		return r, err
	}
	return r, cl.stop()
}

// bdPayload is the baseline's event: a ticket_called of size bytes.
func bdPayload(seq uint64, key string, size int) []byte {
	b := fmt.Appendf(nil, `{"seq":%d,"type":"ticket_called","number":%q,"pad":"`, seq, key)
	for len(b) < size-2 {
		b = append(b, 'x')
	}
	return append(b, `"}`...)
}

// bdServerMem is the heap and stack memory this process uses, after a full
// collection (twice: pooled buffers survive the first).
func bdServerMem() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// bdAPI does one JSON request and decodes a 2xx answer into out.
func bdAPI(ctx context.Context, hc *http.Client, method, url, token string, body, out any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, b, err
	}
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, b, err
		}
	}
	return resp.StatusCode, b, nil
}

// bdLoad is the machine's load averages, from /proc (Linux), or "unknown".
func bdLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// bdNofile is this process's limit of open files, or 0 when unknown. The Go
// runtime raises the soft limit to the hard one at startup on Unix, so this
// is the hard limit; it is read from /proc (Linux) to keep the file portable.
func bdNofile() int {
	b, err := os.ReadFile("/proc/self/limits")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 5 && f[0] == "Max" && f[1] == "open" && f[2] == "files" {
			n, _ := strconv.Atoi(f[3])
			return n
		}
	}
	return 0
}

// bdClients is the client process, seen from the parent.
type bdClients struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	lines  chan string
	stderr *bdSyncBuffer
	wait   chan error // the result of cmd.Wait, once
	waited error
	done   bool
	to     time.Duration
	n      int // connections
}

// bdStartClients starts the client process with n connections to url and
// waits until they all have their first message.
func bdStartClients(ctx context.Context, self, url string, n int, every bool, timeout time.Duration) (*bdClients, error) {
	return bdStartClientsOf(ctx, self, []string{url}, n, every, timeout)
}

// bdStartClientsOf is bdStartClients with the clients spread over urls.
func bdStartClientsOf(ctx context.Context, self string, urls []string, n int, every bool, timeout time.Duration) (*bdClients, error) {
	args := []string{"bench-clients", "--n", strconv.Itoa(n), "--every=" + strconv.FormatBool(every), "--timeout", timeout.String()}
	for _, u := range urls {
		args = append(args, "--url", u)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	c := &bdClients{cmd: cmd, lines: make(chan string, 16), stderr: &bdSyncBuffer{}, wait: make(chan error, 1), to: timeout, n: n}
	cmd.Stderr = c.stderr
	var err error
	if c.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
		c.wait <- cmd.Wait()
	}()
	if _, err := c.read(ctx, "ready", 5*time.Minute); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// read waits for the child's next line, which must start with want.
func (c *bdClients) read(ctx context.Context, want string, timeout time.Duration) ([]string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case line, ok := <-c.lines:
		if !ok {
			return nil, fmt.Errorf("bench clients exited: %s", strings.TrimSpace(c.stderr.String()))
		}
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != want {
			return nil, fmt.Errorf("bench clients said %q, not %s", line, want)
		}
		return f[1:], nil
	case <-t.C:
		return nil, fmt.Errorf("bench clients did not say %s within %s: %s", want, timeout, strings.TrimSpace(c.stderr.String()))
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ask sends a command and reads its answer.
func (c *bdClients) ask(ctx context.Context, cmd string) ([]string, error) {
	if _, err := io.WriteString(c.in, cmd+"\n"); err != nil {
		return nil, fmt.Errorf("bench clients: %w: %s", err, c.stderr.String())
	}
	want := map[string]string{"t0": "done", "sync": "synced", "report": "result"}[strings.Fields(cmd)[0]]
	return c.read(ctx, want, c.to+time.Minute)
}

// result asks the child for its measures and puts them into r.
func (c *bdClients) result(ctx context.Context, r *bdRun) error {
	f, err := c.ask(ctx, "report")
	if err != nil {
		return err
	}
	var v [9]int64
	if len(f) != len(v) {
		return fmt.Errorf("bench clients reported %q", f)
	}
	for i := range v {
		if v[i], err = strconv.ParseInt(f[i], 10, 64); err != nil {
			return fmt.Errorf("bench clients reported %q", f)
		}
	}
	r.Samples, r.P50, r.P99, r.Max = v[0], time.Duration(v[1]), time.Duration(v[2]), time.Duration(v[3])
	r.Lost, r.Closed, r.Gaps, r.Size, r.Bad = v[4], v[5], v[6], int(v[7]), v[8]
	return nil
}

// stop ends the client process: quit, then kill if it lingers.
func (c *bdClients) stop() error {
	if c.done {
		return c.waited
	}
	c.done = true
	io.WriteString(c.in, "quit\n")
	c.in.Close()
	go func() {
		for range c.lines { // drain, so that the reader can reach Wait
		}
	}()
	select {
	case c.waited = <-c.wait:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		c.waited = <-c.wait
	}
	if c.waited != nil {
		c.waited = fmt.Errorf("bench clients: %w: %s", c.waited, strings.TrimSpace(c.stderr.String()))
	}
	return c.waited
}

// bdSyncBuffer is a bytes.Buffer safe for the writer exec starts.
type bdSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *bdSyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 64<<10 {
		return len(p), nil
	}
	return b.b.Write(p)
}

func (b *bdSyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// bdBroadcast is the baseline: gorilla's chat example reduced to a broadcast.
// Each connection has a buffered channel of messages and two goroutines, one
// reading (to notice the end) and one writing.
type bdBroadcast struct {
	url string
	srv *http.Server
	up  websocket.Upgrader

	mu    sync.Mutex
	peers map[*bdPeer]struct{}
}

type bdPeer struct {
	conn *websocket.Conn
	send chan []byte
}

var bdSnapshot = []byte(`{"type":"snapshot","seq":0}`)

func bdStartBroadcast() (*bdBroadcast, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &bdBroadcast{url: "ws://" + ln.Addr().String() + "/ws", peers: map[*bdPeer]struct{}{},
		up: websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}}
	b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	return b, nil
}

func (b *bdBroadcast) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := b.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	p := &bdPeer{conn: conn, send: make(chan []byte, 256)}
	p.send <- bdSnapshot
	b.mu.Lock()
	b.peers[p] = struct{}{}
	b.mu.Unlock()
	go p.writePump()
	go b.readPump(p)
}

func (b *bdBroadcast) readPump(p *bdPeer) {
	defer func() {
		b.mu.Lock()
		if _, ok := b.peers[p]; ok {
			delete(b.peers, p)
			close(p.send)
		}
		b.mu.Unlock()
		p.conn.Close()
	}()
	p.conn.SetReadLimit(512)
	for {
		if _, _, err := p.conn.ReadMessage(); err != nil {
			return
		}
	}
}

func (p *bdPeer) writePump() {
	ticker := time.NewTicker(54 * time.Second)
	defer func() {
		ticker.Stop()
		p.conn.Close()
	}()
	for {
		select {
		case msg, ok := <-p.send:
			p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if !ok {
				p.conn.WriteMessage(websocket.CloseMessage, nil)
				return
			}
			w, err := p.conn.NextWriter(websocket.TextMessage)
			if err != nil {
				return
			}
			w.Write(msg)
			if err := w.Close(); err != nil {
				return
			}
		case <-ticker.C:
			p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := p.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}

// broadcast queues msg for every peer; a peer whose buffer is full is dropped.
func (b *bdBroadcast) broadcast(msg []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for p := range b.peers {
		select {
		case p.send <- msg:
		default:
			delete(b.peers, p)
			close(p.send)
		}
	}
}

func (b *bdBroadcast) close() {
	b.srv.Close()
	b.mu.Lock()
	for p := range b.peers {
		p.conn.Close()
	}
	b.mu.Unlock()
}

// RunClients is the client process of "bench display" (qcall
// bench-clients): it opens --n websocket connections to --url and answers the
// parent's commands on stdin (see the protocol above).
func RunClients(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("qcall bench-clients", flag.ContinueOnError)
	var urls bdURLs
	fs.Var(&urls, "url", "websocket URL, with its query; repeat it to spread the clients over several (client i takes URL i mod count); a #bearer=TOKEN fragment is sent as Authorization: Bearer TOKEN")
	n := fs.Int("n", 1000, "connections")
	conc := fs.Int("concurrency", 200, "connections opened at a time")
	every := fs.Bool("every", true, "the clients get every event: check their streams for gaps")
	timeout := fs.Duration("timeout", bdDefaultTimeout, "how long an event may take to reach every client")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(urls) == 0 || *n < 1 {
		return errors.New("bench-clients: --url and --n are required")
	}
	if lim := bdNofile(); lim > 0 && *n+64 > lim {
		return fmt.Errorf("bench-clients: %d connections need some %d open files; the limit here is %d", *n, *n+64, lim)
	}
	s := &bdSet{n: *n, every: *every, conns: make([]*websocket.Conn, *n), last: make([]atomic.Uint64, *n)}
	defer s.closeAll()
	if err := s.connect(ctx, urls, *conc); err != nil {
		return err
	}
	fmt.Printf("ready %d\n", *n)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == "t0" && len(f) == 3:
			t0, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return fmt.Errorf("bench-clients: bad t0 %q", f[2])
			}
			r := s.rec(f[1])
			r.t0.Store(t0)
			s.keys = append(s.keys, f[1])
			t := time.NewTimer(*timeout)
			select {
			case <-r.all:
			case <-t.C:
			case <-ctx.Done():
				return ctx.Err()
			}
			t.Stop()
			fmt.Printf("done %s %d\n", f[1], r.count.Load())
		case f[0] == "sync" && len(f) == 2:
			seq, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return fmt.Errorf("bench-clients: bad seq %q", f[1])
			}
			fmt.Printf("synced %d %d\n", seq, s.sync(ctx, seq, *timeout))
		case f[0] == "report":
			fmt.Println(s.report(*timeout))
		case f[0] == "quit":
			return nil
		default:
			return fmt.Errorf("bench-clients: unknown command %q", sc.Text())
		}
	}
	return sc.Err()
}

// bdSet is the client process's connections and what they received.
type bdSet struct {
	n     int
	every bool
	conns []*websocket.Conn
	last  []atomic.Uint64 // per client, the newest seq received

	quitting atomic.Bool
	closed   atomic.Int64 // connections that ended before quit
	gaps     atomic.Int64
	bad      atomic.Int64
	started  sync.WaitGroup // one per client, done at its first message (or end)

	recs   sync.Map // ticket number → *bdRec
	recsMu sync.Mutex
	keys   []string // the measured calls, in order
}

// bdRec is one call as the clients received it.
type bdRec struct {
	t0    atomic.Int64
	recv  []atomic.Int64 // per client, Unix nanoseconds; 0: not yet
	count atomic.Int64
	size  atomic.Int64
	all   chan struct{} // closed when every client has it
}

func (s *bdSet) rec(key string) *bdRec {
	if r, ok := s.recs.Load(key); ok {
		return r.(*bdRec)
	}
	s.recsMu.Lock()
	defer s.recsMu.Unlock()
	if r, ok := s.recs.Load(key); ok {
		return r.(*bdRec)
	}
	r := &bdRec{recv: make([]atomic.Int64, s.n), all: make(chan struct{})}
	s.recs.Store(key, r)
	return r
}

// connect opens the connections, conc at a time, and waits until each has
// its first message.
func (s *bdSet) connect(ctx context.Context, urls []string, conc int) error {
	d := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 512,
		WriteBufferPool: &sync.Pool{}}
	sem := make(chan struct{}, max(conc, 1))
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	s.started.Add(s.n)
	for i := range s.n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var conn *websocket.Conn
			var err error
			for try := range 5 {
				var resp *http.Response
				url, hdr := bdTarget(urls[i%len(urls)])
				conn, resp, err = d.DialContext(ctx, url, hdr)
				if err == nil {
					break
				}
				if resp != nil {
					err = fmt.Errorf("%w (%s)", err, resp.Status)
					resp.Body.Close()
				}
				time.Sleep(time.Duration(try+1) * 100 * time.Millisecond)
			}
			if err != nil {
				s.started.Done()
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("bench-clients: connection %d: %w", i, err)
				}
				mu.Unlock()
				return
			}
			mu.Lock()
			s.conns[i] = conn
			mu.Unlock()
			go s.read(i, conn)
		})
		if ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.started.Wait()
	if c := s.closed.Load(); c > 0 {
		return fmt.Errorf("bench-clients: %d connections ended before their first message", c)
	}
	return nil
}

var (
	bdTypeKey   = []byte(`"type":"`)
	bdSeqKey    = []byte(`"seq":`)
	bdNumberKey = []byte(`"number":"`)
	bdState     = []byte("state")
	bdSnap      = []byte("snapshot")
	bdCalled    = []byte("ticket_called")
	bdIssued    = []byte("ticket_issued")
)

// bdKey is the key under which the clients note when an event came: a
// ticket_called by its number, a ticket_issued by "issued:" and its number;
// "" for any other.
func bdKey(typ, number []byte) string {
	switch {
	case len(number) == 0:
		return ""
	case bytes.Equal(typ, bdCalled):
		return string(number)
	case bytes.Equal(typ, bdIssued):
		return "issued:" + string(number)
	}
	return ""
}

// bdURLs is the repeatable --url flag of bench-clients.
type bdURLs []string

func (u *bdURLs) String() string     { return strings.Join(*u, " ") }
func (u *bdURLs) Set(v string) error { *u = append(*u, v); return nil }

// bdTarget splits a client URL into the URL to dial and its header: a
// #bearer=TOKEN fragment becomes Authorization: Bearer TOKEN (how a counter
// terminal's staff session is sent).
func bdTarget(u string) (string, http.Header) {
	base, frag, ok := strings.Cut(u, "#bearer=")
	if !ok {
		return u, nil
	}
	return base, http.Header{"Authorization": {"Bearer " + frag}}
}

// bdHead finds the type, seq and number of a message from its first bytes:
// every message of the hub has its type and seq near the start (an event:
// {"seq":…,"at":…,"type":…,"actor":…,"window":…,"number":…).
func bdHead(b []byte) (typ []byte, seq uint64, number []byte) {
	if i := bytes.Index(b, bdTypeKey); i >= 0 {
		typ = b[i+len(bdTypeKey):]
		if j := bytes.IndexByte(typ, '"'); j >= 0 {
			typ = typ[:j]
		}
	}
	if i := bytes.Index(b, bdSeqKey); i >= 0 {
		for _, c := range b[i+len(bdSeqKey):] {
			if c < '0' || c > '9' {
				break
			}
			seq = seq*10 + uint64(c-'0')
		}
	}
	if i := bytes.Index(b, bdNumberKey); i >= 0 {
		number = b[i+len(bdNumberKey):]
		if j := bytes.IndexByte(number, '"'); j >= 0 {
			number = number[:j]
		}
	}
	return typ, seq, number
}

// read is client i's reader: it notes when each message came, and checks the
// stream.
func (s *bdSet) read(i int, conn *websocket.Conn) {
	var buf [256]byte
	var lastEv uint64
	first := true
	defer func() {
		if first {
			s.started.Done()
		}
	}()
	for {
		_, rd, err := conn.NextReader()
		if err != nil {
			if !s.quitting.Load() {
				s.closed.Add(1)
			}
			return
		}
		n, _ := io.ReadFull(rd, buf[:])
		rest, _ := io.Copy(io.Discard, rd)
		now := time.Now().UnixNano()
		typ, seq, number := bdHead(buf[:n])
		switch {
		case first:
			if !bytes.Equal(typ, bdSnap) {
				s.bad.Add(1)
			}
			lastEv, first = seq, false
			s.started.Done()
		case bytes.Equal(typ, bdState):
		default: // an event
			if s.every && seq != lastEv+1 {
				if seq > lastEv {
					s.gaps.Add(int64(seq - lastEv - 1))
				} else {
					s.gaps.Add(1) // again, or out of order
				}
			}
			lastEv = max(lastEv, seq)
			if key := bdKey(typ, number); key != "" {
				r := s.rec(key)
				if r.recv[i].CompareAndSwap(0, now) {
					r.size.CompareAndSwap(0, int64(n)+rest)
					if r.count.Add(1) == int64(s.n) {
						close(r.all)
					}
				}
			}
		}
		if seq > s.last[i].Load() {
			s.last[i].Store(seq)
		}
	}
}

// sync waits until every client has a message at seq or later, or the
// timeout; it returns how many have.
func (s *bdSet) sync(ctx context.Context, seq uint64, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		n := 0
		for i := range s.last {
			if s.last[i].Load() >= seq {
				n++
			}
		}
		if n == s.n || time.Now().After(deadline) || ctx.Err() != nil {
			return n
		}
		time.Sleep(time.Millisecond)
	}
}

// report is the "result" line: the latencies of the measured calls over all
// clients, and what went wrong.
func (s *bdSet) report(timeout time.Duration) string {
	var lats []int64
	var lost, size, sized int64
	for _, k := range s.keys {
		r := s.rec(k)
		t0 := r.t0.Load()
		for i := range r.recv {
			t := r.recv[i].Load()
			if t == 0 || t-t0 > int64(timeout) {
				lost++
				continue
			}
			lats = append(lats, max(t-t0, 0)) // a client may read the event before the caller has its answer
		}
		if z := r.size.Load(); z > 0 {
			size, sized = size+z, sized+1
		}
	}
	slices.Sort(lats)
	pct := func(p float64) int64 {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(float64(len(lats))*p))]
	}
	var mx int64
	if len(lats) > 0 {
		mx = lats[len(lats)-1]
	}
	return fmt.Sprintf("result %d %d %d %d %d %d %d %d %d", len(lats), pct(0.50), pct(0.99), mx, lost,
		s.closed.Load(), s.gaps.Load(), size/max(sized, 1), s.bad.Load())
}

func (s *bdSet) closeAll() {
	s.quitting.Store(true)
	for _, c := range s.conns {
		if c != nil {
			c.Close()
		}
	}
}
