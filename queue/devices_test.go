package queue

import (
	"slices"
	"testing"
)

func TestKioskConflicts(t *testing.T) {
	devs := map[string]*DeviceState{
		"p1":    {Kiosks: []string{"kiosk-1"}, ReportedBy: "agent-1"},
		"p2":    {Kiosks: []string{"kiosk-1", "kiosk-2"}, ReportedBy: "agent-2"},
		"p3":    {Kiosks: []string{"kiosk-3"}, ReportedBy: "agent-2"},
		"any":   {Kiosks: []string{"*"}, ReportedBy: "agent-3"},
		"same":  {Kiosks: []string{"*"}, ReportedBy: "agent-1"},       // with p1: one agent's configuration decides
		"twin":  {Kiosks: []string{"kiosk-3"}, ReportedBy: "agent-2"}, // two PCs with one token
		"led-1": {ReportedBy: "agent-2"},
	}
	for dev, want := range map[string][]string{
		"p1":    {"any", "p2"},
		"p2":    {"any", "p1", "same"},
		"p3":    {"any", "same", "twin"},
		"any":   {"p1", "p2", "p3", "same", "twin"},
		"same":  {"any", "p2", "p3", "twin"},
		"led-1": nil,
		"none":  nil,
	} {
		if got := KioskConflicts(devs, dev); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", dev, got, want)
		}
	}
}
