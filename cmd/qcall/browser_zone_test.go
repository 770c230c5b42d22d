package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// timezone emulates the zone of the screen's computer.
func timezone(zone string) chromedp.Action[chromedp.Void] {
	return command(emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
}

// command runs a DevTools command without a result in the tab.
func command[P any](c cdp.Command[P, cdp.Empty], params P) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, c, params)
		return chromedp.Void{}, err
	}
}

// TestBrowser_HallTimeZone: a screen whose computer keeps another zone (New
// York here; a TV box left on UTC in a hall) shows the hall's times and
// dates (the demo hall's Asia/Shanghai): the hall TV's clock, and the
// formatting every page uses. The clock keeps the server's time when the
// screen's own clock is wrong.
func TestBrowser_HallTimeZone(t *testing.T) {
	m := startHall(t, "", nil)
	b := browser(t)
	hall := open(t, b, "hall", m.URL, "/hall.html?token=demo-display", 1920, 1080)
	hall.do(timezone("America/New_York"), chromedp.Reload())
	hall.wait(`document.querySelector("#clock").textContent.trim() !== ""`, 10*time.Second)
	if got := hall.eval(`new Date(Date.UTC(2026, 11, 2, 1, 30)).getHours() + ""`); got != "20" {
		t.Fatalf("the browser's own zone is not New York's: 01:30 UTC is %s o'clock", got)
	}
	for expr, want := range map[string]string{
		`Q.fmtTime("2026-12-02T01:30:00Z")`:      "09:30",
		`Q.day("2026-12-01T17:00:00Z")`:          "2026-12-02",
		`Q.fmtDate("2026-12-01T23:59:00-05:00")`: "2026/12/02",
	} {
		if got := hall.eval(expr); got != want {
			t.Errorf("%s = %q, want %q (the hall's zone)", expr, got, want)
		}
	}
	// The clock: the hall's time now, or a minute on if it just turned.
	zone := mustLoad(t, "Asia/Shanghai")
	shows := func(now time.Time) string {
		var ok []string
		for _, at := range []time.Time{now, now.Add(time.Minute)} {
			ok = append(ok, fmt.Sprintf(`c.endsWith(%q)`, at.In(zone).Format("15:04")))
		}
		return `(() => { const c = document.querySelector("#clock").textContent.trim(); return ` + strings.Join(ok, " || ") + `; })()`
	}
	hall.wait(shows(time.Now()), 5*time.Second)
	// The screen's clock runs three hours ahead. Before the page knows the
	// server's clock, its own shows; once it does (Q.skew, from the Date
	// header), the server's time shows.
	hall.eval(`const own = Date.now; Date.now = () => own() + 3 * 3600 * 1000; Q.skew = 0; document.querySelector("#clock").textContent = ""; ""`)
	hall.wait(shows(time.Now().Add(3*time.Hour)), 5*time.Second)
	hall.eval(`Q.skew = 3 * 3600 * 1000; document.querySelector("#clock").textContent = ""; ""`)
	hall.wait(shows(time.Now()), 5*time.Second)
}
