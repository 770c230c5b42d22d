package escpos

import (
	"fmt"
	"slices"
	"strings"
)

// Model is what the agent needs to know of a printer model: the paper width in
// characters of its default font, whether it must be put in Chinese mode, and
// how it confirms that a job has printed.
type Model struct {
	Name        string
	Description string
	// Columns is characters per line of the default font (Font A): on 80 mm
	// paper, 512 dots at 180 dpi (Epson) are 42 characters of 12 dots, 576
	// dots at 203 dpi are 48; on 58 mm, 384 dots at 203 dpi are 32.
	Columns int
	// ChineseMode sends FS & (0x1C 0x26, "Select Kanji character mode") after
	// ESC @: for printers that do not start in Chinese (double-byte) mode.
	ChineseMode bool
	// Confirm is how the model confirms a job (see Confirm).
	Confirm Confirm
}

// Models are the presets, selected by name (the agent's `model` key).
var Models = []Model{
	{Name: "generic-80mm", Description: "203-dpi Chinese printer, 80 mm (Xprinter, GPrinter/佳博, HPRT, Rongta)", Columns: 48, Confirm: ConfirmTransmit},
	{Name: "generic-58mm", Description: "203-dpi Chinese printer, 58 mm", Columns: 32, Confirm: ConfirmTransmit},
	{Name: "epson-tm-t88", Description: "Epson TM-T88 (IV, V, VI; simplified Chinese model), 80 mm, 180 dpi, Font A", Columns: 42, ChineseMode: true, Confirm: ConfirmResponse},
	{Name: "epson-tm-t88-58mm", Description: "Epson TM-T88 with the 58 mm paper guide, 180 dpi, Font A", Columns: 30, ChineseMode: true, Confirm: ConfirmResponse},
	{Name: "basic", Description: "any ESC/POS printer: 80 mm, 48 columns, Chinese mode at power-on, DLE EOT only", Columns: 48, Confirm: ConfirmStatus},
}

// LookupModel returns the preset named name, or an error listing them.
func LookupModel(name string) (Model, error) {
	i := slices.IndexFunc(Models, func(m Model) bool { return m.Name == name })
	if i < 0 {
		names := make([]string, len(Models))
		for j, m := range Models {
			names[j] = m.Name
		}
		return Model{}, fmt.Errorf("escpos: unknown printer model %q (%s)", name, strings.Join(names, ", "))
	}
	return Models[i], nil
}
