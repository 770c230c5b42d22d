package display

// This file holds the hub's error answer before the upgrade: the HTTP side's
// one (answer.Error). Who a client is comes from HubOptions.Authenticate
// (cmd/qcall passes the API's, api.API.Authenticate).

import (
	"net/http"

	"qcall/display/internal/answer"
)

// fail answers err before the upgrade, as the API does (answer.Error).
func (h *Hub) fail(w http.ResponseWriter, r *http.Request, err error) { answer.Error(w, r, h.log, err) }
