package led_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"qcall/devices/led"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCRC16Modbus(t *testing.T) {
	tests := []struct {
		in   string
		want uint16
	}{
		{"123456789", 0x4B37}, // the catalogued check value of CRC-16/MODBUS
		{"", 0xFFFF},          // the initial value, untouched
		// Modbus spec example: read holding registers, slave 1, address 0, count 1:
		// 01 03 00 00 00 01 → CRC 0x0A84, sent 84 0A.
		{"\x01\x03\x00\x00\x00\x01", 0x0A84},
	}
	for _, tt := range tests {
		if got := led.CRC16Modbus([]byte(tt.in)); got != tt.want {
			t.Errorf("CRC16Modbus(%q) = %#04x, want %#04x", tt.in, got, tt.want)
		}
	}
}

// The frames below all carry "A012" = 41 30 31 32 behind address 0x01 and a length
// byte 0x04, between prefix AA and suffix 55, unless the case says otherwise.
func TestFrame_Build(t *testing.T) {
	base := led.Frame{Prefix: []byte{0xAA}, HasAddress: true, Address: 0x01, Length: true, Suffix: []byte{0x55}}
	with := func(c led.Checksum) led.Frame { f := base; f.Checksum = c; return f }
	tests := []struct {
		name  string
		frame led.Frame
		text  string
		want  string
	}{
		{"none", with(led.ChecksumNone), "A012", "aa 01 04 41 30 31 32 55"},
		// sum8: 01+04 = 05, +41 = 46, +30 = 76, +31 = a7, +32 = d9.
		{"sum8", with(led.ChecksumSum8), "A012", "aa 01 04 41 30 31 32 d9 55"},
		// xor: 01^04 = 05, ^41 = 44, ^30 = 74, ^31 = 45, ^32 = 77.
		{"xor", with(led.ChecksumXOR), "A012", "aa 01 04 41 30 31 32 77 55"},
		// crc16modbus over 01 04 41 30 31 32 (bit by bit, poly a001, init ffff)
		// = 0x7c70, sent low byte first: 70 7c.
		{"crc16modbus", with(led.ChecksumCRC16Modbus), "A012", "aa 01 04 41 30 31 32 70 7c 55"},
		// sum8 wraps: 请 = c7 eb, 到 = b5 bd. 01+04+c7+eb+b5+bd = 5+199+235+181+189 = 809 = 0x329 → 29.
		{"sum8 wraps mod 256", with(led.ChecksumSum8), "请到", "aa 01 04 c7 eb b5 bd 29 55"},
		// xor: 01^04^c7^eb^b5^bd = 05^c7 = c2, ^eb = 29, ^b5 = 9c, ^bd = 21.
		{"xor chinese", with(led.ChecksumXOR), "请到", "aa 01 04 c7 eb b5 bd 21 55"},
		// No address, no length: the checksum covers the payload only.
		// xor 41^30^31^32 = 71^31 = 40, ^32 = 72.
		{"payload only", led.Frame{Prefix: []byte{0x02}, Checksum: led.ChecksumXOR, Suffix: []byte{0x03}}, "A012", "02 41 30 31 32 72 03"},
		// Address without length: sum8 05+41 = 46, +30 = 76,
		// +31 = a7, +32 = d9.
		{"address, no length", led.Frame{HasAddress: true, Address: 0x05, Checksum: led.ChecksumSum8}, "A012", "05 41 30 31 32 d9"},
		{"ascii replaces chinese", led.Frame{Encoding: "ascii"}, "A012 请到3号", "41 30 31 32 20 3f 3f 33 3f"},
		{"control bytes become spaces", led.Frame{}, "A\x02\x03B", "41 20 20 42"},
		{"empty text", with(led.ChecksumSum8), "", "aa 01 00 01 55"},
		{"zero frame is bare gb18030", led.Frame{}, "窗口", "b4 b0 bf da"},
		{"two-byte prefix, no suffix", led.Frame{Prefix: []byte{0xAA, 0x55}, HasAddress: true, Address: 5, Length: true, Encoding: "ascii", Checksum: led.ChecksumCRC16Modbus},
			"A012 -> 3", "aa 55 05 09 41 30 31 32 20 2d 3e 20 33 6c 23"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.frame.Build(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("Build(%q) = % x\nwant             % x", tt.text, got, want)
			}
			m, err := led.Decode(got, tt.frame)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			wantText, _ := tt.frame.Payload(tt.text)
			if tt.frame.Encoding == "" {
				wantText = []byte(strings.NewReplacer("\x02", " ", "\x03", " ").Replace(tt.text))
			}
			if m.Text != string(wantText) || (tt.frame.HasAddress && m.Address != tt.frame.Address) {
				t.Fatalf("Decode = %+v, want text %q address %#02x", m, wantText, tt.frame.Address)
			}
		})
	}
}

func TestFrame_BuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		frame led.Frame
		text  string
		want  string
	}{
		{"encoding", led.Frame{Encoding: "big5"}, "x", `led: unknown encoding "big5" (want gb18030, gb2312 or ascii)`},
		{"checksum", led.Frame{Checksum: 9}, "x", "led: unknown checksum 9"},
		{"too long for length byte", led.Frame{Length: true}, strings.Repeat("号", 128), "led: text too long for the length field: 256 bytes, more than 1 length bytes hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.frame.Build(tt.text)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
	if _, err := (led.Frame{}).Build(strings.Repeat("号", 128)); err != nil {
		t.Errorf("no length byte, 256 bytes: %v", err)
	}
}

func TestDecode_errors(t *testing.T) {
	f := led.Frame{Prefix: []byte{0xAA}, HasAddress: true, Address: 1, Length: true, Checksum: led.ChecksumSum8, Suffix: []byte{0x55}}
	tests := []struct {
		name  string
		frame string
		want  error
	}{
		{"short", "aa 01 55", led.ErrShort},
		{"prefix", "ab 01 04 41 30 31 32 d9 55", led.ErrPrefix},
		{"suffix", "aa 01 04 41 30 31 32 d9 56", led.ErrSuffix},
		{"checksum", "aa 01 04 41 30 31 33 d9 55", led.ErrChecksum},
		// 01+03+41+30+31+32 = d8: checksum right, length wrong.
		{"length", "aa 01 03 41 30 31 32 d8 55", led.ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := led.Decode(unhex(t, tt.frame), f)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestChecksum_text(t *testing.T) {
	for _, c := range []led.Checksum{led.ChecksumNone, led.ChecksumSum8, led.ChecksumXOR, led.ChecksumCRC16Modbus} {
		b, err := c.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back led.Checksum
		if err := back.UnmarshalText(b); err != nil || back != c {
			t.Errorf("%v → %s → %v, %v", c, b, back, err)
		}
	}
	if _, err := led.ParseChecksum("crc32"); err == nil {
		t.Error("ParseChecksum(crc32) did not fail")
	}
	if c, err := led.ParseChecksum(" CRC16Modbus "); err != nil || c != led.ChecksumCRC16Modbus {
		t.Errorf("ParseChecksum(CRC16Modbus) = %v, %v", c, err)
	}
}

func TestFormat(t *testing.T) {
	c := led.Call{Number: "A012", Window: 3, WindowName: "综合窗口", Service: "社保"}
	tests := []struct {
		template, want string
	}{
		{"{number}", "A012"},
		{"{number} {window_name} {service} {other}", "A012 综合窗口 社保 {other}"},
		{"{number} to window {window}", "A012 to window 3"},
		{"", "A012"},
	}
	for _, tt := range tests {
		if got := led.Format(tt.template, c); got != tt.want {
			t.Errorf("Format(%q) = %q, want %q", tt.template, got, tt.want)
		}
	}
}

// fuzzFrame makes a Frame from fuzz inputs: flags bit 0 address, bit 1 length,
// bit 2 ascii, bits 3–4 the checksum kind, bit 5 escaping (1B, xor 80), bit 6
// two-byte lengths, bit 7 an ASCII address and a command byte.
func fuzzFrame(prefix, suffix []byte, addr, flags byte) led.Frame {
	f := led.Frame{
		Prefix:     prefix,
		Suffix:     suffix,
		HasAddress: flags&1 != 0,
		Address:    int(addr),
		Length:     flags&2 != 0,
		Checksum:   led.Checksum(flags >> 3 & 3),
	}
	if flags&4 != 0 {
		f.Encoding = led.ASCII
	}
	if flags&32 != 0 {
		f.Escape, f.EscapeByte, f.EscapeXOR = "byte", 0x1B, 0x80
	}
	if flags&64 != 0 {
		f.LengthSize = 2
	}
	if flags&128 != 0 {
		f.AddressFormat, f.Command = "ascii", []byte{0x31}
	}
	return f
}

func addSeeds(f *testing.F) {
	f.Add("A012 请到3号窗口", []byte{0x02}, []byte{0x03}, byte(1), byte(0b11011))
	f.Add("A012", []byte{0xAA, 0x55}, []byte{}, byte(5), byte(0b10111))
	f.Add("", []byte{}, []byte{}, byte(0), byte(0))
	f.Add("\x02\x03\xff\ue000😀", []byte{0x02}, []byte{0x03}, byte(0x03), byte(0b01001))
}

// FuzzBuild checks that Build never panics and that Decode reads back what Build
// wrote.
func FuzzBuild(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, text string, prefix, suffix []byte, addr, flags byte) {
		fr := fuzzFrame(prefix, suffix, addr, flags)
		b, err := fr.Build(text)
		if err != nil {
			return // too long for the length byte, or an escape set that cannot work
		}
		m, err := led.Decode(b, fr)
		if err != nil {
			t.Fatalf("Decode(Build(%q)) = %v; frame % x", text, err, b)
		}
		payload, _ := fr.Payload(text)
		if fr.HasAddress && m.Address != int(addr) {
			t.Fatalf("address %#02x, want %#02x", m.Address, addr)
		}
		back, err := fr.Payload(m.Text)
		if err != nil || !bytes.Equal(back, payload) {
			t.Fatalf("text %q → % x → %q → % x", text, payload, m.Text, back)
		}
	})
}

// FuzzDecode checks that Decode never panics on any bytes.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0xAA, 0x01, 0x04, 0x41, 0x30, 0x31, 0x32, 0xd9, 0x55}, []byte{0xAA}, []byte{0x55}, byte(1), byte(0b01011))
	f.Add([]byte{0xAA}, []byte{0xAA}, []byte{0xAA}, byte(0), byte(0b11011))
	f.Add([]byte{0x81, 0x30}, []byte{}, []byte{}, byte(0), byte(0))
	f.Fuzz(func(t *testing.T, frame, prefix, suffix []byte, addr, flags byte) {
		led.Decode(frame, fuzzFrame(prefix, suffix, addr, flags))
	})
}
