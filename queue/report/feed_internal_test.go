package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// TestFeed_Encoding: the feed's hand-written JSON lines and CSV are what
// encoding/json and encoding/csv write of the same rows (names with commas,
// quotes and Chinese; a time with nanoseconds; a zone east and west; no
// service or staff; a reason).
func TestFeed_Encoding(t *testing.T) {
	at := func(s string) int64 {
		x, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return x.UnixNano()
	}
	f := Feed{
		ratings: []rating{
			{at: at("2026-11-02T09:21:00+08:00"), window: 1, staff: 0, service: 0, number: 0, numLen: 4, score: 4},
			{at: at("2026-11-02T10:21:05.120+08:00"), window: 12, staff: 1, service: 1, number: 4, numLen: 5, score: 1, reason: 1},
			{at: at("2026-12-31T23:59:59+08:00"), window: 0, staff: noStaff, service: noService, number: 9, numLen: 0, score: 5},
		},
		numbers:  []byte("A001B0\"1,"),
		reasons:  []string{"", "attitude"},
		services: []serviceName{{code: "employment", name: "就业登记"}, {code: "x,y", name: `say "hi"`, nameEn: "Say hi"}},
		staff:    []staffName{{jobNo: "1001", name: "王芳"}, {jobNo: " 1002", name: "李, 强"}},
	}
	tr := func(k string) string { return "«" + k + "»" }
	for _, loc := range []*time.Location{time.FixedZone("CST", 8*3600), time.UTC, time.FixedZone("X", -(3*3600 + 30*60))} {
		for _, lang := range []Lang{"", "en"} {
			f.loc, f.lang = loc, lang
			var want, wantCSV bytes.Buffer
			wantCSV.WriteString("\ufeff")
			cw := csv.NewWriter(&wantCSV)
			cw.UseCRLF = true
			head := []string{}
			for _, k := range feedColumns {
				head = append(head, tr("report.col."+k))
			}
			cw.Write(head)
			for i := range f.ratings {
				r := f.Row(i)
				j := struct {
					TransactionID string    `json:"transaction_id"`
					ServiceCode   string    `json:"service_code"`
					ServiceName   string    `json:"service_name"`
					Channel       string    `json:"channel"`
					JobNo         string    `json:"job_no"`
					StaffName     string    `json:"staff_name"`
					Window        int       `json:"window"`
					Time          time.Time `json:"time"`
					Level         int       `json:"level"`
					LevelName     string    `json:"level_name"`
					Reason        string    `json:"reason,omitempty"`
					ReasonName    string    `json:"reason_name,omitempty"`
				}{r.TransactionID, r.ServiceCode, r.ServiceName, tr("report.channel.evaluator"), r.JobNo, r.StaffName,
					r.Window, r.At, r.Level, tr("report.level." + strconv.Itoa(r.Level)), r.Reason, ""}
				reasonName := ""
				if r.Reason != "" {
					reasonName = tr("report.reason." + r.Reason)
					j.ReasonName = reasonName
				}
				enc := json.NewEncoder(&want)
				enc.SetEscapeHTML(false)
				if err := enc.Encode(j); err != nil {
					t.Fatal(err)
				}
				cw.Write([]string{r.TransactionID, r.ServiceCode, r.ServiceName, tr("report.channel.evaluator"), r.JobNo, r.StaffName,
					strconv.Itoa(r.Window), r.At.Format(time.RFC3339), strconv.Itoa(r.Level), tr("report.level." + strconv.Itoa(r.Level)),
					r.Reason, reasonName})
			}
			cw.Flush()
			var got, gotCSV bytes.Buffer
			if err := f.WriteJSONL(&got, tr); err != nil {
				t.Fatal(err)
			}
			if err := f.WriteCSV(&gotCSV, tr); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("%s %q: JSON lines\n got %s\nwant %s", loc, lang, got.String(), want.String())
			}
			if gotCSV.String() != wantCSV.String() {
				t.Errorf("%s %q: CSV\n got %q\nwant %q", loc, lang, gotCSV.String(), wantCSV.String())
			}
		}
	}
	f.loc = time.FixedZone("CST", 8*3600)
	if r := f.Row(1); r.TransactionID != `20261102-B0"1,` || r.ServiceName != "Say hi" || r.JobNo != " 1002" || r.Reason != "attitude" {
		t.Errorf("row 1: %+v", r)
	}
}
