package escpos

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Errors of the printer's state, returned by QueryStatus and Status.Err; callers
// branch on them with errors.Is.
var (
	// ErrPaperOut: the roll is empty (DLE EOT 4 bits 5–6, or DLE EOT 2 bit 5).
	ErrPaperOut = errors.New("escpos: paper out")
	// ErrCoverOpen: the cover is open (DLE EOT 2 bit 2).
	ErrCoverOpen = errors.New("escpos: cover open")
	// ErrOffline: the printer is offline for another reason (DLE EOT 1 bit 3), or
	// reports an error such as a jammed cutter or overheated head (DLE EOT 2 bit 6).
	ErrOffline = errors.New("escpos: offline")
	// ErrNoAnswer: the printer did not answer all status queries in time: it is
	// off, unplugged, or the port is not a printer.
	ErrNoAnswer = errors.New("escpos: no answer")
)

// Status is the printer's real-time status as DLE EOT reports it.
type Status struct {
	Online       bool // DLE EOT 1 bit 3 clear
	PaperOut     bool // DLE EOT 4 bits 5–6 set, or DLE EOT 2 bit 5
	PaperNearEnd bool // DLE EOT 4 bits 2–3 set: print, but change the roll soon
	CoverOpen    bool // DLE EOT 2 bit 2
	Error        bool // DLE EOT 2 bit 6: cutter, head temperature or other error
}

// Err returns the reason the printer cannot print, in the order a person should
// fix them: ErrCoverOpen, ErrPaperOut, ErrOffline (offline or Error); nil if it
// can print. A near-end roll is not an error.
func (s Status) Err() error {
	switch {
	case s.CoverOpen:
		return ErrCoverOpen
	case s.PaperOut:
		return ErrPaperOut
	case !s.Online || s.Error:
		return ErrOffline
	}
	return nil
}

// String lists the status for a log line: "online", "offline, paper out, cover
// open", "online, paper near end".
func (s Status) String() string {
	parts := []string{"online"}
	if !s.Online {
		parts[0] = "offline"
	}
	for _, f := range []struct {
		on   bool
		name string
	}{
		{s.PaperOut, "paper out"},
		{s.PaperNearEnd, "paper near end"},
		{s.CoverOpen, "cover open"},
		{s.Error, "error"},
	} {
		if f.on {
			parts = append(parts, f.name)
		}
	}
	return strings.Join(parts, ", ")
}

// Key returns the catalogue key (printer.status.*) that words the status for the
// hall staff: the most urgent problem, or that the printer is ready. The driver
// holds no text of its own; the caller looks the key up in its catalogue.
func (s Status) Key() string {
	key := "printer.status.ok"
	switch {
	case s.CoverOpen:
		key = "printer.status.cover_open"
	case s.PaperOut:
		key = "printer.status.paper_out"
	case s.Error:
		key = "printer.status.error"
	case !s.Online:
		key = "printer.status.offline"
	case s.PaperNearEnd:
		key = "printer.status.paper_near_end"
	}
	return key
}

// Real-time status requests, DLE EOT n (0x10 0x04 n, "Transmit real-time
// status"): n = 1 printer status, 2 offline cause, 4 roll paper sensor. The printer
// answers each with one byte, even while offline.
const (
	StatusPrinter byte = 1
	StatusOffline byte = 2
	StatusPaper   byte = 4
)

// statusQueries is the three requests QueryStatus sends, in the order the answers
// come back.
var statusQueries = []byte{dle, eot, StatusPrinter, dle, eot, StatusOffline, dle, eot, StatusPaper}

// Fixed bits of every DLE EOT answer: bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0.
const (
	fixedMask  = 0x93
	fixedValue = 0x12
)

// ValidStatusByte reports whether b has the fixed bits of a DLE EOT answer.
func ValidStatusByte(b byte) bool { return b&fixedMask == fixedValue }

// ParseStatus decodes b, the printer's answer to DLE EOT n. The answer speaks only
// of some fields; the others keep their healthy value (Online true, faults
// false), so answers combine by AND of Online and OR of the faults:
//
//	n = 1: bit 3 offline
//	n = 2: bit 2 cover open, bit 3 paper fed by the button, bit 5 printing
//	       stopped by paper end, bit 6 error
//	n = 4: bits 2–3 roll near end, bits 5–6 roll end
//
// It returns an error if n is not 1, 2 or 4, or if the fixed bits of b are wrong
// (b is not a status answer).
func ParseStatus(n, b byte) (Status, error) {
	s := Status{Online: true}
	if !ValidStatusByte(b) {
		return s, fmt.Errorf("escpos: %#02x is not a status byte", b)
	}
	switch n {
	case StatusPrinter:
		s.Online = b&0x08 == 0
	case StatusOffline:
		s.CoverOpen = b&0x04 != 0
		s.PaperOut = b&0x20 != 0
		s.Error = b&0x40 != 0
	case StatusPaper:
		s.PaperNearEnd = b&0x0C != 0
		s.PaperOut = b&0x60 != 0
	default:
		return s, fmt.Errorf("escpos: no status request DLE EOT %d", n)
	}
	return s, nil
}

func (s Status) and(t Status) Status {
	return Status{
		Online:       s.Online && t.Online,
		PaperOut:     s.PaperOut || t.PaperOut,
		PaperNearEnd: s.PaperNearEnd || t.PaperNearEnd,
		CoverOpen:    s.CoverOpen || t.CoverOpen,
		Error:        s.Error || t.Error,
	}
}

// DeadlinePort is a port whose reads can time out: an *os.File of a tty or pty
// (opened so that it is pollable, as os.OpenFile does), or a net.Conn.
type DeadlinePort interface {
	io.ReadWriter
	SetReadDeadline(t time.Time) error
}

// TimeoutPort is a port with a per-read timeout, as go.bug.st/serial.Port has: a
// read that times out returns 0, nil.
type TimeoutPort interface {
	io.ReadWriter
	SetReadTimeout(t time.Duration) error
}

// QueryStatus sends DLE EOT 1, 2 and 4 on port in one write and reads the three
// answer bytes, waiting at most timeout for them. Bytes without the fixed bits of a
// status answer (see ParseStatus) are skipped; the valid ones are taken in order as
// the answers to 1, 2 and 4. Bytes already waiting in the port are discarded
// first (which takes 5 ms of quiet on the line).
//
// The read times out through the port itself, so no goroutine is left blocked on
// it: port must be a DeadlinePort or a TimeoutPort; the deadline or timeout is
// cleared before QueryStatus returns. Call it from the goroutine that owns the
// port, between jobs.
//
// It returns the status and nil if the printer can print; the status and
// ErrCoverOpen, ErrPaperOut or ErrOffline if it cannot; what it learned (Online
// false if not even DLE EOT 1 was answered) and an error wrapping ErrNoAnswer if
// not all answers came in time; or a write or read error prefixed "escpos: ".
func QueryStatus(port io.ReadWriter, timeout time.Duration) (Status, error) {
	rd, err := newTimedReader(port)
	if err != nil {
		return Status{}, err
	}
	defer rd.clear()
	if err := rd.drain(); err != nil {
		return Status{}, err
	}
	if _, err := port.Write(statusQueries); err != nil {
		return Status{}, fmt.Errorf("escpos: write status query: %w", err)
	}
	deadline := time.Now().Add(timeout)
	s := Status{Online: true}
	got := 0
	ns := []byte{StatusPrinter, StatusOffline, StatusPaper}
	buf := make([]byte, 16)
	for got < len(ns) {
		n, err := rd.read(buf, deadline)
		for _, b := range buf[:n] {
			if got == len(ns) {
				break
			}
			part, perr := ParseStatus(ns[got], b)
			if perr != nil {
				continue // line noise or a stray byte: skip it
			}
			s = s.and(part)
			got++
		}
		if errors.Is(err, errTimeout) {
			break
		}
		if err != nil {
			return s, fmt.Errorf("escpos: read status: %w", err)
		}
	}
	if got == 0 {
		s.Online = false // nothing said it is online
	}
	if got < len(ns) {
		return s, fmt.Errorf("escpos: status: %d of %d answers in %v: %w", got, len(ns), timeout, ErrNoAnswer)
	}
	return s, s.Err()
}

var errTimeout = errors.New("timeout")

// timedReader reads with a deadline over either kind of port.
type timedReader struct {
	dp DeadlinePort
	tp TimeoutPort
}

func newTimedReader(port io.ReadWriter) (*timedReader, error) {
	switch p := port.(type) {
	case DeadlinePort:
		return &timedReader{dp: p}, nil
	case TimeoutPort:
		return &timedReader{tp: p}, nil
	}
	return nil, fmt.Errorf("escpos: status needs a port with read deadlines or timeouts, not %T", port)
}

// read reads into p, returning errTimeout once deadline has passed.
func (r *timedReader) read(p []byte, deadline time.Time) (int, error) {
	left := time.Until(deadline)
	if left <= 0 {
		return 0, errTimeout
	}
	if r.dp != nil {
		if err := r.dp.SetReadDeadline(deadline); err != nil {
			return 0, err
		}
		n, err := r.dp.Read(p)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = errTimeout
		}
		return n, err
	}
	if err := r.tp.SetReadTimeout(left); err != nil {
		return 0, err
	}
	n, err := r.tp.Read(p)
	if n == 0 && err == nil && !time.Now().Before(deadline) {
		err = errTimeout
	}
	return n, err
}

// drainWait is how long drain waits for more bytes. It must be more than zero:
// a read whose deadline has passed fails before looking at the port.
const drainWait = 5 * time.Millisecond

// drain discards bytes already waiting, a late answer to an earlier query or
// noise, until the port has been quiet for drainWait.
func (r *timedReader) drain() error {
	buf := make([]byte, 64)
	for range 64 { // a port that never goes quiet is read again by the query
		if r.dp != nil {
			if err := r.dp.SetReadDeadline(time.Now().Add(drainWait)); err != nil {
				return fmt.Errorf("escpos: set read deadline: %w", err)
			}
			_, err := r.dp.Read(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("escpos: drain: %w", err)
			}
			continue
		}
		if err := r.tp.SetReadTimeout(drainWait); err != nil {
			return fmt.Errorf("escpos: set read timeout: %w", err)
		}
		n, err := r.tp.Read(buf)
		if err != nil {
			return fmt.Errorf("escpos: drain: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}

// clear removes the deadline or timeout so later reads block as before.
func (r *timedReader) clear() {
	if r.dp != nil {
		r.dp.SetReadDeadline(time.Time{})
		return
	}
	r.tp.SetReadTimeout(-1) // go.bug.st/serial.NoTimeout
}
