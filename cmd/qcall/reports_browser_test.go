package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// consoleErrors collects what a tab writes to its console as an error: an
// uncaught exception, console.error, or an error of the browser's log (a
// resource that failed, a refused script or style).
type consoleErrors struct {
	mu   sync.Mutex // guards errs
	errs []string
}

func (c *consoleErrors) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "exception: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				msg = "console.error: " + strings.Join(parts, " ")
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				msg = "log: " + e.Entry.Text + " " + e.Entry.URL
			}
		}
		if msg != "" {
			c.mu.Lock()
			c.errs = append(c.errs, msg)
			c.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// check fails the test for each error, but the browser's note of the 401
// that GET /api/me answers before the login: that is how the page learns
// that no one is logged in yet.
func (c *consoleErrors) check(t *testing.T, name string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errs {
		if strings.Contains(e, "status of 401") && strings.HasSuffix(e, "/api/me") {
			continue
		}
		t.Errorf("%s: %s", name, e)
	}
}

// TestBrowser_Reports renders /reports.html in Chromium, in Chinese then in
// English: the director logs in, the four charts draw on their canvases, the
// tables fill, and the console shows no error.
func TestBrowser_Reports(t *testing.T) {
	m := reportsHall(t)
	b := browser(t)
	for i, lang := range []string{"zh-CN", "en"} {
		ctx, cancel := chromedp.NewContext(b)
		defer cancel()
		if err := chromedp.Do(ctx); err != nil {
			t.Fatal(err)
		}
		var errs consoleErrors
		errs.listen(t, ctx)
		s := &screen{t: t, name: "reports-" + lang, ctx: ctx}
		s.do(chromedp.EmulateViewport(1366, 1000),
			chromedp.Navigate(m.URL+"/reports.html?lang="+lang+"&from=2026-11-01&to=2026-11-30&month=2026-11"))
		if i == 0 {
			s.wait(visible("#r-jobno"), 10*time.Second)
			s.do(
				chromedp.SendKeys(chromedp.CSS("#r-jobno"), "9001"),
				chromedp.SendKeys(chromedp.CSS("#r-password"), "demo"),
				chromedp.Click(chromedp.CSS(`#r-login-form button[type="submit"]`)),
			)
		}
		for _, id := range []string{"#r-chart-heat", "#r-chart-wait", "#r-chart-sat", "#r-chart-rank"} {
			s.wait(fmt.Sprintf(`(() => { const c = document.querySelector(%q); return !!c && c.width > 0 && c.height > 0; })()`, id+" canvas"), 15*time.Second)
		}
		// One day with figures and the total; the twelve window staff ranked.
		s.wait(`document.querySelectorAll("#r-stats tbody tr").length === 2 && document.querySelectorAll("#r-eval tbody tr").length === 12`, 10*time.Second)
		title := map[string]string{"zh-CN": "统计与考核", "en": "Statistics and evaluation"}[lang]
		if got := s.text("h1"); got != title {
			t.Errorf("%s: title %q, want %q", lang, got, title)
		}
		if got := s.text("#r-eval tbody tr td:nth-child(3)"); got != map[string]string{"zh-CN": "王芳", "en": "Wang Fang"}[lang] && got != "王芳" {
			t.Errorf("%s: first ranked %q", lang, got)
		}
		if href := s.eval(`document.querySelector("#r-dl-eval-xlsx").getAttribute("href")`); !strings.Contains(href, "month=2026-11") || !strings.Contains(href, "format=xlsx") {
			t.Errorf("%s: evaluation download %q", lang, href)
		}
		s.shot("reports-" + lang)
		// 打印月度报告 shows the whole month, then prints.
		s.set("#r-from", "2026-11-10")
		s.eval(`window.print = () => { window.__printed = true; }, ""`)
		s.click("#r-print")
		s.wait(`window.__printed && document.querySelector("#r-from").value === "2026-11-01" && document.querySelector("#r-to").value === "2026-11-30"`, 10*time.Second)
		errs.check(t, lang)
	}
}
