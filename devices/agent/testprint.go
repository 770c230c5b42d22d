package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"qcall/devices/escpos"
)

// TestPrint prints a test ticket on printer name, as a technician's check of
// the port, the model and the paper width (qcall agent test): the printer's
// name and port, its model, columns and confirmation as set, a ruler as wide
// as the columns, a big number and a QR code, then the cut. It opens the port
// itself, so the agent must not be running; nothing goes through the spool or
// the server. It returns nil once the printer confirmed the ticket (or, with
// status = false, once it was written), else what went wrong.
func (a *Agent) TestPrint(ctx context.Context, name string) error {
	var p *printer
	for _, q := range a.printers {
		if q.cfg.Name == name {
			p = q
		}
	}
	if p == nil {
		names := make([]string, len(a.printers))
		for i, q := range a.printers {
			names[i] = q.cfg.Name
		}
		return fmt.Errorf("agent: no printer %q (%s)", name, strings.Join(names, ", "))
	}
	pt, err := func() (port, error) {
		if p.cfg.Queue != "" {
			return openQueue(p.cfg.Queue)
		}
		return openPort(ctx, &p.cfg.PortConfig)
	}()
	if err != nil {
		return fmt.Errorf("agent: printer %s: %w", name, err)
	}
	defer pt.Close()
	if *p.cfg.Status {
		if st, err := escpos.QueryStatus(pt, p.cfg.StatusTimeout.D()); err != nil {
			return fmt.Errorf("agent: printer %s (%s): %w", name, a.t(st.Key()), err)
		}
	}
	model := p.cfg.Model
	if model == "" {
		model = "-"
	}
	// A ruler as wide as the columns, then the ticket as the hall's look.
	var buf bytes.Buffer
	ruler := strings.Repeat("1234567890", p.cfg.Columns/10+1)[:p.cfg.Columns]
	if *p.cfg.ChineseMode {
		escpos.NewPrinter(&buf).Init().ChineseMode().Line(ruler).Flush()
	} else {
		escpos.NewPrinter(&buf).Init().Line(ruler).Flush()
	}
	t := escpos.Ticket{HallName: a.t("agent.test.title"), ServiceName: name, Number: "A001", Lang: a.cfg.Lang,
		IssuedAt: a.clock.Now().In(a.loc), URL: a.cfg.PublicURL,
		Footer: p.cfg.where() + " " + a.t("agent.test.settings", model, p.cfg.Columns, p.cfg.Confirm)}
	if err := escpos.PrintTicket(&buf, t, p.opts); err != nil {
		return err
	}
	id := int(time.Now().UnixNano() % 10000)
	buf.Write(escpos.ConfirmRequest(p.cfg.confirm, id))
	if _, err := pt.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("agent: printer %s: write: %w", name, err)
	}
	timeout := p.cfg.StatusTimeout.D() + p.cfg.PortConfig.transmitTime(buf.Len())
	switch {
	case !*p.cfg.Status:
		return nil
	case p.cfg.confirm == escpos.ConfirmStatus:
		_, err = escpos.QueryStatus(pt, timeout)
	default:
		_, err = escpos.AwaitConfirm(pt, p.cfg.confirm, id, 1, timeout+p.cfg.ConfirmTimeout.D())
		if errors.Is(err, escpos.ErrNotConfirmed) {
			if st, serr := escpos.QueryStatus(pt, p.cfg.StatusTimeout.D()); serr == nil {
				err = fmt.Errorf("%w: the printer is ready but did not answer %s; try confirm = \"status\"", err, p.cfg.Confirm)
			} else {
				err = fmt.Errorf("%w (%s)", serr, a.t(st.Key()))
			}
		}
	}
	if err != nil {
		return fmt.Errorf("agent: printer %s: %w", name, err)
	}
	return nil
}

// PrinterNames returns the names of the configured printers.
func (a *Agent) PrinterNames() []string {
	names := make([]string, len(a.printers))
	for i, p := range a.printers {
		names[i] = p.cfg.Name
	}
	return names
}
