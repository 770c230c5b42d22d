package display_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"runtime"
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
