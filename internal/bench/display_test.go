package bench

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBenchDisplay_SmallRun runs "bench display" with 50 clients and 5 calls:
// the qcall run and the baseline, with the clients in a process of their own.
func TestBenchDisplay_SmallRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := benchDisplay(ctx, bdOptions{Self: testBin, StartHall: startTestHall, Clients: []int{50}, Calls: 5, Kind: "hall", Out: &out})
	t.Logf("\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("%d results, want 1", len(res))
	}
	if f := res.failures(); f != "" {
		t.Fatal(f)
	}
	p := res[0]
	for _, r := range []bdRun{p.Q, p.B} {
		if r.N != 50 || r.Samples != 50*5 || r.Lost != 0 {
			t.Errorf("%s: %d clients, %d receipts, %d lost; want 50, 250, 0", r.Name, r.N, r.Samples, r.Lost)
		}
		if r.P50 > r.P99 || r.P99 > r.Max || r.Max <= 0 || r.Max > 10*time.Second {
			t.Errorf("%s: p50 %s, p99 %s, max %s", r.Name, r.P50, r.P99, r.Max)
		}
		if r.IdleBytes <= 0 || r.IdleBytes > 1<<20 {
			t.Errorf("%s: %.0f bytes per idle connection", r.Name, r.IdleBytes)
		}
	}
	if p.Q.Size < 100 || p.B.Size != p.Q.Size {
		t.Errorf("ticket_called is %d bytes, the baseline's payload %d", p.Q.Size, p.B.Size)
	}
	for _, s := range []string{"qcall hub", "baseline: plain gorilla broadcast", "p99 qcall / baseline", "KiB"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the output lacks %q", s)
		}
	}
}

// TestBenchDisplay_CountsLostAndGaps checks that the clients notice an event
// that never comes and a hole in the seqs.
func TestBenchDisplay_CountsLostAndGaps(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bs, err := bdStartBroadcast()
	if err != nil {
		t.Fatal(err)
	}
	defer bs.close()
	const n = 20
	cl, err := bdStartClients(ctx, testBin, bs.url, n, true, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.stop()
	ask := func(cmd string) []string {
		t.Helper()
		f, err := cl.ask(ctx, cmd)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	bs.broadcast(bdPayload(1, "X0001", 200))
	if f := ask("t0 X0001 " + itoa(time.Now().UnixNano())); f[1] != strconv.Itoa(n) {
		t.Errorf("X0001 reached %s clients, want %d", f[1], n)
	}
	bs.broadcast(bdPayload(3, "X0003", 200)) // seq 2 never sent
	ask("t0 X0003 " + itoa(time.Now().UnixNano()))
	if f := ask("t0 X0002 " + itoa(time.Now().UnixNano())); f[1] != "0" { // never sent
		t.Errorf("X0002 reached %s clients, want 0", f[1])
	}
	var r bdRun
	if err := cl.result(ctx, &r); err != nil {
		t.Fatal(err)
	}
	if r.Samples != 2*n || r.Lost != n || r.Gaps != n || r.Closed != 0 || r.Bad != 0 || r.Size != 200 {
		t.Errorf("got %+v; want %d samples, %d lost, %d gaps, size 200", r, 2*n, n, n)
	}
	if err := cl.stop(); err != nil {
		t.Fatal(err)
	}
}

func TestBenchDisplay_Head(t *testing.T) {
	typ, seq, num := bdHead([]byte(`{"seq":42,"at":"2026-01-02T03:04:05+08:00","type":"ticket_called","actor":"1001","window":1,"number":"A007","service":"x"}`))
	if string(typ) != "ticket_called" || seq != 42 || string(num) != "A007" {
		t.Errorf("event: %q %d %q", typ, seq, num)
	}
	typ, seq, _ = bdHead([]byte(`{"type":"state","seq":43,"windows":[{"number":"A001"`))
	if string(typ) != "state" || seq != 43 {
		t.Errorf("state: %q %d", typ, seq)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
