package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// flood holds connections to addr open from the loopback addresses given,
// each sending the headers of a request with a body and no body; as the server
// closes one, it opens another, until stop (or maxDials in all).
type flood struct {
	addr     string
	held     atomic.Int64 // connections open now
	dials    atomic.Int64
	maxDials int64
	stop     chan struct{}
	wg       sync.WaitGroup
}

// floodRequests are what the flood sends: a login (public) and a ticket
// without a token, each promising a body that never comes.
var floodRequests = []string{
	"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
	"POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
}

func startFlood(addr string, from []string, perAddr int, maxDials int64) *flood {
	f := &flood{addr: addr, stop: make(chan struct{}), maxDials: maxDials}
	for _, src := range from {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
		for i := range perAddr {
			f.wg.Go(func() { f.hold(d, floodRequests[i%len(floodRequests)]) })
		}
	}
	return f
}

// hold keeps one connection of the flood open, opening it again when the
// server closes it.
func (f *flood) hold(d *net.Dialer, req string) {
	buf := make([]byte, 512)
	for f.dials.Add(1) <= f.maxDials {
		select {
		case <-f.stop:
			return
		default:
		}
		c, err := d.Dial("tcp", f.addr)
		if err != nil {
			select {
			case <-f.stop:
				return
			case <-time.After(50 * time.Millisecond): // the server refused: try again soon
			}
			continue
		}
		f.held.Add(1)
		done := make(chan struct{})
		go func() {
			select {
			case <-f.stop:
				c.Close()
			case <-done:
			}
		}()
		if _, err := io.WriteString(c, req); err == nil {
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
		}
		close(done)
		c.Close()
		f.held.Add(-1)
	}
}

func (f *flood) end() {
	close(f.stop)
	f.wg.Wait()
}

// within runs fn, which must succeed before d has passed.
func within(t *testing.T, what string, d time.Duration, fn func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- fn(ctx) }()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("%s: %v (after %v)", what, err, time.Since(start).Round(time.Millisecond))
		}
	case <-ctx.Done():
		t.Errorf("%s: not done within %v", what, d)
	}
}

// fresh is a client that opens its own connections.
func freshClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func getOK(ctx context.Context, hc *http.Client, method, url, token, body string, want int) error {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return nil
}

// openScreen opens a hall screen's websocket and reads its snapshot.
func openScreen(ctx context.Context, base string) (*websocket.Conn, error) {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, resp, err := d.DialContext(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws?client=hall&token=demo-display", nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("%w (%s)", err, resp.Status)
		}
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetReadDeadline(dl)
	}
	_, msg, err := conn.ReadMessage()
	if err != nil {
		conn.Close()
		return nil, err
	}
	if !bytes.Contains(msg, []byte(`"type":"snapshot"`)) {
		conn.Close()
		return nil, fmt.Errorf("first message %.100s", msg)
	}
	conn.SetReadDeadline(time.Time{})
	return conn, nil
}

// TestServe_ConnectionFlood is issue 8's item 5: a server with 1,024 files
// and a flood of 1,500 connections from ten addresses that send headers and no
// body. /healthz, a kiosk's ticket and a new hall screen must still get in,
// and a screen connected before the flood must stay.
func TestServe_ConnectionFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 1,500 connections")
	}
	// A shell sets the child's limit of open files, as systemd's LimitNOFILE
	// would.
	cmd := exec.Command("sh", "-c", `ulimit -n 1024 && exec "$0" "$@"`, qcallBin,
		"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	c := startChildCmd(t, cmd)
	t.Cleanup(c.kill)
	addr := strings.TrimPrefix(c.url, "http://")
	hc := freshClient()

	before, err := openScreen(t.Context(), c.url)
	if err != nil {
		t.Fatalf("hall screen before the flood: %v", err)
	}
	defer before.Close()
	var from []string
	for i := 2; i < 12; i++ {
		from = append(from, fmt.Sprintf("127.0.0.%d", i))
	}
	f := startFlood(addr, from, 150, 1000000)
	defer f.end()
	// The flood is on once it has dialled every connection once.
	deadline := time.Now().Add(30 * time.Second)
	for f.dials.Load() < 1500 {
		if time.Now().After(deadline) {
			t.Fatalf("flood: %d dials in 30 s", f.dials.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("flood: %d dials, %d held", f.dials.Load(), f.held.Load())
	dialsBefore := f.dials.Load()

	within(t, "GET /healthz", 5*time.Second, func(ctx context.Context) error {
		return getOK(ctx, hc, "GET", c.url+"/healthz", "", "", http.StatusOK)
	})
	within(t, "a kiosk's ticket", 5*time.Second, func(ctx context.Context) error {
		return getOK(ctx, hc, "POST", c.url+"/api/tickets", "demo-kiosk", `{"service":"employment"}`, http.StatusCreated)
	})
	within(t, "a new hall screen", 5*time.Second, func(ctx context.Context) error {
		conn, err := openScreen(ctx, c.url)
		if err == nil {
			conn.Close()
		}
		return err
	})
	// The screen from before the flood still hears the hall: the ticket above
	// reaches it.
	within(t, "the hall screen from before", 5*time.Second, func(ctx context.Context) error {
		dl, _ := ctx.Deadline()
		before.SetReadDeadline(dl)
		for {
			_, msg, err := before.ReadMessage()
			if err != nil {
				return err
			}
			if bytes.Contains(msg, []byte(`"ticket_issued"`)) {
				return nil
			}
		}
	})
	// The flood pressed all along: the server kept closing its connections
	// to make room (else they would have stayed open, and the flood would
	// have dialled no more).
	t.Logf("flood at the end: %d dials, %d held", f.dials.Load(), f.held.Load())
	if more := f.dials.Load() - dialsBefore; more < 500 {
		t.Errorf("the flood dialled only %d times while the hall was used: it did not press", more)
	}
}

// TestServe_Timeouts: a request whose body never comes is cut after the
// header and body timeouts, and so is a websocket handshake that never ends
// its headers; a healthy screen's websocket outlives both, since the hub keeps
// its own deadlines.
func TestServe_Timeouts(t *testing.T) {
	m := NewMain()
	m.Addr, m.DataDir, m.Stdout = "127.0.0.1:0", t.TempDir(), io.Discard
	m.Timeouts = Timeouts{Header: 500 * time.Millisecond, Body: 500 * time.Millisecond, Write: 500 * time.Millisecond}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	screen, err := openScreen(t.Context(), m.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer screen.Close()

	addr := strings.TrimPrefix(m.URL, "http://")
	cut := func(what, req string) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		// The server answers (408 or 400) or just closes; either way the
		// connection ends, well before the test's own deadline.
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.Copy(io.Discard, c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: the server still holds the connection after 10 s", what)
		}
	}
	cut("a body that never comes", floodRequests[0])
	cut("a websocket handshake without its end", "GET /ws?client=hall&token=demo-display HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")

	// Both timeouts have passed since the screen connected: it still hears
	// the hall.
	hc := freshClient()
	if err := getOK(t.Context(), hc, "POST", m.URL+"/api/tickets", "demo-kiosk", `{"service":"employment"}`, http.StatusCreated); err != nil {
		t.Fatal(err)
	}
	screen.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, msg, err := screen.ReadMessage()
		if err != nil {
			t.Fatalf("the screen's websocket after the timeouts: %v", err)
		}
		if bytes.Contains(msg, []byte(`"ticket_issued"`)) {
			break
		}
	}
	if err := screen.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	for {
		_, msg, err := screen.ReadMessage()
		if err != nil {
			t.Fatalf("the screen's ping after the timeouts: %v", err)
		}
		if bytes.Contains(msg, []byte(`"pong"`)) {
			break
		}
	}
}
