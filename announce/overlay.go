package announce

import (
	"errors"
	"io/fs"
)

// Overlay returns the clips of top where it has them and those of base
// otherwise, so that a hall replaces any clip with its own recording by putting
// a file of the same name (e.g. zh-CN/please.wav) in a folder of its own.
func Overlay(top, base fs.FS) fs.FS { return overlay{top, base} }

type overlay struct{ top, base fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err == nil {
		return f, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return o.base.Open(name)
	}
	return nil, err
}
