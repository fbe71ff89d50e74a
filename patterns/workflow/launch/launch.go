// Package launch starts the worker processes of the work-queue and durable
// engines: as child processes of this very program, so that a SIGKILL is a
// real crash (no deferred function runs, no message is acknowledged, no
// connection is closed politely), or as goroutines of this process where a
// crash is not the point (benchmarks, tests that kill nothing).
//
// A child process is this program started again by kit/childproc with the
// worker's spec, as JSON, in an environment variable the engine names; the
// first thing main (and TestMain) does is the engine's ServeIfAsked. That
// works the same for `go run`, for the built demo and for a test binary, and
// needs no compiler at run time.
package launch

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/patternlab/patternlab/kit/childproc"
)

// Process is a running worker process, or a goroutine standing in for one.
type Process interface {
	Name() string
	// PID is the process ID; 0 for a goroutine.
	PID() int
	// Stop asks the worker to finish and waits for it.
	Stop() error
	// Kill ends the worker at once: SIGKILL for a process, and waits until
	// it is gone.
	Kill() error
	// Done is closed once the worker has ended, however it ended.
	Done() <-chan struct{}
	// Killed reports, once Done is closed, whether the worker died of
	// SIGKILL: the crash a fault injection asked for, seen from outside.
	Killed() bool
}

// Serve is the body of a worker: it serves spec until ctx ends, calling
// ready once it serves.
type Serve[S any] func(ctx context.Context, spec S, ready func()) error

// Launcher starts a worker named name serving spec.
type Launcher[S any] func(ctx context.Context, name string, spec S) (Process, error)

// Children returns a Launcher that starts each worker as a child process of
// this program, the spec in the environment variable marker (which the
// program's main hands to ServeIfAsked), its stderr appended to
// <logDir>/<name>.log.
func Children[S any](marker, logDir string) Launcher[S] {
	return func(ctx context.Context, name string, spec S) (Process, error) {
		p, err := childproc.Start(ctx, marker, spec, childproc.Options{
			Name: "worker " + name,
			Log:  filepath.Join(logDir, name+".log"),
		})
		if err != nil {
			return nil, err
		}
		return &child{Process: p, name: name}, nil
	}
}

// ServeIfAsked turns this process into a worker when the environment
// variable marker holds a spec: it serves it until SIGTERM and exits.
// Otherwise it returns at once.
func ServeIfAsked[S any](marker string, serve Serve[S]) {
	childproc.ServeIfChild(marker, serve)
}

type child struct {
	*childproc.Process
	name string
}

func (c *child) Name() string { return c.name }
func (c *child) Kill() error  { c.Process.Kill(); return nil }
func (c *child) Killed() bool {
	var exit *exec.ExitError
	if !errors.As(c.Err(), &exit) {
		return false
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// Goroutines returns a Launcher that runs each worker in a goroutine of this
// process. Kill and Stop both cancel its context; nothing dies of a signal.
func Goroutines[S any](serve Serve[S]) Launcher[S] {
	return func(ctx context.Context, name string, spec S) (Process, error) {
		ctx, cancel := context.WithCancel(ctx)
		g := &goroutine{name: name, cancel: cancel, done: make(chan struct{})}
		ready := make(chan struct{})
		go func() {
			defer close(g.done)
			g.err = serve(ctx, spec, func() { close(ready) })
		}()
		select {
		case <-ready:
			return g, nil
		case <-g.done:
			return nil, fmt.Errorf("worker %s: %w", name, errors.Join(g.err, errors.New("exited before it was ready")))
		}
	}
}

type goroutine struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (g *goroutine) Name() string          { return g.name }
func (g *goroutine) PID() int              { return 0 }
func (g *goroutine) Stop() error           { g.cancel(); <-g.done; return g.err }
func (g *goroutine) Kill() error           { return g.Stop() }
func (g *goroutine) Done() <-chan struct{} { return g.done }
func (g *goroutine) Killed() bool          { return false }
