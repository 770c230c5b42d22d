package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"time"

	"qcall/queue"
)

// Feed is the 好差评 feed of a period: every rating given in it, oldest
// first, with the fields a provincial platform takes. It is made under the
// rollups' lock in microseconds (the ratings are a slice kept in the order
// they were given, which only grows: the feed holds a part of it, and a copy
// of the names), and written without the lock, a row at a time, so that a
// year of ratings streams to a slow client without holding up the fold.
type Feed struct {
	ratings  []Rating // the period's: never written to once folded
	loc      *time.Location
	services []serviceName
	staff    []staffName
	lang     Lang
}

// RatingRow is one rating of the 好差评 feed.
type RatingRow struct {
	TransactionID string    // business day and ticket number: 20261102-A001
	ServiceCode   string    // the service's code
	ServiceName   string    // its name
	JobNo         string    // the staff member rated
	StaffName     string    // their name
	Window        int       // the window
	At            time.Time // when the rating was given, in the hall's time
	Level         int       // 5 非常满意 … 1 非常不满意
	Reason        string    // after a 2 or 1: attitude|efficiency|knowledge|environment|other
}

// Ratings returns the feed of the ratings given in p (by the time they were
// given, in the hall's time zone).
func (r *Rollups) Ratings(p Period, lang Lang) Feed {
	r.mu.RLock()
	defer r.mu.RUnlock()
	from, to := r.dayStart(p.From), r.dayStart(p.To+1)
	i, _ := slices.BinarySearchFunc(r.ratings, from, func(x Rating, t time.Time) int { return x.At.Compare(t) })
	j, _ := slices.BinarySearchFunc(r.ratings, to, func(x Rating, t time.Time) int { return x.At.Compare(t) })
	j = max(i, j)
	return Feed{ratings: r.ratings[i:j:j], loc: r.loc, services: slices.Clone(r.names.services),
		staff: slices.Clone(r.names.staff), lang: lang}
}

// Len is the number of ratings in the feed.
func (f Feed) Len() int { return len(f.ratings) }

// Row returns the feed's i-th rating.
func (f Feed) Row(i int) RatingRow {
	var b []byte
	return f.row(i, &b)
}

// row is Row with a buffer for the transaction id.
func (f Feed) row(i int, buf *[]byte) RatingRow {
	x := &f.ratings[i]
	row := RatingRow{Window: int(x.Window), At: x.At.In(f.loc), Level: int(x.Score), Reason: x.Reason}
	*buf = append(append(row.At.AppendFormat((*buf)[:0], "20060102"), '-'), x.Number...)
	row.TransactionID = string(*buf)
	if s := int(x.Service); s >= 0 && s < len(f.services) {
		sv := f.services[s]
		row.ServiceCode, row.ServiceName = sv.code, sv.name
		if f.lang == "en" && sv.nameEn != "" {
			row.ServiceName = sv.nameEn
		}
	}
	if s := int(x.Staff); s >= 0 && s < len(f.staff) {
		row.JobNo, row.StaffName = f.staff[s].jobNo, f.staff[s].name
	}
	return row
}

// feedWords are the words of the feed in a language: the channel, the
// levels' names, and the reasons' names as they come.
type feedWords struct {
	t       Translate
	channel string
	levels  [6]string
	reasons map[string]string
}

func newFeedWords(t Translate) *feedWords {
	w := &feedWords{t: t, channel: t("report.channel.evaluator"), reasons: map[string]string{"": ""}}
	for l := 1; l <= 5; l++ {
		w.levels[l] = t("report.level." + strconv.Itoa(l))
	}
	return w
}

func (w *feedWords) level(l int) string {
	if l < 1 || l > 5 {
		return ""
	}
	return w.levels[l]
}

func (w *feedWords) reason(r string) string {
	n, ok := w.reasons[r]
	if !ok {
		n = w.t("report.reason." + r)
		w.reasons[r] = n
	}
	return n
}

// WriteJSONL writes the feed as JSON lines, one rating a line:
// transaction_id, service_code, service_name, channel, job_no, staff_name,
// window, time (RFC 3339, hall time), level, level_name, and after a 2 or 1
// reason and reason_name. It stops at the first error of w.
func (f Feed) WriteJSONL(w io.Writer, t Translate) error {
	words := newFeedWords(t)
	var id, b []byte
	for i := range f.ratings {
		r := f.row(i, &id)
		b = append(b, `{"transaction_id":`...)
		b = queue.AppendJSONString(b, r.TransactionID, false)
		b = append(b, `,"service_code":`...)
		b = queue.AppendJSONString(b, r.ServiceCode, false)
		b = append(b, `,"service_name":`...)
		b = queue.AppendJSONString(b, r.ServiceName, false)
		b = append(b, `,"channel":`...)
		b = queue.AppendJSONString(b, words.channel, false)
		b = append(b, `,"job_no":`...)
		b = queue.AppendJSONString(b, r.JobNo, false)
		b = append(b, `,"staff_name":`...)
		b = queue.AppendJSONString(b, r.StaffName, false)
		b = append(b, `,"window":`...)
		b = strconv.AppendInt(b, int64(r.Window), 10)
		b = append(b, `,"time":"`...)
		b = append(r.At.AppendFormat(b, time.RFC3339Nano), '"')
		b = append(b, `,"level":`...)
		b = strconv.AppendInt(b, int64(r.Level), 10)
		b = append(b, `,"level_name":`...)
		b = queue.AppendJSONString(b, words.level(r.Level), false)
		if r.Reason != "" {
			b = append(b, `,"reason":`...)
			b = queue.AppendJSONString(b, r.Reason, false)
			b = append(b, `,"reason_name":`...)
			b = queue.AppendJSONString(b, words.reason(r.Reason), false)
		}
		b = append(b, "}\n"...)
		if len(b) >= 32<<10 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	if len(b) > 0 {
		_, err := w.Write(b)
		return err
	}
	return nil
}

// WriteCSV writes the feed as CSV in UTF-8 with a byte order mark and CRLF
// lines, as WriteCSV writes tables: the header row (in t's language), then a
// row per rating.
func (f Feed) WriteCSV(w io.Writer, t Translate) error {
	words := newFeedWords(t)
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	head := make([]string, len(feedColumns))
	for i, k := range feedColumns {
		head[i] = t("report.col." + k)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	var id []byte
	rec := make([]string, len(feedColumns))
	for i := range f.ratings {
		r := f.row(i, &id)
		rec[0], rec[1], rec[2], rec[3] = r.TransactionID, r.ServiceCode, r.ServiceName, words.channel
		rec[4], rec[5], rec[6] = r.JobNo, r.StaffName, strconv.Itoa(r.Window)
		rec[7], rec[8], rec[9] = r.At.Format(time.RFC3339), strconv.Itoa(r.Level), words.level(r.Level)
		rec[10], rec[11] = r.Reason, words.reason(r.Reason)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// feedColumns are the feed's columns (report.col.<key> their headers).
var feedColumns = []string{"transaction_id", "service_code", "service_name", "channel", "job_no", "staff_name",
	"window", "time", "level", "level_name", "reason", "reason_name"}
