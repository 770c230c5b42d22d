package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The screens, driven in a real headless Chromium: a citizen takes a ticket at
// the kiosk, the staff member calls it from the counter terminal, the hall
// screen shows and announces it, the window screen and the phone page show
// it, the evaluator takes the rating after the service; then the hall screen
// lives through a server restart. Each screen is photographed at its natural
// size into screenshots/ at the repository root.

// chromiumPath finds Chromium, or skips the test (fails it under CI, where it
// must run).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found: the screen tests need it (Debian: apt-get install chromium fonts-noto-cjk)")
	}
	t.Skip("chromium not found (Debian: apt-get install chromium fonts-noto-cjk)")
	return ""
}

// startMainAt runs a hall server in the test process on addr with its data in
// dir, and closes it at the end of the test.
func startMainAt(t *testing.T, dir, addr string) *Main {
	t.Helper()
	m := NewMain()
	m.Addr, m.DataDir = addr, dir
	return runMain(t, m)
}

// runMain runs m for the test, its output discarded and its log on stderr
// from warnings up, and closes it at the end of the test.
func runMain(t *testing.T, m *Main) *Main {
	t.Helper()
	m.Stdout = io.Discard
	m.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// browser starts a headless Chromium for the test and returns its first tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// screen is one tab showing one screen.
type screen struct {
	t      *testing.T
	name   string
	ctx    context.Context
	cancel context.CancelFunc // closes the tab
}

// close closes the tab (its connections with it).
func (s *screen) close() { s.cancel() }

// open shows path in a new tab of the browser, w×h pixels.
func open(t *testing.T, b context.Context, name, base, path string, w, h int64) *screen {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b)
	t.Cleanup(cancel)
	// The first run makes the tab, which lives as long as the context of
	// that run: it gets no timeout of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: new tab: %v", name, err)
	}
	s := &screen{t: t, name: name, ctx: ctx, cancel: cancel}
	s.do(chromedp.EmulateViewport(w, h), chromedp.Navigate(base+path))
	return s
}

// do runs actions in the tab, each step within 15 s.
func (s *screen) do(steps ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		s.t.Fatalf("%s: %v", s.name, err)
	}
}

// wait waits until the JavaScript expression is true, within d.
func (s *screen) wait(expr string, d time.Duration) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, d+2*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		s.t.Fatalf("%s: waiting %v for %s: %v", s.name, d, expr, err)
	}
}

// text is the text content of the element sel.
func (s *screen) text(sel string) string {
	s.t.Helper()
	return strings.TrimSpace(s.eval(fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel)))
}

func (s *screen) eval(expr string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		s.t.Fatalf("%s: %s: %v", s.name, expr, err)
	}
	return v
}

// shot writes the tab's viewport to screenshots/<file>.png at the repository root.
func (s *screen) shot(file string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		s.t.Fatalf("%s: screenshot: %v", s.name, err)
	}
	dir := filepath.Join("..", "..", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file+".png"), b, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// visible is the JavaScript test that element sel is shown.
func visible(sel string) string {
	return fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && !e.closest("[hidden]") && e.getClientRects().length > 0; })()`, sel)
}

// textIs is the JavaScript test that element sel's text is want.
func textIs(sel, want string) string {
	return fmt.Sprintf(`((document.querySelector(%q) || {}).textContent || "").trim() === %q`, sel, want)
}

func TestBrowser_Screens(t *testing.T) {
	start := time.Now()
	dir := t.TempDir()
	m := startMainAt(t, dir, "127.0.0.1:0")
	base := m.URL
	r, err := http.Get(base + "/hall.html")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 {
		t.Fatalf("GET /hall.html: %d: cmd/qcall/handler.go must register static.Static and display.Hub", r.StatusCode)
	}
	b := browser(t)

	// The screens that only watch, before anything happens.
	hall := open(t, b, "hall", base, "/hall.html?token=demo-display", 1920, 1080)
	win := open(t, b, "window", base, "/window.html?window=1&token=demo-display", 800, 480)
	eval := open(t, b, "evaluator", base, "/evaluator.html?window=1&token=demo-evaluator", 1280, 800)
	hall.wait(`document.querySelectorAll("#windows .wcell").length === 10`, 10*time.Second)
	win.wait(visible("#w-closed"), 10*time.Second)
	eval.wait(visible("#e-closed"), 10*time.Second)
	win.shot("window-closed")
	// The device token leaves the address bar once the page has it.
	noToken := `!location.href.includes("token") && !location.href.includes("demo-")`
	for _, sc := range []*screen{hall, win, eval} {
		sc.wait(noToken, 5*time.Second)
	}
	// A reload of the page in its tab keeps working without the token in
	// the address.
	win.do(chromedp.Reload())
	win.wait(visible("#w-closed")+" && "+noToken, 10*time.Second)

	// The kiosk: pick a service, read its materials, take the ticket.
	kiosk := open(t, b, "kiosk", base, "/kiosk.html?token=demo-kiosk", 1080, 1920)
	kiosk.wait(visible(`.k-service[data-service="employment"]`)+" && "+noToken, 10*time.Second)
	kiosk.shot("kiosk-start")
	kiosk.do(chromedp.Click(chromedp.CSS(`.k-service[data-service="employment"]`)))
	kiosk.wait(visible("#k-m-take"), 5*time.Second)
	if n := kiosk.eval(`String(document.querySelectorAll("#k-m-list li").length)`); n != "5" {
		t.Errorf("kiosk: %s materials listed, want the service's 5", n)
	}
	kiosk.shot("kiosk-materials")
	kiosk.do(chromedp.Click(chromedp.CSS("#k-m-take")))
	kiosk.wait(visible("#k-t-number")+` && document.querySelector("#k-t-qr").naturalWidth > 0`, 10*time.Second)
	number := kiosk.text("#k-t-number")
	if number != "A001" {
		t.Fatalf("kiosk shows ticket %q, want A001", number)
	}
	kiosk.shot("kiosk-ticket")
	qr, err := url.Parse(kiosk.eval(`document.querySelector("#k-t-qr").src`))
	if err != nil {
		t.Fatal(err)
	}
	statusURL := qr.Query().Get("data")
	if !strings.HasPrefix(statusURL, base+"/t/") {
		t.Fatalf("the QR code holds %q, not the phone page", statusURL)
	}

	// The kiosk's printer runs out of paper (the device agent reports it for
	// kiosk-1): the kiosk tells the citizen to keep the number on the screen,
	// and stops saying so when the paper is back.
	printer := func(status string) {
		t.Helper()
		body := map[string]any{"device": "printer-1", "status": status, "kiosks": []string{"kiosk-1"}}
		if code := api(t, "POST", base+"/api/devices/status", "demo-agent", body, nil); code != 200 {
			t.Fatalf("printer %s: %d", status, code)
		}
	}
	printer("paper_out")
	kiosk.wait(visible("#k-printer")+` && document.querySelector("#k-printer").textContent.includes("打印纸已用完") && document.querySelector("#k-t-take").hidden`, 5*time.Second)
	kiosk.shot("kiosk-printer-out")
	printer("ok")
	kiosk.wait(`document.querySelector("#k-printer").hidden`, 5*time.Second)

	// More of a hall: tickets for other services, window 4 calling, a staff
	// member away at a meeting.
	for _, svc := range []string{"employment", "employment", "unemployment", "pension", "pension"} {
		if code := api(t, "POST", base+"/api/tickets", "demo-kiosk", map[string]string{"service": svc}, nil); code != 201 {
			t.Fatalf("issue %s: %d", svc, code)
		}
	}
	s4 := login(t, base, "1004")
	for _, action := range []string{"signin", "call-next"} {
		if code := api(t, "POST", base+"/api/windows/4/"+action, s4, map[string]any{}, nil); code != 200 {
			t.Fatalf("window 4 %s: %d", action, code)
		}
	}
	if code := api(t, "POST", base+"/api/windows/5/whereabouts", login(t, base, "1005"),
		map[string]string{"status": "meeting", "note": "局务会"}, nil); code != 200 {
		t.Fatalf("whereabouts: %d", code)
	}
	hall.wait(textIs("#now-number", "C001")+` && `+textIs(`tr[data-service="pension"] td.num`, "1 人")+
		` && document.querySelector('#board li[data-staff="1005"]')`, 10*time.Second)

	// The phone page from the QR code.
	phone := open(t, b, "phone", statusURL, "", 390, 844)
	phone.wait(textIs("#p-number", "A001")+" && "+visible("#p-waiting"), 10*time.Second)
	phone.shot("phone-waiting")

	// The counter terminal: log in, sign in at window 1, call next.
	term := open(t, b, "terminal", base, "/terminal.html", 1366, 768)
	term.wait(visible("#t-jobno"), 10*time.Second)
	term.do(
		chromedp.SendKeys(chromedp.CSS("#t-jobno"), "1001"),
		chromedp.SendKeys(chromedp.CSS("#t-password"), "demo"),
		chromedp.Click(chromedp.CSS("#t-login-btn")),
	)
	term.wait(visible(`.t-win[data-window="1"]`), 10*time.Second)
	term.shot("terminal-pick")
	term.do(chromedp.Click(chromedp.CSS(`.t-win[data-window="1"]`)))
	term.wait(visible("#t-desk")+` && document.querySelector("#t-queue .num") && `+textIs("#t-queue .num", "A001"), 10*time.Second)
	term.do(chromedp.Click(chromedp.CSS(`.t-act[data-act="callNext"]`)))
	term.wait(textIs("#t-cur-number", "A001"), 10*time.Second)

	// The hall screen shows the call large and plays its announcement; the
	// window screen shows the number; the phone says where to go.
	// The announcements take their turns: A001 waits for C001's to end.
	hall.wait(textIs("#now-number", "A001")+` && window.__played.length >= 2`, 20*time.Second)
	played := hall.eval(`window.__played.join(" ")`)
	if want := "/api/voice/zh-CN/C001/4.wav /api/voice/zh-CN/A001/1.wav"; played != want {
		t.Errorf("hall played %q, want the calls in order: %q", played, want)
	}
	if w := hall.text(`.wcell[data-window="1"] .wnum`); w != "A001" {
		t.Errorf("hall: window 1 shows %q", w)
	}
	resp, err := http.Get(base + strings.Fields(played)[0])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" {
		t.Errorf("voice: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	hall.shot("hall")
	win.wait(textIs("#w-number", "A001")+" && "+visible("#w-staff-name"), 10*time.Second)
	win.shot("window")
	phone.wait(visible("#p-called")+` && document.querySelector("#p-goto").textContent.includes("1")`, 10*time.Second)
	phone.shot("phone-called")

	// Start with the keyboard shortcut, then finish from the dialog.
	term.do(chromedp.KeyEvent("s"))
	term.wait(`document.querySelector("#t-cur-info .state").textContent === `+
		`(Q.cat["web.state.serving"])`, 10*time.Second)
	term.shot("terminal")
	term.do(chromedp.KeyEvent("f"))
	term.wait(visible("#d-finish"), 5*time.Second)
	term.shot("terminal-finish")
	term.do(chromedp.Click(chromedp.CSS(`#d-finish button[type="submit"]`)))
	term.wait(textIs("#t-cur-number", "—"), 10*time.Second)

	// The evaluator asks, takes one tap, thanks.
	eval.wait(visible(`.e-btn[data-score="4"]`), 10*time.Second)
	eval.shot("evaluator")
	eval.do(chromedp.Click(chromedp.CSS(`.e-btn[data-score="4"]`)))
	eval.wait(visible("#e-thanks"), 10*time.Second)
	director := login(t, base, "9001")
	var evs struct {
		Events []struct {
			Type   string
			Window int
			Score  int
		}
	}
	if code := api(t, "GET", base+"/api/events?limit=1000", director, nil, &evs); code != 200 {
		t.Fatalf("events: %d", code)
	}
	rated := false
	for _, e := range evs.Events {
		rated = rated || (e.Type == "rating_given" && e.Window == 1 && e.Score == 4)
	}
	if !rated {
		t.Errorf("no rating_given 4 at window 1 in %+v", evs.Events)
	}
	t.Logf("scenario done after %v", time.Since(start).Round(time.Millisecond))

	// The hall screen lives through a restart of the server: it says it lost
	// the server, comes back by itself, and shows (and announces, once) a
	// call made after the restart within 5 s. The call it announced before is
	// never announced again.
	addr := strings.TrimPrefix(base, "http://")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	hall.wait(visible("#q-offline"), 10*time.Second)
	hall.shot("hall-offline")
	m2 := startMainAt(t, dir, addr)
	restarted := time.Now()
	staff := login(t, m2.URL, "1001")
	if code := api(t, "POST", m2.URL+"/api/tickets", "demo-kiosk", map[string]string{"service": "employment"}, nil); code != 201 {
		t.Fatalf("issue after restart: %d", code)
	}
	var called struct{ Ticket struct{ Number string } }
	if code := api(t, "POST", m2.URL+"/api/windows/1/call-next", staff, map[string]any{}, &called); code != 200 {
		t.Fatalf("call after restart: %d", code)
	}
	hall.wait(textIs("#now-number", called.Ticket.Number)+` && !`+visible("#q-offline")+" && "+noToken, 5*time.Second-time.Since(restarted))
	t.Logf("hall showed %s %v after the restart", called.Ticket.Number, time.Since(restarted).Round(time.Millisecond))
	// So does window 1's screen, on its own too.
	win.wait(textIs("#w-number", called.Ticket.Number)+` && !`+visible("#q-offline")+" && "+noToken, 5*time.Second-time.Since(restarted))
	hall.wait(`window.__played.some((u) => u.includes("/`+called.Ticket.Number+`/1.wav"))`, 10*time.Second)
	if n := hall.eval(`String(window.__played.filter((u) => u.includes("/A001/")).length)`); n != "1" {
		t.Errorf("A001 announced %s times, want once", n)
	}

	// A return slip: the terminal, back by itself after the restart, lists
	// the service's materials; the citizen lacks one and gets a slip; the
	// kiosk takes the slip back and the ticket waits at the front again.
	term.wait(textIs("#t-cur-number", called.Ticket.Number)+" && !"+visible("#q-offline"), 10*time.Second)
	term.do(chromedp.KeyEvent("m"))
	term.wait(visible(`#d-suspend input[name="missing"]`), 5*time.Second)
	term.do(
		chromedp.Click(chromedp.CSS(`#d-suspend input[name="missing"]`)),
		chromedp.SendKeys(chromedp.CSS(`#d-suspend textarea[name="other"]`), "单位证明"),
	)
	term.shot("terminal-slip")
	term.do(chromedp.Click(chromedp.CSS(`#d-suspend button[type="submit"]`)))
	slipCode := regexp.MustCompile(`[2-9A-HJ-NP-Z]{8}`)
	term.wait(`/[2-9A-HJ-NP-Z]{8}/.test(document.querySelector("#t-msg").textContent)`, 10*time.Second)
	slip := slipCode.FindString(term.text("#t-msg"))
	kiosk.do(chromedp.Navigate(base + "/kiosk.html?token=demo-kiosk"))
	kiosk.wait(visible("#k-slip-open"), 10*time.Second)
	// The button shows before the page's script has bound it: on a loaded
	// machine a first click can land on nothing, so it is clicked until the
	// slip screen opens.
	kiosk.wait("("+visible("#k-slip-code")+`) || (document.querySelector("#k-slip-open").click(), false)`, 10*time.Second)
	kiosk.do(
		chromedp.SendKeys(chromedp.CSS("#k-slip-code"), strings.ToLower(slip[:4])),
		chromedp.Click(chromedp.CSS(".k-keys button:nth-child(1)")), // "2"
		chromedp.Click(chromedp.CSS("#k-slip-del")),
		chromedp.SendKeys(chromedp.CSS("#k-slip-code"), slip[4:]),
		chromedp.Click(chromedp.CSS("#k-slip-ok")),
	)
	// The kiosk names the window the citizen goes straight back to.
	kiosk.wait(visible("#k-slip-result")+` && document.querySelector("#k-slip-result").textContent.includes(`+
		fmt.Sprintf("%q", called.Ticket.Number)+`) && document.querySelector("#k-slip-result").textContent.includes("1号窗口")`, 10*time.Second)
	kiosk.shot("kiosk-slip")
	term.wait(textIs("#t-queue .num", called.Ticket.Number)+` && document.querySelector("#t-queue .badge.return")`, 10*time.Second)

	// The director's console and the list of screens, for the pictures.
	console := open(t, b, "director", base, "/director.html", 1366, 768)
	console.wait(visible("#d-jobno"), 10*time.Second)
	console.do(
		chromedp.SendKeys(chromedp.CSS("#d-jobno"), "9001"),
		chromedp.SendKeys(chromedp.CSS("#d-password"), "demo"),
		chromedp.Click(chromedp.CSS(`#d-login-form button[type="submit"]`)),
	)
	console.wait(`document.querySelectorAll("#d-windows tr").length === 10`, 10*time.Second)
	// What waits for the director comes pushed by the server (a director client).
	console.wait(`document.querySelector("#d-alerts li") !== null && document.querySelector("#d-services tr") !== null`, 10*time.Second)
	console.shot("director")
	idx := open(t, b, "index", base, "/", 1280, 800)
	idx.wait(`document.querySelectorAll("#i-windows tr").length === 10`, 10*time.Second)
	idx.shot("index")
	t.Logf("done after %v", time.Since(start).Round(time.Millisecond))
}
