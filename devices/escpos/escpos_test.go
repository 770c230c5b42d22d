package escpos_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"qcall/devices/escpos"
)

func TestPrinter_commands(t *testing.T) {
	tests := []struct {
		name  string
		build func(p *escpos.Printer)
		want  []byte
	}{
		{"init", func(p *escpos.Printer) { p.Init() }, []byte{0x1B, 0x40}},
		{"align center", func(p *escpos.Printer) { p.Align(escpos.Center) }, []byte{0x1B, 0x61, 1}},
		{"align right", func(p *escpos.Printer) { p.Align(escpos.Right) }, []byte{0x1B, 0x61, 2}},
		{"size 1x1", func(p *escpos.Printer) { p.Size(1, 1) }, []byte{0x1D, 0x21, 0x00}},
		{"size 2x3", func(p *escpos.Printer) { p.Size(2, 3) }, []byte{0x1D, 0x21, 0x12}},
		{"size 8x8", func(p *escpos.Printer) { p.Size(8, 8) }, []byte{0x1D, 0x21, 0x77}},
		{"bold on off", func(p *escpos.Printer) { p.Bold(true).Bold(false) }, []byte{0x1B, 0x45, 1, 0x1B, 0x45, 0}},
		{"ascii line", func(p *escpos.Printer) { p.Line("A012") }, []byte("A012\n")},
		// 前 = C7 B0, 面 = C3 E6 in GB2312/GB18030.
		{"chinese", func(p *escpos.Printer) { p.Text("前面") }, []byte{0xC7, 0xB0, 0xC3, 0xE6}},
		// € is A2 E3 in GB18030 (0x80 only in CP936).
		{"euro", func(p *escpos.Printer) { p.Text("€") }, []byte{0xA2, 0xE3}},
		// U+1F600 is four bytes in GB18030: 0x9439FC36.
		{"emoji", func(p *escpos.Printer) { p.Text("😀") }, []byte{0x94, 0x39, 0xFC, 0x36}},
		{"control bytes become spaces", func(p *escpos.Printer) { p.Text("a\x1b@\nb\x10\x04") }, []byte("a @ b  ")},
		{"invalid utf-8", func(p *escpos.Printer) { p.Text("a\xffb") }, []byte("a?b")},
		{"feed", func(p *escpos.Printer) { p.Feed(4) }, []byte{0x1B, 0x64, 4}},
		{"cut full", func(p *escpos.Printer) { p.Cut(escpos.CutFull) }, []byte{0x1D, 0x56, 0}},
		{"cut partial", func(p *escpos.Printer) { p.Cut(escpos.CutPartial) }, []byte{0x1D, 0x56, 1}},
		{"cut none", func(p *escpos.Printer) { p.Feed(1).Cut(escpos.CutNone) }, []byte{0x1B, 0x64, 1}},
		{"chinese mode", func(p *escpos.Printer) { p.ChineseMode() }, []byte{0x1C, 0x26}},
		{"nv logo", func(p *escpos.Printer) { p.Logo(1) }, []byte{0x1C, 0x70, 1, 0}},
		{"qr", func(p *escpos.Printer) { p.QR("AB", 6, escpos.QRLevelM) }, []byte{
			0x1D, 0x28, 0x6B, 4, 0, 49, 65, 50, 0, // fn 165: model 2
			0x1D, 0x28, 0x6B, 3, 0, 49, 67, 6, // fn 167: module 6
			0x1D, 0x28, 0x6B, 3, 0, 49, 69, 49, // fn 169: level M
			0x1D, 0x28, 0x6B, 5, 0, 49, 80, 48, 'A', 'B', // fn 180: store, 2+3 = 5
			0x1D, 0x28, 0x6B, 3, 0, 49, 81, 48, // fn 181: print
		}},
		{"qr level H", func(p *escpos.Printer) { p.QR("x", 1, escpos.QRLevelH) }, []byte{
			0x1D, 0x28, 0x6B, 4, 0, 49, 65, 50, 0,
			0x1D, 0x28, 0x6B, 3, 0, 49, 67, 1,
			0x1D, 0x28, 0x6B, 3, 0, 49, 69, 51,
			0x1D, 0x28, 0x6B, 4, 0, 49, 80, 48, 'x',
			0x1D, 0x28, 0x6B, 3, 0, 49, 81, 48,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := escpos.NewPrinter(&buf)
			tt.build(p)
			if err := p.Flush(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), tt.want) {
				t.Fatalf("got  % x\nwant % x", buf.Bytes(), tt.want)
			}
		})
	}
}

func TestPrinter_qrLongData(t *testing.T) {
	// 300 bytes: pL pH = 303 = 0x012F → 2F 01.
	data := strings.Repeat("x", 300)
	p := escpos.NewPrinter(nil).QR(data, 6, escpos.QRLevelM)
	b := p.Bytes()
	i := bytes.Index(b, []byte{0x1D, 0x28, 0x6B, 0x2F, 0x01, 49, 80, 48})
	if i < 0 {
		t.Fatalf("no fn 180 with length 2F 01 in % x", b[:40])
	}
	ops, err := escpos.Parse(p.Cut(escpos.CutFull).Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if qs := escpos.QRCodes(ops); len(qs) != 1 || qs[0] != data {
		t.Fatalf("QR codes %q", qs)
	}
}

func TestPrinter_errors(t *testing.T) {
	tests := []struct {
		name  string
		build func(p *escpos.Printer)
	}{
		{"size 0", func(p *escpos.Printer) { p.Size(0, 1) }},
		{"size 9", func(p *escpos.Printer) { p.Size(1, 9) }},
		{"align", func(p *escpos.Printer) { p.Align(3) }},
		{"feed", func(p *escpos.Printer) { p.Feed(256) }},
		{"cut", func(p *escpos.Printer) { p.Cut(3) }},
		{"logo", func(p *escpos.Printer) { p.Logo(0) }},
		{"qr empty", func(p *escpos.Printer) { p.QR("", 6, escpos.QRLevelM) }},
		{"qr long", func(p *escpos.Printer) { p.QR(strings.Repeat("x", escpos.MaxQRData+1), 6, escpos.QRLevelM) }},
		{"qr module", func(p *escpos.Printer) { p.QR("x", 17, escpos.QRLevelM) }},
		{"qr level", func(p *escpos.Printer) { p.QR("x", 6, 4) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := escpos.NewPrinter(&buf).Init()
			tt.build(p)
			p.Line("after")
			err := p.Flush()
			if err == nil || !strings.HasPrefix(err.Error(), "escpos: ") {
				t.Fatalf("Flush() = %v, want an escpos: error", err)
			}
			if buf.Len() != 0 {
				t.Fatalf("wrote % x despite the error", buf.Bytes())
			}
			// The Printer is usable again after the failed job.
			if err := p.Init().Flush(); err != nil || buf.Len() != 2 {
				t.Fatalf("next job: %v, % x", err, buf.Bytes())
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestPrinter_writeError(t *testing.T) {
	err := escpos.NewPrinter(failWriter{}).Init().Flush()
	if err == nil || err.Error() != "escpos: write: broken pipe" {
		t.Fatalf("Flush() = %v", err)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name         string
		s            string
		cols, indent int
		want         []string
	}{
		{"fits", "前面还有 3 人", 48, 0, []string{"前面还有 3 人"}},
		{"chinese breaks anywhere", "一二三四五六", 8, 0, []string{"一二三四", "五六"}},
		{"indent", "1. 一二三四五六七", 10, 3, []string{"1. 一二三", "四五六", "七"}},
		{"english keeps words", "Please bring the originals", 12, 0, []string{"Please bring", "the", "originals"}},
		{"long word is split", "abcdefghij", 4, 0, []string{"abcd", "efgh", "ij"}},
		{"too narrow still progresses", "一二", 1, 0, []string{"一", "二"}},
		{"mixed", "身份证 ID card", 8, 0, []string{"身份证", "ID card"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := escpos.Wrap(tt.s, tt.cols, tt.indent)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("Wrap(%q, %d, %d) = %q, want %q", tt.s, tt.cols, tt.indent, got, tt.want)
			}
		})
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"示范大厅", "示范大厅"},
		{"a\tb\r\n", "a b  "},
		{"\x1b\x1c.\x1d", "  . "},
		{"\u0085x", " x"}, // C1 control
		{"bad\xc3", "bad?"},
		{"\uFFFD kept", "\uFFFD kept"},
		{"private use \ue0ee", "private use ?"},
	}
	for _, tt := range tests {
		if got := escpos.Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
