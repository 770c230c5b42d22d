package report

import (
	"qcall/queue"
	"time"
)

// names are the services, staff and windows the rollups have seen, by the
// small indexes the cells keep, with the newest configuration's names. A
// service or staff member that leaves the configuration keeps its index and
// its last name, so that past figures still read.
type names struct {
	services   []serviceName
	serviceIdx map[string]int16
	staff      []staffName
	staffIdx   map[string]int32
	windows    map[int32]windowName
	reasons    []string // the ratings' reasons by index; 0 is none
	reasonIdx  map[string]uint16
	weights    queue.Evaluation
}

type serviceName struct {
	code, name, nameEn string
	waitLimit          int32 // seconds
}

type staffName struct {
	jobNo, name, nameEn string
	role                queue.Role
	inConfig            bool
}

type windowName struct {
	name, nameEn string
	inConfig     bool
}

func newNames() names {
	return names{serviceIdx: map[string]int16{}, staffIdx: map[string]int32{}, windows: map[int32]windowName{},
		reasons: []string{""}, reasonIdx: map[string]uint16{"": 0}, weights: queue.DefaultEvaluation}
}

// learn takes the names and limits of a configuration.
func (n *names) learn(c *queue.Config) {
	if c == nil {
		return
	}
	n.weights = c.Weights()
	for _, s := range c.Services {
		i := n.service(s.Code)
		n.services[i] = serviceName{code: s.Code, name: s.Name, nameEn: s.NameEn, waitLimit: int32(s.CommittedWait() / time.Second)}
	}
	for i := range n.staff {
		n.staff[i].inConfig = false
	}
	for _, s := range c.Staff {
		i := n.staffIndex(s.JobNo)
		n.staff[i] = staffName{jobNo: s.JobNo, name: s.Name, nameEn: s.NameEn, role: s.Role, inConfig: true}
	}
	for id, w := range n.windows {
		w.inConfig = false
		n.windows[id] = w
	}
	for _, w := range c.Windows {
		n.windows[int32(w.ID)] = windowName{name: w.Name, nameEn: w.NameEn, inConfig: true}
	}
}

// service returns the index of a service code, adding it when new; "" is
// noService.
func (n *names) service(code string) int16 {
	if code == "" {
		return noService
	}
	if i, ok := n.serviceIdx[code]; ok {
		return i
	}
	i := int16(len(n.services))
	n.services = append(n.services, serviceName{code: code, name: code, waitLimit: 1<<31 - 1})
	n.serviceIdx[code] = i
	return i
}

// staffIndex returns the index of a job number, adding it when new; "" is
// noStaff.
func (n *names) staffIndex(jobNo string) int32 {
	if jobNo == "" {
		return noStaff
	}
	if i, ok := n.staffIdx[jobNo]; ok {
		return i
	}
	i := int32(len(n.staff))
	n.staff = append(n.staff, staffName{jobNo: jobNo, name: jobNo})
	n.staffIdx[jobNo] = i
	return i
}

func (n *names) waitLimit(svc int16) int32 {
	if svc < 0 || int(svc) >= len(n.services) {
		return 1<<31 - 1
	}
	return n.services[svc].waitLimit
}

// reason returns the index of a rating's reason, adding it when new; ""
// is 0. Past the 65,535th (reasons are a short list) they all share the last.
func (n *names) reason(s string) uint16 {
	if i, ok := n.reasonIdx[s]; ok {
		return i
	}
	if len(n.reasons) > 1<<16-1 {
		return uint16(len(n.reasons) - 1)
	}
	i := uint16(len(n.reasons))
	n.reasons = append(n.reasons, s)
	n.reasonIdx[s] = i
	return i
}
