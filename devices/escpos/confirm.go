package escpos

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Confirm is how a job is confirmed as printed. DLE EOT is a real-time command:
// the printer answers it at once, before the paper has moved, so a roll that runs
// out in the middle of a ticket still reads "ready" right after the job was sent.
// The other methods ask with a command the printer processes in order, after
// everything sent before it: its answer comes only once the job has printed.
type Confirm int

// Confirmation methods. The zero value is ConfirmStatus.
const (
	// ConfirmStatus asks DLE EOT 1, 2, 4 after the job (QueryStatus): every
	// ESC/POS printer answers it, but before the job has printed.
	ConfirmStatus Confirm = iota
	// ConfirmTransmit appends GS r 1 (0x1D 0x72 0x01, "Transmit status", paper
	// sensor status), which most Chinese printers (Xprinter, GPrinter/佳博, HPRT)
	// process in order with the data.
	ConfirmTransmit
	// ConfirmResponse appends GS ( H function 48 (0x1D 0x28 0x48 0x06 0x00 0x30
	// 0x30 d1 d2 d3 d4, "Request transmission of response or status"): the
	// printer sends back 0x37 0x22 d1 d2 d3 d4 0x00 once it has processed the
	// data before it (Epson TM series).
	ConfirmResponse
)

var confirmNames = [...]string{"status", "gs_r", "gs_paren_h"}

// String returns status, gs_r or gs_paren_h, as the agent's configuration writes it.
func (c Confirm) String() string {
	if c >= 0 && int(c) < len(confirmNames) {
		return confirmNames[c]
	}
	return fmt.Sprintf("confirm(%d)", int(c))
}

// ParseConfirm reads a name String returns.
func ParseConfirm(s string) (Confirm, error) {
	for i, n := range confirmNames {
		if s == n {
			return Confirm(i), nil
		}
	}
	return 0, fmt.Errorf("escpos: confirm %q: status, gs_r or gs_paren_h", s)
}

// ConfirmRequest returns the bytes to send after a job to have it confirmed
// with c; id (0–9999) tells ConfirmResponse's answers apart. ConfirmStatus has
// none: the caller calls QueryStatus.
func ConfirmRequest(c Confirm, id int) []byte {
	switch c {
	case ConfirmTransmit:
		return []byte{gs, 'r', 1}
	case ConfirmResponse:
		d := fmt.Sprintf("%04d", id%10000)
		return []byte{gs, '(', 'H', 6, 0, 0x30, 0x30, d[0], d[1], d[2], d[3]}
	}
	return nil
}

// ErrNotConfirmed: the printer did not answer a confirmation request in time. It
// has not (yet) printed the job: it may be out of paper, still printing, or not
// know the request.
var ErrNotConfirmed = errors.New("escpos: job not confirmed")

// IsTransmitAnswer reports whether b can be the answer to GS r 1: bits 0–1 near
// end, bits 2–3 roll end, bits 4–7 fixed 0 (a DLE EOT answer has bit 4 set).
func IsTransmitAnswer(b byte) bool { return b&0xF0 == 0 }

// ResponseAnswer returns the answer the printer sends to ConfirmRequest(ConfirmResponse, id).
func ResponseAnswer(id int) []byte {
	req := ConfirmRequest(ConfirmResponse, id)
	return []byte{0x37, 0x22, req[7], req[8], req[9], req[10], 0}
}

// AwaitConfirm reads port until the answers to a confirmation request have come:
// for ConfirmTransmit, want answers to GS r 1 (earlier jobs' late answers come
// first, in order); for ConfirmResponse, the answer carrying id (others are
// skipped). Other bytes are skipped. It waits at most timeout and returns the
// number of answers it took and nil, or ErrNotConfirmed with the number it got;
// or a read error prefixed "escpos: ". port is as for QueryStatus.
func AwaitConfirm(port io.ReadWriter, c Confirm, id, want int, timeout time.Duration) (int, error) {
	rd, err := newTimedReader(port)
	if err != nil {
		return 0, err
	}
	defer rd.clear()
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 64)
	var pending []byte // ConfirmResponse: bytes from 0x37 on, not yet a whole answer
	answer := ResponseAnswer(id)
	got := 0
	for {
		n, err := rd.read(buf, deadline)
		for _, b := range buf[:n] {
			switch c {
			case ConfirmTransmit:
				if IsTransmitAnswer(b) {
					got++
				}
			case ConfirmResponse:
				if len(pending) == 0 && b != 0x37 {
					continue
				}
				pending = append(pending, b)
				if len(pending) == len(answer) || b == 0 {
					if string(pending) == string(answer) {
						got = 1
					}
					pending = pending[:0]
				}
			}
		}
		if (c == ConfirmTransmit && got >= want) || (c == ConfirmResponse && got == 1) {
			return got, nil
		}
		if errors.Is(err, errTimeout) {
			return got, fmt.Errorf("escpos: %s: %d of %d answers in %v: %w", c, got, want, timeout, ErrNotConfirmed)
		}
		if err != nil {
			return got, fmt.Errorf("escpos: read confirmation: %w", err)
		}
	}
}
