package manufacturing_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/industries/manufacturing/edge"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/poll"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
)

// One gateway (a plant of 4 lines of 8 machines) takes 200 intervals
// played back to back: readings/s is what its machines published over the
// time until its line controller had decided, archived and stored them all
// (MQTT in, the landing stream, the rule, the archive and the buffer).
// Where the time goes, from the edge server's own counters: undecided-%
// is the share of the readings the controller had not yet archived when
// the machines' last interval was acknowledged (0: the machines are the
// limit; large: the controller is); controller-msgs/reading the messages
// between the controller's connection and the edge server per reading
// (its publishes, acks, deliveries and PubAcks).
func BenchmarkGatewayThroughput(b *testing.B) {
	const intervals = 200
	var readings, undecided int
	var msgs int64
	var took time.Duration
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cfg := systemConfig()
		cfg.Lockstep = false // as measured in benchmarks/results: the floor's pace alone
		cfg.Floor = plant.NewFloor(1, 4, 8, 8*time.Hour, 5*time.Minute)
		cfg.Pace = 0
		sys, err := manufacturing.StartSystem(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		site := sys.Sites[0]
		controller := site.Plant.ID + "-controller"
		in0, out0 := labtest.ConnMsgs(b, site.Edge.Edge.NATS(), controller)
		start := time.Now()
		for range intervals {
			if err := sys.Interval(ctx); err != nil {
				b.Fatal(err)
			}
		}
		published := uint64(site.Floor.Published())
		if n, err := edge.ArchivedReadings(ctx, site.Edge.EdgeJS); err == nil && n < published {
			undecided += int(published - n)
		}
		err = poll.Until(ctx, 2*time.Millisecond, func() (bool, error) {
			n, err := edge.ArchivedReadings(ctx, site.Edge.EdgeJS)
			return err == nil && n >= published, sys.Err()
		})
		took += time.Since(start)
		readings += int(published)
		in1, out1 := labtest.ConnMsgs(b, site.Edge.Edge.NATS(), controller)
		msgs += in1 - in0 + out1 - out0
		sys.Close()
		cancel()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(readings)/took.Seconds(), "readings/s")
	b.ReportMetric(100*float64(undecided)/float64(readings), "undecided-%")
	b.ReportMetric(float64(msgs)/float64(readings), "controller-msgs/reading")
}

// Plant a (4 lines of 10 machines) is cut off for an outage of 2 or 8
// hours of plant time, its readings kept at the edge; then the link comes
// back and the backlog goes through the hub's OEE consumer at 1000
// readings/s. catchup-s is the time from the restore to every reading
// handled at the hub; peak-inflight the most readings the hub's server
// counted delivered to the consumer and unacknowledged, and inflight-KiB
// those readings' bytes (peak-inflight times the mean size of a reading in
// the hub's stream): what the consumer holds in memory. heap-peak-MiB is
// the process's heap at its highest during the catch-up over what it was
// at the restore: hub, edges, servers and consumer share this process, and
// their own buffers dominate it. With the credit window W = 32, and
// without (the consumer asks for the whole backlog at once).
func BenchmarkCatchUp(b *testing.B) {
	for _, c := range []struct {
		name   string
		window bool
		outage int // intervals of 5 minutes
	}{
		{"credit-window/outage-2h", true, 24}, {"credit-window/outage-8h", true, 96},
		{"no-window/outage-2h", false, 24}, {"no-window/outage-8h", false, 96},
	} {
		b.Run(c.name, func(b *testing.B) {
			var took time.Duration
			var backlog, inflight int
			var heap uint64
			var size float64
			for b.Loop() {
				r := catchUpOnce(b, c.window, c.outage)
				took += r.took
				backlog, inflight, heap, size = max(backlog, r.backlog), max(inflight, r.inflight), max(heap, r.heap), max(size, r.size)
			}
			b.ReportMetric(took.Seconds()/float64(b.N), "catchup-s")
			b.ReportMetric(float64(backlog), "backlog")
			b.ReportMetric(float64(inflight), "peak-inflight")
			b.ReportMetric(float64(inflight)*size/1024, "inflight-KiB")
			b.ReportMetric(float64(heap)/(1<<20), "heap-peak-MiB")
		})
	}
}

type catchUp struct {
	took              time.Duration
	backlog, inflight int
	heap              uint64
	size              float64 // mean bytes of a reading in the hub's stream
}

func catchUpOnce(b *testing.B, window bool, outage int) catchUp {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := systemConfig()
	cfg.Lockstep = false // as measured in benchmarks/results: the floor's pace alone
	cfg.Floor = plant.NewFloor(2, 4, 10, 8*time.Hour, 5*time.Minute)
	cfg.Pace, cfg.HubRate, cfg.CreditWindow = 0, 1000, window
	sys, err := manufacturing.StartSystem(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer sys.Close()
	a := sys.Site("plant-a")
	a.Edge.Link.Cut()
	if err := a.Edge.WaitUnlinked(ctx); err != nil {
		b.Fatal(err)
	}
	for range outage {
		if err := sys.Interval(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// everything plant a published is decided and waiting at its edge
	published := uint64(a.Floor.Published())
	if err := poll.Until(ctx, 2*time.Millisecond, func() (bool, error) {
		n, err := edge.ArchivedReadings(ctx, a.Edge.EdgeJS)
		return err == nil && n >= published, sys.Err()
	}); err != nil {
		b.Fatal(err)
	}
	var r catchUp
	r.backlog = int(published)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // owned by this trial: done ends it
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base {
				r.heap = max(r.heap, ms.HeapAlloc-base)
			}
			if d, _, err := sys.OEE.InFlight(ctx); err == nil {
				r.inflight = max(r.inflight, d)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	a.Edge.Link.Restore()
	err = sys.WaitSettled(ctx)
	r.took = time.Since(start)
	close(done)
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	st, err := sys.HubJS.Stream(ctx, edgeiot.StreamHubTelemetry)
	if err != nil {
		b.Fatal(err)
	}
	if state := st.CachedInfo().State; state.Msgs > 0 {
		r.size = float64(state.Bytes) / float64(state.Msgs)
	}
	return r
}
