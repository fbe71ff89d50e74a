package manufacturing_test

import (
	"context"
	"sort"
	"testing"
	"time"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/kit/poll"
)

// A bearing fails on b-l2-m1 at interval 40: the time from its anomalous
// reading to the last machine of line b-l2 receiving the stop, decided at
// the edge or by the hub across a WAN of 20 ms each way, in the same run
// (ns/op is stopTrials whole systems started, played and stopped).
func BenchmarkStopLatency(b *testing.B) {
	for _, mode := range []struct {
		name  string
		local bool
	}{{"edge", true}, {"hub-over-20ms-wan", false}} {
		b.Run(mode.name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				for range stopTrials {
					lat = append(lat, stopOnce(b, mode.local))
				}
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// stopTrials is how many fresh systems one benchmark iteration starts: a
// trial takes seconds, so the default benchtime runs one iteration.
const stopTrials = 5

// stopOnce starts the system on a 20 ms WAN, plays 42 intervals and waits
// until every machine of b-l2 has the stop command.
func stopOnce(b *testing.B, local bool) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := systemConfig()
	cfg.Lockstep = false // as measured in benchmarks/results: the floor's pace alone
	cfg.LocalStop, cfg.LinkLatency = local, 20*time.Millisecond
	sys, err := manufacturing.StartSystem(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer sys.Close()
	for range 42 {
		if err := sys.Interval(ctx); err != nil {
			b.Fatal(err)
		}
	}
	var l manufacturing.Latency
	err = poll.Until(ctx, 5*time.Millisecond, func() (bool, error) {
		ls := sys.StopLatencies()
		if len(ls) == 0 || !ls[0].Reached {
			return false, nil
		}
		l = ls[0]
		return true, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return l.Worst
}
