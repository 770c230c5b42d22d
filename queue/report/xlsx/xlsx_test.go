package xlsx_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/xuri/excelize/v2"

	"qcall/queue/report"
	"qcall/queue/report/xlsx"
)

// table is a year by day: 365 rows of every figure, with the key and label.
func table() report.Table {
	tb := report.Table{Name: "统计", Columns: []report.Column{{Key: "key", Header: "编号", Kind: report.KindText}, {Key: "rate", Header: "满意率", Kind: report.KindRate}}}
	for i := range 40 {
		tb.Columns = append(tb.Columns, report.Column{Key: fmt.Sprint(i), Header: fmt.Sprintf("数字%d", i), Kind: report.KindCount})
	}
	for d := range 365 {
		row := []report.Value{{Text: fmt.Sprintf("2026-%03d", d), OK: true}, {Num: 0.875, OK: true}}
		for i := range 40 {
			row = append(row, report.Value{Num: float64(d * i), OK: i%7 != 0})
		}
		tb.Rows = append(tb.Rows, row)
	}
	return tb
}

// TestWrite: the workbook reads back with its sheet, header, numbers, the
// empty cells of null figures, the rate's format and the frozen header.
func TestWrite(t *testing.T) {
	var b bytes.Buffer
	if err := xlsx.Write(&b, table(), report.Table{Name: "第二[表]", Columns: []report.Column{{Key: "a", Header: "甲", Kind: report.KindPoints}}}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "统计" || got[1] != "第二_表_" {
		t.Fatalf("sheets %v", got)
	}
	for ref, want := range map[string]string{"A1": "编号", "B1": "满意率", "A2": "2026-000", "D3": "1", "C3": "", "A366": "2026-364", "B2": "87.5%"} {
		if got, _ := f.GetCellValue("统计", ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	if p, err := f.GetPanes("统计"); err != nil || !p.Freeze || p.YSplit != 1 {
		t.Errorf("panes %+v %v", p, err)
	}
}

func BenchmarkWrite_YearByDay(b *testing.B) {
	tb := table()
	b.ResetTimer()
	for b.Loop() {
		if err := xlsx.Write(io.Discard, tb); err != nil {
			b.Fatal(err)
		}
	}
}
