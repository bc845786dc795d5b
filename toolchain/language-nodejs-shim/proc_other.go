//go:build !linux

package main

import "os/exec"

// dieWithParent: elsewhere the engine's process-group interrupt is all there is.
func dieWithParent(*exec.Cmd) {}
