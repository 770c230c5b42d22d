// Package static serves qcall's screens: the pages, scripts, catalogues and QR
// codes built into the binary (Static, static.go) and the staff photos of the
// data folder (Photos, photos.go). Every error is answered by the HTTP side's
// one error answer (display/internal/answer); it imports nothing of the API
// (display/api) or the realtime hub (package display).
package static
