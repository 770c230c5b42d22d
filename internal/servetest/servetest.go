// Package servetest runs a handler on a real HTTP server on 127.0.0.1 for
// tests, and asks it with a chosen Host header.
package servetest

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// Serve serves h on a real server on 127.0.0.1:0, closed at the test's end,
// and returns its base URL.
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// Get asks for url with the Host header host (the URL's own when empty) and
// returns the answer and its body.
func Get(t testing.TB, url, host string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}
