// Command consumer is the JetStream consumer of the backpressure pattern as
// a process of its own: the integration test runs it in a container and
// pauses it mid-run. It binds to an existing durable pull consumer, processes
// at most -rate messages a second, and for each one publishes a Record
// ("id delivery") to -results before it acks. It runs until SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

func main() {
	url := flag.String("url", os.Getenv("NATS_URL"), "NATS server URL (default $NATS_URL)")
	stream := flag.String("stream", backpressure.DemoStream, "stream of the work")
	durable := flag.String("durable", backpressure.DemoDurable, "durable pull consumer to bind to")
	window := flag.Int("window", 64, "messages pulled at once (at most the consumer's MaxAckPending)")
	perSecond := flag.Float64("rate", 1000, "messages processed per second at most")
	results := flag.String("results", "backpressure.done", "subject of the processing records")
	flag.Parse()
	if *url == "" || *window < 1 || *perSecond <= 0 {
		fmt.Fprintln(os.Stderr, "usage error: -url (or NATS_URL) is required, -window must be >= 1 and -rate > 0")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *url, *stream, *durable, *window, *perSecond, *results); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, url, stream, durable string, window int, perSecond float64, results string) error {
	nc, err := natsembed.Connect(url, "backpressure-consumer") // NATS_CREDS, unlimited reconnects
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	cons, err := js.Consumer(ctx, stream, durable)
	if err != nil {
		return fmt.Errorf("bind to %s/%s: %w", stream, durable, err)
	}
	w := &backpressure.Worker{
		Consumer: cons,
		Window:   window,
		Handle:   backpressure.Paced(perSecond, backpressure.Recorder(js, results)),
	}
	log.Printf("consumer ready: %s/%s, window %d, %.0f msg/s, records to %s", stream, durable, window, perSecond, results)
	if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Printf("consumer stopped")
	return nil
}
