package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"qcall/assets"
	"qcall/devices/escpos"
)

// printer is one ticket printer: its goroutine (run) alone opens, writes and
// reads its port, printing the spool's jobs for it in order.
type printer struct {
	a      *Agent
	cfg    *PrinterConfig
	footer string
	opts   escpos.Options
	wake   chan struct{} // a job was spooled

	// Owned by run.
	port    port
	bo      *backoff
	checked time.Time // last status query
	confirm int       // the id of the last GS ( H request
	owed    int       // answers to GS r 1 the printer may still send for earlier jobs

	mu      sync.Mutex // guards status, text and expired: run and the connection goroutine report
	status  string     // the last status reported, and its text
	text    string
	expired []string // numbers of the tickets dropped as too old since the last job printed
}

func newPrinter(a *Agent, cfg *PrinterConfig) *printer {
	p := &printer{a: a, cfg: cfg, footer: cfg.Footer, wake: make(chan struct{}, 1), bo: newBackoff(a.cfg.Reconnect),
		confirm: rand.IntN(10000)} // a restarted agent does not take the answers meant for its predecessor
	if p.footer == "" {
		p.footer = a.t("agent.ticket.footer")
	}
	p.opts = cfg.options()
	p.opts.Labels = assets.T // the driver prints the catalogue's labels
	return p
}

func (p *printer) String() string { return "escpos{" + p.cfg.where() + "}" }

// run prints the spooled jobs until ctx ends; between jobs it asks the
// printer its status every Poll, so that an empty roll is known before the
// next ticket.
func (p *printer) run(ctx context.Context) {
	defer p.closePort()
	for ctx.Err() == nil {
		p.expireOld()
		if p.port == nil && !p.open(ctx) {
			if !wait(ctx, p.bo.next(), nil) {
				return
			}
			continue
		}
		j, err := p.a.spool.Next(p.cfg.Name)
		if err != nil {
			p.a.log.Error("agent: spool", "printer", p.cfg.Name, "err", err)
			if !wait(ctx, p.cfg.Retry.D(), nil) {
				return
			}
			continue
		}
		if j == nil {
			if since := time.Since(p.checked); since >= p.cfg.Poll.D() {
				p.check(p.cfg.StatusTimeout.D())
			}
			if !wait(ctx, p.cfg.Poll.D()-time.Since(p.checked), p.wake) {
				return
			}
			continue
		}
		if d := p.cfg.DropAfter.D(); d > 0 && time.Since(j.Created) > d {
			p.a.log.Warn("agent: job waited too long, dropped", "printer", p.cfg.Name, "job", j.String(), "created", j.Created)
			if err := p.a.spool.Finish(j, "dropped"); err == nil {
				p.a.stats.dropped.Add(1)
			}
			continue
		}
		if !p.print(ctx, j) && !wait(ctx, p.cfg.Retry.D(), nil) {
			return
		}
	}
}

// open opens the port; false (and the printer reported offline) if it cannot.
func (p *printer) open(ctx context.Context) bool {
	var pt port
	var err error
	if p.cfg.Queue != "" {
		pt, err = openQueue(p.cfg.Queue)
	} else {
		pt, err = openPort(ctx, &p.cfg.PortConfig)
	}
	if err != nil {
		p.report(statusOffline, p.a.portFailed(p.cfg.Name, &p.cfg.PortConfig, err))
		return false
	}
	p.a.portOpened(p.cfg.Name)
	p.port = pt
	p.bo.reset()
	kind := "serial"
	switch pt.(type) {
	case *os.File:
		kind = "file"
	case *queuePort:
		kind = "queue"
	case net.Conn:
		kind = "tcp"
	}
	p.a.log.Info("agent: printer port open", "printer", p.cfg.Name, "port", p.cfg.where(), "as", kind)
	if !*p.cfg.Status {
		p.report(statusOK, p.a.t("printer.status.ok"))
	}
	return true
}

func (p *printer) closePort() {
	if p.port != nil {
		p.port.Close()
		p.port = nil
	}
}

// report sends the printer's state to the hall, naming the kiosks it serves
// and the tickets it dropped as too old since it last printed.
func (p *printer) report(status, text string) {
	p.mu.Lock()
	p.status, p.text = status, text
	note := p.a.noteFor(p, text)
	if n := len(p.expired); n > 0 {
		note = p.a.t("agent.note.expired", note, n, max(1, int((p.cfg.MaxAge.D()+time.Minute-1)/time.Minute)), strings.Join(p.expired[max(0, n-10):], ", "))
	}
	p.mu.Unlock()
	p.a.report.set(p.cfg.Name, status, note, p.cfg.Kiosks...)
}

// tooOld reports whether a ticket issued at issued (by the server's clock) is
// older than max_age.
func (p *printer) tooOld(issued time.Time) (time.Duration, bool) {
	if issued.IsZero() {
		return 0, false
	}
	age := p.a.clock.Since(issued)
	return age, age > p.cfg.MaxAge.D()
}

// expired notes that the ticket number was not printed because it was too old,
// logs it and tells the hall (in the printer's status note), so that the staff
// know those visitors hold no ticket.
func (p *printer) expire(number string, age time.Duration, where string) {
	p.a.stats.skipped.Add(1)
	p.a.log.Warn("agent: ticket older than max_age; not printed", "printer", p.cfg.Name, "number", number,
		"age", age.Round(time.Second), "max_age", p.cfg.MaxAge.D(), "found", where)
	p.mu.Lock()
	p.expired = append(p.expired, number)
	status, text := p.status, p.text
	p.mu.Unlock()
	if status != "" { // else the printer's first report names it
		p.report(status, text)
	}
}

// expireOld drops the tickets that have waited in the spool longer than
// max_age (the printer had no paper, or was off).
func (p *printer) expireOld() {
	jobs, err := p.a.spool.Jobs(p.cfg.Name)
	if err != nil {
		return // Next reports it
	}
	for _, j := range jobs {
		if j.Ticket == nil || j.State != jobQueued {
			continue // a job being written or sent is settled by print
		}
		if age, old := p.tooOld(j.Ticket.IssuedAt); old {
			if err := p.a.spool.Finish(j, "expired"); err != nil {
				p.a.log.Error("agent: spool", "printer", p.cfg.Name, "err", err)
				return
			}
			p.expire(j.Ticket.Number, age, "spool")
		}
	}
}

// check asks the printer its real-time status (DLE EOT 1, 2, 4), reports it,
// and says whether it can print. A port that fails or a printer that does not
// answer is closed, to be opened again: it may have been unplugged, or
// switched off and on.
func (p *printer) check(timeout time.Duration) bool {
	p.checked = time.Now()
	if !*p.cfg.Status {
		return true
	}
	st, err := escpos.QueryStatus(p.port, timeout)
	switch {
	case err == nil && st.PaperNearEnd:
		p.report(statusPaperNearEnd, p.a.t(st.Key()))
		return true
	case err == nil:
		p.report(statusOK, p.a.t(st.Key()))
		return true
	case errors.Is(err, escpos.ErrCoverOpen):
		p.report(statusCoverOpen, p.a.t(st.Key()))
	case errors.Is(err, escpos.ErrPaperOut):
		p.report(statusPaperOut, p.a.t(st.Key()))
	case errors.Is(err, escpos.ErrOffline) && st.Error:
		p.report(statusError, p.a.t(st.Key()))
	case errors.Is(err, escpos.ErrOffline):
		p.report(statusOffline, p.a.t(st.Key()))
	case errors.Is(err, escpos.ErrNoAnswer):
		p.report(statusOffline, p.a.t("agent.note.no_answer"))
		p.closePort()
	default:
		p.report(statusOffline, p.a.t("agent.note.port", p.cfg.where()))
		p.a.log.Warn("agent: printer port failed", "printer", p.cfg.Name, "err", err)
		p.closePort()
	}
	return false
}

// print prints j once if the printer can; false when it could not, the job
// staying in the spool.
//
// The job is marked writing before its bytes go out and sent once the write
// returned; it leaves the spool (printed) only after the status query that
// follows it says the printer can still print. A sent job found at start (the
// agent died during that query) resumes at the query, so it is not printed
// again; a writing job (the agent died during the write) is printed again.
func (p *printer) print(ctx context.Context, j *job) bool {
	if j.State == jobSent {
		return p.confirmed(j, 0)
	}
	if j.State == jobWriting {
		p.a.log.Warn("agent: the agent stopped while writing this job; printing it again", "printer", p.cfg.Name, "job", j.String())
	}
	if !p.check(p.cfg.StatusTimeout.D()) {
		return false
	}
	data, err := p.render(ctx, j)
	if err != nil {
		p.a.log.Error("agent: job cannot be printed, dropped", "printer", p.cfg.Name, "job", j.String(), "err", err)
		p.a.spool.Finish(j, "dropped")
		p.a.stats.dropped.Add(1)
		return true
	}
	if req := escpos.ConfirmRequest(p.cfg.confirm, (p.confirm+1)%10000); req != nil {
		p.confirm = (p.confirm + 1) % 10000
		data = append(data, req...)
	}
	j.Attempts++
	if err := p.a.spool.SetState(j, jobWriting); err != nil {
		p.a.log.Error("agent: spool", "printer", p.cfg.Name, "err", err)
		return false
	}
	if c, ok := p.port.(net.Conn); ok {
		c.SetWriteDeadline(time.Now().Add(30*time.Second + p.cfg.StatusTimeout.D()))
	}
	if _, err := p.port.Write(data); err != nil {
		// Part of it may have printed: the whole job goes again when the
		// printer is back, as after a printer fault.
		p.a.log.Warn("agent: printer write failed; the job will be printed again in full", "printer", p.cfg.Name, "job", j.String(), "err", err)
		if err := p.a.spool.SetState(j, jobQueued); err != nil {
			p.a.log.Error("agent: spool", "printer", p.cfg.Name, "err", err)
		}
		p.report(statusOffline, p.a.t("agent.note.port", p.cfg.where()))
		p.closePort()
		return false
	}
	if err := p.a.spool.SetState(j, jobSent); err != nil {
		p.a.log.Error("agent: spool", "printer", p.cfg.Name, "err", err)
	}
	return p.confirmed(j, len(data))
}

// confirmed finds out whether j (n bytes, which may still be on their way down
// the line) printed, and marks it printed, or puts it back in the queue.
//
// With an in-order request (confirm = gs_r or gs_paren_h) the printer answers
// only once it has printed the job: an answer in time means printed. Without
// one, the real-time status decides: a printer that cannot print (paper ran out
// in the middle of the ticket, cover opened) did not print the job; one that
// can but did not answer may not know the request: the job counts as printed,
// as with confirm = status, with a warning. A job found sent at start (n = 0;
// the agent died after writing it) is settled by the status alone.
func (p *printer) confirmed(j *job, n int) bool {
	timeout := p.cfg.StatusTimeout.D() + p.cfg.PortConfig.transmitTime(n)
	if c := p.cfg.confirm; c != escpos.ConfirmStatus && n > 0 {
		got, err := escpos.AwaitConfirm(p.port, c, p.confirm, p.owed+1, timeout+p.cfg.ConfirmTimeout.D())
		switch {
		case err == nil:
			p.owed = 0
			return p.printed(j)
		case !errors.Is(err, escpos.ErrNotConfirmed):
			p.a.log.Warn("agent: printer port failed", "printer", p.cfg.Name, "err", err)
			p.report(statusOffline, p.a.t("agent.note.port", p.cfg.where()))
			p.closePort()
			return p.requeue(j)
		}
		if c == escpos.ConfirmTransmit {
			p.owed = max(p.owed+1-got, 0) // its answer may still come, after the paper is back
		}
		if !p.check(p.cfg.StatusTimeout.D()) {
			return p.requeue(j)
		}
		p.owed = 0
		p.a.log.Warn("agent: the printer did not confirm the job but reports it can print; counted printed (check its model or confirm setting)",
			"printer", p.cfg.Name, "job", j.String(), "confirm", c.String())
		return p.printed(j)
	}
	if p.check(timeout) {
		return p.printed(j)
	}
	return p.requeue(j)
}

// printed takes j out of the spool as printed.
func (p *printer) printed(j *job) bool {
	if err := p.a.spool.Finish(j, "printed"); err != nil {
		p.a.log.Error("agent: spool", "printer", p.cfg.Name, "err", err)
	}
	p.a.stats.printed.Add(1)
	p.a.log.Info("agent: printed", "printer", p.cfg.Name, "job", j.String())
	p.mu.Lock()
	cleared := len(p.expired) > 0
	p.expired = nil
	status, text := p.status, p.text
	p.mu.Unlock()
	if cleared {
		p.report(status, text)
	}
	return true
}

// requeue puts j back in the queue: the printer stopped during the job (paper
// ran out, cover opened, power cut), so the whole job is printed again when it
// is back.
func (p *printer) requeue(j *job) bool {
	p.a.log.Warn("agent: printer failed during the job; it will be printed again", "printer", p.cfg.Name, "job", j.String(),
		"status", p.a.report.get(p.cfg.Name).Status)
	if err := p.a.spool.SetState(j, jobQueued); err != nil {
		p.a.log.Error("agent: spool", "printer", p.cfg.Name, "err", err)
	}
	return false
}

// render builds the job's bytes; a ticket first asks the server how many are
// ahead now and the estimated wait (keeping the values from when it was
// spooled if the server does not answer within 3 s).
func (p *printer) render(ctx context.Context, j *job) ([]byte, error) {
	var buf bytes.Buffer
	switch {
	case j.Ticket != nil:
		t := *j.Ticket
		if j.TicketID != "" {
			var v struct {
				Ahead    int  `json:"ahead"`
				EstWaitS int  `json:"est_wait_s"`
				NoWindow bool `json:"no_window"`
			}
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			err := p.a.get(cctx, "/api/tickets/"+j.TicketID, &v)
			cancel()
			if err == nil {
				t.Ahead, t.EstWait, t.NoWindow = v.Ahead, time.Duration(v.EstWaitS)*time.Second, v.NoWindow
			} else {
				p.a.log.Debug("agent: ticket position", "job", j.String(), "err", err)
			}
		}
		if err := escpos.PrintTicket(&buf, t, p.opts); err != nil {
			return nil, err
		}
	case j.Slip != nil:
		if err := escpos.PrintSlip(&buf, *j.Slip, p.opts); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("empty job %s", j.Key)
	}
	return buf.Bytes(), nil
}
