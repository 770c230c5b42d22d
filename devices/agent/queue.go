package agent

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// spooler is the operating system's print spooler: it takes raw jobs for a
// printer queue by name (Windows: winspool, queue_windows.go).
type spooler interface {
	// Print sends data to the printer queue as one raw job named doc. It
	// returns an error naming the queue when the queue does not exist or
	// refuses the job, or when it took only part of the data.
	Print(queue, doc string, data []byte) error
}

// systemSpooler is this system's spooler; nil where the agent has none (only
// Windows has one; a test puts a fake here).
var systemSpooler spooler = newSystemSpooler()

// errNoSpooler: a printer queue was configured where there is no spooler.
var errNoSpooler = errors.New("printer queues (queue = …) work on Windows only; use port = \"/dev/usb/lp0\" on Linux")

// queuePort writes each Write to a printer queue as one raw job. The agent
// writes a job in one Write, so a job is never split. A queue answers no
// status: Read returns io.EOF.
type queuePort struct {
	sp     spooler
	queue  string
	jobs   atomic.Int64
	closed atomic.Bool
}

func openQueue(queue string) (*queuePort, error) {
	if systemSpooler == nil {
		return nil, errNoSpooler
	}
	return &queuePort{sp: systemSpooler, queue: queue}, nil
}

func (q *queuePort) Write(b []byte) (int, error) {
	if q.closed.Load() {
		return 0, errors.New("printer queue closed")
	}
	n := q.jobs.Add(1)
	if err := q.sp.Print(q.queue, fmt.Sprintf("qcall %d", n), b); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (q *queuePort) Read([]byte) (int, error) { return 0, io.EOF }

func (q *queuePort) Close() error {
	q.closed.Store(true)
	return nil
}

func (q *queuePort) Name() string { return q.queue }
