package workflow

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Worker processes: the demo's workers are separate OS processes, so that a
// SIGKILL is a real crash: no deferred function runs, no message is acked,
// no connection is closed politely. The process is this very program,
// started again by os.Executable with the worker's spec in the environment
// variable EnvWorker; the first thing main (and TestMain) does is
// ServeWorkerIfAsked. That works the same for `go run`, for the built demo,
// and for a test binary, and needs no compiler at run time.

// EnvWorker carries a WorkerSpec, as JSON, to a worker process.
const EnvWorker = "PATTERNLAB_WORKFLOW_WORKER"

// readyLine is what a worker process prints on stdout once it serves.
const readyLine = "worker ready"

// ServeWorkerIfAsked turns this process into a worker when EnvWorker is set:
// it runs the worker until SIGTERM and exits. Otherwise it returns at once.
func ServeWorkerIfAsked() {
	raw := os.Getenv(EnvWorker)
	if raw == "" {
		return
	}
	var spec WorkerSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", EnvWorker, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	err := RunWorker(ctx, spec, func() { fmt.Println(readyLine) })
	if err != nil {
		fmt.Fprintf(os.Stderr, "worker %s: %v\n", spec.Name, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Processes returns a Launcher that starts each worker as a child process
// of this program, its stderr appended to <logDir>/<name>.log.
func Processes(logDir string) Launcher {
	return func(ctx context.Context, spec WorkerSpec) (Worker, error) {
		return startProcess(ctx, spec, logDir)
	}
}

// ReadyTimeout bounds how long a worker process may take to start serving.
const ReadyTimeout = 30 * time.Second

// Process is a worker running as a child process.
type Process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func startProcess(ctx context.Context, spec WorkerSpec, logDir string) (*Process, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("worker %s: find this program: %w", spec.Name, err)
	}
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(logDir, spec.Name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("worker %s: log: %w", spec.Name, err)
	}
	defer logFile.Close() // the child has its own descriptor
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), EnvWorker+"="+string(specJSON))
	if os.Getenv("GORACE") == "" {
		// Under -race a process sleeps 1 s at exit by default; workers stop
		// and restart often enough for that to matter.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.Stdout, cmd.Stderr = stdoutW, logFile
	// A worker must not outlive the program that started it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		stdoutR.Close()
		stdoutW.Close()
		return nil, fmt.Errorf("worker %s: start: %w", spec.Name, err)
	}
	stdoutW.Close()
	p := &Process{name: spec.Name, cmd: cmd, log: logPath, done: make(chan struct{})}
	ready, drained := make(chan struct{}), make(chan struct{})
	go func() { // owns stdout: watch for the ready line, then drain until exit
		defer close(drained)
		defer stdoutR.Close()
		sc := bufio.NewScanner(stdoutR)
		signalled := false
		for sc.Scan() {
			if !signalled && sc.Text() == readyLine {
				close(ready)
				signalled = true
			}
		}
	}()
	go func() { // owns the process: done once it has exited and stdout is read
		p.err = cmd.Wait()
		<-drained
		close(p.done)
	}()

	timer := time.NewTimer(ReadyTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("worker %s exited before it was ready (%v): %s", spec.Name, p.err, tail(logPath))
	case <-timer.C:
		_ = p.Kill()
		return nil, fmt.Errorf("worker %s not ready after %s: %s", spec.Name, ReadyTimeout, tail(logPath))
	case <-ctx.Done():
		_ = p.Kill()
		return nil, ctx.Err()
	}
}

// Name is the worker's name.
func (p *Process) Name() string { return p.name }

// PID is the worker's process ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill() error {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	return nil
}

// Stop sends SIGTERM, waits up to 10 s for a clean exit, then kills.
func (p *Process) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		return errors.Join(p.Kill(), fmt.Errorf("worker %s ignored SIGTERM: %s", p.name, tail(p.log)))
	}
	if p.err != nil {
		return fmt.Errorf("worker %s: %w: %s", p.name, p.err, tail(p.log))
	}
	return nil
}

// tail is the end of a log file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = "..." + s[len(s)-600:]
	}
	if s == "" {
		return "(empty log " + path + ")"
	}
	return s
}
