package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

// runBench measures the hall. "bench issue" issues tickets over HTTP from many
// clients against a fresh server, then the same load against two baselines:
// (a) a handler that does one bbolt Update (one fsync) per ticket, the naive
// durable design, and (b) a handler that stores nothing. The clients run in a
// process of their own (qcall bench-issue-client), the same for all three, so
// that the server's work and the clients' do not share a heap or a scheduler.
func runBench(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "display" {
		return runBenchDisplay(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "issue" {
		return errors.New("usage: qcall bench issue|display [flags]")
	}
	fs := flag.NewFlagSet("qcall bench issue", flag.ContinueOnError)
	dur := fs.Duration("duration", 10*time.Second, "how long each run lasts")
	clients := fs.Int("clients", 64, "concurrent HTTP clients")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the qcall server's run (not the baselines) to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	res, err := benchIssue(ctx, self, *dur, *clients, *cpuprofile)
	if err != nil {
		return err
	}
	res.print(os.Stdout)
	if res.errors() > 0 {
		return fmt.Errorf("%d requests failed", res.errors())
	}
	return nil
}

// loadResult is one run of the load, as the client process reports it, with
// the server's CPU time added by the parent.
type loadResult struct {
	Name      string        `json:"name"`
	OK        int64         `json:"ok"`
	Errs      int64         `json:"errors"`
	FirstErr  string        `json:"first_error,omitempty"`
	Elapsed   time.Duration `json:"elapsed"`
	P50       time.Duration `json:"p50"`
	P99       time.Duration `json:"p99"`
	Max       time.Duration `json:"max"`
	ClientCPU time.Duration `json:"client_cpu"` // the client process's CPU time during the run
	ServerCPU time.Duration `json:"-"`          // the server process's CPU time during the run
}

func (r loadResult) rate() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

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
		n := time.Duration(max(r.OK, 1))
		fmt.Fprintf(w, "%-36s %10.0f %10s %10s %10s %7d %13s %13s %6.2f\n", r.Name, r.rate(), r.P50.Round(time.Microsecond),
			r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond), r.Errs,
			(r.ServerCPU / n).Round(100*time.Nanosecond), (r.ClientCPU / n).Round(100*time.Nanosecond),
			(r.ServerCPU+r.ClientCPU).Seconds()/r.Elapsed.Seconds())
		if r.FirstErr != "" {
			fmt.Fprintf(w, "  first error: %s\n", r.FirstErr)
		}
	}
	q, naive, plain := rs[0], rs[1], rs[2]
	fmt.Fprintf(w, "qcall / naive bbolt-per-ticket:  %.2f× (goal ≥ 5×)\n", q.rate()/naive.rate())
	fmt.Fprintf(w, "qcall / no-storage HTTP:         %.0f%% (goal ≥ 60%%)\n", 100*q.rate()/plain.rate())
}

// benchIssue runs the three loads one after the other, each from a client
// process started from the binary self.
func benchIssue(ctx context.Context, self string, dur time.Duration, clients int, cpuprofile string) (benchResults, error) {
	dir, err := os.MkdirTemp("", "qcall-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	m, err := startBenchHall(ctx, filepath.Join(dir, "hall"))
	if err != nil {
		return nil, err
	}
	services := make([]string, 0, len(m.Config.Services))
	for _, s := range m.Config.Services {
		services = append(services, s.Code)
	}
	var stopProfile func()
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		stopProfile = pprof.StopCPUProfile
	}
	q, err := loadFrom(ctx, self, "qcall (group commit, fsync)", m.URL, "demo-kiosk", services, dur, clients)
	if stopProfile != nil {
		stopProfile()
	}
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}

	naive, err := baselineServer(filepath.Join(dir, "naive.db"), true)
	if err != nil {
		return nil, err
	}
	a, err := loadFrom(ctx, self, "baseline a: one bbolt Update/ticket", naive.url, "", services, dur, clients)
	naive.close()
	if err != nil {
		return nil, err
	}

	plain, err := baselineServer("", false)
	if err != nil {
		return nil, err
	}
	b, err := loadFrom(ctx, self, "baseline b: no storage", plain.url, "", services, dur, clients)
	plain.close()
	if err != nil {
		return nil, err
	}
	return benchResults{q, a, b}, nil
}

// startBenchHall starts a fresh demo hall in this process, on a free loopback
// port, with its data in dir and nothing printed or logged.
func startBenchHall(ctx context.Context, dir string) (*Main, error) {
	m := NewMain()
	m.Addr, m.DataDir, m.Stdout = "127.0.0.1:0", dir, io.Discard
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// loadFrom runs the load in a client process and reads its result; it adds the
// CPU time this (the server's) process spent meanwhile.
func loadFrom(ctx context.Context, self, name, base, token string, services []string, dur time.Duration, clients int) (loadResult, error) {
	cmd := exec.CommandContext(ctx, self, "bench-issue-client", "--name", name, "--url", base, "--token", token,
		"--services", strings.Join(services, ","), "--duration", dur.String(), "--clients", strconv.Itoa(clients))
	cmd.Stderr = os.Stderr
	cpu0 := cpuTime()
	out, err := cmd.Output()
	cpu := cpuTime() - cpu0
	if err != nil {
		return loadResult{}, fmt.Errorf("bench client: %w", err)
	}
	var r loadResult
	if err := json.Unmarshal(out, &r); err != nil {
		return loadResult{}, fmt.Errorf("bench client said %q: %w", out, err)
	}
	r.ServerCPU = cpu
	return r, nil
}

// runBenchIssueClient is the client process of "bench issue": it posts tickets
// from --clients goroutines for --duration and prints its loadResult as JSON.
func runBenchIssueClient(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("qcall bench-issue-client", flag.ContinueOnError)
	name := fs.String("name", "", "name of the run")
	base := fs.String("url", "", "server URL")
	token := fs.String("token", "", "bearer token")
	services := fs.String("services", "", "comma-separated service codes")
	dur := fs.Duration("duration", 10*time.Second, "how long to run")
	clients := fs.Int("clients", 64, "concurrent clients")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r := load(ctx, *name, *base, *token, strings.Split(*services, ","), *dur, *clients, http.StatusCreated)
	return json.NewEncoder(os.Stdout).Encode(r)
}

// load posts tickets from clients goroutines for dur and collects latencies.
func load(ctx context.Context, name, base, token string, services []string, dur time.Duration, clients int, want int) loadResult {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var ok, errs atomic.Int64
	var firstErr atomic.Value
	lats := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	start := time.Now()
	cpu0 := cpuTime()
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
				lats[c] = append(lats[c], time.Since(t0))
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	r := loadResult{Name: name, OK: ok.Load(), Errs: errs.Load(), Elapsed: time.Since(start), ClientCPU: cpuTime() - cpu0}
	if e, _ := firstErr.Load().(string); e != "" {
		r.FirstErr = e
	}
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	slices.Sort(all)
	if n := len(all); n > 0 {
		r.P50, r.P99, r.Max = all[n/2], all[min(n-1, n*99/100)], all[n-1]
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
