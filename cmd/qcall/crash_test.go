package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// issued is a ticket whose 201 reached a client.
type issued struct {
	ID, Number, Service string
}

// TestCrash_KillUnderLoad kills a qcall child with SIGKILL at a random moment
// while 32 clients issue tickets, restarts it on the same folder, and checks
// that every acknowledged ticket is there, numbers are unique per service per
// day, and the event log has no gap. Five rounds on one folder.
func TestCrash_KillUnderLoad(t *testing.T) {
	dir := t.TempDir()
	var acked []issued
	services := []string{"employment", "unemployment", "pension", "medical", "injury", "consult"}
	for round := range 5 {
		c := startChild(t, dir)
		got := hammer(c.url, services, 32, time.Duration(150+rand.IntN(600))*time.Millisecond, c.kill)
		if len(got) == 0 {
			t.Fatalf("round %d: no ticket was acknowledged before the kill: %s", round, c.out.String())
		}
		acked = append(acked, got...)

		// qcall check after every crash: a kill -9 leaves nothing damaged.
		if out, err := exec.Command(qcallBin, "check", "--data", dir).CombinedOutput(); err != nil {
			t.Fatalf("round %d: qcall check after the kill: %v\n%s", round, err, out)
		}
		c = startChild(t, dir)
		checkHall(t, c.url, acked)
		c.kill()
		t.Logf("round %d: %d tickets acknowledged so far", round, len(acked))
	}
}

// hammer issues tickets from n clients until kill is called after d; it
// returns the tickets whose 201 arrived.
func hammer(base string, services []string, n int, d time.Duration, kill func()) []issued {
	var mu sync.Mutex // guards out
	var out []issued
	stop := make(chan struct{})
	var wg sync.WaitGroup
	tr := &http.Transport{MaxIdleConnsPerHost: n}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	for c := range n {
		wg.Go(func() {
			for i := c; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body, _ := json.Marshal(map[string]string{"service": services[i%len(services)], "channel": "kiosk"})
				req, _ := http.NewRequest("POST", base+"/api/tickets", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer demo-kiosk")
				resp, err := hc.Do(req)
				if err != nil {
					continue // the server is gone; the loop ends at stop
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var v issued
				if resp.StatusCode == 201 && json.Unmarshal(b, &v) == nil {
					mu.Lock()
					out = append(out, v)
					mu.Unlock()
				}
			}
		})
	}
	time.AfterFunc(d, func() { kill(); close(stop) })
	wg.Wait()
	return out
}

// checkHall checks a restarted hall against what was acknowledged: every
// acknowledged ticket is in the event log with its number, and the newest
// ones (those acknowledged just before the kill) answer on their own URL too.
func checkHall(t *testing.T, base string, acked []issued) {
	t.Helper()
	for _, a := range acked[max(0, len(acked)-100):] {
		var v struct{ Number, State string }
		if code := api(t, "GET", base+"/api/tickets/"+a.ID, "", nil, &v); code != 200 || v.Number != a.Number {
			t.Fatalf("acknowledged ticket %s (%s) after restart: %d %+v", a.Number, a.ID, code, v)
		}
	}
	tok := login(t, base, "9001")
	type event struct {
		Seq     uint64
		Type    string
		Day     string
		Ticket  string
		Number  string
		Service string
	}
	var all []event
	for after := uint64(0); ; {
		var page struct{ Events []event }
		if code := api(t, "GET", fmt.Sprintf("%s/api/events?after=%d&limit=1000", base, after), tok, nil, &page); code != 200 {
			t.Fatalf("events: %d", code)
		}
		if len(page.Events) == 0 {
			break
		}
		all = append(all, page.Events...)
		after = page.Events[len(page.Events)-1].Seq
	}
	seen := map[string]bool{}
	numberOf := map[string]string{} // ticket id → number issued
	day := ""
	for i, e := range all {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: the log has a gap", i+1, e.Seq)
		}
		switch e.Type {
		case "day_opened":
			day = e.Day
		case "ticket_issued":
			k := day + "/" + e.Number
			if seen[k] {
				t.Fatalf("number %s issued twice on %s", e.Number, day)
			}
			seen[k] = true
			numberOf[e.Ticket] = e.Number
		}
	}
	for _, a := range acked {
		if n, ok := numberOf[a.ID]; !ok || n != a.Number {
			t.Fatalf("acknowledged ticket %s (%s) is not in the log after restart (found %q)", a.Number, a.ID, n)
		}
	}
}
