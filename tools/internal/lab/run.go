package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
)

// Errors a caller branches on (the HTTP layer maps them to statuses).
var (
	ErrRunEnded   = errors.New("the run has ended: no fault can be injected (start the demo again)")
	ErrNotStarted = errors.New("the demo has not started yet (it is still being built): wait for its first line")
	ErrBusy       = errors.New("already running")
)

// stopGrace is how long a stopped demo has, after SIGINT, to delete what it
// created before it is killed.
const stopGrace = 20 * time.Second

// Run is one run of a demo: its events so far, in memory and in its history
// file, and the control line to the demo while it runs.
type Run struct {
	ID      string    `json:"id"`
	Module  string    `json:"module"`
	Args    []string  `json:"args"`
	Started time.Time `json:"started"`
	File    string    `json:"-"`

	mu      sync.Mutex
	events  []Event
	changed chan struct{} // closed and replaced on every change
	ended   bool
	exit    int
	refused bool // the demo refused its flags (exit status 2)
	offers  map[string]bool
	stdin   io.WriteCloser
	cancel  context.CancelFunc
	file    *os.File
	fileErr error
}

func newRun(id string, m Module, args []string, file *os.File) *Run {
	return &Run{ID: id, Module: m.Name, Args: args, Started: time.Now(), File: file.Name(),
		changed: make(chan struct{}), offers: map[string]bool{}, file: file}
}

// add appends an event, writes it to the history file and wakes the readers.
func (r *Run) add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if name, offered, ok := offerChange(e); ok {
		if offered {
			r.offers[name] = true
		} else {
			delete(r.offers, name)
		}
	}
	r.events = append(r.events, e)
	if r.file != nil && r.fileErr == nil {
		line, err := json.Marshal(e)
		if err == nil {
			_, err = r.file.Write(append(line, '\n'))
		}
		r.fileErr = err
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// Since returns the events from index i on, a channel closed at the next
// change, and whether the run has ended (no event will follow).
func (r *Run) Since(i int) ([]Event, <-chan struct{}, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i > len(r.events) {
		i = len(r.events)
	}
	return append([]Event(nil), r.events[i:]...), r.changed, r.ended
}

// Wait blocks until the run ends or ctx does, and returns the exit status.
func (r *Run) Wait(ctx context.Context) (int, error) {
	for {
		_, ch, ended := r.Since(1 << 30)
		if ended {
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.exit, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// Status is what the page shows of a run.
type Status struct {
	ID      string    `json:"id"`
	Module  string    `json:"module"`
	Args    []string  `json:"args"`
	Started time.Time `json:"started"`
	Ended   bool      `json:"ended"`
	Exit    int       `json:"exit"`
	Refused bool      `json:"refused"`
	Offers  []string  `json:"offers"`
	Events  int       `json:"events"`
}

// Status reports the run's state now.
func (r *Run) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Status{ID: r.ID, Module: r.Module, Args: r.Args, Started: r.Started, Ended: r.ended,
		Exit: r.exit, Refused: r.refused, Offers: []string{}, Events: len(r.events)}
	for o := range r.offers {
		s.Offers = append(s.Offers, o)
	}
	sort.Strings(s.Offers)
	return s
}

// Inject asks the demo for an offered fault: it writes "fault <name>" on
// the demo's stdin, and the demo answers with a control event (and the
// fault's own FAULT line). A fault not on offer now, or a run that is not
// running, is refused here and nothing is sent.
func (r *Run) Inject(name string) error {
	stdin, err := r.offered(name)
	if err != nil {
		return err
	}
	r.add(Event{Kind: KindLab, Actor: "lab", Text: "[lab] fault " + name + " requested", Fields: map[string]any{"fault": name}})
	if _, err := io.WriteString(stdin, "fault "+name+"\n"); err != nil {
		return fmt.Errorf("send fault %s: %w", name, err)
	}
	return nil
}

// offered returns the demo's stdin if name is on offer now.
func (r *Run) offered(name string) (io.Writer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.ended:
		return nil, ErrRunEnded
	case r.stdin == nil:
		return nil, ErrNotStarted
	case r.offers[name]:
		return r.stdin, nil
	}
	var on []string
	for o := range r.offers {
		on = append(on, o)
	}
	sort.Strings(on)
	if len(on) == 0 {
		return nil, fmt.Errorf("the %s demo offers no fault right now (a fault is offered during the act it belongs to)", r.Module)
	}
	return nil, fmt.Errorf("the %s demo does not offer %q now; on offer: %s", r.Module, name, strings.Join(on, ", "))
}

// Stop interrupts the demo (SIGINT: it deletes what it created, then ends
// with a VIOLATED verdict of its own); it is killed after a grace period.
func (r *Run) Stop() {
	r.mu.Lock()
	cancel, ended := r.cancel, r.ended
	r.mu.Unlock()
	if ended || cancel == nil {
		return
	}
	r.add(Event{Kind: KindLab, Actor: "lab", Text: "[lab] stop requested: SIGINT to the demo"})
	cancel()
}

// execute builds what the run needs and runs the demo to its end.
// Its context is the one Stop cancels.
func (r *Run) execute(ctx context.Context, tc *Toolchain, m Module, header map[string]any) {
	defer r.cancel()
	r.add(Event{Kind: KindRun, Actor: "lab", Text: "[lab] " + strings.TrimSpace("make demo P="+m.Name+" "+argsText(r.Args)), Fields: header})
	progress := func(s string) { r.add(Event{Kind: KindBuild, Actor: "build", Text: "[build] " + s}) }
	code, err := r.runDemo(ctx, tc, m, progress)
	if err != nil {
		r.add(Event{Kind: KindLab, Actor: "lab", Text: "[lab] " + err.Error()})
	}
	r.mu.Lock()
	r.exit, r.refused = code, code == narrate.ExitUsage
	r.mu.Unlock()
	r.add(Event{Kind: KindExit, Actor: "lab", OK: ptr(code == narrate.ExitHeld), Text: fmt.Sprintf("[lab] the demo exited with status %d", code),
		Fields: map[string]any{"code": code, "refused": code == narrate.ExitUsage}})
	r.mu.Lock()
	r.ended = true
	if r.file != nil {
		if err := r.file.Close(); err != nil && r.fileErr == nil {
			r.fileErr = err
		}
	}
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// runDemo returns the demo's exit status (-1 when it could not start).
func (r *Run) runDemo(ctx context.Context, tc *Toolchain, m Module, progress func(string)) (int, error) {
	env, err := tc.ServerEnv(ctx, m.Needs, true, progress)
	if err != nil {
		return -1, err
	}
	bin, err := tc.Binary(ctx, m, progress)
	if err != nil {
		return -1, err
	}
	cmd := exec.Command(bin, r.Args...)
	cmd.Dir = tc.Root
	cmd.Env = demoEnv(append(env, narrate.EnvFormat+"=json", narrate.EnvControl+"=stdin"))
	// its own process group: a Ctrl-C in the lab's terminal reaches the lab,
	// which stops each run the same way as the stop button
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return -1, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return -1, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return -1, err
	}
	if err := cmd.Start(); err != nil {
		return -1, fmt.Errorf("start %s: %w", bin, err)
	}
	r.mu.Lock()
	r.stdin = stdin
	r.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.scan(stdout, parseLine) }()
	go func() {
		defer wg.Done()
		r.scan(stderr, func(s string) Event { return Event{Kind: KindStderr, Actor: "stderr", Text: s} })
	}()
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-stopped:
			case <-time.After(stopGrace):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}
		case <-stopped:
		}
	}()
	wg.Wait() // the pipes close when the demo (and whatever inherited them) exits
	err = cmd.Wait()
	close(stopped)
	r.mu.Lock()
	_ = r.stdin.Close()
	r.mu.Unlock()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		if exit.ExitCode() < 0 {
			return -1, fmt.Errorf("the demo was killed: %v", err)
		}
		return exit.ExitCode(), nil
	default:
		return -1, err
	}
}

func (r *Run) scan(rd io.Reader, event func(string) Event) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		r.add(event(sc.Text()))
	}
	if err := sc.Err(); err != nil {
		r.add(Event{Kind: KindLab, Actor: "lab", Text: fmt.Sprintf("[lab] the demo's output could not be read further (%v): the rest of this stream is not shown", err)})
	}
	_, _ = io.Copy(io.Discard, rd) // a line over the limit: keep the demo from blocking
}

func argsText(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return "ARGS='" + strings.Join(args, " ") + "'"
}

func ptr[T any](v T) *T { return &v }
