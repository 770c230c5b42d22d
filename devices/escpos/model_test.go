package escpos_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"qcall/assets"
	"qcall/devices/escpos"
)

// modelOptions are the options the agent derives from a preset.
func modelOptions(t *testing.T, name string) escpos.Options {
	t.Helper()
	m, err := escpos.LookupModel(name)
	if err != nil {
		t.Fatal(err)
	}
	return escpos.Options{Labels: assets.T, Columns: m.Columns, ChineseMode: m.ChineseMode}
}

// TestPrintTicket_models prints the demo ticket for every preset: each has its
// golden file, no line wider than the model's columns, and FS & right after
// ESC @ exactly when the model needs it.
func TestPrintTicket_models(t *testing.T) {
	for _, m := range escpos.Models {
		t.Run(m.Name, func(t *testing.T) {
			opts := modelOptions(t, m.Name)
			var buf bytes.Buffer
			if err := escpos.PrintTicket(&buf, demoTicket(), opts); err != nil {
				t.Fatal(err)
			}
			ops, err := escpos.Parse(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			chinese := slices.IndexFunc(ops, func(op escpos.Op) bool { return op.Kind == escpos.OpChinese })
			switch {
			case m.ChineseMode && (chinese != 1 || ops[1].N != 1):
				t.Errorf("FS & at op %d, want right after ESC @", chinese)
			case !m.ChineseMode && chinese >= 0:
				t.Errorf("FS & sent to a model that starts in Chinese mode")
			}
			checkWidths(t, ops, m.Columns)
			en := slices.Contains(escpos.Lines(ops), "5 ahead of you")
			if en != (m.Columns >= 42) {
				t.Errorf("English lines %v on %d columns", en, m.Columns)
			}
			golden(t, "model-"+m.Name+".golden", buf.Bytes())
		})
	}
	if _, err := escpos.LookupModel("tm-t88"); err == nil || !strings.Contains(err.Error(), "epson-tm-t88") {
		t.Errorf("unknown model: %v, want the list of presets", err)
	}
}

// checkWidths fails when a printed line is wider than cols at its size.
func checkWidths(t *testing.T, ops []escpos.Op, cols int) {
	t.Helper()
	w := 0
	for _, op := range ops {
		switch op.Kind {
		case escpos.OpText:
			w += escpos.Width(op.Text) * op.Style.Width
			if w > cols {
				t.Errorf("line with %q is %d columns wide, more than %d", op.Text, w, cols)
			}
		case escpos.OpLF, escpos.OpQR, escpos.OpFeed, escpos.OpCut, escpos.OpInit:
			w = 0
		}
	}
}

// TestPrintTicket_options: English lines on and off, no cut, the number's
// size, the materials left out, the NV logo.
func TestPrintTicket_options(t *testing.T) {
	print := func(opts escpos.Options) ([]escpos.Op, []byte) {
		t.Helper()
		var buf bytes.Buffer
		if err := escpos.PrintTicket(&buf, demoTicket(), opts); err != nil {
			t.Fatal(err)
		}
		ops, err := escpos.Parse(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		return ops, buf.Bytes()
	}
	has := func(ops []escpos.Op, line string) bool { return slices.Contains(escpos.Lines(ops), line) }

	if ops, _ := print(escpos.Options{Labels: assets.T, English: escpos.EnglishOff}); has(ops, "5 ahead of you") || has(ops, "Social security card") {
		t.Error("english = false on 80 mm still prints English lines")
	}
	if ops, _ := print(escpos.Options{Labels: assets.T, Columns: 32, English: escpos.EnglishOn}); !has(ops, "5 ahead of you") {
		t.Error("english = true on 58 mm prints no English line")
	}
	if ops, job := print(escpos.Options{Labels: assets.T, Cut: escpos.CutNone}); slices.ContainsFunc(ops, func(op escpos.Op) bool { return op.Kind == escpos.OpCut }) ||
		ops[len(ops)-1].Kind != escpos.OpFeed {
		t.Errorf("cut none: job ends % x", job[len(job)-4:])
	}
	ops, _ := print(escpos.Options{Labels: assets.T, NumberSize: 3})
	for _, op := range ops {
		if op.Kind == escpos.OpText && op.Text == "A012" && (op.Style.Width != 3 || op.Style.Height != 3) {
			t.Errorf("number_size 3: printed %v", op.Style)
		}
	}
	if ops, _ := print(escpos.Options{Labels: assets.T, NoMaterials: true}); has(ops, "请备齐以下材料（一次性告知）：") || has(ops, "2. 一寸近期免冠彩色照片两张") {
		t.Error("materials printed with NoMaterials")
	}
	ops, _ = print(escpos.Options{Labels: assets.T, Logo: 7})
	if i := slices.IndexFunc(ops, func(op escpos.Op) bool { return op.Name == "FS p 7" }); i < 0 || i > 3 {
		t.Errorf("logo at op %d, want at the top", i)
	}
}

// TestPrintTicket_balancedHeading: a hall name one character too long for a
// 58 mm line is split evenly, not with 厅 alone on the second line.
func TestPrintTicket_balancedHeading(t *testing.T) {
	tk := demoTicket()
	tk.HallName = "西安市雁塔区人力资源和社会保障服务大厅" // 19 characters, 38 columns
	var buf bytes.Buffer
	if err := escpos.PrintTicket(&buf, tk, escpos.Options{Labels: assets.T, Columns: escpos.Columns58mm}); err != nil {
		t.Fatal(err)
	}
	ops, _ := escpos.Parse(buf.Bytes())
	lines := escpos.Lines(ops)
	if lines[0] != "西安市雁塔区人力资源" || lines[1] != "和社会保障服务大厅" {
		t.Errorf("hall name printed as %q / %q", lines[0], lines[1])
	}
	for _, tt := range []struct {
		s    string
		cols int
		want []string
	}{
		{"示范劳动保障服务大厅", 18, []string{"示范劳动保", "障服务大厅"}},
		{"示范劳动保障服务大厅", 20, []string{"示范劳动保障服务大厅"}},
		{"Human Resources and Social Security Hall", 32, []string{"Human Resources and", "Social Security Hall"}},
		{"一二三四五六七八九十一二三四五六七", 32, []string{"一二三四五六七八九", "十一二三四五六七"}},
	} {
		if got := escpos.Balance(tt.s, tt.cols); !slices.Equal(got, tt.want) {
			t.Errorf("Balance(%q, %d) = %q, want %q", tt.s, tt.cols, got, tt.want)
		}
	}
}

// TestPrintSlip_windowName: a window whose name only repeats its number is
// printed once ("2 号窗口"), not "2 号窗口（2号窗口）".
func TestPrintSlip_windowName(t *testing.T) {
	for name, want := range map[string]string{
		"2号窗口":     "受理窗口：2 号窗口",
		"2 号窗口":    "受理窗口：2 号窗口",
		"Window 2": "受理窗口：2 号窗口",
		"综合窗口":     "受理窗口：2 号窗口（综合窗口）",
		"12号窗口":    "受理窗口：2 号窗口（12号窗口）",
	} {
		var buf bytes.Buffer
		if err := escpos.PrintSlip(&buf, escpos.Slip{Code: "R1", Window: 2, WindowName: name}, escpos.Options{Labels: assets.T}); err != nil {
			t.Fatal(err)
		}
		ops, _ := escpos.Parse(buf.Bytes())
		if lines := escpos.Lines(ops); !slices.Contains(lines, want) {
			t.Errorf("window name %q: lines %q, want %q", name, lines, want)
		}
	}
}

// TestConfirmRequest: the bytes of each confirmation request, as the parser
// reads them, and the answers AwaitConfirm takes.
func TestConfirmRequest(t *testing.T) {
	if got := escpos.ConfirmRequest(escpos.ConfirmTransmit, 0); !bytes.Equal(got, []byte{0x1D, 0x72, 0x01}) {
		t.Errorf("GS r 1 = % x", got)
	}
	got := escpos.ConfirmRequest(escpos.ConfirmResponse, 42)
	if !bytes.Equal(got, []byte{0x1D, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30, '0', '0', '4', '2'}) {
		t.Errorf("GS ( H = % x", got)
	}
	if ops, err := escpos.Parse(got); err != nil || len(ops) != 1 || ops[0].Name != "GS ( H" {
		t.Errorf("GS ( H parses as %+v, %v", ops, err)
	}
	if a := escpos.ResponseAnswer(42); !bytes.Equal(a, []byte{0x37, 0x22, '0', '0', '4', '2', 0}) {
		t.Errorf("answer % x", a)
	}
	if escpos.ConfirmRequest(escpos.ConfirmStatus, 1) != nil {
		t.Error("DLE EOT confirmation appends bytes")
	}
	for _, c := range []escpos.Confirm{escpos.ConfirmStatus, escpos.ConfirmTransmit, escpos.ConfirmResponse} {
		if back, err := escpos.ParseConfirm(c.String()); err != nil || back != c {
			t.Errorf("ParseConfirm(%s) = %v, %v", c, back, err)
		}
	}
}

// TestPrint_labels: the driver prints the labels its caller words, in each
// language it asks for, and holds no text of its own: without Labels, each
// label is printed as its catalogue key.
func TestPrint_labels(t *testing.T) {
	var asked []string
	labels := func(lang, key string, args ...any) string {
		asked = append(asked, lang+" "+key)
		return "<" + lang + " " + key + fmt.Sprint(args...) + ">"
	}
	lines := func(job []byte) []string {
		t.Helper()
		ops, err := escpos.Parse(job)
		if err != nil {
			t.Fatal(err)
		}
		return escpos.Lines(ops)
	}
	var tk, slip bytes.Buffer
	if err := escpos.PrintTicket(&tk, demoTicket(), escpos.Options{Labels: labels, English: escpos.EnglishOn}); err != nil {
		t.Fatal(err)
	}
	got := lines(tk.Bytes())
	for _, want := range []string{"<zh-CN printer.ahead5>", "<en printer.ahead5>", "<zh-CN printer.scan>", "<en printer.scan>"} {
		if !slices.Contains(got, want) {
			t.Errorf("ticket lacks %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	if err := escpos.PrintSlip(&slip, escpos.Slip{Code: "R1", ServiceName: "社保卡业务"}, escpos.Options{Labels: labels, English: escpos.EnglishOn}); err != nil {
		t.Fatal(err)
	}
	got = lines(slip.Bytes())
	for _, want := range []string{"<zh-CN printer.slip.title>", "<en printer.slip.title>", "<zh-CN printer.service社保卡业务>", "<zh-CN printer.slip.codeR1>"} {
		if !slices.Contains(got, want) {
			t.Errorf("slip lacks %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	for _, a := range asked {
		if !strings.HasPrefix(a, "zh-CN printer.") && !strings.HasPrefix(a, "en printer.") {
			t.Errorf("the driver asked for %q", a)
		}
	}
	// Without Labels: the keys, plainly.
	tk.Reset()
	if err := escpos.PrintTicket(&tk, escpos.Ticket{Number: "A001"}, escpos.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := lines(tk.Bytes()); !slices.Contains(got, "printer.ahead") || slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "前面") }) {
		t.Errorf("without Labels the ticket prints:\n%s", strings.Join(got, "\n"))
	}
}
