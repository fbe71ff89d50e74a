// Command stage runs one stage of the pipeline over files: the program each
// step of the Argo Workflows manifest (patterns/workflow/argo/pipeline.yaml)
// runs in its container. A bad command line exits 2 with the flag named.
//
//	stage clean -in /data/lines.jsonl -out /data/clean.jsonl -rejects /data/rejects-clean.jsonl
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow/argo"
)

func main() {
	step, err := argo.ParseStep(os.Args[1:])
	var help *narrate.Help
	switch {
	case errors.As(err, &help):
		fmt.Print(help.Usage)
		return
	case err != nil:
		fmt.Fprintln(os.Stderr, "usage error:", err)
		os.Exit(narrate.ExitUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := step.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
