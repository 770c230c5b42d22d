package api

// The reports (docs/reports.md): the statistics, the monthly and annual
// evaluation and the 好差评 feed, read from the rollups (queue/report), as
// JSON or as a CSV or XLSX download.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"qcall/assets"
	"qcall/display/internal/answer"
	"qcall/queue"
	"qcall/queue/report"
	"qcall/queue/report/xlsx"
)

// forEvaluation: the evaluation is the director's and admin's, and each
// staff member may read their own row.
var forEvaluation = anyOf(queue.RoleStaff, queue.RoleDirector, queue.RoleAdmin)

// rollups returns the reports' rollups once they hold every committed
// event, or reports_loading.
func (a *API) rollups(c *apiCall) (*report.Rollups, error) {
	rep := a.opts.Reports
	if rep == nil {
		return nil, queue.ErrReportsLoading
	}
	if err := rep.Current(c.ctx()); err != nil {
		return nil, err
	}
	return rep, nil
}

// reportLang is the language of a report's headers and names: lang= in the
// query, else the Accept-Language header.
func reportLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l != "" {
		return assets.Lang(l)
	}
	return assets.Lang(r.Header.Get("Accept-Language"))
}

func translator(lang string) report.Translate {
	return func(key string) string { return assets.T(lang, key) }
}

// reportRequest reads what every report asks: the format, among allowed
// (the first by default), the rollups once they are loaded, and the
// language of the names and headers.
func (a *API) reportRequest(c *apiCall, allowed ...string) (format string, rep *report.Rollups, lang string, err error) {
	if format, err = reportFormat(c.r, allowed...); err != nil {
		return "", nil, "", err
	}
	if rep, err = a.rollups(c); err != nil {
		return "", nil, "", err
	}
	return format, rep, reportLang(c.r), nil
}

// reportFormat reads format=; "" is json.
func reportFormat(r *http.Request, allowed ...string) (string, error) {
	f := r.URL.Query().Get("format")
	if f == "" {
		return allowed[0], nil
	}
	for _, a := range allowed {
		if f == a {
			return f, nil
		}
	}
	return "", answer.Errorf(queue.ErrInvalid.Code, "format must be one of %s", strings.Join(allowed, ", "))
}

// GET /api/stats?from=DATE&to=DATE&by=…&format=json|csv|xlsx
func (a *API) stats(c *apiCall) error {
	q := c.r.URL.Query()
	p, err := report.ParsePeriod(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	by, err := report.ParseBy(q.Get("by"))
	if err != nil {
		return err
	}
	format, rep, lang, err := a.reportRequest(c, "json", "csv", "xlsx")
	if err != nil {
		return err
	}
	s := rep.Stats(p, by, report.Lang(lang))
	if format != "json" {
		t := translator(lang)
		name := assets.T(lang, "report.file.stats", p.FromDate(), p.ToDate())
		return download(c.w, format, name, "qcall-stats-"+p.FromDate()+"-"+p.ToDate(), s.Table(t))
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"from":%q,"to":%q,"by":%q,"rows":[`, p.FromDate(), p.ToDate(), by)
	for i, r := range s.Rows {
		if i > 0 {
			b.WriteByte(',')
		}
		writeRow(&b, r)
	}
	b.WriteString(`],"total":`)
	writeRow(&b, s.Total)
	b.WriteString("}\n")
	answer.RawJSON(c.w, http.StatusOK, b.Bytes())
	return nil
}

// writeRow writes a statistics row as a JSON object: key, label, every
// figure by its key (null when there is nothing to compute it from), and
// the ratings by score.
func writeRow(b *bytes.Buffer, r report.Row) {
	key, _ := json.Marshal(r.Key)
	label, _ := json.Marshal(r.Label)
	fmt.Fprintf(b, `{"key":%s,"label":%s`, key, label)
	ratings := map[string]string{}
	for i, f := range report.Figures {
		v := "null"
		if r.Values[i].OK {
			v = report.FormatValue(r.Values[i], f.Kind)
			if f.Kind == report.KindRate {
				v = strconv.FormatFloat(r.Values[i].Num, 'g', -1, 64)
			}
		}
		fmt.Fprintf(b, `,%q:%s`, f.Key, v)
		if s, ok := strings.CutPrefix(f.Key, "rated_"); ok {
			ratings[s] = v
		}
	}
	fmt.Fprintf(b, `,"ratings":{"5":%s,"4":%s,"3":%s,"2":%s,"1":%s}}`, ratings["5"], ratings["4"], ratings["3"], ratings["2"], ratings["1"])
}

// evalRowJSON is one row of the evaluation.
type evalRowJSON struct {
	Rank               int      `json:"rank"`
	Key                string   `json:"key"`
	Name               string   `json:"name"`
	Served             int64    `json:"served"`
	VolumePoints       float64  `json:"volume_points"`
	SatisfactionRate   *float64 `json:"satisfaction_rate"`
	SatisfactionPoints float64  `json:"satisfaction_points"`
	WithinLimitRate    *float64 `json:"within_limit_rate"`
	ServiceLevelPoints float64  `json:"service_level_points"`
	CasesOnTimeRate    *float64 `json:"cases_on_time_rate"`
	CasesPoints        float64  `json:"cases_points"`
	ComplaintsUpheld   int64    `json:"complaints_upheld"`
	ComplaintDeduction float64  `json:"complaint_deduction"`
	SpotErrors         int64    `json:"spot_errors"`
	SpotDeduction      float64  `json:"spot_deduction"`
	CoverGapS          int64    `json:"cover_gap_s"`
	CoverDeduction     float64  `json:"cover_deduction"`
	Total              float64  `json:"total_points"`
}

func evalRows(rows []report.EvalRow) []evalRowJSON {
	opt := func(v report.Value) *float64 {
		if !v.OK {
			return nil
		}
		return &v.Num
	}
	out := make([]evalRowJSON, 0, len(rows))
	for _, r := range rows {
		out = append(out, evalRowJSON{Rank: r.Rank, Key: r.Key, Name: r.Label, Served: r.Served,
			VolumePoints: r.VolumePoints, SatisfactionRate: opt(r.SatisfactionRate), SatisfactionPoints: r.SatisfactionPoints,
			WithinLimitRate: opt(r.WithinLimitRate), ServiceLevelPoints: r.ServiceLevelPoints,
			CasesOnTimeRate: opt(r.CasesOnTimeRate), CasesPoints: r.CasesPoints,
			ComplaintsUpheld: r.ComplaintsUpheld, ComplaintDeduction: r.ComplaintDeduction,
			SpotErrors: r.SpotErrors, SpotDeduction: r.SpotDeduction, CoverGapS: r.CoverGapS, CoverDeduction: r.CoverDeduction,
			Total: r.Total})
	}
	return out
}

// GET /api/reports/evaluation?month=YYYY-MM | year=YYYY &format=json|csv|xlsx
func (a *API) evaluation(c *apiCall) error {
	q := c.r.URL.Query()
	var (
		p                 report.Period
		err               error
		fileKey, fileName string
	)
	switch month, year := q.Get("month"), q.Get("year"); {
	case month != "" && year == "":
		p, err = report.MonthPeriod(month)
		fileKey, fileName = "report.file.eval_month", month
	case year != "" && month == "":
		p, err = report.YearPeriod(year)
		fileKey, fileName = "report.file.eval_year", year
	default:
		err = queue.Errorf(queue.ErrBadPeriod.Code, "give month=YYYY-MM or year=YYYY")
	}
	if err != nil {
		return err
	}
	format, rep, lang, err := a.reportRequest(c, "json", "csv", "xlsx")
	if err != nil {
		return err
	}
	ev := rep.Evaluation(p, report.Lang(lang))
	own := c.who.role == queue.RoleStaff
	if own { // staff see their own row, and no window's
		var mine []report.EvalRow
		for _, r := range ev.Staff {
			if r.Key == c.who.actor {
				mine = append(mine, r)
			}
		}
		ev.Staff, ev.Windows = mine, nil
	}
	if format != "json" {
		return download(c.w, format, assets.T(lang, fileKey, fileName), "qcall-evaluation-"+fileName, ev.Tables(translator(lang), own)...)
	}
	body := map[string]any{"from": p.FromDate(), "to": p.ToDate(), "weights": ev.Weights, "staff": evalRows(ev.Staff)}
	if !own {
		body["windows"] = evalRows(ev.Windows)
	}
	return answer.JSON(c.w, http.StatusOK, body)
}

// GET /api/reports/ratings?from=DATE&to=DATE&format=jsonl|csv
func (a *API) ratingsFeed(c *apiCall) error {
	q := c.r.URL.Query()
	p, err := report.ParsePeriod(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	format, rep, lang, err := a.reportRequest(c, "jsonl", "csv")
	if err != nil {
		return err
	}
	feed := rep.Ratings(p, report.Lang(lang))
	// A file to save, in either format, when the reports page links it.
	c.w.Header().Set("Content-Disposition", ContentDisposition(assets.T(lang, "report.file.ratings", p.FromDate(), p.ToDate())+"."+format,
		"qcall-ratings-"+p.FromDate()+"-"+p.ToDate()+"."+format))
	// Streamed as it is written: a year is some 400,000 lines.
	if format == "csv" {
		c.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		c.w.WriteHeader(http.StatusOK)
		_ = feed.WriteCSV(c.w, translator(lang)) // an error: the client went away
		return nil
	}
	c.w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	c.w.WriteHeader(http.StatusOK)
	_ = feed.WriteJSONL(c.w, translator(lang))
	return nil
}

// download answers tables as a CSV or XLSX file named name (UTF-8, in
// filename*, RFC 5987) with ascii as the name for old clients.
func download(w http.ResponseWriter, format, name, ascii string, tables ...report.Table) error {
	var b bytes.Buffer
	var ctype string
	switch format {
	case "xlsx":
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		if err := xlsx.Write(&b, tables...); err != nil {
			return err
		}
	default:
		ctype = "text/csv; charset=utf-8"
		if err := report.WriteCSV(&b, tables...); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", ContentDisposition(name+"."+format, ascii+"."+format))
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = b.WriteTo(w)
	return nil
}

// ContentDisposition is an attachment header naming the file name in UTF-8
// (RFC 5987 filename*) and ascii for clients that know only filename.
func ContentDisposition(name, ascii string) string {
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, strings.ReplaceAll(url.PathEscape(name), "+", "%2B"))
}
