package escpos_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"qcall/assets"
	"qcall/devices/escpos"
	"qcall/devices/internal/ptytest"
)

func TestParseStatus(t *testing.T) {
	ok := escpos.Status{Online: true}
	tests := []struct {
		name    string
		n, b    byte
		want    escpos.Status
		wantErr bool
	}{
		{"1 online", 1, 0x12, ok, false},
		{"1 offline", 1, 0x1A, escpos.Status{}, false},
		{"1 feed button, still online", 1, 0x52, ok, false},
		{"2 nothing", 2, 0x12, ok, false},
		{"2 cover open", 2, 0x16, escpos.Status{Online: true, CoverOpen: true}, false},
		{"2 paper end stop", 2, 0x32, escpos.Status{Online: true, PaperOut: true}, false},
		{"2 error", 2, 0x52, escpos.Status{Online: true, Error: true}, false},
		{"2 all", 2, 0x7E, escpos.Status{Online: true, CoverOpen: true, PaperOut: true, Error: true}, false},
		{"4 paper ok", 4, 0x12, ok, false},
		{"4 near end", 4, 0x1E, escpos.Status{Online: true, PaperNearEnd: true}, false},
		{"4 end", 4, 0x72, escpos.Status{Online: true, PaperOut: true}, false},
		{"4 end and near end", 4, 0x7E, escpos.Status{Online: true, PaperOut: true, PaperNearEnd: true}, false},
		{"bit 0 set", 1, 0x13, ok, true},
		{"bit 1 clear", 1, 0x10, ok, true},
		{"bit 4 clear", 1, 0x02, ok, true},
		{"bit 7 set", 1, 0x92, ok, true},
		{"zero byte", 4, 0x00, ok, true},
		{"n = 3 not asked", 3, 0x12, ok, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := escpos.ParseStatus(tt.n, tt.b)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseStatus(%d, %#02x) error = %v, want error %v", tt.n, tt.b, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("ParseStatus(%d, %#02x) = %+v, want %+v", tt.n, tt.b, got, tt.want)
			}
		})
	}
}

func TestStatus_Err(t *testing.T) {
	tests := []struct {
		s    escpos.Status
		want error
		str  string
		zh   string
	}{
		{escpos.Status{Online: true}, nil, "online", "打印机正常"},
		{escpos.Status{Online: true, PaperNearEnd: true}, nil, "online, paper near end", "打印纸即将用完"},
		{escpos.Status{PaperOut: true, PaperNearEnd: true}, escpos.ErrPaperOut, "offline, paper out, paper near end", "打印机缺纸"},
		{escpos.Status{CoverOpen: true, PaperOut: true}, escpos.ErrCoverOpen, "offline, paper out, cover open", "打印机盖未关好"},
		{escpos.Status{}, escpos.ErrOffline, "offline", "打印机离线"},
		{escpos.Status{Online: true, Error: true}, escpos.ErrOffline, "online, error", "打印机故障"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			if err := tt.s.Err(); err != tt.want {
				t.Errorf("Err() = %v, want %v", err, tt.want)
			}
			if s := tt.s.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
			if s := assets.T("zh-CN", tt.s.Key()); s != tt.zh {
				t.Errorf("Key() %q words %q in zh-CN, want %q", tt.s.Key(), s, tt.zh)
			}
		})
	}
}

// fakePrinter plays the printer on the far side of a pty: it waits for the three
// DLE EOT queries, then sends reply (answers, possibly mixed with noise). It
// reports what went wrong on the returned channel.
func fakePrinter(dev *os.File, reply []byte) <-chan error {
	done := make(chan error, 1)
	go func() {
		want := []byte{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4}
		got, err := ptytest.ReadUntil(dev, 5*time.Second, func(b []byte) bool { return len(b) >= len(want) })
		if err != nil {
			done <- err
			return
		}
		if !bytes.Equal(got, want) {
			done <- errors.New("queries: " + string(got))
			return
		}
		if len(reply) > 0 {
			_, err = dev.Write(reply)
		}
		done <- err
	}()
	return done
}

func TestQueryStatus_pty(t *testing.T) {
	tests := []struct {
		name    string
		reply   []byte
		timeout time.Duration
		want    escpos.Status
		wantErr error
	}{
		{"ready", []byte{0x12, 0x12, 0x12}, 5 * time.Second, escpos.Status{Online: true}, nil},
		{"near end", []byte{0x12, 0x12, 0x1E}, 5 * time.Second, escpos.Status{Online: true, PaperNearEnd: true}, nil},
		{"paper out", []byte{0x1A, 0x32, 0x7E}, 5 * time.Second, escpos.Status{PaperOut: true, PaperNearEnd: true}, escpos.ErrPaperOut},
		{"cover open", []byte{0x1A, 0x16, 0x12}, 5 * time.Second, escpos.Status{CoverOpen: true}, escpos.ErrCoverOpen},
		{"cutter error", []byte{0x1A, 0x52, 0x12}, 5 * time.Second, escpos.Status{Error: true}, escpos.ErrOffline},
		{"noise skipped", []byte{0x00, 0xFF, 0x1A, 0x41, 0x0A, 0x80, 0x16, 0x93, 0x01, 0x12}, 5 * time.Second, escpos.Status{CoverOpen: true}, escpos.ErrCoverOpen},
		{"one answer only", []byte{0x12}, 100 * time.Millisecond, escpos.Status{Online: true}, escpos.ErrNoAnswer},
		{"silent", nil, 50 * time.Millisecond, escpos.Status{}, escpos.ErrNoAnswer},
		{"only noise", []byte("hello"), 50 * time.Millisecond, escpos.Status{}, escpos.ErrNoAnswer},
	}
	for _, tt := range tests {
		for _, port := range []struct {
			name string
			wrap func(*os.File) escpos.TimeoutPort
		}{{"deadline", nil}, {"timeout", func(f *os.File) escpos.TimeoutPort { return &timeoutPort{f: f} }}} {
			t.Run(tt.name+"/"+port.name, func(t *testing.T) {
				pair := ptytest.Open(t)
				done := fakePrinter(pair.Device, tt.reply)
				var s escpos.Status
				var err error
				if port.wrap == nil {
					s, err = escpos.QueryStatus(pair.Port, tt.timeout)
				} else {
					s, err = escpos.QueryStatus(port.wrap(pair.Port), tt.timeout)
				}
				if ferr := <-done; ferr != nil {
					t.Fatalf("fake printer: %v", ferr)
				}
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
					t.Fatalf("QueryStatus error = %v, want %v", err, tt.wantErr)
				}
				if err != nil && !strings.HasPrefix(err.Error(), "escpos: ") {
					t.Errorf("error %q does not start with escpos:", err)
				}
				if s != tt.want {
					t.Fatalf("QueryStatus = %+v, want %+v", s, tt.want)
				}
				// The deadline was cleared: the port still reads normally.
				if _, err := pair.Device.Write([]byte{0x42}); err != nil {
					t.Fatal(err)
				}
				var b [1]byte
				if n, err := pair.Port.Read(b[:]); n != 1 || err != nil || b[0] != 0x42 {
					t.Fatalf("read after QueryStatus: %d %v % x", n, err, b)
				}
			})
		}
	}
}

// TestQueryStatus_staleBytes checks that answers left in the port from before
// (here: offline, cover open, paper out) are discarded, not taken as the answers.
func TestQueryStatus_staleBytes(t *testing.T) {
	pair := ptytest.Open(t)
	ptytest.WriteAll(t, pair.Device, []byte{0x1A, 0x16, 0x7E})
	ptytest.WaitQueued(t, pair.Port, 3, 5*time.Second)
	done := fakePrinter(pair.Device, []byte{0x12, 0x12, 0x12})
	s, err := escpos.QueryStatus(pair.Port, 5*time.Second)
	if ferr := <-done; ferr != nil {
		t.Fatalf("fake printer: %v", ferr)
	}
	if err != nil || s != (escpos.Status{Online: true}) {
		t.Fatalf("QueryStatus = %+v, %v; want ready", s, err)
	}
}

func TestQueryStatus_portWithoutTimeout(t *testing.T) {
	_, err := escpos.QueryStatus(new(bytes.Buffer), time.Second)
	if err == nil || !strings.HasPrefix(err.Error(), "escpos: status needs a port") {
		t.Fatalf("err = %v", err)
	}
}

// timeoutPort adapts a pty end to TimeoutPort the way go.bug.st/serial behaves:
// a read that times out returns 0, nil; a negative timeout blocks.
type timeoutPort struct{ f *os.File }

func (p *timeoutPort) Write(b []byte) (int, error) { return p.f.Write(b) }

func (p *timeoutPort) Read(b []byte) (int, error) {
	n, err := p.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = nil
	}
	return n, err
}

func (p *timeoutPort) SetReadTimeout(d time.Duration) error {
	if d < 0 {
		return p.f.SetReadDeadline(time.Time{})
	}
	return p.f.SetReadDeadline(time.Now().Add(d))
}

func FuzzParseStatus(f *testing.F) {
	for _, n := range []byte{1, 2, 3, 4} {
		for _, b := range []byte{0x00, 0x12, 0x16, 0x1A, 0x1E, 0x32, 0x52, 0x72, 0x7E, 0x92, 0xFF} {
			f.Add(n, b)
		}
	}
	f.Fuzz(func(t *testing.T, n, b byte) {
		s, err := escpos.ParseStatus(n, b)
		valid := b&0x93 == 0x12 && (n == 1 || n == 2 || n == 4)
		if (err == nil) != valid {
			t.Fatalf("ParseStatus(%d, %#02x) error = %v", n, b, err)
		}
		if err != nil {
			if s != (escpos.Status{Online: true}) {
				t.Fatalf("invalid answer gave %+v", s)
			}
			return
		}
		// Each answer speaks only of its own fields.
		switch n {
		case 1:
			if s.PaperOut || s.PaperNearEnd || s.CoverOpen || s.Error {
				t.Fatalf("DLE EOT 1 answer set a fault: %+v", s)
			}
		case 2:
			if !s.Online || s.PaperNearEnd {
				t.Fatalf("DLE EOT 2 answer: %+v", s)
			}
		case 4:
			if !s.Online || s.CoverOpen || s.Error {
				t.Fatalf("DLE EOT 4 answer: %+v", s)
			}
		}
		if (s.Err() == nil) != (s.Online && !s.PaperOut && !s.CoverOpen && !s.Error) {
			t.Fatalf("%+v: Err() = %v", s, s.Err())
		}
		_ = s.String()
	})
}
