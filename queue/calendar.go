package queue

// The hall's calendar: which dates are working days. Saturdays and Sundays
// are not, unless the State Council's yearly notice on public holidays
// (国务院办公厅关于部分节假日安排的通知) makes one a make-up working day
// (调休上班); the public holidays of that notice are not. Case deadlines
// (限时办结) count working days of this calendar (case.go: caseDue).

import (
	"fmt"
	"slices"
	"time"
)

// Calendar lists the dates on which the weekly rule (Monday to Friday are
// working days) does not hold, as YYYY-MM-DD in the hall's time zone.
type Calendar struct {
	// Holidays are days off that would be working days: public holidays and
	// the weekdays of their 调休.
	Holidays []string `json:"holidays,omitempty" toml:"holidays"`
	// Workdays are the make-up working days (调休上班) that fall on a
	// Saturday or Sunday.
	Workdays []string `json:"workdays,omitempty" toml:"workdays"`
}

// validate checks the calendar's dates: each a real YYYY-MM-DD, listed once,
// and a date not both a holiday and a working day.
func (c *Calendar) validate() error {
	seen := map[string]string{}
	for _, l := range []struct {
		name  string
		dates []string
	}{{"holidays", c.Holidays}, {"workdays", c.Workdays}} {
		for _, d := range l.dates {
			p := "calendar." + l.name
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return &ConfigError{Path: p, Reason: fmt.Sprintf("%q is not a date YYYY-MM-DD", clip(d, 20))}
			}
			if other, dup := seen[d]; dup {
				return &ConfigError{Path: p, Reason: fmt.Sprintf("%s is already listed in calendar.%s", d, other)}
			}
			seen[d] = l.name
		}
	}
	return nil
}

// Working reports whether the date of day (a date at midnight, any zone:
// its year, month and day are read) is a working day.
func (c *Calendar) Working(day time.Time) bool {
	d := day.Format(time.DateOnly)
	if slices.Contains(c.Holidays, d) {
		return false
	}
	if slices.Contains(c.Workdays, d) {
		return true
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the end of the n-th working day after the day of
// from, in loc (n ≥ 1). The day of from itself is not counted, as a period
// counted in days begins on the next day (民法典 第二百零一条: 开始的当日
// 不计入): a matter accepted on Wednesday 2 December 2026 with 5 working
// days is due at the end of Wednesday 9 December.
func (c *Calendar) AddWorkingDays(from time.Time, n int, loc *time.Location) time.Time {
	y, m, d := from.In(loc).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.Working(day) {
			n--
		}
	}
	return endOfDay(day, 0, loc)
}

// WorkingDaysLeft counts the working days after the day of now up to and
// including the day of due, in loc: 0 on the day a case is due (and after).
func (c *Calendar) WorkingDaysLeft(now, due time.Time, loc *time.Location) int {
	y, m, d := now.In(loc).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	dy, dm, dd := due.In(loc).Date()
	last := time.Date(dy, dm, dd, 0, 0, 0, 0, loc)
	n := 0
	for day = day.AddDate(0, 0, 1); !day.After(last); day = day.AddDate(0, 0, 1) {
		if c.Working(day) {
			n++
		}
	}
	return n
}

// China2026 is the State Council's calendar of public holidays for 2026
// (国务院办公厅关于2026年部分节假日安排的通知, 4 November 2025): the days
// off on weekdays and the make-up working days on weekends. The demo hall
// and docs/hall.example.toml carry it; a hall adds each year's notice to its
// configuration when it is published (usually in November of the year
// before).
var China2026 = Calendar{
	Holidays: []string{
		"2026-01-01", "2026-01-02", // 元旦 1月1日至3日
		"2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23", // 春节 2月15日至23日
		"2026-04-06",                             // 清明节 4月4日至6日
		"2026-05-01", "2026-05-04", "2026-05-05", // 劳动节 5月1日至5日
		"2026-06-19",                                                         // 端午节 6月19日至21日
		"2026-09-25",                                                         // 中秋节 9月25日至27日
		"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07", // 国庆节 10月1日至7日
	},
	Workdays: []string{
		"2026-01-04",               // 元旦调休 (周日)
		"2026-02-14", "2026-02-28", // 春节调休 (周六)
		"2026-05-09",               // 劳动节调休 (周六)
		"2026-09-20", "2026-10-10", // 国庆节调休 (周日, 周六)
	},
}
