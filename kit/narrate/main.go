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
type UsageError struct {
	Flag string // the flag at fault, without the dash; "" for trailing arguments
	msg  string
}

func (e *UsageError) Error() string { return e.msg }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}

// FlagError builds a UsageError about one flag: "-name: message".
func FlagError(name, format string, args ...any) error {
	return &UsageError{Flag: name, msg: "-" + name + ": " + fmt.Sprintf(format, args...)}
}

// Help is returned by a flag parser asked for -h: Exec prints Usage on stdout
// and exits 0.
type Help struct{ Usage string }

func (h *Help) Error() string { return "help requested" }

// Exit statuses of a demo.
const (
	ExitHeld     = 0 // every invariant held
	ExitViolated = 1 // an invariant or check failed, or the demo broke
	ExitUsage    = 2 // bad flags
)

// Demo is a demo ready to run, its flags already parsed.
type Demo func(ctx context.Context, n *Narrator) error

// Command turns a demo's command-line arguments into a Demo, or returns a
// *UsageError (or *Help for -h). Every module exports one, so cmd/demo, the
// switch tests and the flag fuzz tests all parse the same way.
type Command func(args []string) (Demo, error)

// Main runs cmd with the program's arguments and returns the exit status:
//
//	func main() { os.Exit(narrate.Main(saga.Command)) }
//
// The context is cancelled on SIGINT or SIGTERM, so the demo cleans up what
// it created before it exits.
//
// NARRATE_FORMAT=json writes JSON events instead of text (the lab reads
// them); NARRATE_CONTROL=stdin then also takes "fault <name>" lines on stdin
// to inject the faults the demo offers.
func Main(cmd Command) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Exec(ctx, os.Args[1:], os.Stdout, os.Stderr, cmd, envOptions()...)
}

// Environment variables Main reads.
const (
	EnvFormat  = "NARRATE_FORMAT"  // "json" for JSON-lines events
	EnvControl = "NARRATE_CONTROL" // "stdin" to take control lines on stdin
)

// Control serves control lines from r while the demo runs.
func Control(r io.Reader) Option { return func(n *Narrator) { n.control = r } }

// Exec parses args with cmd and runs the demo with a Narrator on stdout. It
// returns ExitUsage for bad flags (the message on stderr), 0 for -h, and
// otherwise the verdict: ExitHeld only when the last line written says HELD.
func Exec(ctx context.Context, args []string, stdout, stderr io.Writer, cmd Command, opts ...Option) int {
	demo, err := cmd(args)
	var help *Help
	switch {
	case errors.As(err, &help):
		fmt.Fprint(stdout, help.Usage)
		return ExitHeld
	case err != nil:
		return usage(stderr, err)
	}
	return run(ctx, stdout, stderr, demo, opts...)
}

// Run runs a demo with a Narrator on stdout and returns its exit status. The
// context is cancelled on SIGINT or SIGTERM. A demo that states no invariant
// fails: saying what was checked is the point of a demo here.
func Run(demo func(ctx context.Context, n *Narrator) error) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Stdout, os.Stderr, demo, envOptions()...)
}

// envOptions are the options NARRATE_FORMAT and NARRATE_CONTROL ask for.
func envOptions() []Option {
	var opts []Option
	if os.Getenv(EnvFormat) == "json" {
		opts = append(opts, JSON())
		if os.Getenv(EnvControl) == "stdin" {
			opts = append(opts, Control(os.Stdin))
		}
	}
	return opts
}

func usage(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, "usage error:", err.Error())
	fmt.Fprintln(stderr, "run with -h for the flags and their ranges")
	return ExitUsage
}

func run(ctx context.Context, stdout, stderr io.Writer, demo Demo, opts ...Option) int {
	n := New(stdout, opts...)
	if n.control != nil {
		// the reader ends with its input; a demo process exits with it
		go n.serveControl(n.control)
	}
	err := demo(ctx, n)
	if n.control != nil {
		n.concluding()
	}
	var ue *UsageError
	switch {
	case errors.As(err, &ue):
		return usage(stderr, err)
	case err != nil:
		n.Step("demo", "error: %v", err)
		n.conclude("the demo stopped before its verdict: " + err.Error())
		return ExitViolated
	case !n.conclude(""):
		return ExitViolated
	}
	return ExitHeld
}
