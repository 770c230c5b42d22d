// Package display is qcall's HTTP side. It holds no hall state: every request
// is a command or a read of the queue.Engine, and a change is answered only
// once the engine has made it durable. It does three jobs, each a type of its
// own that cmd/qcall mounts on one ServeMux, and the file names say which job a
// file serves:
//
//   - The API (API; api*.go): the JSON API that kiosks, screens, counter
//     terminals, the director console and other programs use (the contract is
//     /work/shared/API.md; the project's own page is docs/api.md), with its
//     sessions and logins (api_auth.go, api_login.go, api_revoke.go) and its
//     request plumbing and metrics (api_server.go).
//   - The realtime hub (Hub; hub*.go, ws.go): the websocket that carries the
//     hall's events and views to screens, terminals, phones and device agents,
//     and the composed voice of each call (hub_voice.go, GET /api/voice/...,
//     composed by package announce).
//   - The screens (Static; static*.go): the pages, scripts, catalogues and QR
//     codes built into the binary, and the staff photos (Photos).
//
// Beside them, for all three: one error answer (errors.go, answerError: every
// error of every job is answered by it, with the status of its code and the
// catalogue's message), the connection limits (conns.go) and the loopback
// host guard (guard.go).
//
// display imports queue, assets and announce; it imports nothing of devices/.
package display
