package escpos_test

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"qcall/assets"
	"qcall/devices/escpos"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// cst is the hall's zone; times in tests are fixed to the second.
var cst = time.FixedZone("CST", 8*3600)

func demoTicket() escpos.Ticket {
	return escpos.Ticket{
		HallName:      "示范劳动保障服务大厅",
		ServiceName:   "社保卡业务",
		ServiceNameEn: "Social security card",
		Number:        "A012",
		Ahead:         5,
		EstWait:       12*time.Minute + 3*time.Second,
		IssuedAt:      time.Date(2025, 3, 4, 9, 30, 15, 0, cst),
		Materials: []string{
			"居民身份证原件及复印件（正反面复印在同一张 A4 纸上）",
			"一寸近期免冠彩色照片两张",
		},
		URL:    "https://q.example.cn/t/A012?h=demo",
		Footer: "咨询电话 12333",
	}
}

func demoSlip() escpos.Slip {
	return escpos.Slip{
		HallName:    "示范劳动保障服务大厅",
		Code:        "R7K2Q9",
		Number:      "A012",
		ServiceName: "社保卡业务",
		Window:      3,
		WindowName:  "综合窗口",
		Missing:     []string{"户口簿原件", "单位出具的在职证明"},
		ValidUntil:  time.Date(2025, 3, 11, 17, 0, 0, 0, cst),
	}
}

// golden compares got with testdata/name, or rewrites it with -update. The file
// holds the rendering, then a hex dump of the bytes.
func golden(t *testing.T, name string, job []byte) {
	t.Helper()
	view, err := escpos.Render(job)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	got := view + "\n" + hex.Dump(job)
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./devices/escpos -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs; got:\n%s\nrun go test ./devices/escpos -update if the change is intended", path, view)
	}
}

// checkJob checks what every job must satisfy: it parses without unknown bytes,
// starts with ESC @, ends with a cut of the given mode, never leaves Chinese
// mode (no FS .).
func checkJob(t *testing.T, job []byte, cut escpos.Cut) []escpos.Op {
	t.Helper()
	ops, err := escpos.Parse(job)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if ops[0].Kind != escpos.OpInit {
		t.Errorf("job starts with %v, want init", ops[0].Kind)
	}
	last := ops[len(ops)-1]
	if last.Kind != escpos.OpCut || last.N != int(cut) {
		t.Errorf("job ends with %v %d, want cut %d", last.Kind, last.N, cut)
	}
	if bytes.Contains(job, []byte{0x1C, 0x2E}) {
		t.Errorf("job contains FS . (cancel Chinese mode)")
	}
	for _, op := range ops {
		if op.Kind == escpos.OpChinese || op.Kind == escpos.OpUnknown {
			t.Errorf("job has %v %q at %d", op.Kind, op.Name, op.Offset)
		}
	}
	return ops
}

func TestPrintTicket(t *testing.T) {
	tests := []struct {
		name    string
		ticket  func() escpos.Ticket
		opts    escpos.Options
		golden  string
		lines   []string // must be printed, in this order
		absent  []string // must not be printed
		numSize int      // magnification of the number
	}{
		{
			name:   "80mm bilingual",
			ticket: demoTicket,
			opts:   escpos.Options{Labels: assets.T},
			golden: "ticket.golden",
			lines: []string{
				"示范劳动保障服务大厅", "社保卡业务", "Social security card", "A012",
				"前面还有 5 人", "5 ahead of you",
				"预计等候约 13 分钟", "Estimated wait: about 13 min",
				"取号时间：2025-03-04 09:30",
				"请备齐以下材料（一次性告知）：",
				"1. 居民身份证原件及复印件（正反面复印在同一张 A4",
				"   纸上）",
				"2. 一寸近期免冠彩色照片两张",
				"扫码查看排队进度", "咨询电话 12333",
			},
			numSize: 8,
		},
		{
			name:    "58mm chinese only",
			ticket:  demoTicket,
			opts:    escpos.Options{Labels: assets.T, Columns: escpos.Columns58mm, Cut: escpos.CutPartial},
			golden:  "ticket58.golden",
			lines:   []string{"社保卡业务", "A012", "前面还有 5 人", "预计等候约 13 分钟", "扫码查看排队进度"},
			absent:  []string{"Social security card", "5 ahead of you", "Scan to follow the queue"},
			numSize: 8,
		},
		{
			name: "58mm english visitor",
			ticket: func() escpos.Ticket {
				tk := demoTicket()
				tk.Lang = "en-GB"
				return tk
			},
			opts:    escpos.Options{Labels: assets.T, Columns: escpos.Columns58mm},
			lines:   []string{"前面还有 5 人", "5 ahead of you", "Scan to follow the queue"},
			numSize: 8,
		},
		{
			name: "bare ticket",
			ticket: func() escpos.Ticket {
				return escpos.Ticket{Number: "VIP001"}
			},
			opts:    escpos.Options{Labels: assets.T},
			lines:   []string{"VIP001", "前面还有 0 人"},
			absent:  []string{"预计等候约 0 分钟", "取号时间：0001-01-01 00:00", "请备齐以下材料（一次性告知）："},
			numSize: 8,
		},
		{
			name: "no window serving",
			ticket: func() escpos.Ticket {
				return escpos.Ticket{Number: "C001", Ahead: 3, EstWait: 5 * time.Minute, NoWindow: true, Lang: "en"}
			},
			opts:    escpos.Options{Labels: assets.T},
			lines:   []string{"C001", "前面还有 3 人", "暂无窗口办理，请留意叫号", "No window serving now; watch for your call"},
			absent:  []string{"预计等候约 5 分钟"},
			numSize: 8,
		},
		{
			name: "long number on 58mm",
			ticket: func() escpos.Ticket {
				return escpos.Ticket{Number: "VIP0001"}
			},
			opts:    escpos.Options{Labels: assets.T, Columns: escpos.Columns58mm},
			lines:   []string{"VIP0001"},
			numSize: 4, // 32 / 7
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tk := tt.ticket()
			if err := escpos.PrintTicket(&buf, tk, tt.opts); err != nil {
				t.Fatal(err)
			}
			ops := checkJob(t, buf.Bytes(), tt.opts.Cut)
			lines := escpos.Lines(ops)
			i := 0
			for _, want := range tt.lines {
				j := slices.Index(lines[i:], want)
				if j < 0 {
					t.Fatalf("line %q missing (or out of order) in:\n%s", want, strings.Join(lines, "\n"))
				}
				i += j + 1
			}
			for _, no := range tt.absent {
				if slices.Contains(lines, no) {
					t.Errorf("line %q printed", no)
				}
			}
			for _, op := range ops {
				if op.Kind == escpos.OpText && op.Text == tk.Number {
					if op.Style.Width != tt.numSize || op.Style.Height != tt.numSize || !op.Style.Bold {
						t.Errorf("number printed %v, want %dx%d bold", op.Style, tt.numSize, tt.numSize)
					}
				}
			}
			qrs := escpos.QRCodes(ops)
			switch {
			case tk.URL == "" && len(qrs) != 0:
				t.Errorf("QR codes %q without URL", qrs)
			case tk.URL != "" && (len(qrs) != 1 || qrs[0] != tk.URL):
				t.Errorf("QR codes %q, want [%q]", qrs, tk.URL)
			}
			if tt.golden != "" {
				golden(t, tt.golden, buf.Bytes())
			}
		})
	}
}

func TestPrintTicket_errors(t *testing.T) {
	tests := []struct {
		name string
		t    escpos.Ticket
		want string
	}{
		{"no number", escpos.Ticket{HallName: "大厅"}, "escpos: ticket has no number"},
		{"url too long", escpos.Ticket{Number: "A1", URL: strings.Repeat("x", 3000)}, "escpos: QR data is 3000 bytes, more than 2953"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := escpos.PrintTicket(&buf, tt.t, escpos.Options{Labels: assets.T})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
			if buf.Len() > 0 {
				t.Fatalf("wrote %d bytes", buf.Len())
			}
		})
	}
}

func TestPrintSlip(t *testing.T) {
	var buf bytes.Buffer
	s := demoSlip()
	if err := escpos.PrintSlip(&buf, s, escpos.Options{Labels: assets.T, Cut: escpos.CutPartial}); err != nil {
		t.Fatal(err)
	}
	ops := checkJob(t, buf.Bytes(), escpos.CutPartial)
	lines := escpos.Lines(ops)
	for _, want := range []string{
		"示范劳动保障服务大厅", "直通反馈单", "Return slip", "原排队号：A012", "办理业务：社保卡业务",
		"受理窗口：3 号窗口（综合窗口）", "需补充材料：", "1. 户口簿原件", "2. 单位出具的在职证明",
		"有效期至：2025-03-11 17:00", "反馈单号：R7K2Q9",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("line %q missing in:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if qrs := escpos.QRCodes(ops); len(qrs) != 1 || qrs[0] != s.Code {
		t.Errorf("QR codes %q, want [%q]", qrs, s.Code)
	}
	golden(t, "slip.golden", buf.Bytes())

	if err := escpos.PrintSlip(&buf, escpos.Slip{Number: "A1"}, escpos.Options{Labels: assets.T}); err == nil || err.Error() != "escpos: slip has no code" {
		t.Errorf("slip without code: %v", err)
	}
}
