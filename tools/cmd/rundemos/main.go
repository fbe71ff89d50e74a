// Command rundemos is `make demo`: the demos whose servers are ready first,
// then the missing servers built with a line per phase, then the rest.
//
//	go run ./tools/cmd/rundemos [NAME...] [-- ARGS]
//
// It is the same as `go run ./tools demo` in a program small enough that a
// fresh clone compiles it in seconds.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/patternlab/patternlab/tools/internal/demorun"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := demorun.Run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "make demo:", err)
		os.Exit(1)
	}
}
