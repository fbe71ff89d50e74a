// Package childproc runs a worker in a child OS process that is this very
// program, started again, so that a demo or a test can kill the worker with
// SIGKILL and live on. That is what a crash is: the child runs no deferred
// function, acknowledges no message and closes no connection politely.
//
// The parent calls [Start] with a marker (the name of an environment
// variable) and a spec; the program (os.Executable) is started again with the
// spec, as JSON, in that variable. The first thing main (and TestMain) does
// is [ServeIfChild] with the same marker: in the child it decodes the spec,
// serves until SIGTERM and exits; in the parent it returns at once. This works
// the same for `go run`, a built binary and a test binary, and needs no
// compiler at run time, where building a separate worker command on the fly
// would cost seconds and a toolchain.
//
// The child says it serves by printing [ReadyLine] on stdout; Start returns
// once it has read it. The child dies with its parent (Pdeathsig, Linux).
package childproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// ReadyLine is what a child prints on stdout once it serves.
const ReadyLine = "childproc: ready"

// Defaults of Options.
const (
	DefaultReadyTimeout = 30 * time.Second
	DefaultStopTimeout  = 10 * time.Second
)

// ErrNotReady says a child exited, or took too long, before it was ready.
var ErrNotReady = errors.New("child process not ready")

// ServeIfChild turns this process into a child when the environment variable
// marker is set (by Start): it decodes the spec, runs serve until SIGTERM or
// SIGINT cancels its context, and exits: 0 when serve returns nil, 1 when it
// fails, 2 when the spec cannot be decoded. serve calls ready once it serves.
// Otherwise ServeIfChild returns at once. Call it first in main and TestMain.
func ServeIfChild[Spec any](marker string, serve func(ctx context.Context, spec Spec, ready func()) error) {
	raw := os.Getenv(marker)
	if raw == "" {
		return
	}
	os.Exit(serveChild(marker, raw, serve))
}

func serveChild[Spec any](marker, raw string, serve func(context.Context, Spec, func()) error) int {
	// A program this child starts in turn is not a child of the same kind.
	_ = os.Unsetenv(marker)
	var spec Spec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		fmt.Fprintf(os.Stderr, "%s: decode spec: %v\n", marker, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var once sync.Once
	ready := func() { once.Do(func() { fmt.Println(ReadyLine) }) }
	if err := serve(ctx, spec, ready); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", marker, err)
		return 1
	}
	return 0
}

// Options configures a child process.
type Options struct {
	// Name names the child in errors (default: the marker).
	Name string
	// Log, when set, is a file the child's stderr is appended to; otherwise
	// the first 64 KiB of it are kept in memory. Either way Stderr returns
	// it, and errors quote it. Lines the child prints on stdout, other than
	// ReadyLine, go there too.
	Log string
	// ReadyTimeout bounds how long the child may take to be ready
	// (default DefaultReadyTimeout).
	ReadyTimeout time.Duration
	// StopTimeout bounds how long Stop waits after SIGTERM before it kills
	// (default DefaultStopTimeout).
	StopTimeout time.Duration
}

// Start runs this program again as a child serving spec (see ServeIfChild)
// and returns once the child is ready. When the child exits first, takes
// longer than ReadyTimeout or ctx ends, Start kills it and returns an error
// quoting its stderr. The child's lifetime is not bound to ctx: end it with
// Stop or Kill; it also dies with this process.
func Start[Spec any](ctx context.Context, marker string, spec Spec, o Options) (*Process, error) {
	if o.Name == "" {
		o.Name = marker
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = DefaultReadyTimeout
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("%s: find this program: %w", o.Name, err)
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: encode spec: %w", o.Name, err)
	}
	env := append(os.Environ(), marker+"="+string(raw))
	if os.Getenv("GORACE") == "" {
		// Under -race a process sleeps 1 s at exit by default; children
		// stop and restart often enough for that to matter.
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	p, ready, err := start(exe, env, o)
	if err != nil {
		return nil, err
	}
	timer := time.NewTimer(o.ReadyTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		select {
		case <-ready: // it said so, then exited: the caller sees it exited
			return p, nil
		default:
		}
		return nil, fmt.Errorf("%s exited (%v): %w: %s", o.Name, p.err, ErrNotReady, p.excerpt())
	case <-timer.C:
		p.Kill()
		return nil, fmt.Errorf("%s: %w after %s: %s", o.Name, ErrNotReady, o.ReadyTimeout, p.excerpt())
	case <-ctx.Done():
		p.Kill()
		return nil, fmt.Errorf("%s: %w: %w", o.Name, ErrNotReady, ctx.Err())
	}
}
