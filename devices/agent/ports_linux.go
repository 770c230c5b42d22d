//go:build linux

package agent

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// linkDirs are where udev makes stable names for serial ports.
var linkDirs = []string{"/dev/serial/by-id", "/dev/serial/by-path"}

// describe fills in what the system says of p's device file: the stable
// links that lead to it, its owner, group and mode, and whether this user
// may open it.
func (p *PortInfo) describe() {
	target, err := filepath.EvalSymlinks(p.Name)
	if err != nil {
		target = p.Name
	}
	for _, dir := range linkDirs {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			link := filepath.Join(dir, e.Name())
			if t, err := filepath.EvalSymlinks(link); err == nil && t == target {
				p.Links = append(p.Links, link)
			}
		}
	}
	fi, err := os.Stat(target)
	if err != nil {
		return
	}
	p.Mode = fi.Mode().Perm().String()
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		p.Owner = strconv.Itoa(int(st.Uid))
		if u, err := user.LookupId(p.Owner); err == nil {
			p.Owner = u.Username
		}
		p.Group = strconv.Itoa(int(st.Gid))
		if g, err := user.LookupGroupId(p.Group); err == nil {
			p.Group = g.Name
		}
	}
	p.Access = unix.Access(target, unix.R_OK|unix.W_OK) == nil
	p.Checked = true
}
