package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"qcall/display/guard"
	"qcall/queue"
	"qcall/queue/bolt"
	"qcall/queue/hallfile"
	"qcall/queue/keyfile"
	"qcall/queue/report"
)

// Main is the hall server: flags in, a listening server out. End-to-end tests
// run it in the test process.
type Main struct {
	Addr       string // listen address
	DataDir    string // data folder
	ConfigPath string // hall configuration file; empty: the demo hall
	Stdout     io.Writer
	Logger     *slog.Logger
	// Clock is the engine's clock; nil is the wall clock.
	Clock queue.Clock
	// TickEvery is how often the time rules run (default 5 s).
	TickEvery time.Duration
	// StoreOptions are passed to the store (tests cap its size to fill the disk).
	StoreOptions []bolt.Option
	// MaxConns and MaxConnsPerAddr bound the open connections (see
	// guard.ConnLimits): 0 is the default, MaxConns from the limit of open
	// files; MaxConnsPerAddr below 0 is no cap per address.
	MaxConns, MaxConnsPerAddr int
	// Timeouts of the HTTP server; a zero field is the default.
	Timeouts Timeouts
	// AllowedHosts are host names a server on a loopback address answers
	// to besides the loopback names and the hall's public_url (a reverse
	// proxy's public name); any other Host is refused, against DNS
	// rebinding.
	AllowedHosts []string

	// Set by Run.
	URL     string // http://host:port of the listening server
	Engine  *queue.Engine
	Store   *bolt.DB
	Config  *queue.Config
	Reports *report.Rollups

	ln        net.Listener
	wroteAddr bool // this Main wrote server.addr, and removes it at Close
	srv       *http.Server
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closed    []func() error // run in reverse by Close
}

// NewMain returns a Main with the defaults: 127.0.0.1:8080, ./qcall-data.
func NewMain() *Main {
	return &Main{Addr: "127.0.0.1:8080", DataDir: "qcall-data", Stdout: os.Stdout, TickEvery: 5 * time.Second}
}

// ParseFlags reads the serve flags, each defaulting to its QCALL_ variable.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("qcall serve", flag.ContinueOnError)
	fs.StringVar(&m.Addr, "addr", envDefault("ADDR", m.Addr), "listen address (QCALL_ADDR)")
	fs.StringVar(&m.DataDir, "data", envDefault("DATA", m.DataDir), "data folder (QCALL_DATA)")
	fs.StringVar(&m.ConfigPath, "config", envDefault("CONFIG", m.ConfigPath), "hall configuration file; none: the demo hall (QCALL_CONFIG)")
	maxConns, err := envInt("MAX_CONNS", m.MaxConns)
	if err != nil {
		return err
	}
	perAddr, err := envInt("MAX_CONNS_PER_ADDR", m.MaxConnsPerAddr)
	if err != nil {
		return err
	}
	fs.IntVar(&m.MaxConns, "max-conns", maxConns, "most connections open at once; 0: from the limit of open files (QCALL_MAX_CONNS)")
	fs.IntVar(&m.MaxConnsPerAddr, "max-conns-per-addr", perAddr,
		"most connections from one address not yet vouched for by a device token or staff session; 0: 256, -1: no cap (QCALL_MAX_CONNS_PER_ADDR)")
	var hosts string
	fs.StringVar(&hosts, "allowed-hosts", envDefault("ALLOWED_HOSTS", strings.Join(m.AllowedHosts, ",")),
		"on a loopback address, host names to answer to besides localhost and the hall's public_url, comma-separated (QCALL_ALLOWED_HOSTS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m.AllowedHosts = nil
	for h := range strings.SplitSeq(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			m.AllowedHosts = append(m.AllowedHosts, h)
		}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// Run opens the data folder and the hall, listens, and serves in the
// background. It returns once the server accepts connections, or the first
// error: a bad configuration, a data folder in use, an address taken.
func (m *Main) Run(ctx context.Context) (err error) {
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if m.Clock == nil {
		m.Clock = queue.ClockFunc(time.Now)
	}
	setGCPercent()
	cfg := queue.Demo()
	if m.ConfigPath != "" {
		load := hallfile.LoadPublic // refuses the example's placeholder secrets
		if loopbackAddr(m.Addr) {
			load = hallfile.Load
		}
		if cfg, err = load(m.ConfigPath); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(m.DataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	// The store's lock first: what follows (the secret, server.addr) belongs
	// to the one server that holds it.
	store, err := bolt.Open(filepath.Join(m.DataDir, "qcall.db"), append([]bolt.Option{bolt.Logger(m.Logger)}, m.StoreOptions...)...)
	if err != nil {
		return err
	}
	m.Store = store
	m.closed = append(m.closed, store.Close)
	secret, err := loadSecret(m.DataDir)
	if err != nil {
		return err
	}
	// The day keys of citizen-ID hashes, opened once the store holds the
	// folder's lock.
	idKeys, err := keyfile.Open(filepath.Join(m.DataDir, "idkeys"))
	if err != nil {
		return err
	}
	eng, err := queue.Open(store, queue.Options{Config: cfg, Clock: m.Clock, IDKey: deriveKey(secret, "citizen-id"), IDKeys: idKeys, Logger: m.Logger})
	if err != nil {
		return err
	}
	m.Engine = eng
	m.closed = append(m.closed, eng.Close)
	if m.Config, err = eng.Config(ctx); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Addr, err)
	}
	m.ln = ln
	loopback := isLoopback(ln.Addr())
	h, closeHandler, err := m.handler(secret, loopback)
	if err != nil {
		ln.Close()
		return err
	}
	m.closed = append(m.closed, closeHandler)
	maxConns := m.MaxConns
	if maxConns <= 0 {
		maxConns = defaultMaxConns()
	}
	conns := guard.NewConnLimiter(guard.ConnLimits{MaxConns: maxConns, PerAddr: m.MaxConnsPerAddr, Logger: m.Logger})
	ln = conns.Listener(ln)
	m.ln = ln
	t := m.Timeouts.withDefaults()
	m.srv = &http.Server{Handler: h, ConnContext: conns.ConnContext,
		ReadHeaderTimeout: t.Header, ReadTimeout: t.Header + t.Body, WriteTimeout: t.Write, IdleTimeout: t.Idle,
		MaxHeaderBytes: maxHeaderBytes, ErrorLog: slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn)}
	m.URL = "http://" + ln.Addr().String()
	if err := os.WriteFile(filepath.Join(m.DataDir, "server.addr"), []byte(ln.Addr().String()+"\n"), 0o600); err != nil {
		ln.Close()
		return err
	}
	m.wroteAddr = true

	ctx, m.cancel = context.WithCancel(context.Background())
	m.wg.Go(func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("serve", "err", err)
		}
	})
	m.wg.Go(func() { m.tick(ctx) })
	m.printWelcome(loopback)
	return nil
}

// Timeouts are the HTTP server's. A websocket is not bound by them: once
// upgraded, the hub keeps its own deadlines (a ping every 25 s, a silent
// screen dropped after 60 s, a write that takes 10 s).
type Timeouts struct {
	// Header is how long a client has to send a request's headers (default
	// 5 s); a websocket handshake is a request like any other.
	Header time.Duration
	// Body is how long, after the headers, it has to send the body (default
	// 10 s; the hall's bodies are a few hundred bytes).
	Body time.Duration
	// Write is how long the server may take to answer a request (default
	// 60 s); the backup's download is exempt.
	Write time.Duration
	// Idle is how long a kept-alive connection may wait for its next request
	// (default 120 s).
	Idle time.Duration
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.Header, 5*time.Second)
	def(&t.Body, 10*time.Second)
	def(&t.Write, 60*time.Second)
	def(&t.Idle, 120*time.Second)
	return t
}

// maxHeaderBytes caps a request's headers; the hall's are well under 8 KiB.
const maxHeaderBytes = 64 << 10

// defaultMaxConns is the cap on open connections when none is given: the
// limit of open files less what the data files, clips and photos need, and
// at most 50,000.
func defaultMaxConns() int {
	n := openFilesLimit()
	if n <= 0 {
		return guard.DefaultMaxConns
	}
	return min(max(n-256, 64), 50000)
}

// tick runs the time rules (business day, backup by wait, case warnings).
func (m *Main) tick(ctx context.Context) {
	t := time.NewTicker(m.TickEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.Engine.Tick(ctx); err != nil && ctx.Err() == nil {
				m.Logger.Warn("tick", "err", err)
			}
		}
	}
}

// Close stops serving, lets the engine finish what it took, snapshots, and
// closes the data file.
func (m *Main) Close() error {
	var errs []error
	if m.srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		m.srv.Shutdown(sctx)
		cancel()
		m.srv.Close()
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	for i := len(m.closed) - 1; i >= 0; i-- {
		if err := m.closed[i](); err != nil {
			errs = append(errs, err)
		}
	}
	m.closed = nil
	if m.wroteAddr {
		// Only this server's: a second one refused at start must not take
		// the running one's address away (qcall backup needs it).
		os.Remove(filepath.Join(m.DataDir, "server.addr"))
		m.wroteAddr = false
	}
	return errors.Join(errs...)
}

// printWelcome says where the hall is and how to open its screens. The demo
// hall's device links carry its well-known tokens; a hall of --config keeps
// only the hashes of its devices' tokens, so its links say where the token
// goes and the devices it has are named, with the file their tokens are in.
func (m *Main) printWelcome(loopback bool) {
	w := m.Stdout
	fmt.Fprintf(w, "qcall: %s\n", m.Config.Hall.Name)
	fmt.Fprintf(w, "qcall: listening on %s (data in %s)\n", m.URL, m.DataDir)
	window := 1
	if len(m.Config.Windows) > 0 {
		window = m.Config.Windows[0].ID
	}
	for _, s := range screens {
		path := strings.ReplaceAll(s.path, "{window}", strconv.Itoa(window))
		token := ""
		if s.role != "" {
			token = "<" + string(s.role) + " token>"
			if m.Config.Demo {
				token = demoTokens[s.role]
			}
			path += "token=" + token
		}
		fmt.Fprintf(w, "  %-18s %s%s\n", s.name, m.URL, path)
	}
	if !m.Config.Demo {
		fmt.Fprintf(w, "device tokens: as set in %s ([[devices]] token); its devices:\n", m.ConfigPath)
		for _, d := range m.Config.Devices {
			line := fmt.Sprintf("  %-18s %s", d.Name, d.Role)
			if d.Window != 0 {
				line += fmt.Sprintf(", window %d", d.Window)
			}
			fmt.Fprintln(w, line)
		}
		return
	}
	if !loopback {
		fmt.Fprintln(w, "qcall: demo hall on a non-loopback address: the demo credentials are refused; give --config")
		return
	}
	fmt.Fprintln(w, "demo credentials (accepted on loopback only):")
	fmt.Fprintln(w, "  staff 1001–1012, duty director 9001, admin 9999 — password: demo")
	fmt.Fprintln(w, "  device tokens: demo-kiosk, demo-display, demo-evaluator, demo-agent")
}

// screens are the pages the welcome lists; a device page ends with its
// token, of a device of role.
var screens = []struct {
	name, path string
	role       queue.Role
}{
	{"hall screen", "/hall.html?", queue.RoleDisplay},
	{"kiosk", "/kiosk.html?", queue.RoleKiosk},
	{"counter terminal", "/terminal.html", ""},
	{"window screen", "/window.html?window={window}&", queue.RoleDisplay},
	{"evaluator", "/evaluator.html?window={window}&", queue.RoleEvaluator},
	{"greeter tablet", "/greeter.html", ""},
	{"director console", "/director.html", ""},
	{"registers", "/registers.html", ""},
	{"reports", "/reports.html", ""},
	{"API", "/api/hall", ""},
}

// demoTokens are the demo hall's device tokens, by role.
var demoTokens = map[queue.Role]string{
	queue.RoleDisplay: "demo-display", queue.RoleKiosk: "demo-kiosk", queue.RoleEvaluator: "demo-evaluator", queue.RoleAgent: "demo-agent",
}

// loopbackAddr reports whether listening on addr (host:port) serves only this
// machine: a loopback IP, or a name that resolves to one. An empty host (every
// interface) is not.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	ips, err := net.LookupIP(host)
	if err != nil || len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return false
		}
	}
	return true
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// loadSecret reads the data folder's secret (keys for sessions and citizen ID
// hashes), making it on first start. Whoever can read it can sign in as anyone:
// it is written 0600.
func loadSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, "secret")
	b, err := os.ReadFile(path)
	if err == nil {
		s, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(s) < 32 {
			return nil, fmt.Errorf("secret %s is damaged; restore it from the backup of the data folder", path)
		}
		return s, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	s := make([]byte, 32)
	rand.Read(s)
	// Whole or not at all: a temporary file synced, then renamed.
	tmp, err := os.CreateTemp(dir, ".secret-*")
	if err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(s) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	return s, nil
}

// deriveKey makes a key for one purpose from the secret.
func deriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// setGCPercent sets the garbage collector's target as qcall serve runs it: the
// hall's state lives in memory and a busy hall makes garbage at a steady rate
// (requests, events); a GC target of 400 % trades a little memory for much
// less CPU under load. GOGC, when set, decides.
func setGCPercent() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
