// Package display is qcall's realtime hub (Hub; hub*.go, ws.go): the websocket
// that carries the hall's events and views to screens, terminals, phones and
// device agents, and the composed voice of each call (hub_voice.go,
// GET /api/voice/..., composed by package announce). It holds no hall state:
// it folds its own read model from the committed events the engine hands it.
//
// qcall's HTTP side is split by job, one package each, which cmd/qcall mounts
// on one ServeMux:
//
//   - display (this package): the realtime hub.
//   - display/api: the JSON API that kiosks, screens, counter terminals, the
//     director console and other programs use (the contract is
//     /work/shared/API.md; the project's own page is docs/api.md), with its
//     sessions and logins. Its API.Authenticate is what the hub is given
//     (HubOptions.Authenticate) to tell who a client is.
//   - display/static: the pages, scripts, catalogues and QR codes built into
//     the binary, and the staff photos (Photos).
//
// Beside them, for all three: display/internal/answer, the one error answer
// (answer.Error: every error of every job is answered by it, with the status
// of its code and the catalogue's message), and display/guard, the connection
// limits and the loopback host guard. The API and the screens import neither
// the hub nor each other (arch_test.go holds this).
//
// display imports queue, assets and announce; it imports nothing of devices/.
package display
