package led

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"qcall/assets"
)

// Display is one LED bar on a serial port. It is not safe for concurrent use: the
// goroutine that owns the port calls Show.
type Display struct {
	w     io.Writer
	frame Frame
}

// NewDisplay returns a Display that writes frames built by f to w, the port the
// caller opened. It fails if f is invalid.
func NewDisplay(w io.Writer, f Frame) (*Display, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &Display{w: w, frame: f}, nil
}

// Show sends the frame for text in one Write. It returns Build's error, or the
// write error prefixed "led: ".
func (d *Display) Show(text string) error {
	b, err := d.frame.Build(text)
	if err != nil {
		return err
	}
	if _, err := d.w.Write(b); err != nil {
		return fmt.Errorf("led: write: %w", err)
	}
	return nil
}

// String names the device for logs: "led{/dev/ttyUSB1 addr 0x01}" (the port's
// name when the writer has one, an *os.File; the address when the frame has one).
func (d *Display) String() string {
	var parts []string
	if n, ok := d.w.(interface{ Name() string }); ok {
		parts = append(parts, n.Name())
	}
	if d.frame.HasAddress {
		parts = append(parts, fmt.Sprintf("addr %#02x", d.frame.Address))
	}
	return "led{" + strings.Join(parts, " ") + "}"
}

// Call is what a window bar shows when a number is called.
type Call struct {
	Number     string // A012
	Window     int    // 3
	WindowName string // 综合窗口
	Service    string // 社保卡业务
}

// DefaultTemplate returns the catalogue's layout for lang (key printer.led.call):
// "{number} 请到{window}号窗口" in zh-CN.
func DefaultTemplate(lang string) string {
	return assets.T(lang, "printer.led.call")
}

// Format fills template with c: {number}, {window}, {window_name} and {service}
// are replaced, anything else is kept as it is. An empty template gives
// DefaultTemplate("zh-CN"). Bars with room for only a few characters use
// "{number}".
func Format(template string, c Call) string {
	if template == "" {
		template = DefaultTemplate("zh-CN")
	}
	return strings.NewReplacer(
		"{number}", c.Number,
		"{window}", strconv.Itoa(c.Window),
		"{window_name}", c.WindowName,
		"{service}", c.Service,
	).Replace(template)
}
