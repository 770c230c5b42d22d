package queue

// The device-status workflow: the hall's device agents report each device's
// status (a ticket printer out of paper, an LED board offline), for the
// director and for the kiosks a printer prints for. Its command, its event
// (its audience and what a public screen gets of it), its fold and its views
// are here.

import (
	"context"
	"slices"
	"strings"
	"time"
)

// The device event.
const (
	EvDeviceStatus EventType = "device_status" // Device, Status, Note, Kiosks
)

// deviceEvents: who hears the device event, and what a public screen gets of
// it.
var deviceEvents = map[EventType]eventSpec{
	EvDeviceStatus: {public: []string{"device", "status", "note", "kiosks"}, director: true},
}

// DeviceFields are what a device_status event carries besides the common
// fields (its status and note): the device, and the kiosks a ticket printer
// prints for.
type DeviceFields struct {
	Device string   `json:"device,omitempty"`
	Kiosks []string `json:"kiosks,omitempty"`
}

// applyDevice folds a device event.
func (s *State) applyDevice(e *Event, _ *Ticket) {
	s.Devices[e.Device] = &DeviceState{Status: e.Status, Note: e.Note, Kiosks: slices.Clone(e.Kiosks), At: e.At, ReportedBy: e.Actor}
}

// pendingDevices is every device's last status, for the director.
func (s *State) pendingDevices() map[string]DeviceState {
	out := map[string]DeviceState{}
	for name, d := range s.Devices {
		d := *d
		d.Kiosks = slices.Clone(d.Kiosks)
		out[name] = d
	}
	return out
}

// DeviceState is the last status a device reported.
type DeviceState struct {
	Status string    `json:"status"`
	Note   string    `json:"note,omitempty"`
	Kiosks []string  `json:"kiosks,omitempty"` // the kiosks a printer prints for
	At     time.Time `json:"at"`
	// ReportedBy is the device (an agent) that reported the status.
	ReportedBy string `json:"reported_by,omitempty"`
	// SharesKiosks names the printers of other agents that print tickets of
	// one of Kiosks too (see KioskConflicts); not stored, worked out on reading.
	SharesKiosks []string `json:"shares_kiosks,omitempty"`
}

// Device statuses a device can report.
var DeviceStatuses = []string{"ok", "offline", "paper_out", "paper_near_end", "cover_open", "error"}

// Limits of a device status report: the state keeps one entry per device
// name, and every kiosk and director console receives it.
const (
	maxDeviceNote   = 200 // characters of a status note
	maxDeviceKiosks = 16  // kiosks one printer prints for
)

// ReportDevice records a device's status when it changed. kiosks names the
// kiosks a ticket printer prints for, so that they can tell citizens when it
// cannot. Names (the device's, the kiosks') are at most 64 characters, the
// note at most 200, without control or bidirectional characters.
func (e *Engine) ReportDevice(ctx context.Context, actor, device, status, note string, kiosks []string) (DeviceState, error) {
	return call(ctx, e, actor, func(t *tx) (DeviceState, error) {
		device = strings.TrimSpace(device)
		if device == "" {
			return DeviceState{}, Errorf(ErrInvalid.Code, "device is required")
		}
		if why := textError(device, maxNameLen); why != "" {
			return DeviceState{}, Errorf(ErrInvalid.Code, "device name %q %s", clip(device, 40), why)
		}
		if !slices.Contains(DeviceStatuses, status) {
			return DeviceState{}, Errorf(ErrInvalid.Code, "status must be one of %s", strings.Join(DeviceStatuses, ", "))
		}
		note = strings.TrimSpace(note)
		if why := textError(note, maxDeviceNote); why != "" {
			return DeviceState{}, Errorf(ErrInvalid.Code, "note %s", why)
		}
		if len(kiosks) > maxDeviceKiosks {
			return DeviceState{}, Errorf(ErrInvalid.Code, "at most %d kiosks", maxDeviceKiosks)
		}
		var ks []string
		for _, k := range kiosks {
			k = strings.TrimSpace(k)
			if k == "" {
				return DeviceState{}, Errorf(ErrInvalid.Code, "a kiosk name is empty")
			}
			if why := textError(k, maxNameLen); why != "" {
				return DeviceState{}, Errorf(ErrInvalid.Code, "kiosk name %q %s", clip(k, 40), why)
			}
			ks = append(ks, k)
		}
		slices.Sort(ks)
		ks = slices.Compact(ks)
		if d := t.s.Devices[device]; d == nil || d.Status != status || d.Note != note || !slices.Equal(d.Kiosks, ks) {
			t.emit(Event{Type: EvDeviceStatus, DeviceFields: DeviceFields{Device: device, Kiosks: ks}, Status: status, Note: note})
		}
		d := *t.s.Devices[device]
		d.Kiosks = slices.Clone(d.Kiosks)
		d.SharesKiosks = KioskConflicts(t.s.Devices, device)
		return d, nil
	})
}

// KioskConflicts returns, sorted, the other printers that print tickets of a
// kiosk device prints for: both print every such ticket. A kiosk named at two
// printers is a conflict, also when one agent reported both (two agent PCs
// sharing a token); "*" (every kiosk not named at another printer of the same
// agent) meets any kiosk of another agent's printer, and another "*". A
// printer that no longer serves a kiosk keeps its claim until it is reported
// again.
func KioskConflicts(devices map[string]*DeviceState, device string) []string {
	d := devices[device]
	if d == nil || len(d.Kiosks) == 0 {
		return nil
	}
	overlap := func(a, b *DeviceState) bool {
		for _, k := range a.Kiosks {
			for _, l := range b.Kiosks {
				if k == l || ((k == "*" || l == "*") && a.ReportedBy != b.ReportedBy) {
					return true
				}
			}
		}
		return false
	}
	var out []string
	for name, o := range devices {
		if name != device && overlap(d, o) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Devices returns the last status each device reported.
func (e *Engine) Devices(ctx context.Context) (map[string]DeviceState, error) {
	return read(ctx, e, func(t *tx) (map[string]DeviceState, error) {
		out := make(map[string]DeviceState, len(t.s.Devices))
		for name, d := range t.s.Devices {
			c := *d
			c.Kiosks = slices.Clone(d.Kiosks)
			c.SharesKiosks = KioskConflicts(t.s.Devices, name)
			out[name] = c
		}
		return out, nil
	})
}
