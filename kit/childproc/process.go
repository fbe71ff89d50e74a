package childproc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a running child. One goroutine owns it: it reads the child's
// stdout until it closes, then reaps the child and closes Done.
type Process struct {
	name        string
	cmd         *exec.Cmd
	stopTimeout time.Duration
	done        chan struct{}
	err         error // how the child exited; set before done closes

	// Where stderr goes: a log file (read back from logFrom), or memory.
	log     string
	logFrom int64
	mem     *cappedBuffer
}

// start starts exe with env and the goroutine that owns it; ready closes
// when the child prints ReadyLine.
func start(exe string, env []string, o Options) (*Process, <-chan struct{}, error) {
	p := &Process{name: o.Name, stopTimeout: o.StopTimeout, done: make(chan struct{})}
	var sink io.Writer
	var logFile *os.File
	if o.Log != "" {
		f, err := os.OpenFile(o.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: log: %w", o.Name, err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: log: %w", o.Name, err)
		}
		p.log, p.logFrom, logFile, sink = o.Log, st.Size(), f, f
	} else {
		p.mem = &cappedBuffer{}
		sink = p.mem
	}
	cmd := exec.Command(exe)
	cmd.Env = env
	cmd.Stderr = sink
	// A child must not outlive the program that started it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		if logFile != nil {
			logFile.Close()
		}
		return nil, nil, fmt.Errorf("%s: start: %w", o.Name, err)
	}
	p.cmd = cmd
	ready := make(chan struct{})
	go func() {
		// Owns the child: watches stdout for the ready line and passes
		// anything else on to the sink, then reaps the child.
		r := bufio.NewReader(stdout)
		said := false
		for {
			line, err := r.ReadBytes('\n')
			switch {
			case !said && string(bytes.TrimRight(line, "\r\n")) == ReadyLine:
				said = true
				close(ready)
			case len(line) > 0:
				_, _ = sink.Write(line)
			}
			if err != nil {
				break
			}
		}
		p.err = cmd.Wait()
		if logFile != nil {
			logFile.Close()
		}
		close(p.done)
	}()
	return p, ready, nil
}

// Name is the child's name (Options.Name).
func (p *Process) Name() string { return p.name }

// PID is the child's process ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed once the child has exited and been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the child has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is how the child exited (nil for status 0, an *exec.ExitError
// otherwise), once Done is closed; nil before.
func (p *Process) Err() error {
	if !p.Exited() {
		return nil
	}
	return p.err
}

// Kill sends SIGKILL, the signal nothing can catch or clean up after, and
// waits until the child is gone. Killing a child that has exited does
// nothing.
func (p *Process) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop asks the child to finish (SIGTERM) and waits for it; after
// StopTimeout it kills it. The error says when the child ignored SIGTERM or
// exited with a non-zero status, quoting its stderr.
func (p *Process) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(p.stopTimeout)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.Kill()
		return fmt.Errorf("%s ignored SIGTERM for %s and was killed: %s", p.name, p.stopTimeout, p.excerpt())
	}
	if p.err != nil {
		return fmt.Errorf("%s: %w: %s", p.name, p.err, p.excerpt())
	}
	return nil
}

// Stderr is what the child has written to stderr so far (from its log file
// when Options.Log is set: this child's part of it).
func (p *Process) Stderr() string {
	if p.mem != nil {
		return p.mem.String()
	}
	f, err := os.Open(p.log)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, p.logFrom, 1<<40))
	if err != nil && !errors.Is(err, io.EOF) {
		return ""
	}
	return string(b)
}

// excerpt is the start and the end of stderr, for an error message: the
// start of a crash report says what happened, the end of a log what
// happened last.
func (p *Process) excerpt() string {
	s := strings.TrimSpace(p.Stderr())
	const head, tail = 300, 600
	switch {
	case s == "":
		return "(nothing on stderr)"
	case len(s) > head+tail:
		return s[:head] + " [...] " + s[len(s)-tail:]
	}
	return s
}

// cappedBuffer keeps the first 64 KiB written to it, which say why a child
// failed; it is written by the exec package's copying goroutine and read by
// others.
type cappedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := 64<<10 - b.buf.Len(); room < len(p) {
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *cappedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
