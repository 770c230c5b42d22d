package queue

// The evaluation settings (月度、年度评议考核): the weights the hall gives each
// component of a staff member's or a window's score, and the errors of the
// report requests. The figures and the scores themselves are folded from
// the events by queue/report (docs/reports.md).

import "fmt"

// Evaluation holds the weights of the monthly and annual evaluation. The
// first four are the points a perfect component earns; the last three are
// points taken off per item. A zero Evaluation is the default
// (DefaultEvaluation); a hall that sets the table sets every weight it wants,
// and a weight left out is 0.
type Evaluation struct {
	// Volume: points for tickets served, in proportion to the busiest one.
	Volume float64 `json:"volume" toml:"volume"`
	// Satisfaction: points times the satisfaction rate.
	Satisfaction float64 `json:"satisfaction" toml:"satisfaction"`
	// ServiceLevel: points times the share called within the committed wait.
	ServiceLevel float64 `json:"service_level" toml:"service_level"`
	// CasesOnTime: points times the share of cases finished on time.
	CasesOnTime float64 `json:"cases_on_time" toml:"cases_on_time"`
	// ComplaintUpheld: points off per complaint upheld.
	ComplaintUpheld float64 `json:"complaint_upheld" toml:"complaint_upheld"`
	// SpotCheckError: points off per spot-checked ticket found wrong.
	SpotCheckError float64 `json:"spot_check_error" toml:"spot_check_error"`
	// CoverGapHour: points off per hour an A-post stood uncovered.
	CoverGapHour float64 `json:"cover_gap_hour" toml:"cover_gap_hour"`
}

// DefaultEvaluation is the weighting of a hall that sets none: 100 points,
// 30 for volume, 30 for satisfaction, 20 for service level, 20 for cases on
// time; 5 off per upheld complaint, 2 per spot-check error, 1 per hour of
// uncovered A-post.
var DefaultEvaluation = Evaluation{Volume: 30, Satisfaction: 30, ServiceLevel: 20, CasesOnTime: 20,
	ComplaintUpheld: 5, SpotCheckError: 2, CoverGapHour: 1}

// Weights returns the weights in force: c's, or DefaultEvaluation when c
// sets none.
func (c *Config) Weights() Evaluation {
	if c == nil || c.Evaluation == (Evaluation{}) {
		return DefaultEvaluation
	}
	return c.Evaluation
}

// validateEvaluation refuses a negative weight.
func (c *Config) validateEvaluation() error {
	ev := c.Evaluation
	for _, w := range []struct {
		name string
		v    float64
	}{{"volume", ev.Volume}, {"satisfaction", ev.Satisfaction}, {"service_level", ev.ServiceLevel},
		{"cases_on_time", ev.CasesOnTime}, {"complaint_upheld", ev.ComplaintUpheld},
		{"spot_check_error", ev.SpotCheckError}, {"cover_gap_hour", ev.CoverGapHour}} {
		if w.v < 0 || w.v > 1000 || w.v != w.v {
			return &ConfigError{Path: "evaluation." + w.name, Reason: fmt.Sprintf("the weight must be 0–1000, not %v", w.v)}
		}
	}
	return nil
}

// The errors of the report requests.
var (
	// ErrBadPeriod: a report's period is malformed, ends before it begins or
	// is longer than the reports allow.
	ErrBadPeriod = define(KindInvalid, "bad_period", "the period is not valid")
	// ErrReportsLoading: the reports are still being rebuilt from the event
	// log after a start; try again shortly.
	ErrReportsLoading = define(KindUnavailable, "reports_loading", "the reports are still loading")
)
