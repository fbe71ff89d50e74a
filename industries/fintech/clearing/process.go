package clearing

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/childproc"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// envProcess turns a re-executed demo (or test) binary into a clearing
// process; its value is the ProcessSpec, as JSON.
const envProcess = "FINTECH_CLEARING"

// ProcessSpec is a clearing run in a process of its own.
type ProcessSpec struct {
	NATSURL string `json:"natsURL"`
	Job     Job    `json:"job"`
}

// Process is a clearing run in a child OS process (kit/childproc): Kill is
// SIGKILL, after which nothing of it runs, not even a deferred function.
type Process = childproc.Process

// ServeIfChild turns this process into a clearing run when StartProcess
// started it, and exits when the run ends; otherwise it returns at once.
// Call it first in main and in TestMain.
func ServeIfChild() { childproc.ServeIfChild(envProcess, serve) }

// StartProcess starts a clearing run in a child process. Wait on Done;
// Err is nil when the run wrote its file.
func StartProcess(ctx context.Context, spec ProcessSpec) (*Process, error) {
	return childproc.Start(ctx, envProcess, spec, childproc.Options{Name: "clearing process"})
}

func serve(ctx context.Context, spec ProcessSpec, ready func()) error {
	nc, err := natsembed.Connect(spec.NATSURL, "clearing")
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ready()
	if _, err := Run(ctx, js, spec.Job); err != nil {
		return fmt.Errorf("clearing run: %w", err)
	}
	return nil
}
