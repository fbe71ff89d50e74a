package edgeiot

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// The WAN the benchmarks put between devices (or the edge) and the hub:
// 10 ms each way, a 20 ms round trip, typical of a plant's uplink to a
// regional cloud.
const wanOneWay = 10 * time.Millisecond

// Load shape of the ingest benchmarks: a few machines, each with a window of
// QoS 1 messages in flight (paho pipelines; the PUBACKs come back in order).
const (
	benchDevices = 4
	benchWindow  = 32
)

// BenchmarkIngest measures what the devices see when they publish telemetry
// over MQTT QoS 1: readings per second, and how long a PUBACK takes. "edge"
// publishes to the edge next to the machines, and counts a reading when the
// gateway has stored it in TELEMETRY (validated, persisted, ready to
// forward). The references publish straight to a hub's MQTT listener, which
// stores them in a stream: on the same host ("hub-direct/lan") and across a
// 20 ms round trip ("hub-direct/wan-20ms-rtt"), where the plant's machines
// would really be. "saturated" publishes as fast as the window allows (the
// capacity); "paced-800" offers 800 readings/s in all, below every
// capacity, so the latency is the path's and not a queue's.
func BenchmarkIngest(b *testing.B) {
	for _, load := range []struct {
		name string
		rate float64 // per device; 0: saturated
	}{{"saturated", 0}, {"paced-800", 800.0 / benchDevices}} {
		b.Run(load.name+"/edge", func(b *testing.B) { benchIngestEdge(b, load.rate) })
		b.Run(load.name+"/hub-direct/lan", func(b *testing.B) { benchIngestHub(b, 0, load.rate) })
		b.Run(load.name+"/hub-direct/wan-20ms-rtt", func(b *testing.B) { benchIngestHub(b, wanOneWay, load.rate) })
	}
}

func benchIngestEdge(b *testing.B, rate float64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	topo, err := StartTopology(ctx, TopologyConfig{Limits: DefaultEdgeLimits(), Gateway: GatewayConfig{}})
	if err != nil {
		b.Fatal(err)
	}
	defer topo.Close()
	ledger := topo.Gateway.Ledger()
	stored := func(ctx context.Context, n int) error {
		return ledger.Wait(ctx, func(l *Ledger) bool { return l.Stats().Accepted >= n })
	}
	runIngest(b, ctx, topo.Edge.MQTTURL(), rate, stored)
}

func benchIngestHub(b *testing.B, oneWay time.Duration, rate float64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	mqttPort, err := freePort()
	if err != nil {
		b.Fatal(err)
	}
	hub, err := natsembed.Start(natsembed.Options{Name: "hub", Domain: DefaultHubDomain, Configure: func(o *server.Options) {
		o.MQTT.Host, o.MQTT.Port = "127.0.0.1", mqttPort
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer hub.Shutdown()
	link, err := NewLink(net.JoinHostPort("127.0.0.1", strconv.Itoa(mqttPort)))
	if err != nil {
		b.Fatal(err)
	}
	defer link.Close()
	link.SetLatency(oneWay)
	nc, err := natsembed.Connect(hub.ClientURL(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "DIRECT", Subjects: []string{subjectIngestAll}, Storage: jetstream.FileStorage,
	})
	if err != nil {
		b.Fatal(err)
	}
	stored := func(ctx context.Context, n int) error {
		return poll(ctx, func() (bool, error) {
			info, err := s.Info(ctx)
			return err == nil && info.State.Msgs >= uint64(n), nil
		})
	}
	runIngest(b, ctx, "tcp://"+link.Addr(), rate, stored)
}

// runIngest publishes b.N readings from benchDevices clients to broker, each
// at rate readings/s (0: unpaced), and waits until stored reports them all
// stored. It reports readings/s and the PUBACK latency percentiles.
func runIngest(b *testing.B, ctx context.Context, broker string, rate float64, stored func(context.Context, int) error) {
	clients := make([]mqtt.Client, benchDevices)
	for i := range clients {
		c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).
			SetClientID(fmt.Sprintf("bench-%02d", i)).SetCleanSession(true).SetWriteTimeout(30 * time.Second))
		if err := wait(ctx, c.Connect()); err != nil {
			b.Fatal(err)
		}
		defer c.Disconnect(0)
		clients[i] = c
	}
	latencies := make([][]time.Duration, benchDevices)
	b.ResetTimer()
	start := time.Now()
	var g errgroup.Group
	for i, c := range clients {
		n := b.N / benchDevices
		if i < b.N%benchDevices {
			n++
		}
		g.Go(func() error {
			var err error
			latencies[i], err = publishWindowed(ctx, c, fmt.Sprintf("cnc-%02d", i+1), n, rate)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	if err := stored(ctx, b.N); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(latencies...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "readings/s")
	b.ReportMetric(ms(percentile(all, 0.50)), "ack-p50-ms")
	b.ReportMetric(ms(percentile(all, 0.99)), "ack-p99-ms")
}

// publishWindowed publishes n valid readings of device at QoS 1 with up to
// benchWindow in flight, at perSecond readings/s (0: unpaced), and returns
// each one's PUBACK latency. A collector waits for the tokens in publishing
// order, which is the order the broker acknowledges them in, so it sees each
// completion as it happens.
func publishWindowed(ctx context.Context, c mqtt.Client, device string, n int, perSecond float64) ([]time.Duration, error) {
	pace := rate.NewLimiter(rate.Inf, 1)
	if perSecond > 0 {
		pace = rate.NewLimiter(rate.Limit(perSecond), 1)
	}
	type sent struct {
		tok mqtt.Token
		at  time.Time
	}
	inFlight := make(chan sent, benchWindow)
	lat := make([]time.Duration, 0, n)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { // the collector
		for s := range inFlight {
			if err := wait(ctx, s.tok); err != nil {
				return err
			}
			lat = append(lat, time.Since(s.at))
		}
		return nil
	})
	g.Go(func() error { // the publisher
		defer close(inFlight)
		topic := TelemetryTopic(device)
		for seq := 1; seq <= n; seq++ {
			if err := pace.Wait(ctx); err != nil {
				return err
			}
			r := Reading{Device: device, Seq: uint64(seq), TS: 1_767_225_600_000 + int64(seq)*100, TempMC: 45_000}
			select {
			case inFlight <- sent{tok: c.Publish(topic, 1, false, r.Encode()), at: time.Now()}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	return lat, g.Wait()
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// catchUpBacklog is how many readings each catch-up forwards.
const catchUpBacklog = 20_000

// BenchmarkCatchUp measures how the hub catches up on readings the edge
// buffered during an outage: after a warm-up, the link is cut,
// catchUpBacklog readings are stored at the edge and the link is restored.
// resume-ms is the time from the restore to the first reading at the hub
// (the leafnode redial and the forwarder's next batch); readings/s is the
// rate from there to the last one. The reference "live" forwards as many
// with the link up all along, timed from the first store. Both on the LAN
// and across the 20 ms round trip.
func BenchmarkCatchUp(b *testing.B) {
	for _, wan := range []struct {
		name   string
		oneWay time.Duration
	}{{"lan", 0}, {"wan-20ms-rtt", wanOneWay}} {
		b.Run("after-outage/"+wan.name, func(b *testing.B) { benchForward(b, wan.oneWay, true) })
		b.Run("live/"+wan.name, func(b *testing.B) { benchForward(b, wan.oneWay, false) })
	}
}

func benchForward(b *testing.B, oneWay time.Duration, outage bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	lim := DefaultEdgeLimits()
	lim.Buffer = Limit{MaxMsgs: 2 * catchUpBacklog, MaxBytes: 64 << 20}
	topo, err := StartTopology(ctx, TopologyConfig{Limits: lim, LinkLatency: oneWay})
	if err != nil {
		b.Fatal(err)
	}
	defer topo.Close()
	seq := 0
	store := func(n int) int {
		bytes, err := storeReadings(ctx, topo.EdgeJS, seq, n)
		if err != nil {
			b.Fatal(err)
		}
		seq += n
		return bytes
	}
	atHub := func(n int) time.Time {
		if err := topo.WaitAtHub(ctx, StreamHubTelemetry, uint64(n)); err != nil {
			b.Fatal(err)
		}
		return time.Now()
	}
	store(100) // warm-up: the hub's source is flowing
	atHub(seq)
	var resume, transfer time.Duration
	bytes := 0
	var msgs int64 // between the forwarder and the edge server, while it forwards
	counted := func() int64 {
		in, out := labtest.ConnMsgs(b, topo.Edge.NATS(), topo.Edge.Domain+"-forwarder")
		return in + out
	}
	b.ResetTimer()
	for range b.N {
		before := seq
		if outage {
			// The hub's PubAcks for what went before are back: a cut while
			// they are on their way costs the forwarder its Timeout (2 s)
			// before it sends again, whatever the restore does.
			if err := topo.WaitDrained(ctx); err != nil {
				b.Fatal(err)
			}
			topo.Link.Cut()
			if err := topo.WaitUnlinked(ctx); err != nil {
				b.Fatal(err)
			}
			bytes += store(catchUpBacklog)
			restored, m0 := time.Now(), counted()
			topo.Link.Restore()
			first := atHub(before + 1)
			resume += first.Sub(restored)
			transfer += atHub(seq).Sub(first)
			msgs += counted() - m0
		} else {
			start, m0 := time.Now(), counted()
			bytes += store(catchUpBacklog)
			transfer += atHub(seq).Sub(start)
			msgs += counted() - m0
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*catchUpBacklog)/transfer.Seconds(), "readings/s")
	b.ReportMetric(float64(bytes)/transfer.Seconds()/1e6, "payload-MB/s")
	b.ReportMetric(ms(resume)/float64(b.N), "resume-ms")
	b.ReportMetric(float64(msgs)/float64(b.N*catchUpBacklog), "forwarder-msgs/reading")
}

// storeReadings stores readings from+1..from+n in TELEMETRY at the edge,
// pipelined, and returns their payload bytes.
func storeReadings(ctx context.Context, js jetstream.JetStream, from, n int) (int, error) {
	// In chunks well under the client's limit of outstanding async
	// publishes, which a loaded machine otherwise hits ("stalled with too
	// many outstanding async published messages").
	const chunk = 1000
	bytes := 0
	futures := make([]jetstream.PubAckFuture, 0, chunk)
	wait := func() error {
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return err
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		futures = futures[:0]
		return nil
	}
	for seq := from + 1; seq <= from+n; seq++ {
		r := Reading{Device: "cnc-01", Seq: uint64(seq), TS: int64(seq), TempMC: 45_000}
		body := r.Encode()
		bytes += len(body)
		f, err := js.PublishAsync(telemetrySubject(r.Device), body, jetstream.WithMsgID(r.ID()))
		if err != nil {
			return 0, err
		}
		if futures = append(futures, f); len(futures) == chunk {
			if err := wait(); err != nil {
				return 0, err
			}
		}
	}
	if err := wait(); err != nil {
		return 0, err
	}
	return bytes, nil
}

// BenchmarkDownsampling measures the edge's downsampler over a second of ten
// readings per window, and the bytes forwarded: "raw" encodes every reading
// (what a hub receives without downsampling), "windowed" folds them into one
// aggregate per device and second. bytes-saved-% compares the payloads.
func BenchmarkDownsampling(b *testing.B) {
	readings := make([]Reading, 0, 10_000)
	for seq := 1; seq <= cap(readings); seq++ {
		dev := fmt.Sprintf("cnc-%02d", seq%8+1)
		readings = append(readings, Reading{Device: dev, Seq: uint64(seq), TS: 1_767_225_600_000 + int64(seq/8)*100, TempMC: 40_000 + int64(seq%5000)})
	}
	var rawBytes int
	for _, r := range readings {
		rawBytes += len(r.Encode())
	}
	aggBytes := 0
	for _, a := range downsampleAll(readings) {
		aggBytes += len(a.Encode())
	}
	b.Run("raw", func(b *testing.B) {
		for i := range b.N {
			benchSink += len(readings[i%len(readings)].Encode())
		}
		b.ReportMetric(float64(rawBytes)/float64(len(readings)), "B/reading")
		b.ReportMetric(0, "bytes-saved-%")
	})
	b.Run("windowed", func(b *testing.B) {
		d := NewDownsampler(1000, 120)
		for i := range b.N {
			if i%len(readings) == 0 {
				d = NewDownsampler(1000, 120)
			}
			for _, a := range d.Add(readings[i%len(readings)]) {
				benchSink += len(a.Encode())
			}
		}
		b.ReportMetric(float64(aggBytes)/float64(len(readings)), "B/reading")
		b.ReportMetric(100*(1-float64(aggBytes)/float64(rawBytes)), "bytes-saved-%")
	})
}

// benchSink keeps the compiler from optimising the measured work away.
var benchSink int

// downsampleAll returns every aggregate the downsampler emits for readings.
func downsampleAll(readings []Reading) []Aggregate {
	d := NewDownsampler(1000, 120)
	var out []Aggregate
	for _, r := range readings {
		out = append(out, d.Add(r)...)
	}
	return append(out, d.Flush()...)
}
