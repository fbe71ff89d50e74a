// Command service runs one choreography participant (inventory, payment or
// shipping) on its own, against the NATS server at -nats, with its ledger in
// a file so that it survives a restart. The integration tests run it in a
// container and stop and start that container mid-run.
//
//	go run ./patterns/saga/cmd/service -service payment -nats nats://127.0.0.1:4222 -store /tmp/payment.json
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/saga"
)

func main() {
	name := flag.String("service", "", "service to run: inventory, payment or shipping")
	url := flag.String("nats", os.Getenv("NATS_URL"), "NATS server URL (default $NATS_URL)")
	prefix := flag.String("prefix", "saga", "subject prefix of the choreography")
	store := flag.String("store", "", "ledger file (empty: in memory, lost on restart)")
	orders := flag.Int("orders", 0, "orders of the run, to rebuild its fault schedule (0: no faults)")
	seed := flag.Uint64("seed", 1, "seed of the run's fault schedule")
	rate := flag.Float64("fault-rate", 0, "fault rate of the run's fault schedule")
	ackWait := flag.Duration("ack-wait", 5*time.Second, "how long JetStream waits for an ack before redelivering")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("saga " + *name + ": ")
	if *url == "" || *name == "" {
		fmt.Fprintln(os.Stderr, "usage error: -service and -nats (or NATS_URL) are required")
		os.Exit(2)
	}
	if err := run(*name, *url, *prefix, *store, *orders, *seed, *rate, *ackWait); err != nil {
		log.Fatal(err)
	}
}

func run(name, url, prefix, store string, orders int, seed uint64, rate float64, ackWait time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if store != "" {
		if err := os.MkdirAll(filepath.Dir(store), 0o755); err != nil {
			return err
		}
	}
	plan := saga.NewPlan(saga.NewOrders(orders, seed), seed, rate)
	svc, err := saga.NewService(name, saga.LedgerOptions{Path: store, Inject: plan})
	if err != nil {
		return err
	}
	opts := saga.ParticipantOptions{Prefix: prefix, Plan: plan, AckWait: ackWait}
	// The stream may not exist yet: retry until it does or we are stopped.
	var p *saga.Participant
	err = poll.Until(ctx, 500*time.Millisecond, func() (bool, error) {
		var err error
		if p, err = saga.StartParticipant(ctx, url, svc, opts); err != nil {
			log.Printf("not started yet: %v", err)
		}
		return err == nil, nil
	})
	if err != nil {
		return err
	}
	log.Printf("ready: consuming %s events from %s", name, url)
	<-ctx.Done()
	p.Stop()
	log.Printf("stopped")
	return nil
}
