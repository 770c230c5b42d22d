package agent

import (
	"reflect"
	"strings"
	"testing"

	"qcall/devices/escpos"
)

// TestAgentConfig_PrinterModel: a model fills columns, FS & and the
// confirmation; keys beside it win; bad values are refused naming the key.
func TestAgentConfig_PrinterModel(t *testing.T) {
	const head = "server = \"http://127.0.0.1:8080\"\ntoken = \"t\"\n[[printer]]\nname = \"p\"\nport = \"/dev/usb/lp0\"\n"
	cfg, err := ParseConfig(head + "model = \"epson-tm-t88\"\ncut = \"none\"\nenglish = false\nnumber_size = 6\nmaterials = false\nlogo = 2\n")
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Printers[0]
	if p.Columns != 42 || !*p.ChineseMode || p.confirm != escpos.ConfirmResponse || p.Confirm != "gs_paren_h" {
		t.Errorf("epson-tm-t88: columns %d, chinese %v, confirm %s", p.Columns, *p.ChineseMode, p.Confirm)
	}
	want := escpos.Options{Columns: 42, Cut: escpos.CutNone, English: escpos.EnglishOff, NumberSize: 6, NoMaterials: true, Logo: 2, ChineseMode: true}
	if got := p.options(); !reflect.DeepEqual(got, want) {
		t.Errorf("options %+v, want %+v", got, want)
	}
	cfg, err = ParseConfig(head + "model = \"generic-58mm\"\ncolumns = 30\nconfirm = \"status\"\n")
	if err != nil || cfg.Printers[0].Columns != 30 || cfg.Printers[0].confirm != escpos.ConfirmStatus {
		t.Errorf("keys beside the model: %+v, %v", cfg.Printers[0], err)
	}
	cfg, err = ParseConfig(head + "model = \"generic-80mm\"\nstatus = false\n")
	if err != nil || cfg.Printers[0].confirm != escpos.ConfirmStatus {
		t.Errorf("a printer without status confirms in order: %v", err)
	}
	for _, tt := range []struct{ text, want string }{
		{"model = \"tm88\"", "unknown printer model \"tm88\""},
		{"confirm = \"asb\"", "confirm \"asb\""},
		{"cut = \"half\"", "full, partial or none"},
		{"number_size = 9", "number_size 9"},
		{"logo = 300", "logo 300"},
		{"queue = \"XP-80C\"", "queue, port or address"},
		{"confirm_timeout = \"-1s\"", "confirm_timeout must be more than 0"},
	} {
		if _, err := ParseConfig(head + tt.text + "\n"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.text, err, tt.want)
		}
	}
}
