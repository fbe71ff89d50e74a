package narrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// UsageError is a bad flag value or a bad combination of flags. Demos return
// it so the user gets the message and exit status 2, as with flag errors.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}

// Exit statuses of a demo.
const (
	ExitHeld     = 0 // every invariant held
	ExitViolated = 1 // an invariant or check failed, or the demo broke
	ExitUsage    = 2 // bad flags
)

// Run runs a demo with a Narrator on stdout and returns its exit status. The
// context is cancelled on SIGINT or SIGTERM. A demo that states no invariant
// fails: saying what was checked is the point of a demo here.
func Run(demo func(ctx context.Context, n *Narrator) error) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Stdout, os.Stderr, demo)
}

func run(ctx context.Context, stdout, stderr io.Writer, demo func(context.Context, *Narrator) error) int {
	n := New(stdout)
	err := demo(ctx, n)
	var usage *UsageError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "usage error:", usage.msg)
		return ExitUsage
	case err != nil:
		n.Step("demo", "error: %v", err)
		return ExitViolated
	case !n.Held():
		if f := n.Failures(); len(f) == 0 {
			n.Step("demo", "error: the demo stated no invariant")
		}
		return ExitViolated
	}
	return ExitHeld
}
