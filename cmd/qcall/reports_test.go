package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"qcall/queue"
)

// reportsHall is a demo hall on a manual clock where, on Monday
// 2026-11-02, A001 is issued at 09:00, called at window 1 by 1001 at 09:10
// (wait 600 s), finished at 09:20 (service 600 s) and rated 4 at 09:21.
func reportsHall(t *testing.T) *Main {
	t.Helper()
	cst := time.FixedZone("CST", 8*3600)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 2, h, m, 0, 0, cst) }
	clock := queue.NewManualClock(at(8, 0))
	m := NewMain()
	m.Addr, m.DataDir, m.Stdout, m.Clock = "127.0.0.1:0", t.TempDir(), io.Discard, clock
	m.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	ctx, eng := context.Background(), m.Engine
	step := func(h, min int, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%02d:%02d: %v", h, min, err)
		}
	}
	clock.Set(at(9, 0))
	_, err := eng.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment", Channel: "kiosk"})
	step(9, 0, err)
	_, err = eng.SignIn(ctx, "1001", 1)
	step(9, 0, err)
	clock.Set(at(9, 10))
	_, err = eng.CallNext(ctx, "1001", 1)
	step(9, 10, err)
	clock.Set(at(9, 20))
	_, err = eng.Finish(ctx, "1001", 1, queue.FinishOptions{})
	step(9, 20, err)
	clock.Set(at(9, 21))
	_, err = eng.Rate(ctx, "evaluator", 1, 4, "")
	step(9, 21, err)
	return m
}

// get does a GET with token and returns the status, headers and body.
func get(t *testing.T, url, token string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestReports_API(t *testing.T) {
	m := reportsHall(t)
	director, staff := login(t, m.URL, "9001"), login(t, m.URL, "1001")

	t.Run("stats json", func(t *testing.T) {
		var s struct {
			Rows []map[string]any
			By   string
		}
		if code := api(t, "GET", m.URL+"/api/stats?from=2026-11-02&to=2026-11-02&by=staff", director, nil, &s); code != 200 {
			t.Fatalf("%d", code)
		}
		if len(s.Rows) != 2 || s.Rows[0]["key"] != "1001" {
			t.Fatalf("rows %v", s.Rows)
		}
		r := s.Rows[0]
		for k, want := range map[string]float64{"called": 1, "served": 1, "avg_wait_s": 600, "p90_wait_s": 600, "avg_service_s": 600,
			"satisfaction_rate": 1, "within_limit_rate": 1, "rated_4": 1} {
			if r[k] != want {
				t.Errorf("%s = %v, want %v", k, r[k], want)
			}
		}
		if r["cases_on_time_rate"] != nil || r["ratings"].(map[string]any)["4"] != 1.0 {
			t.Errorf("cases_on_time_rate %v (want null), ratings %v", r["cases_on_time_rate"], r["ratings"])
		}
	})
	t.Run("stats csv with BOM", func(t *testing.T) {
		code, h, b := get(t, m.URL+"/api/stats?from=2026-11-01&to=2026-11-30&by=day&format=csv", director)
		if code != 200 || !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
			t.Fatalf("%d %q", code, b[:min(len(b), 20)])
		}
		lines := strings.Split(strings.TrimPrefix(string(b), "\ufeff"), "\r\n")
		if !strings.HasPrefix(lines[0], "编号,名称,取号数,叫号数,办结数") || !strings.HasPrefix(lines[1], "2026-11-02,2026-11-02,1,1,1,") ||
			!strings.HasPrefix(lines[2], "合计,,1,1,1,") {
			t.Errorf("csv:\n%s", b)
		}
		if cd := h.Get("Content-Disposition"); !strings.Contains(cd, `filename*=UTF-8''%E5%A4%A7%E5%8E%85%E7%BB%9F%E8%AE%A1-2026-11-01`) ||
			!strings.Contains(cd, `filename="qcall-stats-2026-11-01-2026-11-30.csv"`) {
			t.Errorf("Content-Disposition %s", cd)
		}
	})
	t.Run("evaluation xlsx", func(t *testing.T) {
		code, h, b := get(t, m.URL+"/api/reports/evaluation?month=2026-11&format=xlsx", director)
		if code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		if cd := h.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''"+
			"%E5%A4%A7%E5%8E%85%E6%9C%88%E5%BA%A6%E8%80%83%E6%A0%B8-2026-11.xlsx") { // 大厅月度考核-2026-11.xlsx
			t.Errorf("Content-Disposition %s", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := f.GetSheetList(); len(got) != 2 || got[0] != "人员考核" || got[1] != "窗口考核" {
			t.Fatalf("sheets %v", got)
		}
		cell := func(sheet, ref string) string {
			v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		// rank, job no, name, served, volume, satisfaction rate, points, … total
		for ref, want := range map[string]string{"A1": "名次", "B1": "工号", "R1": "总分", "A2": "1", "B2": "1001", "C2": "王芳",
			"D2": "1", "E2": "30", "F2": "1", "G2": "30", "I2": "20", "K2": "20", "R2": "100", "R3": "0", "A3": "2"} {
			if got := cell("人员考核", ref); got != want {
				t.Errorf("人员考核!%s = %q, want %q", ref, got, want)
			}
		}
		if got := cell("窗口考核", "B2"); got != "1" {
			t.Errorf("窗口考核!B2 = %q, want window 1 first", got)
		}
		if got, _ := f.GetCellValue("人员考核", "F2"); got != "100.0%" {
			t.Errorf("satisfaction shown as %q, want 100.0%%", got)
		}
		panes, err := f.GetPanes("人员考核")
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("panes %+v %v: want the header row frozen", panes, err)
		}
		if w, _ := f.GetColWidth("人员考核", "R"); w < 4 {
			t.Errorf("column R is %v wide", w)
		}
	})
	t.Run("staff read their own row", func(t *testing.T) {
		var ev struct {
			Staff   []map[string]any
			Windows []map[string]any
		}
		if code := api(t, "GET", m.URL+"/api/reports/evaluation?month=2026-11", staff, nil, &ev); code != 200 {
			t.Fatalf("%d", code)
		}
		if len(ev.Staff) != 1 || ev.Staff[0]["key"] != "1001" || ev.Staff[0]["total_points"] != 100.0 || ev.Windows != nil {
			t.Errorf("staff 1001 sees %+v", ev)
		}
		if code := api(t, "GET", m.URL+"/api/stats?from=2026-11-01&to=2026-11-30", staff, nil, nil); code != 403 {
			t.Errorf("staff reading the statistics: %d, want 403", code)
		}
		if code := api(t, "GET", m.URL+"/api/reports/ratings?from=2026-11-01&to=2026-11-30", "demo-kiosk", nil, nil); code != 403 {
			t.Errorf("kiosk reading the ratings: %d, want 403", code)
		}
	})
	t.Run("metrics histograms", func(t *testing.T) {
		code, _, b := get(t, m.URL+"/metrics", director)
		for _, want := range []string{
			`qcall_wait_seconds_bucket{service="employment",le="600"} 1`, `qcall_wait_seconds_bucket{service="employment",le="300"} 0`,
			`qcall_wait_seconds_sum{service="employment"} 600`, `qcall_service_seconds_count{service="employment"} 1`,
			`qcall_tickets_issued_total{service="consult"} 0`, "qcall_event_seq ",
		} {
			if code != 200 || !strings.Contains(string(b), want) {
				t.Errorf("metrics (%d) lack %q", code, want)
			}
		}
	})
	t.Run("bad periods", func(t *testing.T) {
		for _, q := range []string{"/api/stats?from=2026-11-30&to=2026-11-01", "/api/stats?from=2026-11-01", "/api/reports/evaluation?month=2026-13",
			"/api/reports/evaluation", "/api/reports/evaluation?month=2026-11&year=2026", "/api/reports/ratings?from=x&to=2026-11-01"} {
			var e struct{ Error struct{ Code string } }
			if code := api(t, "GET", m.URL+q, director, nil, &e); code != 400 || e.Error.Code != "bad_period" {
				t.Errorf("%s: %d %s, want 400 bad_period", q, code, e.Error.Code)
			}
		}
		var e struct{ Error struct{ Code string } }
		if code := api(t, "GET", m.URL+"/api/stats?from=2026-11-01&to=2026-11-02&by=year", director, nil, &e); code != 400 || e.Error.Code != "invalid_input" {
			t.Errorf("by=year: %d %s", code, e.Error.Code)
		}
	})
	t.Run("ratings feed", func(t *testing.T) {
		code, h, b := get(t, m.URL+"/api/reports/ratings?from=2026-11-01&to=2026-11-30", director)
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/x-ndjson") {
			t.Fatalf("%d %s", code, h.Get("Content-Type"))
		}
		// A file to save from the reports page, as the CSV is.
		if d := h.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment") || !strings.Contains(d, `qcall-ratings-2026-11-01-2026-11-30.jsonl"`) {
			t.Errorf("Content-Disposition %q", d)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		var lines []map[string]any
		for sc.Scan() {
			var l map[string]any
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, l)
		}
		if len(lines) != 1 {
			t.Fatalf("%d lines", len(lines))
		}
		for k, want := range map[string]any{"transaction_id": "20261102-A001", "service_code": "employment", "service_name": "就业登记",
			"channel": "评价器", "job_no": "1001", "staff_name": "王芳", "time": "2026-11-02T09:21:00+08:00", "level": 4.0, "level_name": "满意"} {
			if lines[0][k] != want {
				t.Errorf("%s = %v, want %v", k, lines[0][k], want)
			}
		}
		code, _, b = get(t, m.URL+"/api/reports/ratings?from=2026-11-01&to=2026-11-30&format=csv", director)
		if code != 200 || !bytes.HasPrefix(b, []byte("\ufeff办件编号,事项编码,事项名称,评价渠道,工号,工作人员")) ||
			!strings.Contains(string(b), "20261102-A001,employment,就业登记,评价器,1001,王芳,1,2026-11-02T09:21:00+08:00,4,满意") {
			t.Errorf("csv %d:\n%s", code, b)
		}
	})
}
