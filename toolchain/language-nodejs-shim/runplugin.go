package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

const runPolicyPackModule = "@pulumi/pulumi/cmd/run-policy-pack"

// runPolicyPack runs a Node.js policy pack the way the legacy pulumi-analyzer-policy script did:
// `node <run-policy-pack> <engine address> <pack dir>`, with run-policy-pack resolved from the
// pack's own node_modules. The child prints its port on stdout; the engine reads it from the
// Stdout messages, so both streams go back as they come, then the exit code.
func runPolicyPack(req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	ctx := server.Context()
	out := &streamWriter{server: server}
	packDir := req.GetInfo().GetProgramDirectory()
	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}

	// The SDK of the pack, not of the project being previewed, must run it.
	resolve := exec.CommandContext(ctx, "node", "-e",
		"process.stdout.write(require.resolve(process.argv[1], {paths: [process.argv[2]]}))",
		runPolicyPackModule, packDir)
	resolve.Env = env
	var resolveErr bytes.Buffer
	resolve.Stderr = &resolveErr
	runPath, err := resolve.Output()
	if err != nil {
		// Node's "Cannot find module '@pulumi/pulumi/cmd/run-policy-pack'" on stderr makes the
		// engine tell the user to install the pack's dependencies.
		_ = out.send(&pulumirpc.RunPluginResponse{
			Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: resolveErr.Bytes()},
		})
		return out.exit(err)
	}

	// The runtime option `nodeargs` (PulumiPolicy.yaml) goes to node, as for programs.
	args := strings.Fields(req.GetInfo().GetOptions().GetFields()["nodeargs"].GetStringValue())
	// --pwd: run-policy-pack changes into the pack, so that its tsconfig.json and relative paths
	// apply, while the process starts in the directory the engine asked for.
	args = append(args, string(runPath), "--pwd="+packDir)
	args = append(args, req.GetArgs()...)
	args = append(args, packDir)

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout = out.to(func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	cmd.Stderr = out.to(func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	// The engine stops the plugin by cancelling this call: interrupt node, kill it if it lingers.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting node: %w", err)
	}
	return out.exit(cmd.Wait())
}

// streamWriter sends a child's output as RunPluginResponse messages; exec copies stdout and
// stderr from two goroutines, and a gRPC stream allows one sender at a time.
type streamWriter struct {
	mu     sync.Mutex
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
}

func (w *streamWriter) send(msg *pulumirpc.RunPluginResponse) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.server.Send(msg)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func (w *streamWriter) to(wrap func([]byte) *pulumirpc.RunPluginResponse) writerFunc {
	return func(b []byte) (int, error) {
		if err := w.send(wrap(b)); err != nil {
			return 0, err
		}
		return len(b), nil
	}
}

// exit reports how the child ended: its exit code, or the error if it never ran to an exit.
func (w *streamWriter) exit(err error) error {
	code := 0
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			code = 128 + int(status.Signal()) // shell convention; ExitCode says -1
		}
	default:
		return err
	}
	return w.send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}
