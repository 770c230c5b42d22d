package display

import (
	"net/http"
	"time"
)

// CloseSessionEnded is the close code of a websocket whose staff session has
// ended (a logout): reconnecting with that session is refused, the page asks
// for a login instead. 4000–4999 are the application's own (RFC 6455
// §7.4.2).
const CloseSessionEnded = 4001

// Sessions is what the hub needs to know of staff sessions so that a session
// that ends (a logout, or its time running out) closes the websockets opened
// with it, which otherwise would go on hearing the hall (a terminal its
// window's queue, with ticket ids) after the person logged out or a console
// was left open overnight. The API's is api.API.
type Sessions interface {
	// SessionOf names the staff session r's credentials carry, and when it
	// expires by the engine's clock: "" for none (a device token).
	SessionOf(r *http.Request) (id string, expires time.Time)
	// SessionEnded reports whether session id has ended.
	SessionEnded(id string) bool
	// OnSessionEnd has fn called with the id of each session that ends
	// from now on, after SessionEnded reports it.
	OnSessionEnd(fn func(id string))
}

// EndSession closes every websocket opened with the staff session id, with
// CloseSessionEnded: each is unregistered at once, so that nothing committed
// after the call reaches it, and its writer sends the close.
func (h *Hub) EndSession(id string) {
	if id == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c.session == id {
			h.endSessionLocked(c)
		}
	}
}

// closeIfSessionEnded closes c, just registered, when its session has ended
// meanwhile. A logout that came between the check of c's credentials and
// its registration found no c to close in EndSession; since the session is
// marked ended before EndSession runs, this look after the registration
// sees it.
func (h *Hub) closeIfSessionEnded(c *wsClient) {
	if c.session == "" || !h.opts.Sessions.SessionEnded(c.session) {
		return
	}
	h.mu.Lock()
	h.endSessionLocked(c)
	h.mu.Unlock()
}

// endExpiredSessions closes the websockets whose session has expired at now
// (the engine's clock), as a logout would: the hub looks every ClockEvery.
func (h *Hub) endExpiredSessions(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c.session != "" && !now.Before(c.expires) {
			h.endSessionLocked(c)
		}
	}
}

// endSessionLocked closes c for the end of its session. mu held.
func (h *Hub) endSessionLocked(c *wsClient) {
	h.removeLocked(c)
	c.out.close(CloseSessionEnded, "session ended")
}
