package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"qcall/queue"
)

// Period is a span of business days, both ends included, in the hall's
// time zone.
type Period struct {
	From, To int32 // day numbers
}

// maxPeriodDays is the longest period a report covers (ten years).
const maxPeriodDays = 3660

// ParsePeriod reads a period from YYYY-MM-DD dates, both included.
func ParsePeriod(from, to string) (Period, error) {
	f, err := parseDay(from, "from")
	if err != nil {
		return Period{}, err
	}
	t, err := parseDay(to, "to")
	if err != nil {
		return Period{}, err
	}
	return checkPeriod(Period{f, t})
}

// MonthPeriod is the month YYYY-MM.
func MonthPeriod(month string) (Period, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return Period{}, queue.Errorf(queue.ErrBadPeriod.Code, "month %q is not YYYY-MM", month)
	}
	first := dayNumber(t.Year(), t.Month(), 1)
	return checkPeriod(Period{first, dayNumber(t.Year(), t.Month()+1, 1) - 1})
}

// YearPeriod is the year YYYY.
func YearPeriod(year string) (Period, error) {
	t, err := time.Parse("2006", year)
	if err != nil {
		return Period{}, queue.Errorf(queue.ErrBadPeriod.Code, "year %q is not YYYY", year)
	}
	return checkPeriod(Period{dayNumber(t.Year(), 1, 1), dayNumber(t.Year()+1, 1, 1) - 1})
}

func parseDay(s, name string) (int32, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, queue.Errorf(queue.ErrBadPeriod.Code, "%s %q is not a date YYYY-MM-DD", name, s)
	}
	return dayNumber(t.Year(), t.Month(), t.Day()), nil
}

func checkPeriod(p Period) (Period, error) {
	if p.To < p.From {
		return Period{}, queue.Errorf(queue.ErrBadPeriod.Code, "the period ends (%s) before it begins (%s)", p.to(), p.from())
	}
	if p.To-p.From+1 > maxPeriodDays {
		return Period{}, queue.Errorf(queue.ErrBadPeriod.Code, "the period is longer than %d days", maxPeriodDays)
	}
	return p, nil
}

func (p Period) from() string { return dayDate(p.From).Format(time.DateOnly) }
func (p Period) to() string   { return dayDate(p.To).Format(time.DateOnly) }

// FromDate and ToDate are the first and last day, YYYY-MM-DD.
func (p Period) FromDate() string { return p.from() }

// ToDate is the last day of p, YYYY-MM-DD.
func (p Period) ToDate() string { return p.to() }

// String is "YYYY-MM-DD..YYYY-MM-DD".
func (p Period) String() string { return p.from() + ".." + p.to() }

// By is a grouping of the statistics.
type By string

// The groupings.
const (
	ByStaff   By = "staff"
	ByWindow  By = "window"
	ByService By = "service"
	ByDay     By = "day"
	ByWeek    By = "week"
	ByMonth   By = "month"
	ByHour    By = "hour"
	// ByWeekdayHour groups by the hour of each day of the week (the arrivals
	// heat map): key "1-09" is Mondays 09:00–10:00 (ISO weekday 1–7).
	ByWeekdayHour By = "weekday_hour"
)

// ParseBy reads a grouping; "" is by day.
func ParseBy(s string) (By, error) {
	switch b := By(s); b {
	case "":
		return ByDay, nil
	case ByStaff, ByWindow, ByService, ByDay, ByWeek, ByMonth, ByHour, ByWeekdayHour:
		return b, nil
	}
	return "", queue.Errorf(queue.ErrInvalid.Code, "by must be staff, window, service, day, week, month, hour or weekday_hour, not %q", s)
}

// Row is one group of a report: its key (a job number, window id, service
// code, date, ISO week, month or hour), its label for people, and its figures
// in the order of Figures.
type Row struct {
	Key    string
	Label  string
	Values []Value
}

// Stats is the answer of a statistics request: a row per group, in the
// group's natural order, and the total of the period.
type Stats struct {
	Period Period
	By     By
	Rows   []Row
	Total  Row
}

// Lang picks the names of services and windows: "en" the English ones
// where the configuration has them, anything else the Chinese.
type Lang string

// groupKey is the group a cell belongs to under a grouping.
func (r *Rollups) groupKey(by By, k key) int64 {
	switch by {
	case ByStaff:
		return int64(k.staff)
	case ByWindow:
		return int64(k.win)
	case ByService:
		return int64(k.svc)
	case ByWeek:
		wd := int32(dayDate(k.day).Weekday()+6) % 7 // Monday 0
		return int64(k.day - wd)
	case ByMonth:
		y, m, _ := dayDate(k.day).Date()
		return int64(y*12 + int(m) - 1)
	case ByHour:
		return int64(k.hour)
	case ByWeekdayHour:
		wd := (int64(dayDate(k.day).Weekday())+6)%7 + 1 // Monday 1 … Sunday 7
		return wd*24 + int64(k.hour)
	}
	return int64(k.day)
}

// group sums the cells of p by by, under the read lock; times adds up the
// waiting and service times too (for their averages and percentiles).
func (r *Rollups) group(p Period, by By, times bool, keep func(key) bool) (map[int64]*agg, *agg) {
	groups := map[int64]*agg{}
	total := &agg{}
	for d := max(p.From, r.first); d <= min(p.To, r.last); d++ {
		for k, c := range r.days[d] {
			if keep != nil && !keep(k) {
				continue
			}
			g := r.groupKey(by, k)
			a := groups[g]
			if a == nil {
				a = &agg{}
				groups[g] = a
			}
			if times {
				a.add(c)
			} else {
				a.n = addCounts(a.n, c.n)
			}
		}
	}
	for _, a := range groups {
		total.n = addCounts(total.n, a.n)
	}
	return groups, total
}

func addCounts(a, b [nCounts]int64) [nCounts]int64 {
	for i := range a {
		a[i] += b[i]
	}
	return a
}

// Stats adds up the rollups of p by the grouping.
func (r *Rollups) Stats(p Period, by By, lang Lang) Stats {
	r.mu.RLock()
	defer r.mu.RUnlock()
	groups, total := r.group(p, by, true, nil)
	out := Stats{Period: p, By: by}
	keys := slices.Sorted(mapKeys(groups))
	switch by {
	case ByStaff:
		slices.SortFunc(keys, func(a, b int64) int { return cmp.Compare(r.staffSortKey(int32(a)), r.staffSortKey(int32(b))) })
	case ByService, ByWindow: // the group of no service or window last
		if len(keys) > 0 && keys[0] <= 0 && (by == ByWindow && keys[0] == 0 || by == ByService && keys[0] < 0) {
			keys = append(keys[1:], keys[0])
		}
	}
	for _, g := range keys {
		a := groups[g]
		total.waits = append(total.waits, a.waits...)
		total.serv = append(total.serv, a.serv...)
		key, label := r.label(by, g, lang)
		out.Rows = append(out.Rows, Row{Key: key, Label: label, Values: a.values()})
	}
	out.Total = Row{Key: "total", Values: total.values()}
	return out
}

func mapKeys[V any](m map[int64]V) func(func(int64) bool) {
	return func(yield func(int64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// staffSortKey orders staff by job number, no staff last.
func (r *Rollups) staffSortKey(i int32) string {
	if i < 0 || int(i) >= len(r.names.staff) {
		return "\uffff"
	}
	return r.names.staff[i].jobNo
}

// label returns the key and label of group g under by. A group of facts
// without a staff member, window or service (tickets issued, not yet
// called) has key "" and label "".
func (r *Rollups) label(by By, g int64, lang Lang) (string, string) {
	switch by {
	case ByStaff:
		if g < 0 || int(g) >= len(r.names.staff) {
			return "", ""
		}
		s := r.names.staff[g]
		if lang == "en" && s.nameEn != "" {
			return s.jobNo, s.nameEn
		}
		return s.jobNo, s.name
	case ByWindow:
		if g == 0 {
			return "", ""
		}
		w := r.names.windows[int32(g)]
		name := w.name
		if lang == "en" && w.nameEn != "" {
			name = w.nameEn
		}
		if name == "" {
			name = strconv.FormatInt(g, 10)
		}
		return strconv.FormatInt(g, 10), name
	case ByService:
		if g < 0 || int(g) >= len(r.names.services) {
			return "", ""
		}
		s := r.names.services[g]
		if lang == "en" && s.nameEn != "" {
			return s.code, s.nameEn
		}
		return s.code, s.name
	case ByWeek:
		y, w := dayDate(int32(g)).ISOWeek()
		k := fmt.Sprintf("%d-W%02d", y, w)
		return k, k
	case ByMonth:
		k := fmt.Sprintf("%04d-%02d", g/12, g%12+1)
		return k, k
	case ByHour:
		k := fmt.Sprintf("%02d", g)
		return k, fmt.Sprintf("%02d:00–%02d:00", g, g+1)
	case ByWeekdayHour:
		k := fmt.Sprintf("%d-%02d", g/24, g%24)
		return k, k
	}
	k := dayDate(int32(g)).Format(time.DateOnly)
	return k, k
}

// EvalRow is one staff member's or window's evaluation: the figures it is
// scored on, each component's points, the total and the rank.
type EvalRow struct {
	Key, Label         string
	Served             int64
	SatisfactionRate   Value
	WithinLimitRate    Value
	CasesOnTimeRate    Value
	ComplaintsUpheld   int64
	SpotErrors         int64
	CoverGapS          int64
	VolumePoints       float64
	SatisfactionPoints float64
	ServiceLevelPoints float64
	CasesPoints        float64
	ComplaintDeduction float64
	SpotDeduction      float64
	CoverDeduction     float64
	Total              float64
	Rank               int
}

// Evaluation is the monthly or annual evaluation: the weights in force, and
// a ranked row per staff member and per window.
type Evaluation struct {
	Period  Period
	Weights queue.Evaluation
	Staff   []EvalRow
	Windows []EvalRow
}

// Evaluation scores every staff member (of role staff, or with figures in
// p) and every window of p by the weights of the hall's configuration.
func (r *Rollups) Evaluation(p Period, lang Lang) Evaluation {
	r.mu.RLock()
	defer r.mu.RUnlock()
	w := r.names.weights
	ev := Evaluation{Period: p, Weights: w}

	staff, _ := r.group(p, ByStaff, false, func(k key) bool { return k.staff != noStaff })
	for i, s := range r.names.staff {
		if s.inConfig && s.role == queue.RoleStaff && staff[int64(i)] == nil {
			staff[int64(i)] = &agg{}
		}
	}
	for g, a := range staff {
		key, label := r.label(ByStaff, g, lang)
		ev.Staff = append(ev.Staff, scoreRow(key, label, a, w))
	}
	windows, _ := r.group(p, ByWindow, false, func(k key) bool { return k.win != 0 })
	for id, wn := range r.names.windows {
		if wn.inConfig && windows[int64(id)] == nil {
			windows[int64(id)] = &agg{}
		}
	}
	for g, a := range windows {
		key, label := r.label(ByWindow, g, lang)
		ev.Windows = append(ev.Windows, scoreRow(key, label, a, w))
	}
	rank(ev.Staff, w)
	rank(ev.Windows, w)
	return ev
}

func scoreRow(key, label string, a *agg, w queue.Evaluation) EvalRow {
	return EvalRow{Key: key, Label: label, Served: a.n[cServed],
		SatisfactionRate: num(rate(satisfied, ratedCounted)(a)),
		WithinLimitRate:  num(rate(counter(cWithinLimit), counter(cCalled))(a)),
		CasesOnTimeRate:  num(rate(counter(cCasesOnTime), counter(cCasesDone))(a)),
		ComplaintsUpheld: a.n[cComplaintsUpheld], SpotErrors: a.n[cSpotErrors], CoverGapS: a.n[cCoverGapS]}
}

// rank computes each row's points (the busiest row sets the volume scale)
// and ranks the rows by total, highest first; equal totals share a rank
// (1, 1, 3), and the rows are in rank order, then by key.
func rank(rows []EvalRow, w queue.Evaluation) {
	var busiest int64
	for _, r := range rows {
		busiest = max(busiest, r.Served)
	}
	for i := range rows {
		r := &rows[i]
		full := func(v Value) float64 { // nothing to measure: full points if it served, none if not
			if !v.OK {
				return float64(min(r.Served, 1))
			}
			return v.Num
		}
		if busiest > 0 {
			r.VolumePoints = round2(w.Volume * float64(r.Served) / float64(busiest))
		}
		r.SatisfactionPoints = round2(w.Satisfaction * full(r.SatisfactionRate))
		r.ServiceLevelPoints = round2(w.ServiceLevel * full(r.WithinLimitRate))
		r.CasesPoints = round2(w.CasesOnTime * full(r.CasesOnTimeRate))
		r.ComplaintDeduction = round2(w.ComplaintUpheld * float64(r.ComplaintsUpheld))
		r.SpotDeduction = round2(w.SpotCheckError * float64(r.SpotErrors))
		r.CoverDeduction = round2(w.CoverGapHour * float64(r.CoverGapS) / 3600)
		r.Total = round2(max(0, r.VolumePoints+r.SatisfactionPoints+r.ServiceLevelPoints+r.CasesPoints-
			r.ComplaintDeduction-r.SpotDeduction-r.CoverDeduction))
	}
	slices.SortFunc(rows, func(a, b EvalRow) int {
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		if len(a.Key) != len(b.Key) { // window ids as numbers
			return cmp.Compare(len(a.Key), len(b.Key))
		}
		return cmp.Compare(a.Key, b.Key)
	})
	for i := range rows {
		if i > 0 && rows[i].Total == rows[i-1].Total {
			rows[i].Rank = rows[i-1].Rank
		} else {
			rows[i].Rank = i + 1
		}
	}
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// dayStart is the start of a day number in the hall's time zone.
func (r *Rollups) dayStart(day int32) time.Time {
	y, m, d := dayDate(day).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, r.loc)
}

// Location is the hall's time zone, which days and hours are in.
func (r *Rollups) Location() *time.Location { return r.loc }
