package workflow

import (
	"context"
	"path/filepath"

	"github.com/patternlab/patternlab/kit/childproc"
)

// Worker processes: the demo's workers are separate OS processes, so that a
// SIGKILL is a real crash: no deferred function runs, no message is acked,
// no connection is closed politely. The process is this very program,
// started again by kit/childproc with the worker's spec in the environment
// variable EnvWorker; the first thing main (and TestMain) does is
// ServeWorkerIfAsked. That works the same for `go run`, for the built demo,
// and for a test binary, and needs no compiler at run time.

// EnvWorker carries a WorkerSpec, as JSON, to a worker process.
const EnvWorker = "PATTERNLAB_WORKFLOW_WORKER"

// ServeWorkerIfAsked turns this process into a worker when EnvWorker is set:
// it runs the worker until SIGTERM and exits. Otherwise it returns at once.
func ServeWorkerIfAsked() { childproc.ServeIfChild(EnvWorker, RunWorker) }

// Processes returns a Launcher that starts each worker as a child process
// of this program, its stderr appended to <logDir>/<name>.log.
func Processes(logDir string) Launcher {
	return func(ctx context.Context, spec WorkerSpec) (Worker, error) {
		p, err := childproc.Start(ctx, EnvWorker, spec, childproc.Options{
			Name: "worker " + spec.Name,
			Log:  filepath.Join(logDir, spec.Name+".log"),
		})
		if err != nil {
			return nil, err
		}
		return &Process{Process: p, name: spec.Name}, nil
	}
}

// Process is a worker running as a child process. Stop sends SIGTERM and
// waits (killing it after 10 s); PID is its process ID.
type Process struct {
	*childproc.Process
	name string
}

// Name is the worker's name.
func (p *Process) Name() string { return p.name }

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill() error {
	p.Process.Kill()
	return nil
}
