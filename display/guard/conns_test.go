package guard

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// limitedServer is a real server on 127.0.0.1 behind a ConnLimiter; a request
// with X-Vouch vouches for its connection, as a valid token does in the API.
func limitedServer(t *testing.T, lim ConnLimits) (*ConnLimiter, string) {
	t.Helper()
	lim.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	l := NewConnLimiter(lim)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ConnContext: l.ConnContext, ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Vouch") != "" {
				Vouch(r)
			}
			io.WriteString(w, "ok")
		})}
	go srv.Serve(l.Listener(ln))
	t.Cleanup(func() { srv.Close() })
	return l, ln.Addr().String()
}

// rawConn is a client connection from a loopback address of its own.
type rawConn struct {
	net.Conn
	rd *bufio.Reader
}

func dialFrom(t *testing.T, src, addr string) *rawConn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{Conn: c, rd: bufio.NewReader(c)}
}

// get sends one request and reads its answer; false when the server closed
// the connection instead.
func (c *rawConn) get(vouch bool) bool {
	req := "GET / HTTP/1.1\r\nHost: x\r\n"
	if vouch {
		req += "X-Vouch: 1\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		return false
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(c.rd, nil)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return err == nil && string(b) == "ok"
}

// closed reports whether the server has closed the connection (within 10 s).
func (c *rawConn) closed() bool {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := c.rd.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// waitStats polls the limiter until cond holds.
func waitStats(t *testing.T, l *ConnLimiter, what string, cond func(ConnStats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond(l.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: stats %+v", what, l.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConnLimiter(t *testing.T) {
	t.Run("an address over its share loses its oldest unvouched", func(t *testing.T) {
		l, addr := limitedServer(t, ConnLimits{MaxConns: 100, PerAddr: 3})
		vouched := dialFrom(t, "127.0.0.2", addr)
		if !vouched.get(true) {
			t.Fatal("vouched request failed")
		}
		var cs []*rawConn
		for range 5 {
			cs = append(cs, dialFrom(t, "127.0.0.2", addr))
			waitStats(t, l, "admitted", func(s ConnStats) bool { return s.Open == len(cs)+1-max(0, len(cs)-3) })
		}
		for i, c := range cs[:2] {
			if !c.closed() {
				t.Errorf("unvouched connection %d of 5 was not closed", i)
			}
		}
		for i, c := range cs[2:] {
			if !c.get(false) {
				t.Errorf("unvouched connection %d of 5 was closed", i+2)
			}
		}
		if !vouched.get(false) {
			t.Error("the vouched connection was closed")
		}
		other := dialFrom(t, "127.0.0.3", addr)
		if !other.get(false) {
			t.Error("another address was refused")
		}
		if s := l.Stats(); s.Evicted != 2 || s.Open != 5 || s.Unvouched != 4 {
			t.Errorf("stats %+v", s)
		}
	})

	t.Run("the unvouched share is full: the address holding most gives way", func(t *testing.T) {
		l, addr := limitedServer(t, ConnLimits{MaxConns: 10, Reserved: 4, PerAddr: -1}) // 6 unvouched
		var flood []*rawConn
		for range 5 {
			flood = append(flood, dialFrom(t, "127.0.0.2", addr))
		}
		waitStats(t, l, "flood in", func(s ConnStats) bool { return s.Unvouched == 5 })
		few := dialFrom(t, "127.0.0.3", addr)
		waitStats(t, l, "one more", func(s ConnStats) bool { return s.Unvouched == 6 })
		kiosk := dialFrom(t, "127.0.0.4", addr)
		if !kiosk.get(true) {
			t.Fatal("the kiosk did not get in")
		}
		if !flood[0].closed() {
			t.Error("the flood's oldest connection was not closed")
		}
		if !few.get(false) {
			t.Error("the address with one connection lost it")
		}
		if s := l.Stats(); s.Evicted != 1 || s.Open != 6 || s.Unvouched != 5 {
			t.Errorf("stats %+v", s)
		}
	})

	t.Run("all places vouched: a new connection is refused", func(t *testing.T) {
		l, addr := limitedServer(t, ConnLimits{MaxConns: 3})
		for i := range 3 {
			c := dialFrom(t, "127.0.0.2", addr)
			if !c.get(true) {
				t.Fatalf("vouched %d refused", i)
			}
		}
		late := dialFrom(t, "127.0.0.5", addr)
		if !late.closed() {
			t.Error("a fourth connection was let in")
		}
		if s := l.Stats(); s.Refused != 1 || s.Open != 3 || s.Unvouched != 0 {
			t.Errorf("stats %+v", s)
		}
	})
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:80":                "127.0.0.1/32",
		"[2001:db8:1:2:3:4:5:6]:443":  "2001:db8:1:2::/64",
		"[::ffff:10.1.2.3]:1":         "10.1.2.3/32",
		"[2001:db8:1:2:ffff::1]:1234": "2001:db8:1:2::/64",
	} {
		a, err := net.ResolveTCPAddr("tcp", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := addrKey(a).String(); !strings.EqualFold(got, want) {
			t.Errorf("addrKey(%s) = %s, want %s", in, got, want)
		}
	}
}
