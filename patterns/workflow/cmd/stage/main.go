// Command stage runs one stage of the pipeline over files: the program each
// step of the Argo Workflows manifest (patterns/workflow/argo/pipeline.yaml)
// runs in its container.
//
//	stage clean -in /data/lines.jsonl -out /data/clean.jsonl -rejects /data/rejects-clean.jsonl
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/patternlab/patternlab/patterns/workflow"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := workflow.RunStageCommand(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
