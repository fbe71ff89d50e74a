// Package temporaldev runs a real Temporal dev server (the Temporal CLI's
// `server start-dev`) as a child process for demos and tests, or uses an
// existing server named by TEMPORAL_ADDRESS.
//
// The CLI binary is built once from the Go module proxy and cached outside the
// checkout by `make temporal-cli`, which also exports its path as TEMPORAL_CLI.
package temporaldev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/patternlab/patternlab/kit/logtail"
	"github.com/patternlab/patternlab/kit/poll"
)

// Environment variables.
const (
	// EnvCLI is the path of the cached Temporal CLI binary.
	EnvCLI = "TEMPORAL_CLI"
	// EnvAddress names an existing Temporal frontend (host:port) to use
	// instead of starting a dev server.
	EnvAddress = "TEMPORAL_ADDRESS"
	// EnvNamespace overrides the namespace (default "default").
	EnvNamespace = "TEMPORAL_NAMESPACE"
)

// ReadyTimeout bounds how long Start waits for the frontend to answer. A
// server that dies is noticed at once (its exit ends the wait, with its last
// output); this bound only catches one that hangs alive, so it is generous:
// at a load average of 35 on 2 cores a healthy dev server once needed more
// than 30 s to answer.
const ReadyTimeout = 2 * time.Minute

// ErrNoCLI says the CLI binary is not built yet and how to build it.
var ErrNoCLI = errors.New("no Temporal CLI: run `make temporal-cli` (builds it once, about 5 minutes) or set " + EnvCLI + " or " + EnvAddress)

// Options configures a dev server.
type Options struct {
	// UI turns the Web UI on; its URL is then UIURL().
	UI bool
	// DBFile keeps the server's state (workflow histories) in this SQLite
	// file, so it survives a restart; empty means a temporary file, on tmpfs
	// (/dev/shm) when there is one: the dev server syncs SQLite on every
	// write, which made a 20-saga run 3.7x slower on disk here.
	DBFile string
	// DynamicConfig sets server dynamic configuration values, as JSON values
	// (e.g. "history.transferProcessorMaxPollRPS": "1000"), over the lab's
	// (LabDynamicConfig), key by key.
	DynamicConfig map[string]string
	// StockDynamicConfig starts the server with the CLI's own dynamic
	// configuration (plus DynamicConfig), without LabDynamicConfig: what the
	// lab's settings buy is measured against it.
	StockDynamicConfig bool
	// Log receives the server's output too (its last lines are always kept
	// for the error when it fails to start or dies).
	Log io.Writer
}

// Server is a running dev server process.
type Server struct {
	opts    Options
	bin     string
	port    int
	uiPort  int
	db      string
	tempDir string
	cmd     *exec.Cmd
	done    chan struct{}
	tail    *logtail.Tail // the server's last lines, for errors
	exitErr error         // how the process exited; set before done closes
}

// CLIPath returns the Temporal CLI named by TEMPORAL_CLI, or ErrNoCLI.
func CLIPath() (string, error) {
	p := os.Getenv(EnvCLI)
	if p == "" {
		return "", ErrNoCLI
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s=%s: %w", EnvCLI, p, ErrNoCLI)
	}
	return p, nil
}

// Available reports why FromEnv could not get a Temporal to run against:
// nil when TEMPORAL_ADDRESS names a server or the CLI is built, else an
// error wrapping ErrNoCLI that says how to build it.
func Available() error {
	if os.Getenv(EnvAddress) != "" {
		return nil
	}
	_, err := CLIPath()
	return err
}

// Start starts a dev server on loopback, on free ports, and waits until its
// default namespace answers.
func Start(ctx context.Context, o Options) (*Server, error) {
	bin, err := CLIPath()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, bin: bin, db: o.DBFile}
	if s.db == "" {
		dir, err := os.MkdirTemp(tmpfs(), "patternlab-temporal-*")
		if err != nil {
			return nil, err
		}
		s.tempDir, s.db = dir, filepath.Join(dir, "temporal.db")
	}
	// The ports are picked free, then bound by the server: another process
	// can take one in between (packages test in parallel), and so can the
	// dev server's own internal ports. A server that dies of a taken port is
	// started again on new ports, a few times.
	for attempt := 1; ; attempt++ {
		if s.port, err = freePort(); err != nil {
			return nil, err
		}
		if s.uiPort, err = freePort(); err != nil {
			return nil, err
		}
		err = s.start(ctx)
		if err == nil {
			return s, nil
		}
		if attempt == startAttempts || !s.tail.Contains("address already in use") || ctx.Err() != nil {
			s.cleanup()
			return nil, err
		}
	}
}

// startAttempts bounds the retries of Start on a port taken meanwhile.
const startAttempts = 4

func (s *Server) start(ctx context.Context) error {
	args := []string{"server", "start-dev",
		"--ip", "127.0.0.1",
		"--port", strconv.Itoa(s.port),
		"--db-filename", s.db,
		"--log-level", "error",
	}
	dc := s.opts.dynamicConfig()
	for _, k := range slices.Sorted(maps.Keys(dc)) {
		args = append(args, "--dynamic-config-value", k+"="+dc[k])
	}
	if s.opts.UI {
		args = append(args, "--ui-port", strconv.Itoa(s.uiPort))
	} else {
		args = append(args, "--headless")
	}
	cmd := exec.Command(s.bin, args...)
	s.tail = &logtail.Tail{First: 10} // a panic says why before its stack trace
	var out io.Writer = s.tail
	if s.opts.Log != nil {
		out = io.MultiWriter(s.tail, s.opts.Log)
	}
	cmd.Stdout, cmd.Stderr = out, out
	// The server must not outlive the demo or test that started it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start temporal dev server: %w", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { s.exitErr = cmd.Wait(); close(s.done) }()
	if err := waitReady(ctx, s.Address(), s.done); err != nil {
		select {
		case <-s.done:
			err = fmt.Errorf("%w (%v)", err, s.exitErr)
		default:
		}
		s.Stop()
		if last := s.tail.Indented("    "); last != "" {
			err = fmt.Errorf("%w; the server's last output:\n%s", err, last)
		}
		return err
	}
	return nil
}

// Done is closed when the server process exits; Err then says how, with its
// last output.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err describes how the server exited, with its last lines of output; nil
// while it runs or after a Stop.
func (s *Server) Err() error {
	select {
	case <-s.done:
	default:
		return nil
	}
	if s.cmd == nil {
		return nil
	}
	return fmt.Errorf("temporal dev server at %s exited (%v); its last output:\n%s", s.Address(), s.exitErr, s.tail.Indented("    "))
}

// PID is the server process's ID (0 when it is not running): for
// measuring what it costs, such as its CPU time in /proc.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Address is the frontend's host:port.
func (s *Server) Address() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// UIURL is the Web UI's URL, or "" when the UI is off.
func (s *Server) UIURL() string {
	if !s.opts.UI {
		return ""
	}
	return "http://127.0.0.1:" + strconv.Itoa(s.uiPort)
}

// Stop terminates the server (SIGTERM, then SIGKILL after 10 s) and waits
// for it. The database file stays: Restart finds every workflow again.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Restart stops the server and starts it again on the same ports with the
// same database.
func (s *Server) Restart(ctx context.Context) error {
	s.Stop()
	return s.start(ctx)
}

// Shutdown stops the server and removes a temporary database.
func (s *Server) Shutdown() {
	s.Stop()
	s.cleanup()
}

func (s *Server) cleanup() {
	if s.tempDir != "" {
		_ = os.RemoveAll(s.tempDir)
		s.tempDir = ""
	}
}

// waitReady polls the frontend until the default namespace can be described,
// the process exits, or the deadline passes.
func waitReady(ctx context.Context, addr string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	var last error
	err := poll.Until(ctx, 50*time.Millisecond, func() (bool, error) {
		select {
		case <-exited:
			return false, fmt.Errorf("temporal dev server exited before it was ready (last probe: %v)", last)
		default:
		}
		// a short probe: one that waits for a dead server would outlast
		// the process exit it should notice
		probe, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		nc, err := client.NewNamespaceClient(client.Options{HostPort: addr, Logger: quietLogger{}})
		if err == nil {
			_, err = nc.Describe(probe, "default")
			nc.Close()
		}
		last = err
		return err == nil, nil
	})
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("temporal dev server at %s not ready after %s: %w", addr, ReadyTimeout, last)
	}
	return err
}

// tmpfs returns /dev/shm when it is a writable directory, else "" (the
// default temporary directory).
func tmpfs() string {
	const shm = "/dev/shm"
	if st, err := os.Stat(shm); err == nil && st.IsDir() && syscall.Access(shm, 2) == nil {
		return shm
	}
	return ""
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
