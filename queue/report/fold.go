package report

import (
	"time"

	"qcall/queue"
)

// The counters a cell keeps. Each is folded from events in fold, the one
// place that reads events; the figures (figures.go) are computed from these.
const (
	cIssued           = iota // ticket_issued
	cCalled                  // ticket_called: a call after joining a queue (recalls are not calls)
	cServed                  // service_finished
	cNoShow                  // ticket_no_show, each one (requeued or not)
	cTransferred             // ticket_transferred
	cSuspended               // ticket_suspended: return slips given (直通)
	cReturned                // ticket_returned: return slips brought back
	cExpress                 // express_approved (快捷)
	cRefused                 // ticket_rejected (否定报备)
	cWithinLimit             // calls whose wait was within the service's committed wait
	cRated1                  // rating_given with score 1 (非常不满意) … cRated1+4: score 5 (非常满意)
	cRated2                  //
	cRated3                  //
	cRated4                  //
	cRated5                  //
	cAppealsUpheld           // ratings taken out of the evaluation by an upheld appeal (followup_appeal_decided), in the rating's cell
	cCasesDone               // case_done
	cCasesOnTime             // case_done at or before the case's due time
	cCoverGaps               // post_covered: an A-post that stood uncovered, then covered
	cCoverGapS               // seconds those A-posts stood uncovered
	cComplaints              // complaint_recorded of kind complaint, for the staff and window it names
	cComplaintsUpheld        // complaint_closed upheld, of those
	cFollowups               // followup_opened
	cFollowupsOnTime         // followup_closed at or before the follow-up's due time
	cSpotChecked             // spot-checked tickets (spot_check_marked, once each), in the cell of the ticket's finish
	cSpotErrors              // of those, the ones whose last marking found an error
	nCounts
)

// key is one cell of the rollups: a business day, an hour of the day, a
// service, a window and a staff member, all in the hall's time zone. A fact
// that has no window or no staff (a ticket issued) has window 0 and staff
// noStaff.
type key struct {
	day   int32 // days since 1970-01-01 of the business day
	hour  int8
	svc   int16 // index into names.services; noService when none
	win   int32 // window id; 0 when none
	staff int32 // index into names.staff; noStaff when none
}

const (
	noService = -1
	noStaff   = -1
)

// cell holds the counts of one key, and the waiting and service times (in
// seconds) measured in it, for the medians and percentiles.
type cell struct {
	n     [nCounts]int64
	waits []int32
	serv  []int32
}

// track is what the fold remembers of a ticket still in the hall.
type track struct {
	svc    int16
	joined time.Time // when it joined the queue it waits in
	called time.Time // the last ticket_called
	win    int32
	staff  int32
}

// caseTrack is what the fold remembers of an open case (限时办结).
type caseTrack struct {
	due time.Time
	key key
}

// finished is the last ticket finished at a window, whose rating counts in
// the cell of its finish.
type finished struct {
	ticket string
	key    key
}

// coverTrack is an A-post uncovered: its holder, away since when.
type coverTrack struct {
	staff int32
	since time.Time
}

// complaintTrack is what the fold remembers of a complaint not closed: the
// staff member and window it names.
type complaintTrack struct {
	win, staff int32
}

// followTrack is what the fold remembers of a follow-up: the cell its rating
// counts in (where an upheld appeal takes it out), its staff member, window
// and service, when it opened and when it is due (Unix nanoseconds: no
// pointer, for a year's of them).
type followTrack struct {
	rating  key
	svc     int16
	win     int32
	staff   int32
	opened  int64
	due     int64
	closed  bool // followup_closed folded
	decided bool // its appeal decided: there is no other
}

// followID is the key of a follow-up's id in the fold's memory: its 8
// characters (queue's newCode) as a number, so that a year's follow-ups are
// a map with no pointer in it. A longer id (none is) is hashed (FNV-1a).
func followID(id string) uint64 {
	var k uint64
	if len(id) <= 8 {
		for i := range len(id) {
			k = k<<8 | uint64(id[i])
		}
		return k
	}
	k = 14695981039346656037
	for i := range len(id) {
		k = (k ^ uint64(id[i])) * 1099511628211
	}
	return k
}

// followKeepFor is how long the fold remembers a follow-up, for an appeal
// decided late: as long as the state keeps cases and cover gaps.
const followKeepFor = 400 * 24 * time.Hour

// spotItem is a ticket drawn for a spot check: the cell of its finish, and
// its last marking.
type spotItem struct {
	key     key
	checked bool
	ok      bool
}

// rating is one rating of the 好差评 feed, as the rollups keep it: with no
// pointer in it, so that a year of them (some 400,000) costs the garbage
// collector nothing and loads from the snapshot in one allocation. Its
// ticket number is in Rollups.numbers, its reason in names.reasons.
type rating struct {
	at      int64 // when it was given, Unix nanoseconds
	day     int32 // the business day it counts in
	window  int32
	staff   int32
	number  uint32 // the ticket number: numbers[number : number+numLen]
	service int16
	numLen  uint8
	score   int8 // its level, 1–5
	reason  uint16
}

// fold applies one committed event to the rollups. It is the one place where
// events become figures: a new event type that a figure counts is a case
// here (and its counter above).
func (r *Rollups) fold(e *queue.Event) {
	r.seq = e.Seq
	switch e.Type {
	case queue.EvConfigChanged:
		r.names.learn(e.Config)
	case queue.EvTicketIssued:
		svc := r.names.service(e.Service)
		r.tickets[e.Ticket] = &track{svc: svc, joined: e.At, staff: noStaff}
		r.add(r.key(e.At, svc, 0, noStaff), cIssued, 1)
	case queue.EvSignedIn:
		r.winStaff[int32(e.Window)] = r.names.staffIndex(e.Staff)
	case queue.EvSignedOut:
		delete(r.winStaff, int32(e.Window))
	case queue.EvTicketCalled:
		tr := r.ticket(e)
		tr.win, tr.staff, tr.called = int32(e.Window), r.staffAt(e.Window), e.At
		k := r.key(e.At, tr.svc, tr.win, tr.staff)
		c := r.cell(k)
		c.n[cCalled]++
		wait := secs(e.At.Sub(tr.joined))
		c.waits = append(c.waits, wait)
		if wait <= r.names.waitLimit(tr.svc) {
			c.n[cWithinLimit]++
		}
		r.tell("wait", tr.svc, wait)
	case queue.EvServiceFinished:
		tr := r.ticket(e)
		k := r.key(e.At, tr.svc, int32(e.Window), tr.staff)
		c := r.cell(k)
		c.n[cServed]++
		// Service time runs from the call, so that it counts whether or not
		// the clerk pressed start (finish starts a ticket only called).
		if !tr.called.IsZero() {
			c.serv = append(c.serv, secs(e.At.Sub(tr.called)))
			r.tell("service", tr.svc, secs(e.At.Sub(tr.called)))
		}
		if e.Case != "" {
			r.cases[e.Case] = caseTrack{due: e.Due, key: k}
		}
		r.lastDone[int32(e.Window)] = finished{ticket: e.Ticket, key: k}
		delete(r.tickets, e.Ticket)
	case queue.EvTicketNoShow:
		tr := r.ticket(e)
		r.add(r.key(e.At, tr.svc, int32(e.Window), tr.staff), cNoShow, 1)
		if e.Requeued {
			tr.joined = e.At
		} else {
			delete(r.tickets, e.Ticket)
		}
	case queue.EvTicketTransfer:
		tr := r.ticket(e)
		r.add(r.key(e.At, tr.svc, int32(e.Window), r.staffAt(e.Window)), cTransferred, 1)
		if e.ToService != "" {
			tr.svc = r.names.service(e.ToService)
		}
		tr.joined = e.At
	case queue.EvTicketSuspended:
		tr := r.ticket(e)
		r.add(r.key(e.At, tr.svc, int32(e.Window), r.staffAt(e.Window)), cSuspended, 1)
	case queue.EvTicketReturned:
		tr := r.ticket(e)
		tr.joined = e.At
		r.add(r.key(e.At, tr.svc, int32(e.Window), r.staffAt(e.Window)), cReturned, 1)
	case queue.EvTicketRejected:
		tr := r.ticket(e)
		r.add(r.key(e.At, tr.svc, int32(e.Window), r.staffAt(e.Window)), cRefused, 1)
		delete(r.tickets, e.Ticket)
	case queue.EvTicketCancelled:
		delete(r.tickets, e.Ticket)
	case queue.EvDayClosed:
		for _, id := range e.Tickets {
			delete(r.tickets, id)
		}
	case queue.EvExpressApproved:
		tr := r.ticket(e)
		r.add(r.key(e.At, tr.svc, int32(e.Window), r.staffAt(e.Window)), cExpress, 1)
	case queue.EvRatingGiven:
		k := r.ratingKey(e.At, e.Service, e.Window, e.Staff, e.Ticket)
		// Old events of the four-level scale count at the level of their
		// words (Event.RatingLevel).
		if level := e.RatingLevel(); level >= 1 && level <= 5 {
			r.add(k, cRated1+level-1, 1)
			number := e.Number[:min(len(e.Number), 255)]
			r.ratings = append(r.ratings, rating{at: e.At.UnixNano(), day: k.day, window: k.win, staff: k.staff,
				number: uint32(len(r.numbers)), service: k.svc, numLen: uint8(len(number)), score: int8(level),
				reason: r.names.reason(e.Reason)})
			r.numbers = append(r.numbers, number...)
		}
	case queue.EvCaseDone:
		ct, ok := r.cases[e.Case]
		if !ok {
			return
		}
		delete(r.cases, e.Case)
		k := r.key(e.At, ct.key.svc, ct.key.win, ct.key.staff)
		c := r.cell(k)
		c.n[cCasesDone]++
		if !e.At.After(ct.due) {
			c.n[cCasesOnTime]++
		}
	case queue.EvCoverNeeded:
		r.coverOf[int32(e.Window)] = coverTrack{staff: r.names.staffIndex(e.Staff), since: e.At}
	case queue.EvPostCovered:
		r.foldCovered(e)
	case queue.EvComplaintRecorded:
		p := e.Complaint
		if p == nil || p.Kind != "complaint" {
			return // a suggestion or praise is no complaint
		}
		ct := complaintTrack{win: int32(p.Window), staff: r.names.staffIndex(p.Staff)}
		r.complaints[p.ID] = ct
		r.add(r.key(e.At, noService, ct.win, ct.staff), cComplaints, 1)
	case queue.EvComplaintClosed:
		p := e.Complaint
		if p == nil {
			return
		}
		ct, ok := r.complaints[p.ID]
		if !ok {
			return
		}
		delete(r.complaints, p.ID)
		if p.Upheld {
			r.add(r.key(e.At, noService, ct.win, ct.staff), cComplaintsUpheld, 1)
		}
	case queue.EvFollowupOpened:
		p := e.Followup
		if p == nil {
			return
		}
		ft := followTrack{rating: r.ratingKey(e.At, p.Service, p.Window, p.Staff, p.Ticket), svc: r.names.service(p.Service),
			win: int32(p.Window), staff: r.names.staffIndex(p.Staff), opened: e.At.UnixNano(), due: p.Due.UnixNano()}
		id := followID(p.ID)
		r.followups[id] = ft
		r.followOrder = append(r.followOrder, id)
		r.add(r.key(e.At, ft.svc, ft.win, ft.staff), cFollowups, 1)
	case queue.EvFollowupClosed:
		if ft, ok := r.followup(e); ok && !ft.closed {
			ft.closed = true
			if e.At.UnixNano() <= ft.due {
				r.add(r.key(e.At, ft.svc, ft.win, ft.staff), cFollowupsOnTime, 1)
			}
			r.followKeep(followID(e.Followup.ID), ft)
		}
	case queue.EvAppealDecided:
		if ft, ok := r.followup(e); ok && !ft.decided {
			ft.decided = true
			if e.Followup.Upheld {
				r.add(ft.rating, cAppealsUpheld, 1)
			}
			r.followKeep(followID(e.Followup.ID), ft)
		}
	case queue.EvSpotCheckDrawn:
		p := e.SpotCheck
		if p == nil {
			return
		}
		items := map[string]*spotItem{}
		for _, it := range p.Items {
			items[it.Ticket] = &spotItem{key: r.key(it.Finished, r.names.service(it.Service), int32(it.Window), r.names.staffIndex(it.Staff))}
		}
		r.spotChecks[p.ID] = items
	case queue.EvSpotCheckMarked:
		p := e.SpotCheck
		if p == nil {
			return
		}
		it := r.spotChecks[p.ID][p.Ticket]
		if it == nil {
			return
		}
		c := r.cell(it.key)
		switch { // a later marking corrects the earlier one
		case !it.checked:
			c.n[cSpotChecked]++
		case !it.ok:
			c.n[cSpotErrors]--
		}
		if !p.OK {
			c.n[cSpotErrors]++
		}
		it.checked, it.ok = true, p.OK
	case queue.EvDayOpened:
		// Tickets waiting on a return slip stay; anything older than a
		// slip could be is forgotten, so that the map does not grow.
		for id, tr := range r.tickets {
			if e.At.Sub(tr.joined) > 62*24*time.Hour {
				delete(r.tickets, id)
			}
		}
		// Follow-ups are forgotten in the order they opened.
		for len(r.followOrder) > 0 {
			id := r.followOrder[0]
			if ft, ok := r.followups[id]; ok && e.At.UnixNano()-ft.opened <= int64(followKeepFor) {
				break
			}
			delete(r.followups, id)
			r.followOrder = r.followOrder[1:]
		}
	}
}

// ratingKey is the cell a rating of ticket at window counts in: that of the
// window's last finish when it is that ticket's (so that unrated = served −
// rated), else the rating's own.
func (r *Rollups) ratingKey(at time.Time, service string, window int, staff, ticket string) key {
	if f := r.lastDone[int32(window)]; f.ticket == ticket && ticket != "" {
		return f.key
	}
	return r.key(at, r.names.service(service), int32(window), r.names.staffIndex(staff))
}

// followup is the follow-up a follow-up event is about, if the fold
// remembers it.
func (r *Rollups) followup(e *queue.Event) (followTrack, bool) {
	if e.Followup == nil {
		return followTrack{}, false
	}
	ft, ok := r.followups[followID(e.Followup.ID)]
	return ft, ok
}

// followKeep keeps what the fold remembers of follow-up id, unless it is
// closed and its appeal decided: nothing more can come of it.
func (r *Rollups) followKeep(id uint64, ft followTrack) {
	if ft.closed && ft.decided {
		delete(r.followups, id)
	} else {
		r.followups[id] = ft
	}
}

// foldCovered counts a cover gap (post_covered) for the A-post holder who
// was away: once, in the hour it began; its seconds in the hours (and days)
// it spanned, from the cover request (cover_needed) on.
func (r *Rollups) foldCovered(e *queue.Event) {
	win := int32(e.Window)
	ct, ok := r.coverOf[win]
	delete(r.coverOf, win)
	left := int64(max(e.UncoveredS, 0))
	if !ok || ct.since.After(e.At) {
		ct = coverTrack{staff: noStaff, since: e.At.Add(-time.Duration(left) * time.Second)}
	}
	r.add(r.key(ct.since, noService, win, ct.staff), cCoverGaps, 1)
	for t := ct.since; left > 0; {
		lt := t.In(r.loc)
		next := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour()+1, 0, 0, 0, r.loc)
		n := min(left, int64(next.Sub(t)/time.Second))
		if n > 0 {
			r.add(r.key(t, noService, win, ct.staff), cCoverGapS, n)
		}
		left -= n
		t = next
	}
}

// tell hands a time to Options.Observe, once the rollups are live.
func (r *Rollups) tell(kind string, svc int16, s int32) {
	if r.observe != nil && r.ready && svc >= 0 && int(svc) < len(r.names.services) {
		r.observe(kind, r.names.services[svc].code, float64(s))
	}
}

// ticket returns the track of e's ticket, a blank one (service from the
// event) when the ticket came before what the rollups hold.
func (r *Rollups) ticket(e *queue.Event) *track {
	tr := r.tickets[e.Ticket]
	if tr == nil {
		tr = &track{svc: r.names.service(e.Service), joined: e.At, staff: r.staffAt(e.Window), win: int32(e.Window)}
		r.tickets[e.Ticket] = tr
	}
	return tr
}

// staffAt is the staff signed in at window, or noStaff.
func (r *Rollups) staffAt(window int) int32 {
	if s, ok := r.winStaff[int32(window)]; ok {
		return s
	}
	return noStaff
}

// key is the cell key of a fact at t.
func (r *Rollups) key(t time.Time, svc int16, win, staff int32) key {
	day, hour := dayHour(t.In(r.loc))
	return key{day: day, hour: hour, svc: svc, win: win, staff: staff}
}

func (r *Rollups) cell(k key) *cell {
	d := r.days[k.day]
	if d == nil {
		d = map[key]*cell{}
		r.days[k.day] = d
		if k.day < r.first || r.first == 0 {
			r.first = k.day
		}
		r.last = max(r.last, k.day)
	}
	c := d[k]
	if c == nil {
		c = &cell{}
		d[k] = c
	}
	return c
}

func (r *Rollups) add(k key, counter int, n int64) { r.cell(k).n[counter] += n }

// dayHour returns the day number and hour of t, in t's location.
func dayHour(t time.Time) (int32, int8) {
	y, m, d := t.Date()
	return dayNumber(y, m, d), int8(t.Hour())
}

func dayNumber(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayDate is the date of a day number.
func dayDate(day int32) time.Time { return time.Unix(int64(day)*86400, 0).UTC() }

// secs is d in whole seconds, at least 0.
func secs(d time.Duration) int32 { return int32(max(d, 0) / time.Second) }
