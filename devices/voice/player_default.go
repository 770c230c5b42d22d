//go:build !windows

package voice

// defaultCommand plays on the default ALSA device.
var defaultCommand = []string{"aplay", "-q", "-"}
