//go:build windows

package voice

// defaultCommand plays the WAV on standard input with System.Media.SoundPlayer,
// which waits (PlaySync) until the sound has ended, as a Player needs.
var defaultCommand = []string{"powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
	"$m = New-Object System.IO.MemoryStream; [Console]::OpenStandardInput().CopyTo($m); $m.Position = 0; " +
		"(New-Object System.Media.SoundPlayer $m).PlaySync()"}
