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
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

// runBench measures the hall. "bench issue" issues tickets over HTTP from many
// clients against a fresh server, then the same load against two baselines:
// (a) a handler that does one bbolt Update (one fsync) per ticket, the naive
// durable design, and (b) a handler that stores nothing.
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
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the qcall run (not the baselines) to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	res, err := benchIssue(ctx, *dur, *clients, *cpuprofile)
	if err != nil {
		return err
	}
	res.print(os.Stdout)
	if res.errors() > 0 {
		return fmt.Errorf("%d requests failed", res.errors())
	}
	return nil
}

// loadResult is one run of the load.
type loadResult struct {
	name     string
	ok, errs int64
	elapsed  time.Duration
	cpu      time.Duration   // process CPU time (user+system) during the run
	lat      []time.Duration // sorted
}

func (r loadResult) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r loadResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
}

type benchResults []loadResult

func (rs benchResults) errors() int64 {
	var n int64
	for _, r := range rs {
		n += r.errs
	}
	return n
}

func (rs benchResults) print(w io.Writer) {
	fmt.Fprintf(w, "%-34s %10s %10s %10s %7s %12s\n", "run", "tickets/s", "p50", "p99", "errors", "cpu/ticket")
	for _, r := range rs {
		fmt.Fprintf(w, "%-34s %10.0f %10s %10s %7d %12s\n", r.name, r.rate(), r.pct(0.50).Round(time.Microsecond),
			r.pct(0.99).Round(time.Microsecond), r.errs, (r.cpu / time.Duration(max(r.ok, 1))).Round(100*time.Nanosecond))
	}
	q, naive, plain := rs[0], rs[1], rs[2]
	fmt.Fprintf(w, "qcall / naive bbolt-per-ticket:  %.2f× (goal ≥ 5×)\n", q.rate()/naive.rate())
	fmt.Fprintf(w, "qcall / no-storage HTTP:         %.0f%% (goal ≥ 60%%)\n", 100*q.rate()/plain.rate())
}

// benchIssue runs the three loads one after the other.
func benchIssue(ctx context.Context, dur time.Duration, clients int, cpuprofile string) (benchResults, error) {
	dir, err := os.MkdirTemp("", "qcall-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	m := NewMain()
	m.Addr, m.DataDir, m.Stdout = "127.0.0.1:0", filepath.Join(dir, "hall"), io.Discard
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(ctx); err != nil {
		return nil, err
	}
	services := make([]string, 0, len(m.Config.Services))
	for _, s := range m.Config.Services {
		services = append(services, s.Code)
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
	}
	q := load(ctx, "qcall (group commit, fsync)", m.URL, "demo-kiosk", services, dur, clients, http.StatusCreated)
	if cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err := m.Close(); err != nil {
		return nil, err
	}

	naive, err := baselineServer(filepath.Join(dir, "naive.db"), true)
	if err != nil {
		return nil, err
	}
	a := load(ctx, "baseline a: one bbolt Update/ticket", naive.url, "", services, dur, clients, http.StatusCreated)
	naive.close()

	plain, err := baselineServer("", false)
	if err != nil {
		return nil, err
	}
	b := load(ctx, "baseline b: no storage", plain.url, "", services, dur, clients, http.StatusCreated)
	plain.close()
	return benchResults{q, a, b}, nil
}

// load posts tickets from clients goroutines for dur and collects latencies.
func load(ctx context.Context, name, base, token string, services []string, dur time.Duration, clients int, want int) loadResult {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var ok, errs atomic.Int64
	lats := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	start := time.Now()
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
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					errs.Add(1)
					continue
				}
				lats[c] = append(lats[c], time.Since(t0))
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	r := loadResult{name: name, ok: ok.Load(), errs: errs.Load(), elapsed: time.Since(start), cpu: cpuTime() - cpu0}
	for _, l := range lats {
		r.lat = append(r.lat, l...)
	}
	slices.Sort(r.lat)
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
