package saga

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// The worker process gets its configuration from the environment; the
// marker variable turns a re-executed demo (or test) binary into a worker.
const (
	envWorker    = "SAGA_WORKER"
	envTemporal  = "SAGA_TEMPORAL_ADDRESS"
	envNamespace = "SAGA_TEMPORAL_NAMESPACE"
	envNATS      = "SAGA_NATS_URL"
	envPrefix    = "SAGA_PREFIX"
	envQueue     = "SAGA_TASK_QUEUE"
	readyLine    = "saga worker ready"
)

// WorkerConfig says where a worker process finds Temporal and the services.
type WorkerConfig struct {
	TemporalAddress string
	Namespace       string
	NATSURL         string
	Prefix          string
	TaskQueue       string
}

// ServeWorkerIfChild turns this process into a saga worker when it was
// started by StartWorkerProcess, and then exits; otherwise it returns at
// once. Call it first in main (and in TestMain): the demo re-executes its
// own binary to get a worker it can SIGKILL without dying itself.
func ServeWorkerIfChild() {
	if os.Getenv(envWorker) != "1" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := serveWorker(ctx, WorkerConfig{
		TemporalAddress: os.Getenv(envTemporal),
		Namespace:       os.Getenv(envNamespace),
		NATSURL:         os.Getenv(envNATS),
		Prefix:          os.Getenv(envPrefix),
		TaskQueue:       os.Getenv(envQueue),
	}, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "saga worker:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveWorker runs a worker until ctx ends, announcing readiness on ready.
func serveWorker(ctx context.Context, cfg WorkerConfig, ready io.Writer) error {
	nc, err := natsembed.Connect(cfg.NATSURL, "saga-worker")
	if err != nil {
		return err
	}
	defer nc.Close()
	target := &temporaldev.Target{Address: cfg.TemporalAddress, Namespace: cfg.Namespace}
	c, err := target.Dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	w := NewWorker(c, cfg.TaskQueue, &Activities{NC: nc, Prefix: cfg.Prefix})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	defer w.Stop()
	fmt.Fprintln(ready, readyLine)
	<-ctx.Done()
	return nil
}

// WorkerProcess is a worker running in a child OS process: the demo's own
// binary, re-executed with the worker marker in its environment. It dies
// with its parent.
type WorkerProcess struct {
	cmd    *exec.Cmd
	done   chan struct{}
	stderr *lockedBuffer
}

// StartWorkerProcess starts a worker process and waits until its worker
// polls the task queue.
func StartWorkerProcess(ctx context.Context, cfg WorkerConfig) (*WorkerProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own binary to start a worker: %w", err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(),
		envWorker+"=1",
		envTemporal+"="+cfg.TemporalAddress,
		envNamespace+"="+cfg.Namespace,
		envNATS+"="+cfg.NATSURL,
		envPrefix+"="+cfg.Prefix,
		envQueue+"="+cfg.TaskQueue,
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &WorkerProcess{cmd: cmd, done: make(chan struct{}), stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker process: %w", err)
	}
	ready := make(chan bool, 1)
	go func() {
		// Owns the child: reads its stdout until it closes, then reaps it.
		sc := bufio.NewScanner(stdout)
		said := false
		for sc.Scan() {
			if !said && sc.Text() == readyLine {
				said = true
				ready <- true
			}
		}
		if !said {
			ready <- false
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	select {
	case ok := <-ready:
		if ok {
			return p, nil
		}
		<-p.done
		return nil, fmt.Errorf("worker process exited before it was ready: %s", strings.TrimSpace(p.stderr.String()))
	case <-ctx.Done():
		p.Kill()
		return nil, fmt.Errorf("worker process not ready: %w", ctx.Err())
	}
}

// Pid is the worker's process ID.
func (p *WorkerProcess) Pid() int { return p.cmd.Process.Pid }

// Kill sends SIGKILL, the signal nothing can catch or clean up after, and
// waits until the process is gone.
func (p *WorkerProcess) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop asks the worker to finish (SIGTERM) and waits for it.
func (p *WorkerProcess) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
}

// Exited reports whether the process has exited.
func (p *WorkerProcess) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil // keep the start, which says why it failed
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
