package federatedlearning_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/labtest"

	fl "github.com/patternlab/patternlab/patterns/federated-learning"
)

// federation is a coordinator's world for benchmarks: an embedded server,
// the updates stream, a tap and sites joined, some of them slow.
type federation struct {
	url   string
	names fl.Names
	tap   *fl.Tap
	stop  func()
}

func newFederation(b testing.TB, sites, samples int, slow int, delay time.Duration) *federation {
	b.Helper()
	ctx := context.Background()
	srv := labtest.NATS(b)
	names := fl.DefaultNames()
	js := labtest.JetStream(b, srv.ClientURL())
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: names.Stream, Subjects: []string{names.Updates()}, Storage: jetstream.MemoryStorage}); err != nil {
		b.Fatal(err)
	}
	tap, err := fl.StartTap(ctx, srv.ClientURL(), "tap", names, []string{">"})
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	training := fl.Training{Epochs: 2, LearningRate: 1, Batch: 32}
	for i, site := range fl.Fleet(1, sites, samples) {
		a := &fl.Agent{Site: site, Shard: site.Shard(1), Training: training, Seed: 1, Names: names, URL: srv.ClientURL()}
		if i < slow {
			a.Faults.Delay = delay
		}
		run, err := a.Join(ctx)
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = run(runCtx) }()
	}
	f := &federation{url: srv.ClientURL(), names: names, tap: tap}
	var once sync.Once
	f.stop = func() { once.Do(func() { cancel(); wg.Wait(); tap.Close() }) }
	b.Cleanup(f.stop)
	return f
}

func (f *federation) coordinator(sites, rounds int, deadline time.Duration) *fl.Coordinator {
	c := &fl.Coordinator{Name: "bench", URL: f.url, Names: f.names, Roster: fl.Roster(sites), PerRound: sites,
		Rounds: rounds, Aggregator: fl.TrimmedMean, Trim: 1, Quorum: 1, AckWait: 30 * time.Second, Dedupe: true, Resume: true, Seed: 1}
	if deadline > 0 {
		c.Deadline = deadline
	} else {
		c.GiveUpAfter = time.Minute
	}
	return c
}

func (f *federation) bytes(b testing.TB) (all, updates int) {
	b.Helper()
	if err := f.tap.Sync(context.Background()); err != nil {
		b.Fatal(err)
	}
	for _, r := range f.tap.Records() {
		all += r.Bytes
		if strings.HasPrefix(r.Subject, f.names.Prefix+".update.") {
			updates += r.Bytes
		}
	}
	return all, updates
}

// BenchmarkRound: rounds per second and bytes on the wire per round (every
// subject, as the tap counts them) against the number of sites. No fault:
// every round closes when the last site answers.
func BenchmarkRound(b *testing.B) {
	for _, sites := range []int{4, 8, 16, 32} {
		b.Run(fmt.Sprintf("sites=%d", sites), func(b *testing.B) {
			f := newFederation(b, sites, 400, 0, 0)
			c := f.coordinator(sites, b.N, 30*time.Second)
			b.ResetTimer()
			if _, err := c.Run(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			all, updates := f.bytes(b)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rounds/s")
			b.ReportMetric(float64(all)/float64(b.N), "wire-B/round")
			b.ReportMetric(float64(updates)/float64(b.N*sites), "B/update")
			b.ReportMetric(float64(sites*400*7*8), "shards-B") // raw float64s the sites keep
		})
	}
}

// BenchmarkDeadline: what a round costs when a share of the sites is slow
// (each update 4× the deadline late), closing at the deadline or waiting
// for everyone.
func BenchmarkDeadline(b *testing.B) {
	const sites, deadline = 8, 100 * time.Millisecond
	for _, slow := range []int{0, 1, 2, 4} {
		for _, mode := range []string{"deadline", "wait-all"} {
			b.Run(fmt.Sprintf("slow=%d%%/%s", slow*100/sites, mode), func(b *testing.B) {
				f := newFederation(b, sites, 400, slow, 4*deadline)
				d := deadline
				if mode == "wait-all" {
					d = 0
				}
				c := f.coordinator(sites, b.N, d)
				counted := 0
				c.Events.Closed = func(r fl.RoundReport) { counted += len(r.Counted) }
				b.ResetTimer()
				if _, err := c.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/round")
				b.ReportMetric(float64(counted)/float64(b.N), "updates/round")
			})
		}
	}
}

// BenchmarkAccuracy: accuracy on the held-out set after rounds 1 to 30 for
// FedAvg without poison, the central reference, and each aggregator with a
// poisoned site (seed 1, the demo's defaults; in memory, no NATS).
func BenchmarkAccuracy(b *testing.B) {
	cfg := fl.DefaultConfig()
	base := fl.Simulation{Seed: 1, Sites: cfg.Sites, Samples: cfg.Samples, Rounds: cfg.Rounds,
		Training: fl.Training{Epochs: cfg.Epochs, LearningRate: cfg.LR, Batch: cfg.Batch},
		Trim:     cfg.Trim, PoisonScale: cfg.PoisonScale, TestSize: cfg.TestSize}
	for _, c := range []struct {
		name     string
		agg      string
		poisoned int
		central  bool
	}{
		{"central", fl.Mean, 0, true},
		{"fedavg", fl.Mean, 0, false},
		{"mean-poisoned", fl.Mean, 1, false},
		{"trimmed-mean-poisoned", fl.TrimmedMean, 1, false},
		{"median-poisoned", fl.Median, 1, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := base
			s.Aggregator, s.Poisoned = c.agg, c.poisoned
			var res fl.SimResult
			for b.Loop() {
				var err error
				if res, err = fl.Simulate(s); err != nil {
					b.Fatal(err)
				}
			}
			curve := res.Federated
			if c.central {
				curve = res.Central
			}
			for _, r := range AccuracyRounds {
				b.ReportMetric(curve[r-1], fmt.Sprintf("acc-r%02d", r))
			}
		})
	}
}

// AccuracyRounds are the rounds BenchmarkAccuracy reports.
var AccuracyRounds = []int{1, 2, 3, 5, 10, 20, 30}

// BenchmarkStragglerBias: sites that always miss the deadline never shape
// the model; with non-IID plants that costs accuracy (in memory).
func BenchmarkStragglerBias(b *testing.B) {
	cfg := fl.DefaultConfig()
	for _, slow := range []int{0, 1, 2, 4} {
		b.Run(fmt.Sprintf("slow=%d%%", slow*100/cfg.Sites), func(b *testing.B) {
			s := fl.Simulation{Seed: 1, Sites: cfg.Sites, Samples: cfg.Samples, Rounds: cfg.Rounds,
				Training:   fl.Training{Epochs: cfg.Epochs, LearningRate: cfg.LR, Batch: cfg.Batch},
				Aggregator: fl.TrimmedMean, Trim: cfg.Trim, Stragglers: slow, TestSize: cfg.TestSize}
			var res fl.SimResult
			for b.Loop() {
				var err error
				if res, err = fl.Simulate(s); err != nil {
					b.Fatal(err)
				}
			}
			fed, central := res.Final()
			b.ReportMetric(fed, "acc-final")
			b.ReportMetric(central-fed, "gap-to-central")
		})
	}
}
