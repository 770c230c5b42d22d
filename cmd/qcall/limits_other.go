//go:build !unix

package main

// openFilesLimit is 0 (unknown): Windows has no such limit on sockets.
func openFilesLimit() int { return 0 }
