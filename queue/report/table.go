package report

import (
	"encoding/csv"
	"io"
	"strconv"
)

// Table is a report as rows and columns, for the CSV and XLSX downloads.
// Names and headers are catalogue keys (report.sheet.<name>,
// report.col.<key>) that the caller's translate turns into text.
type Table struct {
	Name    string // the sheet's catalogue key
	Columns []Column
	Rows    [][]Value
}

// Column is a table's column: its header (text) and kind.
type Column struct {
	Key    string // the figure's key
	Header string
	Kind   Kind
}

// Translate gives the text of a catalogue key.
type Translate func(key string) string

func columns(t Translate, kinds ...any) []Column {
	var cols []Column
	for i := 0; i < len(kinds); i += 2 {
		k := kinds[i].(string)
		cols = append(cols, Column{Key: k, Header: t("report.col." + k), Kind: kinds[i+1].(Kind)})
	}
	return cols
}

// Table returns the statistics as a table: the group's key and label, each
// figure, and the total last.
func (s Stats) Table(t Translate) Table {
	tb := Table{Name: t("report.sheet.stats"), Columns: columns(t, "key", KindText, "label", KindText)}
	for _, f := range Figures {
		tb.Columns = append(tb.Columns, Column{Key: f.Key, Header: t("report.col." + f.Key), Kind: f.Kind})
	}
	for _, r := range append(s.Rows, Row{Key: t("report.total"), Values: s.Total.Values}) {
		tb.Rows = append(tb.Rows, append([]Value{text(r.Key), text(r.Label)}, r.Values...))
	}
	return tb
}

// Tables returns the evaluation as two tables, staff and windows; staffOnly
// leaves out the windows.
func (e Evaluation) Tables(t Translate, staffOnly bool) []Table {
	out := []Table{evalTable(t, t("report.sheet.eval_staff"), "job_no", e.Staff)}
	if !staffOnly {
		out = append(out, evalTable(t, t("report.sheet.eval_windows"), "window", e.Windows))
	}
	return out
}

func evalTable(t Translate, name, keyCol string, rows []EvalRow) Table {
	tb := Table{Name: name, Columns: columns(t, "rank", KindCount, keyCol, KindText, "name", KindText,
		"served", KindCount, "volume_points", KindPoints,
		"satisfaction_rate", KindRate, "satisfaction_points", KindPoints,
		"within_limit_rate", KindRate, "service_level_points", KindPoints,
		"cases_on_time_rate", KindRate, "cases_points", KindPoints,
		"complaints_upheld", KindCount, "complaint_deduction", KindPoints,
		"spot_errors", KindCount, "spot_deduction", KindPoints,
		"cover_gap_s", KindSeconds, "cover_deduction", KindPoints,
		"total_points", KindPoints)}
	for _, r := range rows {
		tb.Rows = append(tb.Rows, []Value{num(float64(r.Rank), true), text(r.Key), text(r.Label),
			num(float64(r.Served), true), num(r.VolumePoints, true),
			r.SatisfactionRate, num(r.SatisfactionPoints, true),
			r.WithinLimitRate, num(r.ServiceLevelPoints, true),
			r.CasesOnTimeRate, num(r.CasesPoints, true),
			num(float64(r.ComplaintsUpheld), true), num(r.ComplaintDeduction, true),
			num(float64(r.SpotErrors), true), num(r.SpotDeduction, true),
			num(float64(r.CoverGapS), true), num(r.CoverDeduction, true),
			num(r.Total, true)})
	}
	return tb
}

// FormatValue writes v as CSV and JSON text have it: counts and seconds
// whole, rates with four decimals, points with two; null is "".
func FormatValue(v Value, k Kind) string {
	if !v.OK {
		return ""
	}
	switch k {
	case KindText:
		return v.Text
	case KindRate:
		return strconv.FormatFloat(v.Num, 'f', 4, 64)
	case KindPoints:
		return strconv.FormatFloat(v.Num, 'f', 2, 64)
	}
	return strconv.FormatFloat(v.Num, 'f', 0, 64)
}

// WriteCSV writes the tables as CSV in UTF-8 with a byte order mark (so that
// Excel reads the Chinese right), one after the other with a blank line
// between, each with its header row.
func WriteCSV(w io.Writer, tables ...Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes
	for i, tb := range tables {
		if i > 0 {
			if err := cw.Write(nil); err != nil {
				return err
			}
		}
		head := make([]string, len(tb.Columns))
		for j, c := range tb.Columns {
			head[j] = c.Header
		}
		if err := cw.Write(head); err != nil {
			return err
		}
		for _, row := range tb.Rows {
			rec := make([]string, len(row))
			for j, v := range row {
				rec[j] = FormatValue(v, tb.Columns[j].Kind)
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
