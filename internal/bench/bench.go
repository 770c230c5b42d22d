// Package bench holds the load commands of qcall ("qcall bench issue",
// "qcall bench display") and the child processes they run ("qcall
// bench-server", "bench-issue-client", "bench-clients"). cmd/qcall routes
// those commands here and gives the one thing this package cannot build
// itself: a hall started as "qcall serve" starts it (Program).
package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

	"qcall/internal/cputime"
	"qcall/queue"
)

// Hall is a qcall server a benchmark started in its own process.
type Hall struct {
	URL    string        // http://127.0.0.1:port
	Config *queue.Config // the demo hall's
	Engine *queue.Engine // read for the state's seq
	Close  func() error  // stops the server, the engine and the store
}

// Program is what the benchmarks need of the qcall program, which they cannot
// import (it is package main).
type Program struct {
	// StartHall starts a fresh demo hall in this process, on a free loopback
	// port, with its data in dir and nothing printed or logged.
	StartHall func(ctx context.Context, dir string) (*Hall, error)
	// TuneRuntime sets the runtime as "qcall serve" sets it (its GC target),
	// so that the baselines run as qcall does.
	TuneRuntime func()
}

// Run is "qcall bench issue|display": it measures the hall. "bench issue" issues tickets over HTTP from many
// clients against a fresh qcall server and against two baselines: (a) a handler
// that does one bbolt Update (one fsync) per ticket, the naive durable design,
// and (b) a handler that stores nothing. Each server runs in a process of its
// own (qcall bench-server), and so do the clients (qcall bench-issue-client),
// the same for all three, so that no two share a heap or a scheduler. The load
// goes round by round to each server in turn, so that whatever else the
// machine does meanwhile falls on all three alike.
func Run(ctx context.Context, args []string, p Program) error {
	if len(args) > 0 && args[0] == "display" {
		return runBenchDisplay(ctx, args[1:], p)
	}
	if len(args) > 0 && args[0] == "calls" {
		return runBenchCalls(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "year" {
		return runBenchYear(ctx, args[1:], os.Stdout)
	}
	if len(args) == 0 || args[0] != "issue" {
		return errors.New("usage: qcall bench issue|display|calls|year [flags]")
	}
	fs := flag.NewFlagSet("qcall bench issue", flag.ContinueOnError)
	dur := fs.Duration("duration", 10*time.Second, "how long each server is loaded, in all")
	rounds := fs.Int("rounds", 5, "how many turns the duration is split into")
	clients := fs.Int("clients", 64, "concurrent HTTP clients")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the qcall server (not the baselines) to this file")
	memprofile := fs.String("memprofile", "", "write an allocation profile of the qcall server (not the baselines) to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *rounds < 1 || *dur < time.Duration(*rounds)*100*time.Millisecond {
		return errors.New("qcall bench issue: at least one round of at least 100ms")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	res, err := benchIssue(ctx, self, benchIssueOptions{dur: *dur, rounds: *rounds, clients: *clients,
		cpuprofile: *cpuprofile, memprofile: *memprofile})
	if err != nil {
		return err
	}
	res.print(os.Stdout)
	if res.errors() > 0 {
		return fmt.Errorf("%d requests failed", res.errors())
	}
	return nil
}

// loadResult is the load on one server, as the client process reports it, with
// the server's CPU time added by the parent. Runs of several rounds add up.
type loadResult struct {
	Name      string        `json:"name"`
	OK        int64         `json:"ok"`
	Errs      int64         `json:"errors"`
	FirstErr  string        `json:"first_error,omitempty"`
	Elapsed   time.Duration `json:"elapsed"`
	Lats      []uint32      `json:"lats_us"`    // each answered request's latency, µs
	ClientCPU time.Duration `json:"client_cpu"` // the client process's CPU time during the run
	ServerCPU time.Duration `json:"-"`          // the server process's CPU time during the run
	Rates     []float64     `json:"-"`          // tickets/s of each round
}

func (r loadResult) rate() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

// add adds the round o to r.
func (r *loadResult) add(o loadResult) {
	r.OK += o.OK
	r.Errs += o.Errs
	if r.FirstErr == "" {
		r.FirstErr = o.FirstErr
	}
	r.Elapsed += o.Elapsed
	r.Lats = append(r.Lats, o.Lats...)
	r.ClientCPU += o.ClientCPU
	r.ServerCPU += o.ServerCPU
	r.Rates = append(r.Rates, o.rate())
}

// percentile returns the latency below which a fraction q of the requests
// were answered.
func (r loadResult) percentile(q float64) time.Duration {
	if len(r.Lats) == 0 {
		return 0
	}
	i := min(len(r.Lats)-1, int(q*float64(len(r.Lats))))
	return time.Duration(r.Lats[i]) * time.Microsecond
}

type benchResults []loadResult

func (rs benchResults) errors() int64 {
	var n int64
	for _, r := range rs {
		n += r.Errs
	}
	return n
}

func (rs benchResults) print(w io.Writer) {
	fmt.Fprintf(w, "%-36s %10s %10s %10s %10s %7s %13s %13s %6s\n", "run", "tickets/s", "p50", "p99", "max", "errors",
		"server cpu/t", "client cpu/t", "cores")
	for _, r := range rs {
		slices.Sort(r.Lats)
		n := time.Duration(max(r.OK, 1))
		fmt.Fprintf(w, "%-36s %10.0f %10s %10s %10s %7d %13s %13s %6.2f\n", r.Name, r.rate(), r.percentile(0.5),
			r.percentile(0.99), r.percentile(1), r.Errs,
			(r.ServerCPU / n).Round(100*time.Nanosecond), (r.ClientCPU / n).Round(100*time.Nanosecond),
			(r.ServerCPU+r.ClientCPU).Seconds()/r.Elapsed.Seconds())
		if r.FirstErr != "" {
			fmt.Fprintf(w, "  first error: %s\n", r.FirstErr)
		}
	}
	q, naive, plain := rs[0], rs[1], rs[2]
	fmt.Fprintf(w, "qcall / naive bbolt-per-ticket:  %.2f× (goal ≥ 5×)%s\n", q.rate()/naive.rate(), roundRange(q, naive, 1, "%.2f×"))
	fmt.Fprintf(w, "qcall / no-storage HTTP:         %.0f%% (goal ≥ 60%%)%s\n", 100*q.rate()/plain.rate(), roundRange(q, plain, 100, "%.0f%%"))
}

// roundRange tells how the ratio a/b ranged over the rounds, when there were
// several.
func roundRange(a, b loadResult, scale float64, format string) string {
	if len(a.Rates) < 2 || len(a.Rates) != len(b.Rates) {
		return ""
	}
	rs := make([]float64, len(a.Rates))
	for i := range rs {
		rs[i] = scale * a.Rates[i] / b.Rates[i]
	}
	return fmt.Sprintf("; rounds "+format+" to "+format, slices.Min(rs), slices.Max(rs))
}

type benchIssueOptions struct {
	dur                    time.Duration // per server, in all
	rounds                 int
	clients                int
	cpuprofile, memprofile string // of the qcall server
}

// benchIssue starts the three servers and loads each in turn, round after
// round, each time from a client process started from the binary self.
func benchIssue(ctx context.Context, self string, o benchIssueOptions) (benchResults, error) {
	dir, err := os.MkdirTemp("", "qcall-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	kinds := []struct{ kind, name string }{
		{"qcall", "qcall (group commit, fsync)"},
		{"naive", "baseline a: one bbolt Update/ticket"},
		{"plain", "baseline b: no storage"},
	}
	servers := make([]*benchServer, len(kinds))
	defer func() {
		for _, s := range servers {
			if s != nil {
				s.close()
			}
		}
	}()
	for i, k := range kinds {
		args := []string{"--kind", k.kind, "--data", filepath.Join(dir, k.kind)}
		if k.kind == "qcall" {
			args = append(args, "--cpuprofile", o.cpuprofile, "--memprofile", o.memprofile)
		}
		if servers[i], err = startBenchServer(ctx, self, args); err != nil {
			return nil, fmt.Errorf("start %s server: %w", k.kind, err)
		}
	}
	services := strings.Split(servers[0].services, ",")
	res := make(benchResults, len(kinds))
	for i, k := range kinds {
		res[i].Name = k.name
	}
	each := o.dur / time.Duration(o.rounds)
	for round := range o.rounds {
		for j := range kinds {
			i := (round + j) % len(kinds) // each round starts with the next server
			token := ""
			if kinds[i].kind == "qcall" {
				token = "demo-kiosk"
			}
			r, err := loadFrom(ctx, self, servers[i], token, services, each, o.clients)
			if err != nil {
				return nil, err
			}
			res[i].add(r)
			if kinds[i].kind == "qcall" {
				// qcall writes its snapshot once the hall is quiet: let it,
				// before the next server is loaded, so that it runs on no
				// one else's time.
				if err := servers[i].settle(ctx); err != nil {
					return nil, err
				}
			}
		}
	}
	for i, s := range servers {
		servers[i] = nil
		if err := s.close(); err != nil {
			return nil, fmt.Errorf("%s server: %w", kinds[i].kind, err)
		}
	}
	return res, nil
}

// benchServer is a server of "bench issue", a child process (qcall
// bench-server) that prints its URL, then answers each line on its standard
// input with the CPU time it has used, and stops when its input closes.
type benchServer struct {
	url      string
	services string // the hall's service codes, comma-separated
	cmd      *exec.Cmd
	in       io.WriteCloser
	out      *bufio.Reader
}

func startBenchServer(ctx context.Context, self string, args []string) (*benchServer, error) {
	cmd := exec.CommandContext(ctx, self, append([]string{"bench-server"}, args...)...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &benchServer{cmd: cmd, in: in, out: bufio.NewReader(out)}
	line, err := s.out.ReadString('\n')
	if err != nil {
		s.close()
		return nil, fmt.Errorf("no URL from the server: %w", err)
	}
	s.url, s.services, _ = strings.Cut(strings.TrimSpace(line), " ")
	return s, nil
}

// cpu asks the server for the CPU time it has used so far.
func (s *benchServer) cpu() (time.Duration, error) {
	if _, err := io.WriteString(s.in, "cpu\n"); err != nil {
		return 0, err
	}
	line, err := s.out.ReadString('\n')
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	return time.Duration(n), err
}

// settle waits until the server has used almost no CPU for a while, for at
// most half a minute.
func (s *benchServer) settle(ctx context.Context) error {
	const still, idle = 1500 * time.Millisecond, 5 * time.Millisecond
	t := time.NewTicker(still)
	defer t.Stop()
	prev, err := s.cpu()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		now, err := s.cpu()
		if err != nil {
			return err
		}
		if now-prev < idle {
			return nil
		}
		prev = now
	}
	return err
}

// close stops the server and waits for it.
func (s *benchServer) close() error {
	s.in.Close()
	return s.cmd.Wait()
}

// RunServer is the server process of "bench issue" (qcall bench-server):
// --kind qcall is a fresh demo hall in --data, naive and plain are the
// baselines.
func RunServer(ctx context.Context, args []string, p Program) error {
	fs := flag.NewFlagSet("qcall bench-server", flag.ContinueOnError)
	kind := fs.String("kind", "qcall", "qcall, naive or plain")
	data := fs.String("data", "", "data folder")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	memprofile := fs.String("memprofile", "", "write an allocation profile to this file")
	traceOut := fs.String("trace", "", "write an execution trace (runtime/trace) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var url string
	var stop func() error
	services := []string{"none"}
	switch *kind {
	case "qcall":
		m, err := p.StartHall(ctx, *data)
		if err != nil {
			return err
		}
		services = services[:0]
		for _, s := range m.Config.Services {
			services = append(services, s.Code)
		}
		url, stop = m.URL, m.Close
	case "naive", "plain":
		p.TuneRuntime() // the runtime as qcall serve sets it, for a fair comparison
		if err := os.MkdirAll(*data, 0o700); err != nil {
			return err
		}
		b, err := baselineServer(filepath.Join(*data, "naive.db"), *kind == "naive")
		if err != nil {
			return err
		}
		url, stop = b.url, func() error { b.close(); return nil }
	default:
		return fmt.Errorf("unknown kind %q", *kind)
	}
	for _, r := range []struct {
		path  string
		start func(io.Writer) error
		stop  func()
	}{{*cpuprofile, pprof.StartCPUProfile, pprof.StopCPUProfile}, {*traceOut, trace.Start, trace.Stop}} {
		done, err := record(r.path, r.start, r.stop)
		if err != nil {
			return err
		}
		defer done()
	}
	fmt.Printf("%s %s\n", url, strings.Join(services, ","))
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(int64(cputime.Process()))
	}
	if *memprofile != "" {
		if err := writeAllocProfile(*memprofile); err != nil {
			return err
		}
	}
	return stop()
}

// record starts a recording (a CPU profile, an execution trace) into the
// file path, when path is set, and returns what stops it and closes the file.
func record(path string, start func(io.Writer) error, stop func()) (done func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { stop(); f.Close() }, nil
}

// writeAllocProfile writes the allocations made so far to path.
func writeAllocProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// loadFrom runs the load on server s in a client process and reads its result;
// it adds the CPU time the server spent meanwhile.
func loadFrom(ctx context.Context, self string, s *benchServer, token string, services []string, dur time.Duration, clients int) (loadResult, error) {
	cmd := exec.CommandContext(ctx, self, "bench-issue-client", "--url", s.url, "--token", token,
		"--services", strings.Join(services, ","), "--duration", dur.String(), "--clients", strconv.Itoa(clients))
	cmd.Stderr = os.Stderr
	cpu0, err := s.cpu()
	if err != nil {
		return loadResult{}, err
	}
	out, err := cmd.Output()
	if err != nil {
		return loadResult{}, fmt.Errorf("bench client: %w", err)
	}
	cpu1, err := s.cpu()
	if err != nil {
		return loadResult{}, err
	}
	var r loadResult
	if err := json.Unmarshal(out, &r); err != nil {
		return loadResult{}, fmt.Errorf("bench client said %q: %w", out, err)
	}
	r.ServerCPU = cpu1 - cpu0
	return r, nil
}

// RunIssueClient is the client process of "bench issue" (qcall
// bench-issue-client): it posts tickets
// from --clients goroutines for --duration and prints its loadResult as JSON.
func RunIssueClient(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("qcall bench-issue-client", flag.ContinueOnError)
	base := fs.String("url", "", "server URL")
	token := fs.String("token", "", "bearer token")
	services := fs.String("services", "", "comma-separated service codes")
	dur := fs.Duration("duration", 10*time.Second, "how long to run")
	clients := fs.Int("clients", 64, "concurrent clients")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r := load(ctx, *base, *token, strings.Split(*services, ","), *dur, *clients, http.StatusCreated)
	return json.NewEncoder(os.Stdout).Encode(r)
}

// load posts tickets from clients goroutines for dur and collects latencies.
func load(ctx context.Context, base, token string, services []string, dur time.Duration, clients int, want int) loadResult {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var ok, errs atomic.Int64
	var firstErr atomic.Value
	lats := make([][]uint32, clients)
	var wg sync.WaitGroup
	start := time.Now()
	cpu0 := cputime.Process()
	for c := range clients {
		wg.Go(func() {
			body := make([][]byte, len(services))
			for i, s := range services {
				body[i], _ = json.Marshal(map[string]string{"service": s, "channel": "kiosk"})
			}
			for i := c; ctx.Err() == nil; i++ {
				req, _ := http.NewRequest("POST", base+"/api/tickets", bytes.NewReader(body[i%len(body)]))
				req.Header.Set("Content-Type", "application/json")
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %s", resp.StatusCode, b))
					continue
				}
				lats[c] = append(lats[c], uint32(min(time.Since(t0).Microseconds(), math.MaxUint32)))
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	r := loadResult{OK: ok.Load(), Errs: errs.Load(), Elapsed: time.Since(start), ClientCPU: cputime.Process() - cpu0}
	if e, _ := firstErr.Load().(string); e != "" {
		r.FirstErr = e
	}
	for _, l := range lats {
		r.Lats = append(r.Lats, l...)
	}
	return r
}

type baseline struct {
	url   string
	close func()
}

// baselineServer is the minimal handler of a baseline: decode the request,
// answer 201 with a number, and with durable set store the ticket in its own
// bbolt Update first (the naive design: one fsync per ticket).
func baselineServer(path string, durable bool) (*baseline, error) {
	var db *bbolt.DB
	if durable {
		var err error
		if db, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second}); err != nil {
			return nil, err
		}
	}
	var n atomic.Uint64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Service, Channel string }
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		seq := n.Add(1)
		if db != nil {
			err := db.Update(func(tx *bbolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("tickets"))
				if err != nil {
					return err
				}
				k := binary.BigEndian.AppendUint64(nil, seq)
				v, _ := json.Marshal(req)
				return b.Put(k, v)
			})
			if err != nil {
				http.Error(w, err.Error(), 503)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"id": seq, "number": fmt.Sprintf("A%03d", seq), "service": req.Service})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return &baseline{url: "http://" + ln.Addr().String(), close: func() {
		srv.Close()
		if db != nil {
			db.Close()
		}
	}}, nil
}
