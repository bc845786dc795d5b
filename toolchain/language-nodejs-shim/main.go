// Command pulumi-language-nodejs is the Node.js language host of mptcp-lab's Go-built toolchain.
//
// The module proxy serves the real host only as sdk/v3 v3.68.0, whose RunPlugin answers "not
// supported", so the 3.248 engine cannot start a Node.js policy pack through it. This shim starts
// that host beside itself with the same arguments, forwards every call it implements, and runs
// policy packs itself (runplugin.go).
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// realHostName is the v3.68 host's file name beside this binary; bootstrap.sh sets it with -X.
var realHostName = "pulumi-language-nodejs-v3.68.0"

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	real, port, err := startRealHost(os.Args[1:])
	if err != nil {
		return err
	}
	defer real.stop()

	conn, err := grpc.NewClient("127.0.0.1:"+strconv.Itoa(port),
		grpc.WithTransportCredentials(insecure.NewCredentials()), rpcutil.GrpcChannelOptions())
	if err != nil {
		return fmt.Errorf("connecting to the v3.68 host: %w", err)
	}
	defer conn.Close()

	// The engine interrupts the whole process group when it closes the host; that, or the real
	// host exiting on its own (its engine health check failed), stops this server too.
	cancel := make(chan bool)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-signals:
		case <-real.exited:
		}
		close(cancel)
	}()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &shim{real: pulumirpc.NewLanguageRuntimeClient(conn)})
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	// The engine reads the first line of a language host's stdout as the port to dial.
	fmt.Printf("%d\n", handle.Port)
	return <-handle.Done
}

// realHost is the running v3.68 host; exited is closed once it has exited.
type realHost struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// startRealHost runs the v3.68 host with the engine's arguments and reads the port it prints.
func startRealHost(args []string) (*realHost, int, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(filepath.Join(filepath.Dir(self), realHostName), args...)
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("starting the v3.68 host: %w", err)
	}
	real := &realHost{cmd: cmd, exited: make(chan struct{})}
	reader := bufio.NewReader(stdout)
	line, err := reader.ReadString('\n')
	port, perr := strconv.Atoi(strings.TrimSpace(line))
	// Whatever else it prints is log output, for the engine to show like ours. Wait only once
	// stdout is drained, as exec.Cmd requires.
	go func() {
		_, _ = io.Copy(os.Stdout, reader)
		_ = cmd.Wait()
		close(real.exited)
	}()
	if err != nil || perr != nil {
		real.stop()
		return nil, 0, fmt.Errorf("the v3.68 host printed no port (read %q: %v)", line, err)
	}
	return real, port, nil
}

// stop interrupts the v3.68 host, and kills it if it is still running five seconds later.
func (h *realHost) stop() {
	_ = h.cmd.Process.Signal(os.Interrupt)
	select {
	case <-h.exited:
	case <-time.After(5 * time.Second):
		_ = h.cmd.Process.Kill()
		<-h.exited
	}
}
