package escpos_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"qcall/assets"
	"qcall/devices/escpos"
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

func TestQueryStatus_portWithoutTimeout(t *testing.T) {
	_, err := escpos.QueryStatus(new(bytes.Buffer), time.Second)
	if err == nil || !strings.HasPrefix(err.Error(), "escpos: status needs a port") {
		t.Fatalf("err = %v", err)
	}
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
