package internet

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/industries/internet/eventtime"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/patterns/backpressure"
	"github.com/patternlab/patternlab/patterns/workflow/goroutines"
)

// Base names of the run's streams and subjects (a shared server gets them
// with the run's suffix).
const (
	StreamBase  = "CLICKS"
	SubjectBase = "clicks"
)

// Demo runs the narrated demo: a day of clickstream through the edge, the
// log and the pipeline, with a 10x spike, a clock-skewed front end and a
// crash of the window stage, then the audit against a batch recomputation.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	day := newDay(cfg)
	n.Act("the day's traffic")
	day.narrate(n, cfg)

	n.Act("the servers")
	target, err := natsembed.FromEnv(natsembed.Options{Name: "internet", Protect: []string{SubjectBase + ".>"}})
	if err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	defer target.Close()
	n.Measure("nats", "%s", target.Describe())
	if target.External() {
		n.Step("nats", "a shared server: the run's streams and subjects carry a suffix of their own and are deleted on exit")
	} else {
		n.Step("nats", "embedded server; only the pipeline's own user may publish on %s.>", SubjectBase)
	}
	log, err := openRun(ctx, target)
	if err != nil {
		return err
	}
	n.Step("log", "the edge writes to stream %s on %s; late events go to %s, malformed beacons to %s",
		log.Names.Log, log.Names.In, log.Names.Late, log.Names.Dead)

	n.Act("the stream")
	run, err := stream(ctx, n, cfg, day, log)
	if err != nil {
		return err
	}

	n.Act("the audit")
	return audit(ctx, n, cfg, day, log, run)
}

// day is the generated traffic and what the narration says about it.
type day struct {
	beacons   []clickstream.Beacon
	spikeFrom int64
	speed     float64
}

func newDay(cfg Config) day {
	t := cfg.Traffic
	d := day{beacons: t.Generate(), spikeFrom: clickstream.Start.Add(t.SpikeAt).UnixMilli()}
	spikeTo := clickstream.Start.Add(t.SpikeAt + t.Spike).UnixMilli()
	usual := 0
	for _, b := range d.beacons {
		if t.Factor <= 1 || b.Recv < d.spikeFrom || b.Recv >= spikeTo {
			usual++
		}
	}
	span := t.Span.Seconds()
	if t.Factor > 1 {
		span -= t.Spike.Seconds()
	}
	perSimSecond := float64(max(usual, 1)) / max(span, 1)
	d.speed = cfg.Rate / perSimSecond // simulated seconds per real second: the usual traffic plays at cfg.Rate
	return d
}

func (d day) narrate(n *narrate.Narrator, cfg Config) {
	t := cfg.Traffic
	n.Step("traffic", "%d beacons from %d users and %d crawlers over %v (seed %d)", len(d.beacons), t.Users, t.Bots, t.Span, t.Seed)
	n.Step("traffic", "devices hold back %.0f%% of beacons (up to %v), send %.0f%% twice; %d beacons are malformed",
		100*t.Late, t.Holdup, 100*t.Retries, t.Garbage)
	if t.Skew > 0 && t.Skewed != "" {
		n.Step("traffic", "%s's clock jumps %v ahead at %s", t.Skewed, t.Skew, clickstream.Start.Add(t.SkewAt).Format("15:04"))
	}
	if t.Factor > 1 {
		n.Step("traffic", "a flash campaign brings %dx the usual traffic at %s for %v", t.Factor,
			clickstream.Start.Add(t.SpikeAt).Format("15:04"), t.Spike)
	}
	p := cfg.Policy
	clock := "event-time"
	if cfg.Time != "event" {
		clock = "processing-time"
	}
	n.Step("policy", "%v %s windows, watermark %v behind the latest event, allowed lateness %v, sessions end after %v without an event",
		p.Size, clock, p.Disorder, p.Lateness, p.Gap)
}

func openRun(ctx context.Context, target *natsembed.Target) (*Log, error) {
	nc, err := natsembed.Connect(target.URL, "internet")
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	target.OnClose(nc.Close)
	js, err := jetstreamOf(nc)
	if err != nil {
		return nil, err
	}
	names := NamesFor(target.Unique(StreamBase), target.Unique(SubjectBase))
	if target.External() {
		target.OnClose(func() { deleteStreams(js, names) })
	}
	return OpenLog(ctx, js, names)
}

// runStats is what the stream act measured.
type runStats struct {
	edge      EdgeStats
	store     *Warehouse
	elapsed   time.Duration
	crashes   int
	checkedAt *eventtime.Checkpoint
}

func stream(ctx context.Context, n *narrate.Narrator, cfg Config, d day, log *Log) (runStats, error) {
	var strategy backpressure.Strategy = backpressure.NewBoundedChannel(cfg.Buffer)
	if !cfg.Bounded {
		n.Step("lab", "SWITCH -bounded=false: the edge queues every beacon the log writer cannot take yet")
		strategy = backpressure.NewUnboundedBuffer()
	}
	switches(n, cfg)
	n.Step("edge", "%s of %d beacons in front of the log writer (%.0f beacons/s, %d unacknowledged at most); the usual traffic plays at %.0f beacons/s",
		strategy.Name(), cfg.Buffer, cfg.LogRate, cfg.Window, cfg.Rate)

	var spike, skew, crash *narrate.PlannedFault
	if cfg.Traffic.Factor > 1 {
		spike = n.Plan("edge", fmt.Sprintf("a %dx spike", cfg.Traffic.Factor))
	}
	if cfg.Traffic.Skew >= time.Minute && cfg.Traffic.Skewed != "" {
		skew = n.Plan(cfg.Traffic.Skewed, "a clock jumping "+cfg.Traffic.Skew.String()+" ahead")
	}
	if cfg.Crash {
		crash = n.Plan("window", "a crash mid-window during the spike")
	}
	store := NewWarehouse(log, cfg.DeadLetters)
	if n.JSONMode() {
		store.Routed = func(stream, what string, seq uint64) { n.Message("store", stream, what, SeqID(seq)) }
	}
	st := runStats{store: store}
	buffer := 128
	if !cfg.Bounded {
		buffer = goroutines.Unbounded
	}
	a := &Analytics{Log: log, Store: store, Policy: cfg.Policy, Safeguards: cfg.Safeguards(), FilterBots: cfg.Bots,
		Buffer: buffer, Batch: 1}
	var asked atomic.Bool // a crash asked for on demand (the lab's fault button)
	n.Offer("crash-window", "window", "crash the window stage now; it restarts from its checkpoint", func() error {
		asked.Store(true)
		return nil
	})
	defer n.Withdraw("crash-window")
	onDemand := false // owned by the window stage's goroutine, like the calls below
	a.Crash = func(rec eventtime.Record, since, open int) bool {
		if onDemand = asked.Swap(false); onDemand {
			return true
		}
		// The planned crash: during the spike, when a stage is most likely to die.
		return crash != nil && crash.Fired() == 0 && rec.Recv >= d.spikeFrom && since >= cfg.CrashAfter && open > 0
	}
	a.Crashed = func(cp *eventtime.Checkpoint, since, open int) {
		at := uint64(0)
		if cp != nil {
			at = cp.Offset
		}
		if onDemand {
			n.Fault("window", "crashes on demand with %d windows open, %d records past its checkpoint at log record #%d", open, since, at)
			return
		}
		crash.Fire("crashes with %d windows open, %d records past its checkpoint at log record #%d", open, since, at)
	}
	a.Restarted = func(cp *eventtime.Checkpoint) {
		st.crashes++
		if cp == nil {
			n.Step("window", "restarts with no checkpoint: the log is replayed from #1")
			return
		}
		op, err := eventtime.NewOperator(cfg.Policy, cfg.Safeguards(), cp)
		if err != nil {
			n.Step("window", "restarts from its checkpoint at log record #%d", cp.Offset)
			return
		}
		wm, _ := op.Watermark()
		n.Step("window", "restarts from its checkpoint at log record #%d (watermark %s, %d windows open): the log is replayed from #%d",
			cp.Offset, time.UnixMilli(wm).UTC().Format("15:04:05"), op.OpenWindows(), cp.Offset+1)
	}
	if skew != nil {
		what := "corrected at the window stage"
		if !cfg.SkewCorrection || cfg.Time != "event" {
			what = "taken as it is"
		}
		a.Skewed = func(rec eventtime.Record, by int64) {
			if skew.Fired() == 0 {
				skew.Fire("%s's event %s: its clock is %v ahead, %s", rec.Event.Producer, rec.Event.ID,
					(time.Duration(by) * time.Millisecond).Round(time.Second), what)
			}
		}
	}
	edge := &Edge{Strategy: strategy, Log: log, Rate: cfg.LogRate, Window: cfg.Window, Speed: d.speed, SpikeFrom: d.spikeFrom}
	if n.JSONMode() {
		edge.Held = func(held int) { n.Sample("edge held", float64(held), "beacons") }
	}
	if spike != nil {
		edge.Spiking = func() {
			spike.Fire("the flash campaign starts: %.0f beacons/s offered to a log writer of %.0f", cfg.Rate*float64(cfg.Traffic.Factor), cfg.LogRate)
		}
	} else {
		edge.SpikeFrom = 1<<63 - 1
	}

	began := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		s, err := edge.Ingest(gctx, d.beacons)
		st.edge = s
		return err
	})
	g.Go(func() error { return a.Run(gctx) })
	if err := g.Wait(); err != nil {
		return st, err
	}
	st.elapsed = time.Since(began)
	n.Step("edge", "took all %d beacons, none shed", st.edge.Offered)
	n.Measure("edge", "%d beacons waited more than 100 ms for the log writer, the longest %v; at most %d beacons (%s) held; the process's heap grew by %s", st.edge.Delayed, st.edge.MaxDelay.Round(time.Millisecond),
		st.edge.PeakHeld, backpressure.MiB(uint64(st.edge.PeakBytes)), backpressure.MiB(st.edge.PeakHeap))
	n.Measure("pipeline", "%d beacons in %v: %.0f beacons/s end to end", len(d.beacons), st.elapsed.Round(time.Millisecond),
		float64(len(d.beacons))/st.elapsed.Seconds())
	if p50, p99, ok := eventToMetric(st); ok {
		n.Measure("pipeline", "from the edge taking a beacon to the first window result counting it: p50 %v, p99 %v (the watermark's wait, played %.0fx faster than the day)",
			p50.Round(time.Millisecond), p99.Round(time.Millisecond), d.speed)
	}
	return st, nil
}

// eventToMetric is the real time from the edge taking each beacon to the
// store first holding a window result that counts it. The log is the run's
// own, written by one edge in order: beacon i is log record i + 1.
func eventToMetric(st runStats) (p50, p99 time.Duration, ok bool) {
	var lat []time.Duration
	for i, at := range st.edge.OfferedAt {
		if t, counted := st.store.FirstCounted(uint64(i + 1)); counted && !at.IsZero() {
			lat = append(lat, t.Sub(at))
		}
	}
	if len(lat) == 0 {
		return 0, 0, false
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], true
}

func switches(n *narrate.Narrator, cfg Config) {
	if cfg.Time != "event" {
		n.Step("lab", "SWITCH -time=processing: windows by when the edge received an event, not when it happened")
	}
	if !cfg.SkewCorrection {
		n.Step("lab", "SWITCH -skew-correction=false: device clocks are trusted")
	}
	if !cfg.Dedupe {
		n.Step("lab", "SWITCH -dedupe=false: a device's repeat is counted again")
	}
	if !cfg.Bots {
		n.Step("lab", "SWITCH -bots-filter=false: crawlers are counted as people")
	}
	if !cfg.Idempotent {
		n.Step("lab", "SWITCH -idempotent=false: each event is added to the store as it is counted")
	}
	if !cfg.LateRoute {
		n.Step("lab", "SWITCH -late-route=false: late events are dropped without a word")
	}
	if !cfg.DeadLetters {
		n.Step("lab", "SWITCH -dead-letters=false: malformed beacons are dropped without a dead letter")
	}
}
