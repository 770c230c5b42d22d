package display

// This file joins the Hub to the API: its authentication and its errors. It
// is the only place the hub uses the API's internals.

import (
	"net/http"

	"qcall/queue"
)

// APIAuthenticate returns a's authentication for the Hub: the device token
// (Authorization: Bearer, or ?token=), the staff bearer token or the session
// cookie, resolved by the same rules as the API's routes.
func APIAuthenticate(a *API) Authenticate {
	return func(r *http.Request) (queue.Role, string, error) {
		p, err := a.authenticate(r)
		if err != nil {
			return "", "", err
		}
		return p.role, p.actor, nil
	}
}

// fail answers err before the upgrade as {"error":{"code","message"}}, with
// the status the API gives its code.
func (h *Hub) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, detail := classifyError(err)
	status := statusOf(code)
	if code == codeInternal {
		h.log.Error("display: hub: internal error", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	_ = sendJSON(w, status, newErrorBody(r.Header.Get("Accept-Language"), code, detail))
}
