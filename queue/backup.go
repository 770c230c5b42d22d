package queue

// The backup-window workflow (AB岗 后备窗口): a service's B windows serve it
// while its backup is open, opened and closed by its waiting thresholds or
// by the director's hand. Its commands, its events (their audience and what
// a public screen gets of them), their fold and its day roll-over are all
// here.

import (
	"context"
	"slices"
	"time"
)

// The backup events.
const (
	EvBackupOpened EventType = "backup_opened" // Service, Manual, Waiting, EstWaitS
	EvBackupClosed EventType = "backup_closed" // Service, Manual, Waiting, EstWaitS
)

// backupEvents: who hears the backup events (the director, and the terminals
// of the windows that serve the service as B), and what a public screen gets
// of them.
var backupEvents = map[EventType]eventSpec{
	EvBackupOpened: {public: []string{"service", "manual", "waiting", "est_wait_s"}, director: true, more: backupWindows},
	EvBackupClosed: {public: []string{"service", "manual", "waiting", "est_wait_s"}, director: true, more: backupWindows},
}

// BackupFields are what the backup events carry: whether the director
// opened or closed the backup by hand, and the service's queue then.
type BackupFields struct {
	Manual   bool `json:"manual,omitempty"`
	Waiting  int  `json:"waiting,omitempty"`
	EstWaitS int  `json:"est_wait_s,omitempty"`
}

// applyBackup folds a backup event.
func (s *State) applyBackup(e *Event, _ *Ticket) {
	switch e.Type {
	case EvBackupOpened:
		s.Backup[e.Service] = &BackupState{Open: true, Manual: e.Manual, Since: e.At}
	case EvBackupClosed:
		s.Backup[e.Service] = &BackupState{Open: false, Manual: e.Manual, Since: e.At}
	}
}

// backupDayClosed closes every backup when the day closes.
func (s *State) backupDayClosed() {
	for _, b := range s.Backup {
		b.Open, b.Manual = false, false
	}
}

// backupWindows adds the windows that serve the service as B: their terminals
// are alerted when its backup opens or closes.
func backupWindows(s *State, e *Event, a *Audience) {
	if s.Config == nil {
		return
	}
	for _, w := range s.Config.Windows {
		if slices.Contains(w.ServicesB, e.Service) {
			a.Terminals = append(a.Terminals, w.ID)
		}
	}
}

// BackupState says whether a service's B windows serve it now.
type BackupState struct {
	Open   bool      `json:"open"`
	Manual bool      `json:"manual,omitempty"`
	Since  time.Time `json:"since,omitzero"`
}

// SetBackup opens or closes a service's backup windows by hand (director). A
// backup opened by hand stays open until closed by hand.
func (e *Engine) SetBackup(ctx context.Context, actor, service string, open bool) (ServiceView, error) {
	return call(ctx, e, actor, func(t *tx) (ServiceView, error) {
		if t.s.Config.Service(service) == nil {
			return ServiceView{}, Errorf(ErrUnknownService.Code, "no service %q", service)
		}
		b := t.s.Backup[service]
		isOpen := b != nil && b.Open
		if isOpen == open && (b == nil || b.Manual) {
			return t.serviceView(service), nil
		}
		typ := EvBackupClosed
		if open {
			typ = EvBackupOpened
		}
		n := len(t.s.queued[service])
		t.emit(Event{Type: typ, Service: service, BackupFields: BackupFields{Manual: true, Waiting: n, EstWaitS: t.s.EstWait(service, n)}})
		return t.serviceView(service), nil
	})
}

// checkBackup opens or closes a service's backup windows by its thresholds.
func (t *tx) checkBackup(service string) {
	svc := t.s.Config.Service(service)
	if svc == nil {
		return
	}
	th := svc.Backup
	if th.OpenWaiting == 0 && th.OpenWaitS == 0 {
		return
	}
	n := len(t.s.queued[service])
	est := t.s.EstWait(service, n)
	b := t.s.Backup[service]
	switch {
	case b == nil || !b.Open:
		if th.OpenWaiting > 0 && n >= th.OpenWaiting || th.OpenWaitS > 0 && est >= th.OpenWaitS {
			t.emit(Event{Type: EvBackupOpened, Service: service, BackupFields: BackupFields{Waiting: n, EstWaitS: est}})
		}
	case !b.Manual:
		if (th.OpenWaiting == 0 || n <= th.CloseWaiting) && (th.OpenWaitS == 0 || est <= th.CloseWaitS) {
			t.emit(Event{Type: EvBackupClosed, Service: service, BackupFields: BackupFields{Waiting: n, EstWaitS: est}})
		}
	}
}
