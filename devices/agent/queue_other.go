//go:build !windows

package agent

func newSystemSpooler() spooler { return nil }
