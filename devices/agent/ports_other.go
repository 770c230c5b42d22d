//go:build !linux

package agent

// describe: the device file's owner and links are Linux matters.
func (p *PortInfo) describe() {}
