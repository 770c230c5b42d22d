package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

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
}

func newPrinter(a *Agent, cfg *PrinterConfig) *printer {
	p := &printer{a: a, cfg: cfg, footer: cfg.Footer, wake: make(chan struct{}, 1), bo: newBackoff(a.cfg.Reconnect)}
	if p.footer == "" {
		p.footer = a.t("agent.ticket.footer")
	}
	p.opts = escpos.Options{Columns: cfg.Columns}
	if cfg.Cut == "partial" {
		p.opts.Cut = escpos.CutPartial
	}
	return p
}

func (p *printer) String() string { return "escpos{" + p.cfg.PortConfig.String() + "}" }

// run prints the spooled jobs until ctx ends; between jobs it asks the
// printer its status every Poll, so that an empty roll is known before the
// next ticket.
func (p *printer) run(ctx context.Context) {
	defer p.closePort()
	for ctx.Err() == nil {
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
	pt, err := openPort(ctx, &p.cfg.PortConfig)
	if err != nil {
		p.report(statusOffline, p.a.portFailed(p.cfg.Name, &p.cfg.PortConfig, err))
		return false
	}
	p.a.portOpened(p.cfg.Name)
	p.port = pt
	p.bo.reset()
	p.a.log.Info("agent: printer port open", "printer", p.cfg.Name, "port", p.cfg.PortConfig.String())
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

// report sends the printer's state to the hall, naming the kiosks it serves.
func (p *printer) report(status, text string) {
	p.a.report.set(p.cfg.Name, status, p.a.noteFor(p, text), p.cfg.Kiosks...)
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
		p.report(statusPaperNearEnd, st.Text(p.a.cfg.Lang))
		return true
	case err == nil:
		p.report(statusOK, st.Text(p.a.cfg.Lang))
		return true
	case errors.Is(err, escpos.ErrCoverOpen):
		p.report(statusCoverOpen, st.Text(p.a.cfg.Lang))
	case errors.Is(err, escpos.ErrPaperOut):
		p.report(statusPaperOut, st.Text(p.a.cfg.Lang))
	case errors.Is(err, escpos.ErrOffline) && st.Error:
		p.report(statusError, st.Text(p.a.cfg.Lang))
	case errors.Is(err, escpos.ErrOffline):
		p.report(statusOffline, st.Text(p.a.cfg.Lang))
	case errors.Is(err, escpos.ErrNoAnswer):
		p.report(statusOffline, p.a.t("agent.note.no_answer"))
		p.closePort()
	default:
		p.report(statusOffline, p.a.t("agent.note.port", p.cfg.PortConfig.String()))
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
		return p.confirm(j, 0)
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
	j.Attempts++
	if err := p.a.spool.SetState(j, jobWriting); err != nil {
		p.a.log.Error("agent: spool", "printer", p.cfg.Name, "err", err)
		return false
	}
	if c, ok := p.port.(net.Conn); ok {
		c.SetWriteDeadline(time.Now().Add(30*time.Second + p.cfg.StatusTimeout.D()))
	}
	if _, err := p.port.Write(data); err != nil {
		p.a.log.Warn("agent: printer write failed", "printer", p.cfg.Name, "job", j.String(), "err", err)
		p.report(statusOffline, p.a.t("agent.note.port", p.cfg.PortConfig.String()))
		p.closePort()
		return false
	}
	if err := p.a.spool.SetState(j, jobSent); err != nil {
		p.a.log.Error("agent: spool", "printer", p.cfg.Name, "err", err)
	}
	return p.confirm(j, len(data))
}

// confirm asks the status after j (n bytes, which may still be on their way
// down the line) and marks j printed if the printer can print, or puts it
// back in the queue.
func (p *printer) confirm(j *job, n int) bool {
	if p.check(p.cfg.StatusTimeout.D() + p.cfg.PortConfig.transmitTime(n)) {
		if err := p.a.spool.Finish(j, "printed"); err != nil {
			p.a.log.Error("agent: spool", "printer", p.cfg.Name, "err", err)
		}
		p.a.stats.printed.Add(1)
		p.a.log.Info("agent: printed", "printer", p.cfg.Name, "job", j.String())
		return true
	}
	// The printer stopped during the job (paper ran out, cover opened, power
	// cut): print the whole job again when it is back.
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
				Ahead    int `json:"ahead"`
				EstWaitS int `json:"est_wait_s"`
			}
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			err := p.a.get(cctx, "/api/tickets/"+j.TicketID, &v)
			cancel()
			if err == nil {
				t.Ahead, t.EstWait = v.Ahead, time.Duration(v.EstWaitS)*time.Second
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
