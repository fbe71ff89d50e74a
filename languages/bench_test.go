package languages

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gocqrs "github.com/patternlab/patternlab/languages/cqrs/go"
	gosaga "github.com/patternlab/patternlab/languages/saga/go"
)

// The three workloads, the same in every language. Every language runs the
// whole workload `warmup` times (for the JVM, so the JIT has compiled the hot
// path; Go and Rust do the same for fairness) and then `runs` timed times;
// the value is the median run's nanoseconds per message, step or event.
const (
	handoffItems, handoffCapacity = 1_000_000, 256
	sagaOrders                    = 500
	replayEvents                  = 100_000
	warmup, runs                  = 5, 9
)

var (
	measured   sync.Map // benchmark name -> ns per op
	printSetup sync.Once
)

// side runs one language's measurement once per process and reports it with
// its ratio to Go's (the go sub-benchmark runs first).
func side(b *testing.B, base string, measure func() (float64, error)) {
	b.Helper()
	v, ok := measured.Load(b.Name())
	if !ok {
		ns, err := measure()
		if err != nil {
			b.Fatal(err)
		}
		measured.Store(b.Name(), ns)
		v = ns
	}
	ns := v.(float64)
	b.ReportMetric(ns, "ns/op")
	if g, ok := measured.Load(base); ok && g.(float64) > 0 {
		b.ReportMetric(ns/g.(float64), "x-go")
	}
}

func setup(b *testing.B) *Programs {
	p := Require(b)
	printSetup.Do(func() {
		java, _ := exec.Command("java", "-version").CombinedOutput()
		rustc, _ := exec.Command("rustc", "--version").Output()
		fmt.Printf("java: %s\nrustc: %s\n", firstLine(string(java)), strings.TrimSpace(string(rustc)))
		fmt.Printf("languages-method: each language runs the workload %d times untimed (JVM warm-up), then %d timed runs; median per op\n", warmup, runs)
		if load, err := os.ReadFile("/proc/loadavg"); err == nil {
			fmt.Printf("loadavg-at-start: %s\n", strings.TrimSpace(string(load))) // other work on the machine skews every column
		}
	})
	return p
}

func firstLine(s string) string { return strings.TrimSpace(strings.SplitN(s, "\n", 2)[0]) }

// external runs a Java or Rust benchmark program, which prints ns per op.
func external(r Result, err error) (float64, error) {
	if err != nil {
		return 0, err
	}
	if r.Exit != 0 {
		return 0, fmt.Errorf("exit %d: %s", r.Exit, r.Stderr)
	}
	return strconv.ParseFloat(strings.TrimSpace(r.Stdout), 64)
}

// median runs f warmup times, then runs times, and returns the median value.
func median(f func() (float64, error)) (float64, error) {
	var vs []float64
	for i := range warmup + runs {
		v, err := f()
		if err != nil {
			return 0, err
		}
		if i >= warmup {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	return vs[len(vs)/2], nil
}

// BenchmarkHandoff: one message from a producer to a consumer through a
// bounded queue of 256: a Go channel, java.util.concurrent.ArrayBlockingQueue,
// std::sync::mpsc::sync_channel.
func BenchmarkHandoff(b *testing.B) {
	p := setup(b)
	args := []string{fmt.Sprint(handoffItems), fmt.Sprint(handoffCapacity), fmt.Sprint(warmup), fmt.Sprint(runs)}
	base := "BenchmarkHandoff/go"
	b.Run("go", func(b *testing.B) {
		side(b, base, func() (float64, error) {
			return median(func() (float64, error) {
				ch := make(chan int, handoffCapacity)
				done := make(chan int)
				start := time.Now()
				go func() {
					sum := 0
					for v := range ch {
						sum += v
					}
					done <- sum
				}()
				for i := range handoffItems {
					ch <- i
				}
				close(ch)
				if sum := <-done; sum != handoffItems*(handoffItems-1)/2 {
					return 0, fmt.Errorf("lost or duplicated messages: sum %d", sum)
				}
				return float64(time.Since(start).Nanoseconds()) / handoffItems, nil
			})
		})
	})
	b.Run("java", func(b *testing.B) {
		side(b, base, func() (float64, error) { return external(p.Java("backpressure.Handoff", args...)) })
	})
	b.Run("rust", func(b *testing.B) {
		side(b, base, func() (float64, error) { return external(p.Rust("handoff", args...)) })
	})
}

// BenchmarkSagaStep: one saga step (a delivery to a service's idempotent
// ledger, with the seeded fault schedule) in process. Go runs patterns/saga's
// own services and plan.
func BenchmarkSagaStep(b *testing.B) {
	p := setup(b)
	args := []string{fmt.Sprint(sagaOrders), fmt.Sprint(warmup), fmt.Sprint(runs)}
	base := "BenchmarkSagaStep/go"
	b.Run("go", func(b *testing.B) {
		side(b, base, func() (float64, error) {
			return median(func() (float64, error) {
				start := time.Now()
				n, err := gosaga.Run(gosaga.Config{Orders: sagaOrders, Seed: 82, FaultRate: 0.3, Idempotent: true})
				return float64(time.Since(start).Nanoseconds()) / float64(n), err
			})
		})
	})
	b.Run("java", func(b *testing.B) {
		side(b, base, func() (float64, error) { return external(p.Java("saga.Throughput", args...)) })
	})
	b.Run("rust", func(b *testing.B) {
		side(b, base, func() (float64, error) { return external(p.Rust("saga-throughput", args...)) })
	})
}

// BenchmarkReplay: loading an aggregate by folding its stream, per event.
// go folds the stream into patterns/cqrs's Account; go-eventhorizon is the
// module's full load through eventhorizon's AggregateStore and memory store,
// which copies every event.
func BenchmarkReplay(b *testing.B) {
	p := setup(b)
	args := []string{fmt.Sprint(replayEvents), fmt.Sprint(2 * warmup), fmt.Sprint(2 * runs)}
	base := "BenchmarkReplay/go"
	var stream *gocqrs.Stream
	prepare := func() error {
		var err error
		if stream == nil {
			stream, err = gocqrs.NewStream(replayEvents)
		}
		return err
	}
	timed := func(load func() error) func() (float64, error) {
		return func() (float64, error) {
			if err := prepare(); err != nil {
				return 0, err
			}
			return median(func() (float64, error) {
				start := time.Now()
				err := load()
				return float64(time.Since(start).Nanoseconds()) / replayEvents, err
			})
		}
	}
	b.Run("go", func(b *testing.B) {
		side(b, base, timed(func() error { _, err := stream.Fold(); return err }))
	})
	b.Run("go-eventhorizon", func(b *testing.B) {
		side(b, base, timed(func() error { _, err := stream.Load(); return err }))
	})
	b.Run("java", func(b *testing.B) {
		side(b, base, func() (float64, error) { return external(p.Java("cqrs.Replay", args...)) })
	})
	b.Run("rust", func(b *testing.B) {
		side(b, base, func() (float64, error) { return external(p.Rust("replay", args...)) })
	})
}
