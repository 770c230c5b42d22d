package report

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"qcall/queue"
)

// The rollups keep a snapshot of themselves in a file, so that a restart
// reads it and folds only the events after it instead of the whole log. A
// snapshot that cannot be read, of another layout, or ahead of the log (a
// store restored from an older backup) is ignored: the rollups are rebuilt
// from the log.

// snapVersion changes with the layout of the snapshot; nCounts is checked
// too, so that a counter added later makes old snapshots rebuild.
const snapVersion = 2

// snapEvery is how many folded events may follow the newest snapshot before
// the rollups write another.
const snapEvery = 100000

type snapFile struct {
	Version, Counts int
	Seq             uint64
	First, Last     int32
	Services        []snapService
	Staff           []snapStaff
	Windows         map[int32]snapWindow
	Weights         [7]float64
	Cells           []snapCell
	Ratings         snapRatings
	Tickets         map[string]snapTrack
	Cases           map[string]snapCase
	WinStaff        map[int32]int32
	CoverOf         map[int32]int32
	LastDone        map[int32]snapFinished
}

// snapRatings are the ratings column by column, times as Unix seconds: much
// quicker to read than a time.Time each.
type snapRatings struct {
	At                     []int64
	Day, Window, Staff     []int32
	Service                []int16
	Score                  []int8
	Ticket, Number, Reason []string
}

type snapService struct {
	Code, Name, NameEn string
	WaitLimit          int32
}
type snapStaff struct {
	JobNo, Name, Role string
	InConfig          bool
}
type snapWindow struct {
	Name, NameEn string
	InConfig     bool
}
type snapKey struct {
	Day   int32
	Hour  int8
	Svc   int16
	Win   int32
	Staff int32
}
type snapCell struct {
	Key         snapKey
	N           []int64
	Waits, Serv []int32
}
type snapTrack struct {
	Svc            int16
	Joined, Called time.Time
	Win, Staff     int32
}
type snapCase struct {
	Due time.Time
	Key snapKey
}
type snapFinished struct {
	Ticket string
	Key    snapKey
}

func toSnapKey(k key) snapKey   { return snapKey{k.day, k.hour, k.svc, k.win, k.staff} }
func fromSnapKey(k snapKey) key { return key{k.Day, k.Hour, k.Svc, k.Win, k.Staff} }

// writeSnapshot writes the rollups to path, under the read lock: a
// temporary file, synced, then renamed over the old one.
func (r *Rollups) writeSnapshot(path string) error {
	s := snapFile{Version: snapVersion, Counts: nCounts, Seq: r.seq, First: r.first, Last: r.last,
		Windows: map[int32]snapWindow{}, Tickets: map[string]snapTrack{}, Cases: map[string]snapCase{},
		WinStaff: r.winStaff, CoverOf: r.coverOf, LastDone: map[int32]snapFinished{}}
	w := r.names.weights
	s.Weights = [7]float64{w.Volume, w.Satisfaction, w.ServiceLevel, w.CasesOnTime, w.ComplaintUpheld, w.SpotCheckError, w.CoverGapHour}
	for _, x := range r.names.services {
		s.Services = append(s.Services, snapService{x.code, x.name, x.nameEn, x.waitLimit})
	}
	for _, x := range r.names.staff {
		s.Staff = append(s.Staff, snapStaff{x.jobNo, x.name, string(x.role), x.inConfig})
	}
	for id, x := range r.names.windows {
		s.Windows[id] = snapWindow{x.name, x.nameEn, x.inConfig}
	}
	for _, x := range r.ratings {
		rs := &s.Ratings
		rs.At, rs.Day, rs.Window, rs.Staff = append(rs.At, x.At.Unix()), append(rs.Day, x.Day), append(rs.Window, x.Window), append(rs.Staff, x.Staff)
		rs.Service, rs.Score = append(rs.Service, x.Service), append(rs.Score, x.Score)
		rs.Ticket, rs.Number, rs.Reason = append(rs.Ticket, x.Ticket), append(rs.Number, x.Number), append(rs.Reason, x.Reason)
	}
	for _, d := range r.days {
		for k, c := range d {
			s.Cells = append(s.Cells, snapCell{Key: toSnapKey(k), N: c.n[:], Waits: c.waits, Serv: c.serv})
		}
	}
	for id, t := range r.tickets {
		s.Tickets[id] = snapTrack{t.svc, t.joined, t.called, t.win, t.staff}
	}
	for id, c := range r.cases {
		s.Cases[id] = snapCase{c.due, toSnapKey(c.key)}
	}
	for id, f := range r.lastDone {
		s.LastDone[id] = snapFinished{f.ticket, toSnapKey(f.key)}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".reports-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := gob.NewEncoder(bw).Encode(&s); err != nil {
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

// readSnapshot loads the snapshot at path into r (fresh), if it is usable
// for a log that ends at seq. It returns whether it did.
func (r *Rollups) readSnapshot(path string, seq uint64) (bool, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	var s snapFile
	if err := gob.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&s); err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	if s.Version != snapVersion || s.Counts != nCounts {
		return false, fmt.Errorf("%s is of another layout (version %d, %d counters)", path, s.Version, s.Counts)
	}
	if s.Seq > seq {
		return false, fmt.Errorf("%s is at event %d, after the log's end %d", path, s.Seq, seq)
	}
	r.seq, r.first, r.last = s.Seq, s.First, s.Last
	w := s.Weights
	r.names.weights.Volume, r.names.weights.Satisfaction, r.names.weights.ServiceLevel, r.names.weights.CasesOnTime = w[0], w[1], w[2], w[3]
	r.names.weights.ComplaintUpheld, r.names.weights.SpotCheckError, r.names.weights.CoverGapHour = w[4], w[5], w[6]
	for i, x := range s.Services {
		r.names.services = append(r.names.services, serviceName{x.Code, x.Name, x.NameEn, x.WaitLimit})
		r.names.serviceIdx[x.Code] = int16(i)
	}
	for i, x := range s.Staff {
		r.names.staff = append(r.names.staff, staffName{x.JobNo, x.Name, queueRole(x.Role), x.InConfig})
		r.names.staffIdx[x.JobNo] = int32(i)
	}
	for id, x := range s.Windows {
		r.names.windows[id] = windowName{x.Name, x.NameEn, x.InConfig}
	}
	for _, c := range s.Cells {
		k := fromSnapKey(c.Key)
		d := r.days[k.day]
		if d == nil {
			d = map[key]*cell{}
			r.days[k.day] = d
		}
		x := &cell{waits: c.Waits, serv: c.Serv}
		copy(x.n[:], c.N)
		d[k] = x
	}
	rs := &s.Ratings
	n := len(rs.At)
	if len(rs.Day) != n || len(rs.Window) != n || len(rs.Staff) != n || len(rs.Service) != n || len(rs.Score) != n ||
		len(rs.Ticket) != n || len(rs.Number) != n || len(rs.Reason) != n {
		return false, fmt.Errorf("%s: the ratings' columns differ in length", path)
	}
	r.ratings = make([]Rating, n)
	for i := range n {
		r.ratings[i] = Rating{At: time.Unix(rs.At[i], 0), Day: rs.Day[i], Ticket: rs.Ticket[i], Number: rs.Number[i],
			Service: rs.Service[i], Window: rs.Window[i], Staff: rs.Staff[i], Score: rs.Score[i], Reason: r.names.intern(rs.Reason[i])}
	}
	for id, t := range s.Tickets {
		r.tickets[id] = &track{t.Svc, t.Joined, t.Called, t.Win, t.Staff}
	}
	for id, c := range s.Cases {
		r.cases[id] = caseTrack{c.Due, fromSnapKey(c.Key)}
	}
	if s.WinStaff != nil {
		r.winStaff = s.WinStaff
	}
	if s.CoverOf != nil {
		r.coverOf = s.CoverOf
	}
	for id, f := range s.LastDone {
		r.lastDone[id] = finished{f.Ticket, fromSnapKey(f.Key)}
	}
	return true, nil
}

func queueRole(s string) queue.Role { return queue.Role(s) }
