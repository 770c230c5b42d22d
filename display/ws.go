package display

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"qcall/assets"
	"qcall/display/internal/answer"
	"qcall/queue"
)

// wsReadLimit caps a message from a client; past it the connection is closed
// with 1009. Clients send only {"type":"ping"}.
const wsReadLimit = 4 << 10

// wsPong is the answer to a client's {"type":"ping"}, shared by all.
var wsPong = prepared([]byte(`{"type":"pong"}`))

// ServeHTTP serves GET /ws: it checks the origin (403), the client kind and
// its window or ticket (400, 404), the credentials (401) and the role (403),
// all before upgrading; then it sends the client its first messages and
// hands the connection to the client's two goroutines.
//
// Query: client=hall|window|terminal|kiosk|evaluator|phone|agent, window=ID
// (window, terminal, evaluator), ticket=ID (phone), since=N (resume after seq
// N), lang=zh-CN|en (of window_name and voice_url), token= (a device token,
// for browsers).
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		h.fail(w, r, answer.Errorf(answer.CodeMethodNotAllowed, "allowed: GET"))
		return
	}
	h.mu.Lock()
	up := h.started && !h.closed
	h.mu.Unlock()
	if !up {
		h.fail(w, r, queue.ErrUnavailable)
		return
	}
	if !h.originAllowed(r) {
		h.fail(w, r, answer.Errorf(answer.CodeForbidden, "origin %s may not open the websocket", r.Header.Get("Origin")))
		return
	}
	q := r.URL.Query()
	kind, ok := parseKind(q.Get("client"))
	if !ok {
		h.fail(w, r, answer.Errorf(queue.ErrInvalid.Code, "client must be one of %s", strings.Join(kindNames[:], ", ")))
		return
	}
	since := int64(-1)
	if s := q.Get("since"); s != "" {
		n, err := strconv.ParseUint(s, 10, 63)
		if err != nil {
			h.fail(w, r, answer.Errorf(queue.ErrInvalid.Code, "since must be a seq"))
			return
		}
		since = int64(n)
	}
	var window int
	if kind.needsWindow() {
		n, err := strconv.Atoi(q.Get("window"))
		if err != nil || n < 1 {
			h.fail(w, r, answer.Errorf(queue.ErrInvalid.Code, "window must be a window id"))
			return
		}
		h.logMu.Lock()
		known := h.cfg != nil && h.cfg.Window(n) != nil
		h.logMu.Unlock()
		if !known {
			h.fail(w, r, queue.Errorf(queue.ErrUnknownWindow.Code, "no window %d", n))
			return
		}
		window = n
	}
	var ticket, actor, session string
	var expires time.Time
	if kind == kindPhone {
		ticket = q.Get("ticket")
		if ticket == "" {
			h.fail(w, r, answer.Errorf(queue.ErrInvalid.Code, "a phone needs its ticket id"))
			return
		}
		if _, err := h.eng.Ticket(r.Context(), ticket); err != nil {
			h.fail(w, r, err)
			return
		}
		actor = "phone"
	} else {
		role, who, err := h.opts.Authenticate(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !slices.Contains(kindRoles[kind], role) {
			h.fail(w, r, answer.Errorf(answer.CodeForbidden, "role %s may not open a %s client", role, kind))
			return
		}
		if kind == kindTerminal && role == queue.RoleStaff {
			// A terminal hears ticket ids and its window's queue: staff open
			// the one of the window they are signed in at.
			if err := h.signedInAt(r.Context(), who, window); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		actor = who
		if h.opts.Sessions != nil {
			session, expires = h.opts.Sessions.SessionOf(r)
		}
	}
	if q.Get("check") == "1" && !websocket.IsWebSocketUpgrade(r) {
		// A page whose websocket failed asks why (a browser never sees the
		// status of a refused handshake): everything above passed, so the
		// connection would be taken; a refusal was answered as for the
		// websocket, with its code (401 unauthorized, 403 forbidden, …).
		_ = answer.JSON(w, http.StatusOK, map[string]bool{"ok": true})
		return
	}

	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c := &wsClient{hub: h, conn: conn, kind: kind, key: keyOf(kind, window, ticket), window: window, ticket: ticket,
		actor: actor, session: session, expires: expires, listener: queue.Listener{Kind: listenerKinds[kind], Window: window, Ticket: ticket}}
	if kind == kindTerminal || kind == kindStaff {
		c.listener.Staff = actor
	}
	if assets.Lang(q.Get("lang")) == "en" {
		c.lang = 1
	}
	c.out.init(h.opts.SendBuffer)
	go c.writePump()
	// The handshake ends with the first messages queued: bounded like the
	// upgrade itself, so that a stalled store cannot hold connections open.
	rctx, cancel := context.WithTimeout(r.Context(), h.upgrader.HandshakeTimeout)
	err = h.register(rctx, c, since)
	cancel()
	if err != nil {
		code, reason := websocket.CloseInternalServerErr, "cannot start the stream"
		switch {
		case errors.Is(err, queue.ErrClosed):
			code, reason = websocket.CloseGoingAway, "server shutting down"
		case errors.Is(err, queue.ErrUnknownTicket), errors.Is(err, queue.ErrUnknownWindow):
			code, reason = websocket.ClosePolicyViolation, queue.ErrorCode(err)
		default:
			h.log.Error("display: hub: register", "client", kind.String(), "err", err)
		}
		c.out.close(code, reason)
		return
	}
	h.closeIfSessionEnded(c)
	// Read on a goroutine of our own and let the server's return: its
	// request buffers (some 6 KiB) then go with it.
	go c.readPump()
}

// signedInAt returns nil when staff jobNo is signed in at window, else
// not_signed_in.
func (h *Hub) signedInAt(ctx context.Context, jobNo string, window int) error {
	ws, err := h.eng.Windows(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if w.ID == window && w.Staff != nil && w.Staff.JobNo == jobNo {
			return nil
		}
	}
	return queue.Errorf(queue.ErrNotSignedIn.Code, "staff %s is not signed in at window %d", jobNo, window)
}

// originAllowed applies HubOptions.CheckOrigin, or the same-host rule and
// AllowedOrigins.
func (h *Hub) originAllowed(r *http.Request) bool {
	if h.opts.CheckOrigin != nil {
		return h.opts.CheckOrigin(r)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range h.opts.AllowedOrigins {
		if strings.EqualFold(strings.TrimRight(o, "/"), origin) || strings.EqualFold(o, u.Host) {
			return true
		}
	}
	return false
}

// wsClient is one websocket connection, served by two goroutines: readPump,
// and writePump, the only one that writes to conn.
type wsClient struct {
	hub    *Hub
	conn   *websocket.Conn
	kind   wsKind
	key    stateKey
	window int
	ticket string
	lang   int // index in hubLangs
	actor  string
	// session names the staff session the client opened with ("" for a
	// device or a phone): EndSession closes it.
	session string
	// expires is when that session expires (the engine's clock).
	expires time.Time
	out     wsOutbox
	// listener is who the client is to the hall's rules of who hears what.
	listener queue.Listener

	skip uint64 // newest seq the client has (or has queued); guarded by Hub.mu
}

// wants reports whether the client hears e, by the audience queue declares
// for it.
func (c *wsClient) wants(e *hubEvent) bool {
	hears, _ := e.aud.Hears(c.listener)
	return hears
}

// readPump reads the client's messages: only {"type":"ping"}, answered with
// {"type":"pong"}. Anything else closes the connection (1008; 1009 when too
// big). It unregisters the client when the connection ends.
func (c *wsClient) readPump() {
	h := c.hub
	defer h.unregister(c)
	conn := c.conn
	conn.SetReadLimit(wsReadLimit)
	_ = conn.SetReadDeadline(time.Now().Add(h.opts.PongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(h.opts.PongWait)) })
	for {
		typ, rd, err := conn.NextReader()
		if err != nil {
			c.out.close(websocket.CloseNormalClosure, "")
			return
		}
		var msg []byte
		if typ == websocket.TextMessage {
			msg, err = io.ReadAll(rd)
		}
		switch {
		case errors.Is(err, websocket.ErrReadLimit):
			c.refuse(websocket.CloseMessageTooBig, "message too big")
			return
		case err != nil:
			c.out.close(websocket.CloseNormalClosure, "")
			return
		case !isPing(msg):
			c.refuse(websocket.ClosePolicyViolation, `only {"type":"ping"} is accepted`)
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(h.opts.PongWait))
		h.mu.Lock()
		if _, ok := h.clients[c]; ok && !c.out.push(wsPong) {
			h.dropLocked(c)
		}
		h.mu.Unlock()
	}
}

// refuse closes the connection for a bad message from the client.
func (c *wsClient) refuse(code int, reason string) {
	h := c.hub
	h.mu.Lock()
	h.stats.refused++
	h.removeLocked(c)
	h.mu.Unlock()
	c.out.close(code, reason)
}

// isPing reports whether msg is a JSON object with "type":"ping".
func isPing(msg []byte) bool {
	var m struct {
		Type string `json:"type"`
	}
	dec := json.NewDecoder(bytes.NewReader(msg))
	if dec.Decode(&m) != nil || m.Type != "ping" {
		return false
	}
	_, err := dec.Token()
	return err == io.EOF
}

// writePump writes the client's messages, a ping every PingInterval, and the
// close message; it is the only writer of conn, and closes it.
func (c *wsClient) writePump() {
	h := c.hub
	conn := c.conn
	ticker := time.NewTicker(h.opts.PingInterval)
	defer func() {
		ticker.Stop()
		conn.Close()
		h.unregister(c)
	}()
	var batch []*websocket.PreparedMessage
	for {
		select {
		case <-c.out.wake:
			var closed bool
			var code int
			var reason string
			batch, closed, code, reason = c.out.take(batch[:0])
			if closed {
				// What is still queued is dropped: a closed client resyncs.
				msg := websocket.FormatCloseMessage(code, reason)
				_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
				return
			}
			for i, m := range batch {
				_ = conn.SetWriteDeadline(time.Now().Add(h.opts.WriteWait))
				if err := conn.WritePreparedMessage(m); err != nil {
					return
				}
				batch[i] = nil
			}
			if cap(batch) > 64 {
				batch = nil // an idle connection keeps no big slice
			}
		case <-ticker.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.opts.WriteWait)); err != nil {
				return
			}
		}
	}
}

// wsOutbox is a client's bounded send queue. Pushing never blocks: a full
// queue refuses, and the hub drops the client. The queue holds no memory while
// empty, so an idle connection stays small.
type wsOutbox struct {
	wake chan struct{} // capacity 1: there is something to take

	mu     sync.Mutex // guards the fields below
	q      []*websocket.PreparedMessage
	limit  int
	closed bool
	code   int
	reason string
}

func (o *wsOutbox) init(limit int) {
	o.wake = make(chan struct{}, 1)
	o.limit = limit
}

// push queues m; false when the queue is full or closed.
func (o *wsOutbox) push(m *websocket.PreparedMessage) bool {
	o.mu.Lock()
	if o.closed || len(o.q) >= o.limit {
		o.mu.Unlock()
		return false
	}
	o.q = append(o.q, m)
	o.mu.Unlock()
	o.signal()
	return true
}

// close asks the writer to close the connection with code and reason; the
// first call wins.
func (o *wsOutbox) close(code int, reason string) {
	o.mu.Lock()
	if !o.closed {
		o.closed, o.code, o.reason = true, code, reason
	}
	o.q = nil
	o.mu.Unlock()
	o.signal()
}

func (o *wsOutbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// take moves the queued messages into dst.
func (o *wsOutbox) take(dst []*websocket.PreparedMessage) ([]*websocket.PreparedMessage, bool, int, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	dst = append(dst, o.q...)
	clear(o.q)
	if cap(o.q) > 64 {
		o.q = nil
	} else {
		o.q = o.q[:0]
	}
	return dst, o.closed, o.code, o.reason
}
