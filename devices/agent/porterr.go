package agent

import (
	"errors"
	"io/fs"
	"os/user"
	"runtime"
	"syscall"

	"go.bug.st/serial"
)

// Why a port does not open, as portReason tells it.
const (
	portDenied  = "permission_denied" // the user may not open it
	portBusy    = "busy"              // another program holds it
	portMissing = "no_such_port"      // nothing at that path (unplugged, wrong name)
	portOther   = "failed"            // anything else: the error says
)

// portReason classifies a failed open of a serial port.
func portReason(err error) string {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PermissionDenied:
			return portDenied
		case serial.PortBusy:
			return portBusy
		case serial.PortNotFound:
			return portMissing
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		return portMissing
	case errors.Is(err, fs.ErrPermission):
		return portDenied
	case errors.Is(err, syscall.EBUSY):
		return portBusy
	}
	return portOther
}

// portHint is the catalogue's advice for reason, for the device's port.
func (a *Agent) portHint(reason string, pc *PortConfig) string {
	switch reason {
	case portDenied:
		if runtime.GOOS == "windows" {
			return a.t("agent.port.denied_windows", pc.String())
		}
		name := "qcall"
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
		return a.t("agent.port.denied", pc.String(), name)
	case portBusy:
		return a.t("agent.port.busy", pc.String())
	case portMissing:
		return a.t("agent.port.missing", pc.String())
	}
	return a.t("agent.note.port", pc.String())
}

// portFailed logs why device's port did not open — at warning level, with
// the hint, each time the reason changes; at debug level while it stays the
// same — and returns the note for the device's status: the hint.
func (a *Agent) portFailed(device string, pc *PortConfig, err error) string {
	reason := portReason(err)
	hint := a.portHint(reason, pc)
	a.portMu.Lock()
	changed := a.portWhy[device] != reason
	a.portWhy[device] = reason
	a.portMu.Unlock()
	if changed {
		a.log.Warn("agent: port does not open", "device", device, "port", pc.String(), "reason", reason, "err", err, "hint", hint)
	} else {
		a.log.Debug("agent: port does not open", "device", device, "port", pc.String(), "reason", reason, "err", err)
	}
	return hint
}

// portOpened forgets why device's port did not open, so that the next
// failure is logged again.
func (a *Agent) portOpened(device string) {
	a.portMu.Lock()
	delete(a.portWhy, device)
	a.portMu.Unlock()
}
