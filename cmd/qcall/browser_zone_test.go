package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// timezone emulates the zone of the screen's computer.
func timezone(zone string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
		return chromedp.Void{}, err
	}
}

// TestBrowser_HallTimeZone: a screen whose computer keeps another zone (New
// York here; a TV box left on UTC in a hall) shows the hall's times and
// dates (the demo hall's Asia/Shanghai): the hall TV's clock, and the
// formatting every page uses.
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
	now := time.Now().In(zone)
	got := hall.text("#clock")
	ok := false
	for _, at := range []time.Time{now, now.Add(time.Minute)} {
		ok = ok || len(got) >= 5 && got[len(got)-5:] == at.Format("15:04")
	}
	if !ok {
		t.Errorf("the hall TV's clock shows %q at %s in the hall", got, now.Format("15:04"))
	}
}
