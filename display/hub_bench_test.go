package display_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"qcall/display"
	"qcall/queue"
)

// BenchmarkHubBroadcast measures the fan-out of one committed event to 1,000
// hall screens: an op is one ticket issued (and made durable) and its event
// and state received by every screen; fanout-ns/op is the part from the
// commit's answer to the last screen's receipt.
func BenchmarkHubBroadcast(b *testing.B) {
	const clients = 1000
	e := newHubEnv(b, func(o *display.HubOptions) { o.SendBuffer = 1024 })
	var (
		target atomic.Uint64 // the seq every client must reach
		wg     sync.WaitGroup
		failed atomic.Value
	)
	d := websocket.Dialer{HandshakeTimeout: hubWait, ReadBufferSize: 4096, WriteBufferSize: 1024}
	conns := make([]*websocket.Conn, 0, clients)
	for range clients {
		c, _, err := d.Dial(e.url("client=hall&token=demo-display"), nil)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		go func() {
			var done uint64
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					if t := target.Load(); t > done {
						failed.Store(err)
						wg.Done()
					}
					return
				}
				typ, seq := peekMsg(msg)
				if typ != "state" {
					continue
				}
				if t := target.Load(); t > done && seq >= t {
					done = t
					wg.Done()
				}
			}
		}()
	}
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	var fanout time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tv, err := e.eng.IssueTicket(hubCtx, "kiosk-1", queue.IssueRequest{Service: "consult"})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		seq := e.seq()
		wg.Add(clients)
		target.Store(seq)
		wg.Wait()
		fanout += time.Since(t0)
		if err, _ := failed.Load().(error); err != nil {
			b.Fatalf("ticket %s: a client failed: %v", tv.Number, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(fanout.Nanoseconds())/float64(b.N), "fanout-ns/op")
	if s := e.hub.Stats(); s.Dropped != 0 || s.Total != clients {
		b.Fatalf("stats %+v", s)
	}
}

// BenchmarkHubIdleConn measures what an idle hall screen costs the server:
// heap and goroutine stacks per connection. The clients are bare TCP
// connections that did the websocket handshake and read nothing, so they cost
// the process next to nothing themselves.
func BenchmarkHubIdleConn(b *testing.B) {
	const clients = 500
	e := newHubEnv(b)
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	conns := make([]net.Conn, 0, clients)
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range clients {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET /ws?client=hall&token=demo-display HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
		resp, err := http.ReadResponse(bufio.NewReaderSize(c, 512), nil)
		if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			b.Fatalf("handshake: %v %v", resp, err)
		}
	}
	// Wait for the hub to have registered them all.
	deadline := time.Now().Add(hubWait)
	for e.hub.Stats().Total < clients {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d registered", e.hub.Stats().Total, clients)
		}
		runtime.Gosched()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.ReadMemStats(&after)
	}
	b.StopTimer()
	per := float64(int64(after.HeapInuse+after.StackInuse)-int64(before.HeapInuse+before.StackInuse)) / clients
	b.ReportMetric(per, "B/idle-conn")
}

// BenchmarkCallNext_Screens measures what screens cost the clerk: an op is
// one call-next through the HTTP API at one of ten windows (then, untimed, its
// finish and a new ticket, so that about 600 stay waiting). With screens=60,
// ten counter terminals (each showing its window's queue) and 50 hall screens
// are connected and reading; with screens=0 none is. p50-ns and p99-ns are the
// call-next answer times; the screens must not slow the answer down.
func BenchmarkCallNext_Screens(b *testing.B) {
	for _, screens := range []bool{false, true} {
		n := 0
		if screens {
			n = 60
		}
		b.Run(fmt.Sprintf("screens=%d", n), func(b *testing.B) { benchCallNext(b, screens) })
	}
}

func benchCallNext(b *testing.B, screens bool) {
	const waiting, windows, halls = 600, 10, 50
	e := newHubEnv(b)
	services := []string{"employment", "unemployment", "pension", "medical", "injury", "consult"}
	for i := range waiting {
		e.issue(services[i%len(services)])
	}
	hc := &http.Client{}
	post := func(path, token string) (time.Duration, []byte) {
		req, err := http.NewRequest("POST", e.srv.URL+path, strings.NewReader("{}"))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if resp.StatusCode/100 != 2 {
			b.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return d, body
	}
	tokens := make([]string, windows+1)
	for w := 1; w <= windows; w++ {
		tokens[w] = e.login(strconv.Itoa(1000 + w))
		post(fmt.Sprintf("/api/windows/%d/signin", w), tokens[w])
	}
	var conns []*websocket.Conn
	var readers sync.WaitGroup
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		readers.Wait()
	})
	if screens {
		d := websocket.Dialer{HandshakeTimeout: hubWait, ReadBufferSize: 4096, WriteBufferSize: 1024}
		dial := func(query string, hdr http.Header) {
			c, _, err := d.Dial(e.url(query), hdr)
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
			readers.Go(func() {
				for {
					if _, _, err := c.NextReader(); err != nil {
						return
					}
				}
			})
		}
		for w := 1; w <= windows; w++ {
			dial(fmt.Sprintf("client=terminal&window=%d", w), http.Header{"Authorization": {"Bearer " + tokens[w]}})
		}
		for range halls {
			dial("client=hall&token=demo-display", nil)
		}
	}
	var times []time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		w := i%windows + 1
		i++
		d, body := post(fmt.Sprintf("/api/windows/%d/call-next", w), tokens[w])
		times = append(times, d)
		b.StopTimer()
		var called struct{ Ticket struct{ Service string } }
		if err := json.Unmarshal(body, &called); err != nil || called.Ticket.Service == "" {
			b.Fatalf("call-next answered %s", body)
		}
		post(fmt.Sprintf("/api/windows/%d/finish", w), tokens[w])
		e.issue(called.Ticket.Service) // the queues stay as long
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
	if s := e.hub.Stats(); s.Dropped != 0 || (screens && s.Total != windows+halls) {
		b.Fatalf("hub stats %+v", s)
	}
}
