// Command consumer is the JetStream consumer of the backpressure pattern as
// a process of its own: the integration test runs it in a container and
// pauses it mid-run. It binds to an existing durable pull consumer, processes
// at most -rate messages a second, and for each one publishes a Record
// ("id delivery") to -results before it acks; what it cannot decode goes to
// the -dead-letters stream. It runs until SIGTERM. Bad flags exit 2.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

func main() {
	c := backpressure.DefaultRemoteConsumer()
	if err := backpressure.RemoteConsumerFlags(&c).Parse(os.Args[1:]); err != nil {
		var help *narrate.Help
		if errors.As(err, &help) {
			fmt.Print(help.Usage)
			return
		}
		fmt.Fprintln(os.Stderr, "usage error:", err)
		os.Exit(narrate.ExitUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := c.Run(ctx, func() {
		log.Printf("consumer ready: %s/%s, window %d, %.0f msg/s, records to %s", c.Stream, c.Durable, c.Window, c.Rate, c.Results)
	})
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("consumer stopped")
}
