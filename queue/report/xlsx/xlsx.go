// Package xlsx writes report tables as an Excel workbook, with
// github.com/xuri/excelize/v2: a sheet per table, its header row frozen and
// bold, numbers as numbers with their format (counts and seconds whole,
// rates as percentages, points with two decimals) and columns as wide as
// their text.
package xlsx

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"qcall/queue/report"
)

// Write writes tables as one workbook to w, a sheet per table, named by the
// table (cut to Excel's 31 characters).
func Write(w io.Writer, tables ...report.Table) error {
	f := excelize.NewFile()
	defer f.Close()
	styles, err := newStyles(f)
	if err != nil {
		return err
	}
	for i, tb := range tables {
		name := sheetName(tb.Name, i)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		if err := writeSheet(f, name, tb, styles); err != nil {
			return fmt.Errorf("xlsx: sheet %s: %w", name, err)
		}
	}
	// The first sheet is the active one already (SetActiveSheet would read
	// the streamed sheets back).
	_, err = f.WriteTo(w)
	return err
}

// styles are the cell styles, by kind, and the header's.
type styles struct {
	header int
	kind   map[report.Kind]int
}

func newStyles(f *excelize.File) (styles, error) {
	s := styles{kind: map[report.Kind]int{}}
	var err error
	if s.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}); err != nil {
		return s, err
	}
	for k, format := range map[report.Kind]string{report.KindCount: "0", report.KindSeconds: "#,##0",
		report.KindRate: "0.0%", report.KindPoints: "0.00", report.KindText: "@"} {
		if s.kind[k], err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
			return s, err
		}
	}
	return s, nil
}

func writeSheet(f *excelize.File, name string, tb report.Table, st styles) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	// Widths first: the stream writer needs them before the rows.
	for j, c := range tb.Columns {
		w := textWidth(c.Header)
		for _, row := range tb.Rows {
			w = max(w, textWidth(report.FormatValue(row[j], c.Kind)))
		}
		if err := sw.SetColWidth(j+1, j+1, float64(min(w+3, 60))); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(tb.Columns))
	for j, c := range tb.Columns {
		head[j] = excelize.Cell{StyleID: st.header, Value: c.Header}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, row := range tb.Rows {
		cells := make([]any, len(row))
		for j, v := range row {
			k := tb.Columns[j].Kind
			c := excelize.Cell{StyleID: st.kind[k]}
			switch {
			case !v.OK:
			case k == report.KindText:
				c.Value = v.Text
			case k == report.KindCount || k == report.KindSeconds:
				c.Value = int64(v.Num)
			default:
				c.Value = v.Num
			}
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// textWidth is the width of s in Excel's character units, a Chinese
// character counting two.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		if utf8.RuneLen(r) > 1 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// sheetName is the table's name as a sheet name: at most 31 characters, not
// empty, and without the characters Excel refuses.
func sheetName(name string, i int) string {
	var out []rune
	for _, r := range name {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']':
			r = '_'
		}
		out = append(out, r)
	}
	if len(out) > 31 {
		out = out[:31]
	}
	if len(out) == 0 {
		return fmt.Sprintf("Sheet%d", i+1)
	}
	return string(out)
}
