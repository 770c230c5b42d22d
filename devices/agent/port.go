package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"
)

// port is an open device line: a serial port (go.bug.st/serial, which has
// SetReadTimeout) or a TCP connection to a printer (which has
// SetReadDeadline). Either suits escpos.QueryStatus.
type port interface {
	io.ReadWriteCloser
}

// openPort opens the device pc describes: the serial port with its baud,
// parity and stop bits, or a TCP connection within 5 s.
func openPort(ctx context.Context, pc *PortConfig) (port, error) {
	if pc.Address != "" {
		d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
		c, err := d.DialContext(ctx, "tcp", pc.Address)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	if plainFile(pc.Port) {
		return openPlain(pc.Port)
	}
	p, err := serial.Open(pc.Port, pc.mode())
	var pe *serial.PortError
	if errors.As(err, &pe) && pe.Code() == serial.InvalidSerialPort {
		// It opened, but it is no terminal ("inappropriate ioctl for device"):
		// a USB printer-class device under another name, a parallel port.
		return openPlain(pc.Port)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", pc.Port, err)
	}
	return p, nil
}

// plainFile reports whether path (or the device a link leads to) is a USB
// printer-class device (/dev/usb/lp0, the usblp driver) or a parallel port
// (/dev/lp0): character devices that take the bytes as they are and have no
// line settings, so the terminal ioctls of a serial port fail on them.
func plainFile(path string) bool {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return strings.HasPrefix(path, "/dev/usb/lp") || strings.HasPrefix(path, "/dev/lp")
}

// openPlain opens path as a plain file for reading and writing, without any
// terminal ioctl. Go's poller takes a character device (or a FIFO) that
// supports poll, as usblp does, so reads have deadlines and the printer's
// status answers (DLE EOT, GS r) can be read back.
func openPlain(path string) (port, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return f, nil
}

// PortInfo is a serial port this machine sees.
type PortInfo struct {
	Name         string // /dev/ttyUSB0, COM3
	USB          bool
	VID, PID     string // USB vendor and product ids, hex
	SerialNumber string
	Product      string
	// On Linux: the stable links to the port (/dev/serial/by-id/…, the
	// name to put in the configuration), the device file's owner, group and
	// mode, and whether the user running this may open it (Checked says
	// these were looked at).
	Links        []string
	Owner, Group string
	Mode         string
	Access       bool
	Checked      bool
}

// DescribePort returns what this machine says of the port at path: its
// links, owner and permissions (Linux).
func DescribePort(path string) PortInfo {
	p := PortInfo{Name: path}
	p.describe()
	return p
}

// ListPorts returns the serial ports of this machine, with their USB ids where
// the system tells them.
func ListPorts() ([]PortInfo, error) {
	details, err := enumerator.GetDetailedPortsList()
	if err == nil {
		ps := make([]PortInfo, 0, len(details))
		for _, d := range details {
			p := PortInfo{Name: d.Name, USB: d.IsUSB, VID: d.VID, PID: d.PID, SerialNumber: d.SerialNumber, Product: d.Product}
			p.describe()
			ps = append(ps, p)
		}
		return ps, nil
	}
	names, err2 := serial.GetPortsList()
	if err2 != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	ps := make([]PortInfo, 0, len(names))
	for _, n := range names {
		p := PortInfo{Name: n}
		p.describe()
		ps = append(ps, p)
	}
	return ps, nil
}

// backoff is a retry delay that doubles from min to max.
type backoff struct {
	min, max, cur time.Duration
}

func newBackoff(b Backoff) *backoff {
	return &backoff{min: b.Min.D(), max: b.Max.D()}
}

// next returns the delay before the next attempt, with up to 20 % jitter so
// that agents do not all come back at the same instant.
func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(b.cur*2, b.max)
	}
	return b.cur + time.Duration(rand.Int64N(int64(b.cur)/5+1))
}

// reset starts again from min after a success.
func (b *backoff) reset() { b.cur = 0 }

// wait waits d or until ctx ends or wake fires; false when ctx ended.
func wait(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}

// signal wakes whoever waits on ch (capacity 1) without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// throttledLog logs a recurring problem at most once per interval, counting
// what it left out.
type throttledLog struct {
	log      *slog.Logger
	interval time.Duration

	mu     sync.Mutex // guards last and missed
	last   time.Time
	missed int
}

func (t *throttledLog) warn(msg string, args ...any) {
	t.mu.Lock()
	now := time.Now()
	if !t.last.IsZero() && now.Sub(t.last) < t.interval {
		t.missed++
		t.mu.Unlock()
		return
	}
	missed := t.missed
	t.last, t.missed = now, 0
	t.mu.Unlock()
	if missed > 0 {
		args = append(args, "not_logged_since", missed)
	}
	t.log.Warn(msg, args...)
}
