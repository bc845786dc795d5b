package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill a child if this shim dies first, e.g. when the engine has to
// SIGKILL it, so that no v3.68 host or policy pack outlives it.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
