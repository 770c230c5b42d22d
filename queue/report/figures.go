package report

import (
	"math"
	"slices"
)

// Kind is what a figure counts, which says how it is written: a whole
// count, whole seconds, a rate from 0 to 1, points of a score, or text.
type Kind uint8

// The kinds of figure.
const (
	KindText Kind = iota
	KindCount
	KindSeconds
	KindRate
	KindPoints
)

// Figure is one figure of the statistics, defined once here and in
// docs/reports.md: its key (the JSON name, and report.col.<key> in the
// catalogue for its header), its kind and how it is computed from the
// counters of a group of cells. A figure that cannot be computed (a rate of
// nothing) is null.
type Figure struct {
	Key   string
	Kind  Kind
	value func(a *agg) (float64, bool)
}

func count(c int) func(*agg) (float64, bool) {
	return func(a *agg) (float64, bool) { return float64(a.n[c]), true }
}

func rate(num func(*agg) int64, den func(*agg) int64) func(*agg) (float64, bool) {
	return func(a *agg) (float64, bool) {
		d := den(a)
		if d <= 0 {
			return 0, false
		}
		return float64(num(a)) / float64(d), true
	}
}

func counter(c int) func(*agg) int64 { return func(a *agg) int64 { return a.n[c] } }

// rated is every rating of the group, satisfied those of 5, 4 and 3
// (非常满意, 满意, 基本满意).
func rated(a *agg) int64 {
	return a.n[cRated1] + a.n[cRated2] + a.n[cRated3] + a.n[cRated4] + a.n[cRated5]
}
func satisfied(a *agg) int64 { return a.n[cRated3] + a.n[cRated4] + a.n[cRated5] }

// ratedCounted is the ratings the satisfaction rate counts: all, less those
// an upheld appeal took out (which are always of 2 or 1, the only ones
// appealed).
func ratedCounted(a *agg) int64 { return rated(a) - a.n[cAppealsUpheld] }

// Figures are the statistics, in the order of a report's columns.
var Figures = []Figure{
	{"issued", KindCount, count(cIssued)},
	{"called", KindCount, count(cCalled)},
	{"served", KindCount, count(cServed)},
	{"no_show", KindCount, count(cNoShow)},
	{"no_show_rate", KindRate, rate(counter(cNoShow), counter(cCalled))},
	{"transferred", KindCount, count(cTransferred)},
	{"suspended", KindCount, count(cSuspended)},
	{"returned", KindCount, count(cReturned)},
	{"express", KindCount, count(cExpress)},
	{"refused", KindCount, count(cRefused)},
	{"avg_wait_s", KindSeconds, func(a *agg) (float64, bool) { return mean(a.waits) }},
	{"median_wait_s", KindSeconds, func(a *agg) (float64, bool) { return a.percentile(&a.waits, 50) }},
	{"p90_wait_s", KindSeconds, func(a *agg) (float64, bool) { return a.percentile(&a.waits, 90) }},
	{"max_wait_s", KindSeconds, func(a *agg) (float64, bool) { return a.percentile(&a.waits, 100) }},
	{"within_limit_rate", KindRate, rate(counter(cWithinLimit), counter(cCalled))},
	{"avg_service_s", KindSeconds, func(a *agg) (float64, bool) { return mean(a.serv) }},
	{"median_service_s", KindSeconds, func(a *agg) (float64, bool) { return a.percentile(&a.serv, 50) }},
	{"p90_service_s", KindSeconds, func(a *agg) (float64, bool) { return a.percentile(&a.serv, 90) }},
	{"max_service_s", KindSeconds, func(a *agg) (float64, bool) { return a.percentile(&a.serv, 100) }},
	{"rated_5", KindCount, count(cRated5)},
	{"rated_4", KindCount, count(cRated4)},
	{"rated_3", KindCount, count(cRated3)},
	{"rated_2", KindCount, count(cRated2)},
	{"rated_1", KindCount, count(cRated1)},
	{"rated", KindCount, func(a *agg) (float64, bool) { return float64(rated(a)), true }},
	{"appeals_upheld", KindCount, count(cAppealsUpheld)},
	{"satisfaction_rate", KindRate, rate(satisfied, ratedCounted)},
	{"unrated", KindCount, func(a *agg) (float64, bool) { return float64(max(a.n[cServed]-rated(a), 0)), true }},
	{"cases_done", KindCount, count(cCasesDone)},
	{"cases_on_time", KindCount, count(cCasesOnTime)},
	{"cases_on_time_rate", KindRate, rate(counter(cCasesOnTime), counter(cCasesDone))},
	{"complaints", KindCount, count(cComplaints)},
	{"complaints_upheld", KindCount, count(cComplaintsUpheld)},
	{"followups", KindCount, count(cFollowups)},
	{"followups_on_time", KindCount, count(cFollowupsOnTime)},
	{"cover_gaps", KindCount, count(cCoverGaps)},
	{"cover_gap_s", KindSeconds, count(cCoverGapS)},
	{"spot_checked", KindCount, count(cSpotChecked)},
	{"spot_errors", KindCount, count(cSpotErrors)},
	{"spot_error_rate", KindRate, rate(counter(cSpotErrors), counter(cSpotChecked))},
}

// agg is the sum of a group of cells.
type agg struct {
	n           [nCounts]int64
	waits, serv []int32
	sortedW     bool
	sortedS     bool
}

func (a *agg) add(c *cell) {
	for i, v := range c.n {
		a.n[i] += v
	}
	a.waits = append(a.waits, c.waits...)
	a.serv = append(a.serv, c.serv...)
	a.sortedW, a.sortedS = false, false
}

func (a *agg) merge(b *agg) {
	for i, v := range b.n {
		a.n[i] += v
	}
	a.waits = append(a.waits, b.waits...)
	a.serv = append(a.serv, b.serv...)
	a.sortedW, a.sortedS = false, false
}

// percentile is the nearest-rank p-th percentile of *xs: the smallest value
// with at least p% of the values at or below it (the value at rank
// ⌈p/100·n⌉ of the sorted values); 100 is the maximum.
func (a *agg) percentile(xs *[]int32, p float64) (float64, bool) {
	v := *xs
	if len(v) == 0 {
		return 0, false
	}
	sorted := &a.sortedW
	if xs == &a.serv {
		sorted = &a.sortedS
	}
	if !*sorted {
		sortSeconds(v)
		*sorted = true
	}
	rank := int(math.Ceil(p / 100 * float64(len(v))))
	return float64(v[max(rank, 1)-1]), true
}

// sortSeconds sorts v, non-negative seconds: by counting when there are
// many and their range is small (a year's waits are some 500,000 values
// under a few hours), else by comparison.
func sortSeconds(v []int32) {
	if len(v) < 4096 {
		slices.Sort(v)
		return
	}
	hi := int32(0)
	for _, x := range v {
		hi = max(hi, x)
	}
	if int(hi) > 4*len(v) {
		slices.Sort(v)
		return
	}
	counts := make([]int32, hi+1)
	for _, x := range v {
		counts[x]++
	}
	i := 0
	for x, n := range counts {
		for ; n > 0; n-- {
			v[i] = int32(x)
			i++
		}
	}
}

// mean is the average of xs rounded to whole seconds (half away from zero).
func mean(xs []int32) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	var sum int64
	for _, x := range xs {
		sum += int64(x)
	}
	return math.Round(float64(sum) / float64(len(xs))), true
}

// Value is one figure of a row: null when not OK.
type Value struct {
	Num  float64
	Text string
	OK   bool
}

func num(v float64, ok bool) Value { return Value{Num: v, OK: ok} }
func text(s string) Value          { return Value{Text: s, OK: true} }

// values computes every figure of a.
func (a *agg) values() []Value {
	out := make([]Value, len(Figures))
	for i, f := range Figures {
		out[i] = num(f.value(a))
	}
	return out
}
