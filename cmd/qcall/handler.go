package main

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"qcall/display"
	displayapi "qcall/display/api" // as displayapi: main_test.go has a func api
	"qcall/display/guard"
	"qcall/display/static"
	"qcall/queue/report"
)

// handler puts the hall's HTTP surface together: the API, the realtime hub, the
// screens and the voice announcements, and the backup endpoint for `qcall backup` on the
// same machine. The returned func closes the hub, before the engine closes.
func (m *Main) handler(secret []byte, loopback bool) (http.Handler, func() error, error) {
	// Logouts are kept in the data folder: a session token outlives a
	// restart, so its revocation must too.
	revoked, err := displayapi.OpenRevocations(filepath.Join(m.DataDir, "sessions-revoked"), m.Clock.Now())
	if err != nil {
		return nil, nil, err
	}
	m.closed = append(m.closed, revoked.Close)
	// The reports' rollups, fed like the hub and rebuilt from the log in
	// the background.
	metrics := displayapi.NewMetrics()
	reports, err := report.Open(context.Background(), m.Engine, report.Options{Snapshot: filepath.Join(m.DataDir, "reports.snap"),
		Observe: metrics.Observe, Logger: m.Logger})
	if err != nil {
		return nil, nil, err
	}
	m.closed = append(m.closed, reports.Close)
	m.Reports = reports
	a, err := displayapi.New(displayapi.Options{
		Reports:         reports,
		Metrics:         metrics,
		Engine:          m.Engine,
		Secret:          deriveKey(secret, "session"),
		DemoCredentials: loopback,
		Backup:          func(w io.Writer) error { _, err := m.Store.Backup(w); return err },
		Revocations:     revoked,
		Logger:          m.Logger,
	})
	if err != nil {
		return nil, nil, err
	}
	screens, err := static.New(static.Options{Logger: m.Logger, TimeZone: m.Engine.Location().String()})
	if err != nil {
		return nil, nil, err
	}
	// A hall's own recordings in <data>/voice/<lang>/<clip>.wav replace the
	// shipped clips of the same name.
	hub, err := display.NewHub(display.HubOptions{Engine: m.Engine, Authenticate: a.Authenticate, Sessions: a, Logger: m.Logger,
		VoiceOverride: os.DirFS(filepath.Join(m.DataDir, "voice")), ClockEvery: m.TickEvery})
	if err != nil {
		return nil, nil, err
	}
	if err := hub.Start(context.Background()); err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	// The hub is mounted beside the API, not behind it: a websocket upgrade
	// needs the connection itself.
	mux.Handle("GET /ws", hub)
	mux.HandleFunc("GET /api/voice/{lang}/{number}/{window}", hub.ServeVoice)
	mux.Handle("/", a)
	screens.Register(mux) // the screens, /t/{id}, /i18n/{lang}.json, GET /api/qr
	// Staff photos (公示) are files in the data folder's photos/, named in the
	// configuration (staff photo = "1001.jpg"); only real images are served.
	mux.Handle("GET /photos/{file}", static.Photos(os.DirFS(filepath.Join(m.DataDir, "photos"))))
	backupKey := deriveKey(secret, "backup")
	mux.HandleFunc("GET /internal/backup", func(w http.ResponseWriter, r *http.Request) {
		got, err := hex.DecodeString(r.Header.Get(backupHeader))
		if err != nil || subtle.ConstantTimeCompare(got, backupKey) != 1 {
			http.Error(w, "backup key required", http.StatusForbidden)
			return
		}
		// A copy of a big store may take longer than the server's write timeout.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
		w.Header().Set("Content-Type", "application/octet-stream")
		if _, err := m.Store.Backup(w); err != nil {
			m.Logger.Error("backup", "err", err)
		}
	})
	if !loopback {
		return mux, hub.Close, nil
	}
	// On loopback, only loopback names, the hall's public_url and
	// --allowed-hosts: a page elsewhere may not rebind its name to this
	// server.
	return guard.LoopbackHosts(mux, func() []string {
		hosts := m.AllowedHosts
		if u, err := url.Parse(m.Engine.CurrentConfig().Hall.PublicURL); err == nil && u.Host != "" {
			hosts = append(hosts[:len(hosts):len(hosts)], u.Host)
		}
		return hosts
	}), hub.Close, nil
}
