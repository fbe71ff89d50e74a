// Command service runs one choreography participant (inventory, payment or
// shipping) on its own, against the NATS server at -nats, with its ledger in
// a file so that it survives a restart. The streams must exist: the process
// that runs the rest of the choreography creates them. The integration
// tests run it in a container and stop and start that container mid-run.
//
//	go run ./patterns/saga/cmd/service -service payment -nats nats://127.0.0.1:4222 -store /tmp/payment.json
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/saga/choreography"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

type config struct {
	service, url, prefix, store string
	orders                      int
	seed                        uint64
	rate                        float64
	ackWait                     time.Duration
}

func flags(c *config) *demoflag.Set {
	s := demoflag.New("service")
	s.Choice(&c.service, "service", shop.Services, "the service to run")
	s.Text(&c.url, "nats", nil, "NATS server URL (default $NATS_URL)")
	s.Text(&c.prefix, "prefix", token, "subject prefix of the choreography")
	s.Text(&c.store, "store", nil, "ledger file (default: in memory, lost on restart)")
	s.Int(&c.orders, "orders", 0, 500, "orders of the run, to rebuild its fault schedule (0: no faults)")
	s.Uint64(&c.seed, "seed", "seed of the run's fault schedule")
	s.Float(&c.rate, "fault-rate", 0, 1, "fault rate of the run's fault schedule")
	s.Duration(&c.ackWait, "ack-wait", 100*time.Millisecond, time.Minute, "how long JetStream waits for an ack before redelivering")
	s.Check(func() error {
		switch {
		case c.service == "":
			return narrate.FlagError("service", "required: one of %v", shop.Services)
		case c.url == "":
			return narrate.FlagError("nats", "required (or set NATS_URL)")
		}
		return nil
	})
	return s
}

// token accepts a NATS subject token: letters, digits, '-' and '_'.
func token(s string) error {
	if s == "" || len(s) > 64 {
		return errors.New("must be 1..64 characters")
	}
	for _, r := range s {
		if !tokenRune(r) {
			return fmt.Errorf("%q is not a subject token (letters, digits, - and _)", s)
		}
	}
	return nil
}

func tokenRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

func main() {
	c := config{url: os.Getenv("NATS_URL"), prefix: "saga", seed: 1, ackWait: 5 * time.Second}
	err := flags(&c).Parse(os.Args[1:])
	var help *narrate.Help
	switch {
	case errors.As(err, &help):
		fmt.Print(help.Usage)
		return
	case err != nil:
		fmt.Fprintln(os.Stderr, "usage error:", err)
		os.Exit(narrate.ExitUsage)
	}
	log.SetFlags(0)
	log.SetPrefix("saga " + c.service + ": ")
	if err := run(c); err != nil {
		log.Fatal(err)
	}
}

func run(c config) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if c.store != "" {
		if err := os.MkdirAll(filepath.Dir(c.store), 0o755); err != nil {
			return err
		}
	}
	plan := shop.NewPlan(shop.NewOrders(c.orders, c.seed), c.seed, c.rate)
	svc, err := shop.NewService(c.service, shop.Options{Ledger: ledger.Options{Path: c.store, Inject: plan}})
	if err != nil {
		return err
	}
	opts := choreography.ParticipantOptions{Prefix: c.prefix, Plan: plan, AckWait: c.ackWait}
	// The streams may not exist yet: retry until they do or we are stopped.
	var p *choreography.Participant
	err = poll.Until(ctx, 500*time.Millisecond, func() (bool, error) {
		var err error
		if p, err = choreography.StartParticipant(ctx, c.url, svc, opts); err != nil {
			log.Printf("not started yet: %v", err)
		}
		return err == nil, nil
	})
	if err != nil {
		return err
	}
	log.Printf("ready: consuming %s events from %s", c.service, c.url)
	<-ctx.Done()
	p.Stop()
	log.Printf("stopped")
	return nil
}
