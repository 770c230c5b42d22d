// Package guard holds what stands in front of every job of qcall's HTTP side:
// the connection limits (ConnLimiter, conns.go: how many connections the
// server keeps, and how many from one address before a device token or a staff
// session vouches for one) and the loopback host guard (LoopbackHosts,
// guard.go). Its refusals are answered by the HTTP side's one error answer
// (display/internal/answer).
package guard

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"qcall/display/internal/answer"
)

// LoopbackHosts wraps next so that it answers only requests whose Host names
// this machine by a loopback name (localhost, *.localhost, an address of
// 127.0.0.0/8, [::1]) or one of the names extra returns (asked at every
// request, so that it may follow the configuration); any other is answered
// 403 host_not_allowed. A server listening on a loopback address needs it:
// otherwise a web page of any site can make its own name resolve to 127.0.0.1
// (DNS rebinding) and then read and drive the hall as a page of its own
// origin — same-origin and websocket origin checks compare with that name.
func LoopbackHosts(next http.Handler, extra func() []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := requestHostName(r.Host)
		if !loopbackName(host) && !hostListed(host, extra) {
			answer.Error(w, r, nil, answer.Errorf(answer.CodeHostNotAllowed, "host %s is not this server's", host))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestHostName is the host of a Host header, without its port, brackets
// or final dot, in lower case.
func requestHostName(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// loopbackName reports whether host is a name or address of this machine's
// loopback.
func loopbackName(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

func hostListed(host string, extra func() []string) bool {
	if extra == nil || host == "" {
		return false
	}
	for _, h := range extra() {
		if requestHostName(h) == host {
			return true
		}
	}
	return false
}
