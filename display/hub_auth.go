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

// fail answers err before the upgrade, as the API does (answerError).
func (h *Hub) fail(w http.ResponseWriter, r *http.Request, err error) { answerError(w, r, h.log, err) }
