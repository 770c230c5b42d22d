// Package api is qcall's JSON API: every request is a command or a read of the
// queue.Engine, and a change is answered only once the engine has made it
// durable. Kiosks, screens, counter terminals, the director console and other
// programs use it (the contract is /work/shared/API.md; the project's own page
// is docs/api.md).
//
// The routes and the roles allowed are one table (api.go, apiRoutes); the
// sessions and device tokens are auth.go, the staff logins login.go, the
// revoked sessions revoke.go, and the request plumbing and metrics server.go.
// Every error is answered by the HTTP side's one error answer
// (display/internal/answer). API.Authenticate is the realtime hub's
// authentication (display.HubOptions.Authenticate); the API imports nothing of
// the hub (package display) or the screens (display/static).
package api
