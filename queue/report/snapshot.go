package report

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"qcall/queue"
)

// The rollups keep a snapshot of themselves in a file, so that a restart
// reads it and folds only the events after it instead of the whole log. A
// snapshot that cannot be read, of another layout, or ahead of the log (a
// store restored from an older backup) is ignored: the rollups are rebuilt
// from the log.
//
// The file is binary and compact, made to be read in one pass with few
// allocations: the magic and version, then each part of the rollups as
// varints and length-prefixed strings (the cells with only their non-zero
// counters; the ratings' numbers as one block of text), and a CRC-32C of
// everything before it, last. A year of a big hall (some 100,000 cells and
// 400,000 ratings) is about 10 MB.

// snapMagic begins every snapshot; snapVersion changes with its layout, and
// nCounts is checked too, so that a counter added later makes old snapshots
// rebuild.
const (
	snapMagic   = "QCALLREP"
	snapVersion = 4
)

// snapEvery is how many folded events may follow the newest snapshot before
// the rollups write another.
const snapEvery = 100000

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// writeSnapshot writes the rollups to path, under the read lock: a
// temporary file, synced, then renamed over the old one.
func (r *Rollups) writeSnapshot(path string) error {
	b := r.appendSnapshot(make([]byte, 0, 1<<20))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	tmp, err := os.CreateTemp(filepath.Dir(path), ".reports-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if _, err := bw.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// appendSnapshot appends the rollups in the snapshot's layout to b (without
// the checksum).
func (r *Rollups) appendSnapshot(b []byte) []byte {
	w := &snapWriter{b: append(b, snapMagic...)}
	w.uint(snapVersion)
	w.uint(nCounts)
	w.uint(r.seq)
	w.int(int64(r.first))
	w.int(int64(r.last))

	wt := r.names.weights
	for _, x := range []float64{wt.Volume, wt.Satisfaction, wt.ServiceLevel, wt.CasesOnTime, wt.ComplaintUpheld, wt.SpotCheckError, wt.CoverGapHour} {
		w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x))
	}
	w.uint(uint64(len(r.names.services)))
	for _, x := range r.names.services {
		w.str(x.code)
		w.str(x.name)
		w.str(x.nameEn)
		w.int(int64(x.waitLimit))
	}
	w.uint(uint64(len(r.names.staff)))
	for _, x := range r.names.staff {
		w.str(x.jobNo)
		w.str(x.name)
		w.str(x.nameEn)
		w.str(string(x.role))
		w.bool(x.inConfig)
	}
	w.uint(uint64(len(r.names.windows)))
	for _, id := range slices.Sorted(mapKeys32(r.names.windows)) {
		x := r.names.windows[id]
		w.int(int64(id))
		w.str(x.name)
		w.str(x.nameEn)
		w.bool(x.inConfig)
	}
	w.uint(uint64(len(r.names.reasons) - 1)) // the first is always ""
	for _, x := range r.names.reasons[1:] {
		w.str(x)
	}

	// The cells, day by day: each with the counters that are not 0 (a
	// bit each in a mask), and its waiting and service times.
	n := 0
	for _, d := range r.days {
		n += len(d)
	}
	w.uint(uint64(n))
	w.uint(uint64(len(r.days)))
	for _, day := range slices.Sorted(mapKeys32(r.days)) {
		cells := r.days[day]
		w.int(int64(day))
		w.uint(uint64(len(cells)))
		for k, c := range cells {
			w.b = append(w.b, byte(k.hour))
			w.int(int64(k.svc))
			w.int(int64(k.win))
			w.int(int64(k.staff))
			var mask uint64
			for i, v := range c.n {
				if v != 0 {
					mask |= 1 << i
				}
			}
			w.uint(mask)
			for _, v := range c.n {
				if v != 0 {
					w.int(v)
				}
			}
			w.seconds(c.waits)
			w.seconds(c.serv)
		}
	}

	// The ratings: times and days as differences, then the rest, then the
	// numbers' text as it is kept.
	rs := r.ratings
	w.uint(uint64(len(rs)))
	var prevAt int64
	var prevDay int32
	for i := range rs {
		x := &rs[i]
		w.int(x.at - prevAt)
		w.int(int64(x.day - prevDay))
		prevAt, prevDay = x.at, x.day
		w.int(int64(x.service))
		w.int(int64(x.window))
		w.int(int64(x.staff))
		w.b = append(w.b, byte(x.score), x.numLen)
		w.uint(uint64(x.reason))
	}
	w.uint(uint64(len(r.numbers)))
	w.b = append(w.b, r.numbers...)

	// What the fold remembers between events.
	w.uint(uint64(len(r.tickets)))
	for id, t := range r.tickets {
		w.str(id)
		w.int(int64(t.svc))
		w.time(t.joined)
		w.time(t.called)
		w.int(int64(t.win))
		w.int(int64(t.staff))
	}
	w.uint(uint64(len(r.cases)))
	for id, c := range r.cases {
		w.str(id)
		w.time(c.due)
		w.key(c.key)
	}
	w.uint(uint64(len(r.winStaff)))
	for win, s := range r.winStaff {
		w.int(int64(win))
		w.int(int64(s))
	}
	w.uint(uint64(len(r.coverOf)))
	for win, c := range r.coverOf {
		w.int(int64(win))
		w.int(int64(c.staff))
		w.time(c.since)
	}
	w.uint(uint64(len(r.lastDone)))
	for win, f := range r.lastDone {
		w.int(int64(win))
		w.str(f.ticket)
		w.key(f.key)
	}
	w.uint(uint64(len(r.complaints)))
	for id, c := range r.complaints {
		w.str(id)
		w.int(int64(c.win))
		w.int(int64(c.staff))
	}
	// The follow-ups, in the order they opened.
	n = 0
	for _, id := range r.followOrder {
		if _, ok := r.followups[id]; ok {
			n++
		}
	}
	w.uint(uint64(n))
	for _, id := range r.followOrder {
		f, ok := r.followups[id]
		if !ok {
			continue
		}
		w.b = binary.LittleEndian.AppendUint64(w.b, id)
		w.key(f.rating)
		w.int(int64(f.svc))
		w.int(int64(f.win))
		w.int(int64(f.staff))
		w.int(f.opened)
		w.int(f.due)
		w.bool(f.closed)
		w.bool(f.decided)
	}
	w.uint(uint64(len(r.spotChecks)))
	for id, items := range r.spotChecks {
		w.str(id)
		w.uint(uint64(len(items)))
		for ticket, it := range items {
			w.str(ticket)
			w.key(it.key)
			w.bool(it.checked)
			w.bool(it.ok)
		}
	}
	return w.b
}

// readSnapshot loads the snapshot at path into r (fresh), if it is usable
// for a log that ends at seq. It returns whether it did; on false r may hold
// part of it, and must be reset.
func (r *Rollups) readSnapshot(path string, seq uint64) (bool, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(b) < len(snapMagic)+4 || string(b[:len(snapMagic)]) != snapMagic {
		return false, fmt.Errorf("%s is not a snapshot of the reports", path)
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return false, fmt.Errorf("%s is damaged (its checksum differs)", path)
	}
	s := &snapReader{b: body, i: len(snapMagic)}
	if v, c := s.uint(), s.uint(); v != snapVersion || c != nCounts {
		return false, fmt.Errorf("%s is of another layout (version %d, %d counters)", path, v, c)
	}
	snapSeq := s.uint()
	if s.err == nil && snapSeq > seq {
		return false, fmt.Errorf("%s is at event %d, after the log's end %d", path, snapSeq, seq)
	}
	r.seq, r.first, r.last = snapSeq, s.int32(), s.int32()
	if err := r.readSnapBody(s); err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	return true, nil
}

// readSnapBody reads what follows the snapshot's header.
func (r *Rollups) readSnapBody(s *snapReader) error {
	var wt [7]float64
	for i := range wt {
		wt[i] = math.Float64frombits(s.fixed64())
	}
	r.names.weights = queue.Evaluation{Volume: wt[0], Satisfaction: wt[1], ServiceLevel: wt[2], CasesOnTime: wt[3],
		ComplaintUpheld: wt[4], SpotCheckError: wt[5], CoverGapHour: wt[6]}
	for i := range s.count(4) {
		x := serviceName{code: s.str(), name: s.str(), nameEn: s.str(), waitLimit: s.int32()}
		r.names.services = append(r.names.services, x)
		r.names.serviceIdx[x.code] = int16(i)
	}
	for i := range s.count(4) {
		x := staffName{jobNo: s.str(), name: s.str(), nameEn: s.str(), role: queue.Role(s.str()), inConfig: s.bool()}
		r.names.staff = append(r.names.staff, x)
		r.names.staffIdx[x.jobNo] = int32(i)
	}
	for range s.count(4) {
		id := s.int32()
		r.names.windows[id] = windowName{name: s.str(), nameEn: s.str(), inConfig: s.bool()}
	}
	for range s.count(1) {
		r.names.reason(s.str())
	}

	// The cells: all in one array, their times in two more, so that a year
	// is a few allocations.
	cells := make([]cell, s.count(8))
	var waits, serv []int32
	wEnd, sEnd := make([]int, len(cells)), make([]int, len(cells))
	next := 0
	for range s.count(2) {
		day, n := s.int32(), s.count(6)
		if _, dup := r.days[day]; dup || n > len(cells)-next {
			s.fail("the cells of a day")
		}
		if s.err != nil {
			return s.err
		}
		d := make(map[key]*cell, n)
		r.days[day] = d
		for range n {
			c := &cells[next]
			k := key{day: day, hour: int8(s.byte()), svc: int16(s.int()), win: s.int32(), staff: s.int32()}
			mask := s.uint()
			for j := range nCounts {
				if mask&(1<<j) != 0 {
					c.n[j] = s.int()
				}
			}
			if mask>>nCounts != 0 {
				s.fail("a cell's counters")
			}
			waits = s.seconds(waits)
			serv = s.seconds(serv)
			wEnd[next], sEnd[next] = len(waits), len(serv)
			next++
			d[k] = c
		}
	}
	if next != len(cells) {
		s.fail("the number of cells")
	}
	if s.err != nil {
		return s.err
	}
	// The times were read into two arrays that grew as they went: each cell
	// gets its part of the final ones, capped, so that an append to one
	// cell's times never writes over the next's.
	w0, s0 := 0, 0
	for i := range cells {
		if w1 := wEnd[i]; w1 > w0 {
			cells[i].waits = waits[w0:w1:w1]
			w0 = w1
		}
		if s1 := sEnd[i]; s1 > s0 {
			cells[i].serv = serv[s0:s1:s1]
			s0 = s1
		}
	}

	// The ratings.
	rs := make([]rating, s.count(7))
	var at int64
	var day int32
	number := uint32(0)
	for i := range rs {
		x := &rs[i]
		at += s.int()
		day += s.int32()
		x.at, x.day = at, day
		x.service, x.window, x.staff = int16(s.int()), s.int32(), s.int32()
		x.score, x.numLen = int8(s.byte()), s.byte()
		x.reason = uint16(min(s.uint(), 1<<16-1))
		if int(x.reason) >= len(r.names.reasons) {
			s.fail("a rating's reason")
			break
		}
		x.number = number
		number += uint32(x.numLen)
	}
	r.numbers = slices.Clone(s.bytes(s.count(1)))
	if s.err == nil && int(number) != len(r.numbers) {
		s.fail("the ratings' numbers")
	}
	r.ratings = rs

	for range s.count(4) {
		id := s.str()
		r.tickets[id] = &track{svc: int16(s.int()), joined: s.time(), called: s.time(), win: s.int32(), staff: s.int32()}
	}
	for range s.count(4) {
		id := s.str()
		r.cases[id] = caseTrack{due: s.time(), key: s.key()}
	}
	for range s.count(2) {
		win := s.int32()
		r.winStaff[win] = s.int32()
	}
	for range s.count(3) {
		win := s.int32()
		r.coverOf[win] = coverTrack{staff: s.int32(), since: s.time()}
	}
	for range s.count(3) {
		win := s.int32()
		r.lastDone[win] = finished{ticket: s.str(), key: s.key()}
	}
	for range s.count(3) {
		id := s.str()
		r.complaints[id] = complaintTrack{win: s.int32(), staff: s.int32()}
	}
	n := s.count(20)
	r.followups = make(map[uint64]followTrack, n)
	r.followOrder = make([]uint64, 0, n)
	for range n {
		id := s.fixed64()
		r.followups[id] = followTrack{rating: s.key(), svc: int16(s.int()), win: s.int32(), staff: s.int32(),
			opened: s.int(), due: s.int(), closed: s.bool(), decided: s.bool()}
		r.followOrder = append(r.followOrder, id)
	}
	for range s.count(2) {
		id := s.str()
		items := map[string]*spotItem{}
		for range s.count(4) {
			ticket := s.str()
			items[ticket] = &spotItem{key: s.key(), checked: s.bool(), ok: s.bool()}
		}
		r.spotChecks[id] = items
	}
	if s.err == nil && s.i != len(s.b) {
		s.fail("its end")
	}
	return s.err
}

func mapKeys32[V any](m map[int32]V) func(func(int32) bool) {
	return func(yield func(int32) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// snapWriter appends the snapshot's values to b.
type snapWriter struct{ b []byte }

func (w *snapWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *snapWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *snapWriter) str(s string)  { w.uint(uint64(len(s))); w.b = append(w.b, s...) }

func (w *snapWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// time writes a time to the nanosecond; the zero time as 0.
func (w *snapWriter) time(t time.Time) {
	if t.IsZero() {
		w.uint(0)
		return
	}
	w.uint(1)
	w.int(t.UnixNano())
}

func (w *snapWriter) key(k key) {
	w.int(int64(k.day))
	w.b = append(w.b, byte(k.hour))
	w.int(int64(k.svc))
	w.int(int64(k.win))
	w.int(int64(k.staff))
}

// seconds writes waiting or service times, each not negative.
func (w *snapWriter) seconds(xs []int32) {
	w.uint(uint64(len(xs)))
	for _, x := range xs {
		w.uint(uint64(x))
	}
}

// snapReader reads a snapshot's values from b; the first error sticks, and
// every read after it gives zero.
type snapReader struct {
	b   []byte
	i   int
	err error
}

var errSnapShort = errors.New("the snapshot ends too soon")

func (s *snapReader) fail(what string) {
	if s.err == nil {
		s.err = fmt.Errorf("the snapshot is malformed at %s (byte %d)", what, s.i)
	}
}

func (s *snapReader) uint() uint64 {
	if s.err != nil {
		return 0
	}
	v, n := binary.Uvarint(s.b[s.i:])
	if n <= 0 {
		s.err = errSnapShort
		return 0
	}
	s.i += n
	return v
}

func (s *snapReader) int() int64 {
	if s.err != nil {
		return 0
	}
	v, n := binary.Varint(s.b[s.i:])
	if n <= 0 {
		s.err = errSnapShort
		return 0
	}
	s.i += n
	return v
}

func (s *snapReader) int32() int32 {
	v := s.int()
	if v != int64(int32(v)) {
		s.fail("a number out of range")
		return 0
	}
	return int32(v)
}

func (s *snapReader) byte() byte {
	if s.err != nil || s.i >= len(s.b) {
		s.err = cmpErr(s.err, errSnapShort)
		return 0
	}
	s.i++
	return s.b[s.i-1]
}

func (s *snapReader) bool() bool { return s.byte() != 0 }

func (s *snapReader) fixed64() uint64 {
	b := s.bytes(8)
	if len(b) < 8 {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (s *snapReader) bytes(n int) []byte {
	if s.err != nil || n > len(s.b)-s.i {
		s.err = cmpErr(s.err, errSnapShort)
		return nil
	}
	s.i += n
	return s.b[s.i-n : s.i]
}

func (s *snapReader) str() string { return string(s.bytes(s.count(1))) }

// count reads a number of things that each take at least min bytes: more
// than the bytes left is an error, so that a damaged count allocates
// nothing.
func (s *snapReader) count(min int) int {
	n := s.uint()
	if s.err == nil && n > uint64((len(s.b)-s.i)/min) {
		s.fail("a count")
	}
	if s.err != nil {
		return 0
	}
	return int(n)
}

func (s *snapReader) time() time.Time {
	if s.uint() == 0 {
		return time.Time{}
	}
	return time.Unix(0, s.int())
}

func (s *snapReader) key() key {
	return key{day: s.int32(), hour: int8(s.byte()), svc: int16(s.int()), win: s.int32(), staff: s.int32()}
}

// seconds reads waiting or service times, appending them to all.
func (s *snapReader) seconds(all []int32) []int32 {
	n := s.count(1)
	for range n {
		all = append(all, int32(min(s.uint(), math.MaxInt32)))
	}
	return all
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
