package led_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"qcall/devices/led"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the code")

// The frames real bars need beyond the README's first two examples, each
// worked out by hand in its comment.
func TestFrame_BuildMore(t *testing.T) {
	stxEtx := led.Frame{Prefix: []byte{0x02}, Checksum: led.ChecksumSum8, Suffix: []byte{0x03}}
	escaped := stxEtx
	escaped.Escape, escaped.EscapeByte, escaped.EscapeXOR = "byte", 0x1B, 0x80
	tests := []struct {
		name  string
		frame led.Frame
		mode  led.Mode
		text  string
		want  string
	}{
		// 41+41+41+3f = 0x102: the sum8 is 02, STX, in the middle of the frame.
		{"sum8 collides with STX unescaped", stxEtx, led.ModeShow, "AAA?", "02 41 41 41 3f 02 03"},
		// Escaped: 02 goes out as 1b, 02^80 = 82.
		{"sum8 escaped", escaped, led.ModeShow, "AAA?", "02 41 41 41 3f 1b 82 03"},
		// DLE STX … DLE ETX with DLE stuffing: the address 0x10 goes out as
		// 10 10; sum8 over 10 41 = 51.
		{"dle stuffing", led.Frame{Prefix: []byte{0x10, 0x02}, HasAddress: true, Address: 0x10, Checksum: led.ChecksumSum8, Escape: "dle", Suffix: []byte{0x10, 0x03}},
			led.ModeShow, "A", "10 02 10 10 41 51 10 03"},
		// ASCII address "001", command 'C', two-byte length 00 04, GB2312;
		// sum8: 30+30+31 = 91, +43 = d4, +00+04 = d8, +c7 = 19f, +eb = 28a,
		// +b5 = 33f, +bd = 3fc → fc.
		{"ascii address, command, two-byte length", led.Frame{Prefix: []byte{0x02}, HasAddress: true, Address: 1, AddressFormat: "ascii",
			Command: []byte{'C'}, Length: true, LengthSize: 2, Encoding: led.GB2312, Checksum: led.ChecksumSum8, Suffix: []byte{0x03}},
			led.ModeShow, "请到", "02 30 30 31 43 00 04 c7 eb b5 bd fc 03"},
		{"hex address", led.Frame{HasAddress: true, Address: 0x1A, AddressFormat: "hex"}, led.ModeShow, "A", "31 41 41"},
		{"little-endian length", led.Frame{Length: true, LengthSize: 2, LengthOrder: "little"}, led.ModeShow, "A", "01 00 41"},
		// xor over the prefix and the payload only: aa^41 = eb, ^30 = db, ^31 = ea, ^32 = d8.
		{"checksum over prefix and payload", led.Frame{Prefix: []byte{0xAA}, HasAddress: true, Address: 5, Checksum: led.ChecksumXOR,
			ChecksumCovers: []string{"prefix", "payload"}}, led.ModeShow, "A012", "aa 05 41 30 31 32 d8"},
		// sum16 of 01 41 = 0x0042, high byte first.
		{"sum16", led.Frame{HasAddress: true, Address: 1, Checksum: led.ChecksumSum16}, led.ModeShow, "A", "01 41 00 42"},
		{"show command", led.Frame{Command: []byte{0x01}, BlinkCommand: []byte{0x02}}, led.ModeShow, "A", "01 41"},
		{"blink command on a recall", led.Frame{Command: []byte{0x01}, BlinkCommand: []byte{0x02}}, led.ModeBlink, "A", "02 41"},
		{"no blink command: a recall shows", led.Frame{Command: []byte{0x01}}, led.ModeBlink, "A", "01 41"},
		// 请 到 take 2 columns each, 3 one: 5; 号 would make 7.
		{"cut at max width", led.Frame{MaxWidth: 5}, led.ModeShow, "请到3号", "c7 eb b5 bd 33"},
		{"fits max width", led.Frame{MaxWidth: 4, Command: []byte{0x01}, ScrollCommand: []byte{0x03}, Overflow: "scroll"}, led.ModeShow, "A012", "01 41 30 31 32"},
		{"scrolls past max width", led.Frame{MaxWidth: 4, Command: []byte{0x01}, ScrollCommand: []byte{0x03}, Overflow: "scroll"}, led.ModeShow, "A0123", "03 41 30 31 32 33"},
		{"a long recall scrolls, not blinks", led.Frame{MaxWidth: 4, Command: []byte{0x01}, BlinkCommand: []byte{0x02}, ScrollCommand: []byte{0x03}, Overflow: "scroll"},
			led.ModeBlink, "A0123", "03 41 30 31 32 33"},
		// 喆 is in GBK and GB18030 (86 b4) but not in GB2312.
		{"gb2312 replaces what it lacks", led.Frame{Encoding: led.GB2312}, led.ModeShow, "喆请", "3f c7 eb"},
		{"gb18030 has it", led.Frame{}, led.ModeShow, "喆", "86 b4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.frame.BuildMode(tt.text, tt.mode)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("BuildMode(%q) = % x\nwant                 % x", tt.text, got, want)
			}
			m, err := led.Decode(got, tt.frame)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if tt.frame.HasAddress && m.Address != tt.frame.Address {
				t.Errorf("address %d, want %d", m.Address, tt.frame.Address)
			}
			blinks := tt.mode == led.ModeBlink && len(tt.frame.BlinkCommand) > 0 && !m.Scroll
			if (m.Mode == led.ModeBlink) != blinks {
				t.Errorf("decoded mode %v, want blink %v", m.Mode, blinks)
			}
		})
	}
}

// TestFrame_Escape: with escaping, the prefix's and suffix's bytes appear
// nowhere else in the frame, whatever the checksum and length come to; the
// decoder reads every frame back.
func TestFrame_Escape(t *testing.T) {
	schemes := []led.Frame{
		{Escape: "byte", EscapeByte: 0x1B, EscapeXOR: 0x80},
		{Escape: "byte", EscapeByte: 0x7D, EscapeXOR: 0x20},
		{Escape: "dle", EscapeBytes: []byte{0x02, 0x03}},
	}
	for _, sc := range schemes {
		f := sc
		f.Prefix, f.Suffix = []byte{0x02}, []byte{0x03}
		f.HasAddress, f.Length, f.Checksum = true, true, led.ChecksumSum8
		collided := 0
		for addr := range 256 {
			f.Address = addr
			for _, text := range []string{"A012", "AAA?", "请到3号窗口", "\x1b\x7d"} {
				b, err := f.Build(text)
				if err != nil {
					t.Fatal(err)
				}
				inner := b[1 : len(b)-1]
				if f.Escape != "dle" && (bytes.IndexByte(inner, 0x02) >= 0 || bytes.IndexByte(inner, 0x03) >= 0) {
					t.Fatalf("%s: STX or ETX inside % x", f.Escape, b)
				}
				plain := f
				plain.Escape = ""
				pb, _ := plain.Build(text)
				if bytes.IndexByte(pb[1:len(pb)-1], 0x02) >= 0 {
					collided++
				}
				m, err := led.Decode(b, f)
				if err != nil || m.Address != addr {
					t.Fatalf("%s: Decode(% x) = %+v, %v", f.Escape, b, m, err)
				}
			}
		}
		if collided == 0 {
			t.Fatal("no unescaped frame had STX inside: the test proves nothing")
		}
	}
}

func TestFrame_Refused(t *testing.T) {
	tests := []struct {
		name  string
		frame led.Frame
		text  string
		want  error
		msg   string
	}{
		{"gb2312 refuses what it lacks", led.Frame{Encoding: led.GB2312, Unsupported: "refuse"}, "请喆", led.ErrUnsupported, `'喆' (U+5586) is not in gb2312`},
		{"ascii refuses chinese", led.Frame{Encoding: led.ASCII, Unsupported: "refuse"}, "A请", led.ErrUnsupported, "not in ascii"},
		{"two-byte length holds 65535", led.Frame{Length: true, LengthSize: 2}, strings.Repeat("号", 32768), led.ErrTooLong, "65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.frame.Build(tt.text)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %v saying %q", err, tt.want, tt.msg)
			}
		})
	}
	bad := []struct {
		frame led.Frame
		want  string
	}{
		{led.Frame{Escape: "byte", EscapeByte: 0x1B}, "escape_xor"},
		{led.Frame{Prefix: []byte{0x02}, Suffix: []byte{0x82}, Escape: "byte", EscapeByte: 0x1B, EscapeXOR: 0x80}, "itself escaped"},
		{led.Frame{Escape: "slip"}, "unknown escape"},
		{led.Frame{Command: []byte{1}, BlinkCommand: []byte{1, 2}}, "as long"},
		{led.Frame{Overflow: "scroll", MaxWidth: 8}, "scroll_command"},
		{led.Frame{HasAddress: true, Address: 1000, AddressFormat: "ascii"}, "does not fit"},
		{led.Frame{HasAddress: true, Address: 256}, "0–255"},
		{led.Frame{ChecksumCovers: []string{"suffix"}}, "unknown part"},
		{led.Frame{LengthSize: 3}, "length_size"},
		{led.Frame{Unsupported: "drop"}, "unsupported"},
	}
	for _, b := range bad {
		if err := b.frame.Validate(); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Validate(%+v) = %v, want %q", b.frame, err, b.want)
		}
	}
}

func TestDecode_moreErrors(t *testing.T) {
	f := led.Frame{Prefix: []byte{0x02}, HasAddress: true, Address: 1, AddressFormat: "ascii", Command: []byte{'C'},
		Checksum: led.ChecksumSum8, Escape: "byte", EscapeByte: 0x1B, EscapeXOR: 0x80, Suffix: []byte{0x03}}
	good, err := f.Build("A")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.Decode(good, f); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"escape at the end", []byte{0x02, 0x1B, 0x03}, led.ErrEscape},
		{"lone STX inside", []byte{0x02, 0x30, 0x02, 0x03}, led.ErrEscape},
		{"address not digits", append([]byte{0x02, 'x', '0', '1', 'C', 'A'}, byte(('x'+'0'+'1'+'C'+'A')&0xff), 0x03), led.ErrAddress},
		{"unknown command", append([]byte{0x02, '0', '0', '1', 'D', 'A'}, byte(('0'+'0'+'1'+'D'+'A')&0xff), 0x03), led.ErrCommand},
	}
	for _, tt := range tests {
		if _, err := led.Decode(tt.frame, f); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

// goldenFrames are the frames kept in testdata/frames.golden: the README's
// four examples and one of each knob, so that a change to any byte shows in
// review.
func goldenFrames() []struct {
	name  string
	frame led.Frame
	mode  led.Mode
	text  string
} {
	readme3, readme4 := readmeExample3(), readmeExample4()
	return []struct {
		name  string
		frame led.Frame
		mode  led.Mode
		text  string
	}{
		{"readme-1 stx xor", led.Frame{Prefix: []byte{0x02}, HasAddress: true, Address: 1, Checksum: led.ChecksumXOR, Suffix: []byte{0x03}}, led.ModeShow, "A012 请到3号窗口"},
		{"readme-2 aa55 crc", led.Frame{Prefix: []byte{0xAA, 0x55}, HasAddress: true, Address: 5, Length: true, Encoding: led.ASCII, Checksum: led.ChecksumCRC16Modbus}, led.ModeShow, "A012 -> 3"},
		{"readme-3 call", readme3, led.ModeShow, "A012 请到3号窗口"},
		{"readme-3 recall", readme3, led.ModeBlink, "A012 请到3号窗口"},
		{"readme-4 call", readme4, led.ModeShow, "A012 请到3号窗口"},
		{"readme-4 long", readme4, led.ModeShow, "B107 请到12号综合窗口办理"},
		{"sum16 two-byte little length", led.Frame{Prefix: []byte{0xAA}, HasAddress: true, Address: 9, Length: true, LengthSize: 2, LengthOrder: "little", Checksum: led.ChecksumSum16}, led.ModeShow, "C042"},
		{"crc over prefix", led.Frame{Prefix: []byte{0xAA, 0x55}, Checksum: led.ChecksumCRC16Modbus, ChecksumCovers: []string{"prefix", "payload"}}, led.ModeShow, "A012"},
		{"gb2312 replaced", led.Frame{Encoding: led.GB2312}, led.ModeShow, "喆 A012"},
		{"hdlc-style escape", led.Frame{Prefix: []byte{0x7E}, HasAddress: true, Address: 0x7E, Checksum: led.ChecksumSum8, Escape: "byte", EscapeByte: 0x7D, EscapeXOR: 0x20, Suffix: []byte{0x7E}}, led.ModeShow, "A}~"},
	}
}

func TestFrame_Golden(t *testing.T) {
	var b strings.Builder
	for _, g := range goldenFrames() {
		frame, err := g.frame.BuildMode(g.text, g.mode)
		if err != nil {
			t.Fatalf("%s: %v", g.name, err)
		}
		m, err := led.Decode(frame, g.frame)
		if err != nil {
			t.Fatalf("%s: Decode: %v", g.name, err)
		}
		fmt.Fprintf(&b, "%s\t%q\t% x\n", g.name, m.Text, frame)
	}
	path := filepath.Join("testdata", "frames.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if b.String() != string(want) {
		t.Fatalf("frames differ from %s (go test -update rewrites it):\n%s\nwant\n%s", path, b.String(), want)
	}
}
