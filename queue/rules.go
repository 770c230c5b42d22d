package queue

import (
	"context"
	"slices"
	"strings"
	"time"
)

// afterCutoff reports whether the hall has stopped issuing for the day (延时服务).
func (t *tx) afterCutoff() bool {
	cut, _ := clockMinutes(t.s.Config.Hall.IssueCutoff)
	return t.clock() >= cut
}

// atWindow checks that the actor is signed in at window id and returns its state.
func (t *tx) atWindow(id int) (*WindowState, error) {
	if t.s.Config.Window(id) == nil {
		return nil, Errorf(ErrUnknownWindow.Code, "no window %d", id)
	}
	w := t.s.peek(id)
	if w.Staff == "" || w.Staff != t.actor {
		return nil, ErrNotSignedIn
	}
	return w, nil
}

// current returns the ticket in hand at the actor's window, in one of states.
func (t *tx) current(id int, states ...TicketState) (*WindowState, *Ticket, error) {
	w, err := t.atWindow(id)
	if err != nil {
		return nil, nil, err
	}
	tk := t.s.Tickets[w.Current]
	if tk == nil {
		return nil, nil, ErrNoCurrentTicket
	}
	if !slices.Contains(states, tk.State) {
		return nil, nil, Errorf(ErrWrongState.Code, "ticket %s is %s", tk.Number, tk.State)
	}
	return w, tk, nil
}

// SignIn puts the actor at the window. A B-post holder takes over from an A-post
// holder who is away; signing in elsewhere first signs out of the old window.
func (e *Engine) SignIn(ctx context.Context, actor string, window int) (WindowView, error) {
	return call(ctx, e, actor, func(t *tx) (WindowView, error) {
		if t.s.Config.Window(window) == nil {
			return WindowView{}, Errorf(ErrUnknownWindow.Code, "no window %d", window)
		}
		st := t.s.Config.StaffByJobNo(actor)
		if st == nil {
			return WindowView{}, ErrUnknownStaff
		}
		w := t.s.peek(window)
		if w.Staff == actor {
			return t.s.WindowView(window), nil
		}
		takeover := false
		if w.Staff != "" {
			away := t.s.Where[w.Staff] != nil && t.s.Where[w.Staff].Status != OnDuty
			if !away || !slices.Contains(st.PostsB, window) {
				return WindowView{}, ErrWindowTaken
			}
			if w.Current != "" {
				return WindowView{}, ErrWindowBusy
			}
			takeover = true
		}
		var old *WindowState
		for _, id := range sortedKeys(t.s.Windows) {
			if o := t.s.Windows[id]; o.Staff == actor {
				if o.Current != "" {
					return WindowView{}, Errorf(ErrWindowBusy.Code, "finish the ticket in hand at window %d first", id)
				}
				old = o
			}
		}
		if old != nil {
			t.emit(Event{Type: EvSignedOut, Window: old.ID, Staff: actor})
		}
		if takeover {
			t.emit(Event{Type: EvSignedOut, Window: window, Staff: w.Staff, Note: "taken over by B-post " + actor})
		}
		t.emit(Event{Type: EvSignedIn, Window: window, Staff: actor})
		if !w.UncoveredSince.IsZero() {
			t.emit(Event{Type: EvPostCovered, Window: window, Staff: actor, UncoveredS: int(t.now.Sub(w.UncoveredSince) / time.Second)})
		}
		return t.s.WindowView(window), nil
	})
}

// SignOut takes the actor off the window. After the issuing cut-off it is
// refused while tickets the window can serve are waiting, unless the director
// has allowed it (延时服务).
func (e *Engine) SignOut(ctx context.Context, actor string, window int) (WindowView, error) {
	return call(ctx, e, actor, func(t *tx) (WindowView, error) {
		w, err := t.atWindow(window)
		if err != nil {
			return WindowView{}, err
		}
		if w.Current != "" {
			return WindowView{}, ErrWindowBusy
		}
		if t.afterCutoff() && !w.AllowSignout {
			if n := t.s.servable(window); n > 0 {
				return WindowView{}, Errorf(ErrTicketsWaiting.Code, "%d tickets this window can serve are waiting", n)
			}
		}
		t.emit(Event{Type: EvSignedOut, Window: window, Staff: actor})
		return t.s.WindowView(window), nil
	})
}

// AllowSignout lets the window's staff sign out although tickets wait (director).
func (e *Engine) AllowSignout(ctx context.Context, actor string, window int) (WindowView, error) {
	return call(ctx, e, actor, func(t *tx) (WindowView, error) {
		if t.s.Config.Window(window) == nil {
			return WindowView{}, Errorf(ErrUnknownWindow.Code, "no window %d", window)
		}
		t.emit(Event{Type: EvSignoutAllowed, Window: window})
		return t.s.WindowView(window), nil
	})
}

// OpenTemporary makes a window serve services as A for now (临时窗口); no services
// closes it again.
func (e *Engine) OpenTemporary(ctx context.Context, actor string, window int, services []string) (WindowView, error) {
	return call(ctx, e, actor, func(t *tx) (WindowView, error) {
		if t.s.Config.Window(window) == nil {
			return WindowView{}, Errorf(ErrUnknownWindow.Code, "no window %d", window)
		}
		for _, s := range services {
			if t.s.Config.Service(s) == nil {
				return WindowView{}, Errorf(ErrUnknownService.Code, "no service %q", s)
			}
		}
		if len(services) == 0 {
			t.emit(Event{Type: EvTempClosed, Window: window})
		} else {
			t.emit(Event{Type: EvTempOpened, Window: window, Services: slices.Compact(slices.Sorted(slices.Values(services)))})
		}
		return t.s.WindowView(window), nil
	})
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
			t.emit(Event{Type: EvDeviceStatus, Device: device, Status: status, Note: note, Kiosks: ks})
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

// ChangeConfig replaces the hall configuration (admin).
func (e *Engine) ChangeConfig(ctx context.Context, actor string, cfg *Config) error {
	_, err := call(ctx, e, actor, func(t *tx) (struct{}, error) {
		c := cfg.clone()
		if err := c.Validate(); err != nil {
			return struct{}{}, Errorf(ErrInvalid.Code, "%v", err)
		}
		if c.Hall.TimeZone != t.s.Config.Hall.TimeZone {
			return struct{}{}, Errorf(ErrInvalid.Code, "the time zone cannot change while the hall runs")
		}
		t.emit(Event{Type: EvConfigChanged, Config: c})
		return struct{}{}, nil
	})
	return err
}
