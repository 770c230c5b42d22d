package escpos_test

import (
	"bytes"
	"strings"
	"testing"

	"qcall/assets"
	"qcall/devices/escpos"
)

func TestParse(t *testing.T) {
	type op struct {
		kind escpos.OpKind
		n    int
		text string
	}
	tests := []struct {
		name    string
		in      []byte
		want    []op
		wantErr string
	}{
		{"init", []byte{0x1B, 0x40}, []op{{escpos.OpInit, 0, ""}}, ""},
		{"text and lf", []byte("ab\r\n"), []op{{escpos.OpText, 0, "ab"}, {escpos.OpCR, 0, ""}, {escpos.OpLF, 0, ""}}, ""},
		{"gb18030 two bytes", []byte{0xC7, 0xB0, 0xC3, 0xE6, 'x'}, []op{{escpos.OpText, 0, "前面x"}}, ""},
		{"gb18030 four bytes", []byte{0x94, 0x39, 0xFC, 0x36}, []op{{escpos.OpText, 0, "😀"}}, ""},
		{"gb18030 lead before LF", []byte{0xC7, 0x0A}, []op{{escpos.OpUnknown, 0, ""}, {escpos.OpLF, 0, ""}}, "invalid GB18030 byte 0xc7"},
		{"0x80 invalid", []byte{0x80}, []op{{escpos.OpUnknown, 0, ""}}, "invalid GB18030 byte 0x80"},
		{"FS . then code page 437", []byte{0x1C, 0x2E, 0x82}, []op{{escpos.OpChinese, 0, ""}, {escpos.OpText, 0, "é"}}, ""},
		{"FS & back to chinese", []byte{0x1C, 0x2E, 0x1C, 0x26, 0xC7, 0xB0}, []op{{escpos.OpChinese, 0, ""}, {escpos.OpChinese, 1, ""}, {escpos.OpText, 0, "前"}}, ""},
		{"align size bold", []byte{0x1B, 0x61, 1, 0x1D, 0x21, 0x11, 0x1B, 0x45, 1}, []op{{escpos.OpAlign, 1, ""}, {escpos.OpSize, 0x11, ""}, {escpos.OpBold, 1, ""}}, ""},
		{"ESC ! mode", []byte{0x1B, 0x21, 0x38}, []op{{escpos.OpSize, -1, ""}}, ""},
		{"feed", []byte{0x1B, 0x64, 5}, []op{{escpos.OpFeed, 5, ""}}, ""},
		{"cut A", []byte{0x1D, 0x56, 1}, []op{{escpos.OpCut, 1, ""}}, ""},
		{"cut B feeds", []byte{0x1D, 0x56, 66, 3, 'x'}, []op{{escpos.OpCut, 66, ""}, {escpos.OpText, 0, "x"}}, ""},
		{"status query", []byte{0x10, 0x04, 4}, []op{{escpos.OpStatus, 4, ""}}, ""},
		{"other known command", []byte{0x1B, 0x33, 24, 'a'}, []op{{escpos.OpCommand, 24, ""}, {escpos.OpText, 0, "a"}}, ""},
		{"qr", []byte{0x1D, 0x28, 0x6B, 4, 0, 49, 80, 48, 'h', 0x1D, 0x28, 0x6B, 3, 0, 49, 81, 48}, []op{{escpos.OpCommand, 180, ""}, {escpos.OpQR, 181, ""}}, ""},
		{"GS ( other", []byte{0x1D, 0x28, 0x4C, 2, 0, 48, 50}, []op{{escpos.OpCommand, 0, ""}}, ""},
		{"unknown ESC", []byte{0x1B, 0x99, 'a'}, []op{{escpos.OpUnknown, 0, ""}, {escpos.OpText, 0, "a"}}, "unknown command ESC 0x99"},
		{"stray control byte", []byte{0x07, 'a'}, []op{{escpos.OpUnknown, 0, ""}, {escpos.OpText, 0, "a"}}, "control byte 0x07"},
		{"ESC at end", []byte{'a', 0x1B}, []op{{escpos.OpText, 0, "a"}, {escpos.OpUnknown, 0, ""}}, "ESC at end of stream"},
		{"truncated size", []byte{0x1D, 0x21}, []op{{escpos.OpUnknown, 0, ""}}, "GS ! truncated"},
		{"truncated QR", []byte{0x1D, 0x28, 0x6B, 9, 0, 49, 80}, []op{{escpos.OpUnknown, 0, ""}}, "GS ( k truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := escpos.Parse(tt.in)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			var got []op
			for _, o := range ops {
				g := op{kind: o.Kind, n: o.N, text: o.Text}
				if o.Kind == escpos.OpUnknown {
					g.n = 0
				}
				got = append(got, g)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("ops = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("op %d = %+v, want %+v (all: %+v)", i, got[i], tt.want[i], got)
				}
			}
			checkCover(t, tt.in, ops)
		})
	}
}

// checkCover checks that the operations' bytes are the input, in order.
func checkCover(t *testing.T, in []byte, ops []escpos.Op) {
	t.Helper()
	var all []byte
	for _, op := range ops {
		if op.Offset != len(all) {
			t.Fatalf("op %v at offset %d, want %d", op.Kind, op.Offset, len(all))
		}
		all = append(all, op.Raw...)
	}
	if !bytes.Equal(all, in) {
		t.Fatalf("ops cover % x, input % x", all, in)
	}
}

func TestParse_style(t *testing.T) {
	p := escpos.NewPrinter(nil).Init().
		Align(escpos.Center).Size(2, 2).Bold(true).Text("大").Bold(false).Size(1, 1).Text("小").LF().
		Align(escpos.Right).Text("R").Align(escpos.Left).Text("still right").LF().
		Text("left now").LF()
	ops, err := escpos.Parse(p.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range ops {
		if op.Kind == escpos.OpText {
			got = append(got, op.Style.String()+"|"+op.Text)
		}
	}
	want := []string{"C 2x2 B|大", "C 1x1  |小", "R 1x1  |R", "R 1x1  |still right", "L 1x1  |left now"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRender(t *testing.T) {
	p := escpos.NewPrinter(nil).Init().Align(escpos.Center).
		Size(2, 2).Bold(true).Line("大厅").Size(1, 1).Bold(false).
		Text("前面还有 ").Bold(true).Text("3").Bold(false).Line(" 人").
		LF().
		QR("https://q.example.cn/t/1", 4, escpos.QRLevelQ).
		Feed(3).Cut(escpos.CutPartial).Text("tail")
	got, err := escpos.Render(append(p.Bytes(), 0x1B, 0x99))
	if err == nil {
		t.Fatal("no error for ESC 0x99")
	}
	want := `init
C 2x2 B | 大厅
C 1x1   | 前面还有 {1x1 B}3{1x1} 人
C 1x1   |
qr model 2, module 4, level Q | https://q.example.cn/t/1
feed 3
cut partial
?? 118: unknown command ESC 0x99, 1b 99
C 1x1   | tail   (not printed: no LF)
`
	if got != want {
		t.Fatalf("Render:\n%s\nwant:\n%s", got, want)
	}
}

func FuzzRender(f *testing.F) {
	var tk bytes.Buffer
	escpos.PrintTicket(&tk, demoTicket(), escpos.Options{Labels: assets.T})
	f.Add(tk.Bytes())
	f.Add([]byte{0x1D, 0x28, 0x6B, 0xFF, 0xFF, 49, 80})
	f.Add([]byte{0x1D, 0x56, 66})
	f.Add([]byte{0x1C, 0x2E, 0x82, 0xC7, 0x1C, 0x26, 0xC7, 0xB0, 0x94, 0x39, 0xFC})
	f.Add([]byte{0x1B, 0x61, 9, 0x1D, 0x21, 0xFF, 0x1B, 0x21, 0xFF, 'x', 0x0A})
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, _ := escpos.Parse(data)
		checkCover(t, data, ops)
		for _, op := range ops {
			if op.Kind == escpos.OpText && (op.Style.Width < 1 || op.Style.Width > 8 || op.Style.Height < 1 || op.Style.Height > 8) {
				t.Fatalf("text in style %+v", op.Style)
			}
		}
		escpos.Render(data)
		escpos.Lines(ops)
	})
}

// FuzzText checks that any string printed with Printer.Line decodes back to
// Sanitize of it: GB18030 round-trips, and no input produces a command.
func FuzzText(f *testing.F) {
	for _, s := range []string{"示范劳动保障服务大厅", "A012", "前面还有 5 人", "€😀", "a\x1bb\n", "\xff", "\uFFFD", "\u0085", "𠀀丂"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := escpos.NewPrinter(nil).Line(s)
		if p.Err() != nil {
			t.Fatal(p.Err())
		}
		ops, err := escpos.Parse(p.Bytes())
		if err != nil {
			t.Fatalf("Parse(% x): %v", p.Bytes(), err)
		}
		want := []string{escpos.Sanitize(s)}
		if got := escpos.Lines(ops); len(got) != 1 || got[0] != want[0] {
			t.Fatalf("Line(%q) decodes to %q, want %q", s, got, want)
		}
	})
}
