package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"qcall/queue"
)

// follow keeps a websocket to the server until ctx ends: it connects, handles
// every message, and after a failure waits (back-off) and resumes after the
// last event it handled.
func (a *Agent) follow(ctx context.Context) {
	bo := newBackoff(a.cfg.Reconnect)
	refused := 0 // the status of the last refusal of the token, logged once
	for ctx.Err() == nil {
		start := time.Now()
		err := a.session(ctx)
		a.connected.Store(false)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			bo.reset() // it was up for a while: come back quickly
		}
		d := bo.next()
		if status, ok := tokenRefused(err); ok {
			// Not a lost connection: the server is there and says no. It
			// is asked again (the hall may add the token), quietly.
			if status != refused {
				a.log.Error("agent: the server refuses the agent's token; retrying", "status", status, "hint", a.t("agent.token.refused", a.cfg.Server))
			} else {
				a.log.Debug("agent: token still refused", "status", status, "in", d.Round(time.Millisecond))
			}
			refused = status
			if !wait(ctx, d, nil) {
				return
			}
			continue
		}
		refused = 0
		a.log.Warn("agent: server connection lost; retrying", "err", err, "in", d.Round(time.Millisecond))
		if !wait(ctx, d, nil) {
			return
		}
	}
}

// session is one connection: it reads the hall (names, materials), opens the
// websocket after the last seq handled, and handles messages until the
// connection fails or ctx ends.
func (a *Agent) session(ctx context.Context) error {
	var hall queue.HallView
	if err := a.get(ctx, "/api/hall", &hall); err != nil {
		return err
	}
	a.setHall(&hall)
	u, _ := url.Parse(a.cfg.Server + "/ws")
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	q := url.Values{"client": {"agent"}, "lang": {a.cfg.Lang}}
	if a.seq > 0 {
		q.Set("since", strconv.FormatUint(a.seq, 10))
	}
	u.RawQuery = q.Encode()
	hdr := http.Header{"Authorization": {"Bearer " + a.cfg.Token}}
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment, TLSClientConfig: a.tls}
	conn, resp, err := dialer.DialContext(ctx, u.String(), hdr)
	if resp != nil {
		a.observeClock(resp.Header)
	}
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			return &apiError{Status: resp.StatusCode, Code: "unauthorized", Message: "websocket: " + resp.Status}
		}
		if resp != nil {
			return fmt.Errorf("websocket: %s: %w", resp.Status, err)
		}
		return fmt.Errorf("websocket: %w", err)
	}
	defer conn.Close()
	// A goroutine, the connection's only writer, sends {"type":"ping"} three
	// times per read timeout: the server's pong keeps a healthy connection
	// alive, and a network that drops packets silently is noticed within the
	// read timeout. Closing the connection is what ends a blocked read when
	// ctx ends.
	timeout := a.cfg.ReadTimeout.D()
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(timeout / 3)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				conn.Close()
				return
			case <-done:
				return
			case <-tick.C:
				conn.SetWriteDeadline(time.Now().Add(timeout / 3))
				if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
					conn.Close()
					return
				}
			}
		}
	}()
	if a.seq > 0 {
		// A resume: the server replays every event after a.seq. A first
		// connection counts from its snapshot on (see handle).
		a.connected.Store(true)
	}
	a.stats.connects.Add(1)
	a.needResync = true
	for _, lp := range a.ledPorts {
		lp.resend() // a bar may have been switched off and on meanwhile
	}
	a.log.Info("agent: connected", "server", a.cfg.Server, "since", a.seq)
	a.report.resend()

	conn.SetReadLimit(8 << 20)
	conn.SetReadDeadline(time.Now().Add(timeout))
	conn.SetPingHandler(func(data string) error {
		conn.SetReadDeadline(time.Now().Add(timeout))
		// WriteControl may run beside the reader; the agent writes nothing else.
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(5*time.Second))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		conn.SetReadDeadline(time.Now().Add(timeout))
		var m message
		if err := json.Unmarshal(b, &m); err != nil {
			a.log.Warn("agent: message from the server not understood", "err", err)
			continue
		}
		a.handle(&m)
	}
}

// observeClock takes the server's time from the Date header of an answer,
// and warns when this PC's clock is far off it.
func (a *Agent) observeClock(h http.Header) {
	if off, warn := a.clock.observe(h.Get("Date"), a.clock.now()); warn {
		a.log.Warn("agent: this PC's clock is off the server's; the agent follows the server's", "server_ahead_by", off.Round(time.Second))
	}
}

// apiError is an error answer of the server: {"error":{"code","message"}}.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// tokenRefused reports whether err is the server's 401 or 403: a wrong
// token, or one of another role, not a network fault.
func tokenRefused(err error) (int, bool) {
	var ae *apiError
	if errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden) {
		return ae.Status, true
	}
	return 0, false
}

// get reads path from the server into out.
func (a *Agent) get(ctx context.Context, path string, out any) error {
	return a.do(ctx, http.MethodGet, path, nil, out)
}

// post sends body to path on the server, as the agent.
func (a *Agent) post(ctx context.Context, path string, body, out any) error {
	return a.do(ctx, http.MethodPost, path, body, out)
}

func (a *Agent) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.cfg.Server+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.cfg.Token)
	req.Header.Set("Accept-Language", a.cfg.Lang)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	a.observeClock(resp.Header)
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(b, &e)
		return &apiError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Device statuses, as POST /api/devices/status takes them.
const (
	statusOK           = "ok"
	statusOffline      = "offline"
	statusPaperOut     = "paper_out"
	statusPaperNearEnd = "paper_near_end"
	statusCoverOpen    = "cover_open"
	statusError        = "error"
)

// deviceState is a device's status and note, and for a printer the kiosks it
// prints for (joined by commas, so that states compare with ==).
type deviceState struct{ Status, Note, Kiosks string }

// reporter sends the devices' states to the server: the newest state of each,
// once, retrying until the server has it. Device goroutines never wait for it.
type reporter struct {
	a    *Agent
	wake chan struct{}

	mu     sync.Mutex // guards want, sent and shared
	want   map[string]deviceState
	sent   map[string]deviceState
	shared map[string]string // printer → the other agents' printers the server said share its kiosks
	order  []string          // devices in the order first reported
}

func newReporter(a *Agent) *reporter {
	return &reporter{a: a, wake: make(chan struct{}, 1), want: map[string]deviceState{}, sent: map[string]deviceState{}, shared: map[string]string{}}
}

// set records device's state; the reporter sends it when it changed. kiosks
// names the kiosks a printer prints for, so that they can tell citizens when it
// cannot.
func (r *reporter) set(device, status, note string, kiosks ...string) {
	r.mu.Lock()
	prev, known := r.want[device]
	if !known {
		r.order = append(r.order, device)
	}
	r.want[device] = deviceState{status, note, strings.Join(kiosks, ",")}
	r.mu.Unlock()
	if prev.Status != status || !known {
		r.a.log.Info("agent: device status", "device", device, "status", status, "note", note)
	}
	signal(r.wake)
}

// get returns the state last set for device.
func (r *reporter) get(device string) deviceState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.want[device]
}

// resend sends every state again (the server writes an event only for a
// change): after a reconnect, the server may be a new one.
func (r *reporter) resend() {
	r.mu.Lock()
	clear(r.sent)
	r.mu.Unlock()
	signal(r.wake)
}

func (r *reporter) run(ctx context.Context) {
	bo := newBackoff(Backoff{Min: Duration(200 * time.Millisecond), Max: r.a.cfg.Reconnect.Max})
	for {
		failed := false
		for {
			r.mu.Lock()
			var dev string
			var st deviceState
			for _, d := range r.order {
				if r.want[d] != r.sent[d] {
					dev, st = d, r.want[d]
					break
				}
			}
			r.mu.Unlock()
			if dev == "" {
				break
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			body := map[string]any{"device": dev, "status": st.Status, "note": st.Note}
			if st.Kiosks != "" {
				body["kiosks"] = strings.Split(st.Kiosks, ",")
			}
			var answer struct {
				SharesKiosks []string `json:"shares_kiosks"`
			}
			err := r.a.post(cctx, "/api/devices/status", body, &answer)
			cancel()
			if err == nil {
				r.sharedKiosks(dev, st, answer.SharesKiosks)
			}
			if err != nil {
				if ctx.Err() == nil {
					r.a.log.Debug("agent: report device status", "device", dev, "err", err)
				}
				var ae *apiError
				if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusForbidden) {
					// 403: the hall configuration does not list the device
					// among this agent's (owns); it will not pass until it does.
					r.a.log.Error("agent: device status refused", "device", dev, "err", err)
					r.mu.Lock()
					r.sent[dev] = st // it will never pass; do not loop on it
					r.mu.Unlock()
					continue
				}
				failed = true
				break
			}
			r.mu.Lock()
			r.sent[dev] = st
			r.mu.Unlock()
		}
		d := 24 * time.Hour
		if failed {
			d = bo.next()
		} else {
			bo.reset()
		}
		if !wait(ctx, d, r.wake) {
			return
		}
	}
}

// sharedKiosks logs, as an error, a printer whose kiosks a printer of another
// agent serves too (the server says so in its answer): both print every
// ticket. It logs again when the other printers change.
func (r *reporter) sharedKiosks(dev string, st deviceState, others []string) {
	joined := strings.Join(others, ",")
	r.mu.Lock()
	prev := r.shared[dev]
	r.shared[dev] = joined
	r.mu.Unlock()
	if joined != "" && joined != prev {
		r.a.log.Error("agent: another agent's printer prints these kiosks' tickets too: every ticket prints twice. Give each kiosk one printer",
			"printer", dev, "kiosks", st.Kiosks, "also_printed_by", joined)
	}
}

// isConflict reports whether err is a 409 answer with one of codes.
func isConflict(err error, codes ...string) (string, bool) {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != http.StatusConflict {
		return "", false
	}
	for _, c := range codes {
		if strings.EqualFold(ae.Code, c) {
			return ae.Code, true
		}
	}
	return ae.Code, false
}
