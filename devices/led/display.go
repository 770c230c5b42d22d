package led

import (
	"fmt"
	"io"
	"strconv"
	"strings"
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
func (d *Display) Show(text string) error { return d.ShowMode(text, ModeShow) }

// ShowMode sends the frame for text in mode m (a recall blinks) in one Write,
// as Show.
func (d *Display) ShowMode(text string, m Mode) error {
	b, err := d.frame.BuildMode(text, m)
	if err != nil {
		return err
	}
	if _, err := d.w.Write(b); err != nil {
		return fmt.Errorf("led: write: %w", err)
	}
	return nil
}

// String names the device for logs: "led{/dev/ttyUSB1 addr 0x01}" or "led{/dev/ttyUSB1 addr 001}" (the port's
// name when the writer has one, an *os.File; the address when the frame has one).
func (d *Display) String() string {
	var parts []string
	if n, ok := d.w.(interface{ Name() string }); ok {
		parts = append(parts, n.Name())
	}
	if d.frame.HasAddress {
		parts = append(parts, "addr "+d.frame.AddressString())
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

// Format fills template with c: {number}, {window}, {window_name} and {service}
// are replaced, anything else is kept as it is. An empty template gives
// "{number}" (the caller brings the hall's wording, from its catalogue: the
// agent's default is printer.led.call, "{number} 请到{window}号窗口"). Bars
// with room for only a few characters use "{number}".
func Format(template string, c Call) string {
	if template == "" {
		template = "{number}"
	}
	return strings.NewReplacer(
		"{number}", c.Number,
		"{window}", strconv.Itoa(c.Window),
		"{window_name}", c.WindowName,
		"{service}", c.Service,
	).Replace(template)
}

// AddressString is the bar's address as logs and the technician's test show
// it: 0x01 for a binary address, 001 as the ASCII digits sent; "" without one.
func (f Frame) AddressString() string {
	if !f.HasAddress {
		return ""
	}
	if f.addressFormat() == "binary" {
		return fmt.Sprintf("%#02x", f.Address)
	}
	return string(f.addressBytes(f.Address))
}
