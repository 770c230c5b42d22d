package report

import (
	"cmp"
	"io"
	"slices"
	"strconv"
	"strings"
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
	ratings  []rating // the period's: never written to once folded
	numbers  []byte   // their ticket numbers (and more): the same
	reasons  []string
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
	from, to := r.dayStart(p.From).UnixNano(), r.dayStart(p.To+1).UnixNano()
	i, _ := slices.BinarySearchFunc(r.ratings, from, func(x rating, t int64) int { return cmp.Compare(x.at, t) })
	j, _ := slices.BinarySearchFunc(r.ratings, to, func(x rating, t int64) int { return cmp.Compare(x.at, t) })
	j = max(i, j)
	return Feed{ratings: r.ratings[i:j:j], numbers: r.numbers[:len(r.numbers):len(r.numbers)],
		reasons: slices.Clone(r.names.reasons), loc: r.loc, services: slices.Clone(r.names.services),
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
	row := RatingRow{Window: int(x.window), At: time.Unix(0, x.at).In(f.loc), Level: int(x.score)}
	if int(x.reason) < len(f.reasons) {
		row.Reason = f.reasons[x.reason]
	}
	*buf = append(append(row.At.AppendFormat((*buf)[:0], "20060102"), '-'), f.numbers[x.number:x.number+uint32(x.numLen)]...)
	row.TransactionID = string(*buf)
	if s := int(x.service); s >= 0 && s < len(f.services) {
		sv := f.services[s]
		row.ServiceCode, row.ServiceName = sv.code, sv.name
		if f.lang == "en" && sv.nameEn != "" {
			row.ServiceName = sv.nameEn
		}
	}
	if s := int(x.staff); s >= 0 && s < len(f.staff) {
		row.JobNo, row.StaffName = f.staff[s].jobNo, f.staff[s].name
	}
	return row
}

// feedLines writes the feed's lines in one format (JSON lines or CSV). What
// repeats from line to line (a service's code and name, a staff member's job
// number and name, the channel, a level and a reason with their names) is
// encoded once, the first time it comes; a line is then its transaction id,
// these parts, the window and the time.
type feedLines struct {
	f        Feed
	t        Translate
	csv      bool
	channel  []byte
	services [][]byte // by service index + 1 (0: none)
	staff    [][]byte // by staff index + 1 (0: none)
	levels   [6][]byte
	reasons  [][]byte
	done     [3][]bool // which of services, staff and reasons are encoded
}

func (f Feed) lines(t Translate, csv bool) *feedLines {
	l := &feedLines{f: f, t: t, csv: csv, services: make([][]byte, len(f.services)+1), staff: make([][]byte, len(f.staff)+1),
		reasons: make([][]byte, max(len(f.reasons), 1))}
	l.done = [3][]bool{make([]bool, len(l.services)), make([]bool, len(l.staff)), make([]bool, len(l.reasons))}
	l.channel = l.fields(nil, "channel", t("report.channel.evaluator"))
	for lv := 1; lv <= 5; lv++ {
		n := strconv.Itoa(lv)
		l.levels[lv] = l.fields(nil, "level", n, "level_name", t("report.level."+n))
	}
	return l
}

// fields appends ", name: value" for each pair: in JSON with the values as
// strings, except a level's number; in CSV the values only.
func (l *feedLines) fields(b []byte, pairs ...string) []byte {
	for i := 0; i < len(pairs); i += 2 {
		b = append(b, ',')
		if l.csv {
			b = appendCSVField(b, pairs[i+1])
			continue
		}
		b = append(append(append(b, '"'), pairs[i]...), `":`...)
		if pairs[i] == "level" {
			b = append(b, pairs[i+1]...)
		} else {
			b = queue.AppendJSONString(b, pairs[i+1], false)
		}
	}
	return b
}

// line appends the i-th rating's line.
func (l *feedLines) line(b []byte, i int) []byte {
	f := &l.f
	x := &f.ratings[i]
	at := time.Unix(0, x.at).In(f.loc)
	y, mo, d := at.Date()
	// transaction_id: the business day and the ticket number.
	var id [64]byte
	tx := append(appendDigits(appendDigits(appendDigits(id[:0], y, 4), int(mo), 2), d, 2), '-')
	tx = append(tx, f.numbers[x.number:x.number+uint32(x.numLen)]...)
	if l.csv {
		b = appendCSVField(b, string(tx))
	} else {
		b = queue.AppendJSONString(append(b, `{"transaction_id":`...), string(tx), false)
	}
	b = append(b, l.service(x.service)...)
	b = append(b, l.channel...)
	b = append(b, l.staffOf(x.staff)...)
	if l.csv {
		b = strconv.AppendInt(append(b, ','), int64(x.window), 10)
		b = appendRFC3339(append(b, ','), at, false)
	} else {
		b = strconv.AppendInt(append(b, `,"window":`...), int64(x.window), 10)
		b = append(appendRFC3339(append(b, `,"time":"`...), at, true), '"')
	}
	if x.score >= 1 && x.score <= 5 {
		b = append(b, l.levels[x.score]...)
	} else {
		b = l.fields(b, "level", strconv.Itoa(int(x.score)), "level_name", "")
	}
	b = append(b, l.reason(x.reason)...)
	if l.csv {
		return append(b, '\r', '\n')
	}
	return append(b, '}', '\n')
}

func (l *feedLines) service(i int16) []byte {
	j := max(int(i)+1, 0)
	if j >= len(l.services) {
		j = 0
	}
	if !l.done[0][j] {
		var code, name string
		if j > 0 {
			s := l.f.services[j-1]
			code, name = s.code, s.name
			if l.f.lang == "en" && s.nameEn != "" {
				name = s.nameEn
			}
		}
		l.services[j], l.done[0][j] = l.fields(nil, "service_code", code, "service_name", name), true
	}
	return l.services[j]
}

func (l *feedLines) staffOf(i int32) []byte {
	j := max(int(i)+1, 0)
	if j >= len(l.staff) {
		j = 0
	}
	if !l.done[1][j] {
		var jobNo, name string
		if j > 0 {
			jobNo, name = l.f.staff[j-1].jobNo, l.f.staff[j-1].name
		}
		l.staff[j], l.done[1][j] = l.fields(nil, "job_no", jobNo, "staff_name", name), true
	}
	return l.staff[j]
}

// reason is the reason's fields: in JSON none when there is no reason; in
// CSV always its two columns.
func (l *feedLines) reason(i uint16) []byte {
	if int(i) >= len(l.reasons) {
		i = 0
	}
	if !l.done[2][i] {
		var p []byte
		r := ""
		if int(i) < len(l.f.reasons) {
			r = l.f.reasons[i]
		}
		switch {
		case r != "":
			p = l.fields(nil, "reason", r, "reason_name", l.t("report.reason."+r))
		case l.csv:
			p = []byte(",,")
		}
		l.reasons[i], l.done[2][i] = p, true
	}
	return l.reasons[i]
}

// write writes every line to w, 32 KiB at a time, after head.
func (l *feedLines) write(w io.Writer, head []byte) error {
	b := head
	for i := range l.f.ratings {
		b = l.line(b, i)
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

// WriteJSONL writes the feed as JSON lines, one rating a line:
// transaction_id, service_code, service_name, channel, job_no, staff_name,
// window, time (RFC 3339, hall time), level, level_name, and after a 2 or 1
// reason and reason_name. It stops at the first error of w.
func (f Feed) WriteJSONL(w io.Writer, t Translate) error {
	return f.lines(t, false).write(w, make([]byte, 0, 40<<10))
}

// WriteCSV writes the feed as CSV in UTF-8 with a byte order mark and CRLF
// lines, as WriteCSV writes tables: the header row (in t's language), then a
// row per rating, the time in RFC 3339 to the second.
func (f Feed) WriteCSV(w io.Writer, t Translate) error {
	l := f.lines(t, true)
	head := append(make([]byte, 0, 40<<10), "\ufeff"...)
	for i, k := range feedColumns {
		if i > 0 {
			head = append(head, ',')
		}
		head = appendCSVField(head, t("report.col."+k))
	}
	return l.write(w, append(head, '\r', '\n'))
}

// appendCSVField appends s as encoding/csv writes a field: in quotes, with
// quotes doubled, when it holds a comma, a quote, a line break or begins
// with a space; an empty field as nothing.
func appendCSVField(b []byte, s string) []byte {
	if s == "" || !strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\t' {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := range len(s) {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// appendDigits appends n with at least width digits.
func appendDigits(b []byte, n, width int) []byte {
	var d [20]byte
	i := len(d)
	for n >= 10 || width > 1 {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	i--
	d[i] = byte('0' + n)
	return append(b, d[i:]...)
}

// appendRFC3339 appends t as time.RFC3339Nano (nano) or time.RFC3339 writes
// it, for a year between 0 and 9999.
func appendRFC3339(b []byte, t time.Time, nano bool) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = appendDigits(b, y, 4)
	b = append(appendDigits(append(b, '-'), int(mo), 2), '-')
	b = append(appendDigits(b, d, 2), 'T')
	b = append(appendDigits(b, h, 2), ':')
	b = append(appendDigits(b, mi, 2), ':')
	b = appendDigits(b, s, 2)
	if ns := t.Nanosecond(); nano && ns != 0 {
		var f [9]byte
		for i := 8; i >= 0; i-- {
			f[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 9
		for f[n-1] == '0' {
			n--
		}
		b = append(append(b, '.'), f[:n]...)
	}
	_, off := t.Zone()
	if off == 0 {
		return append(b, 'Z')
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(appendDigits(append(b, sign), off/3600, 2), ':')
	return appendDigits(b, off/60%60, 2)
}

// feedColumns are the feed's columns (report.col.<key> their headers).
var feedColumns = []string{"transaction_id", "service_code", "service_name", "channel", "job_no", "staff_name",
	"window", "time", "level", "level_name", "reason", "reason_name"}
