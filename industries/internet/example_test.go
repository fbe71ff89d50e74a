package internet_test

import (
	"context"
	"os"

	internet "github.com/patternlab/patternlab/industries/internet"
	"github.com/patternlab/patternlab/kit/narrate"
)

// The whole story with the default flags: the day's traffic, the 10x spike
// at the edge, web-3's clock seven minutes ahead, the window stage crashing
// mid-window and restarting from its checkpoint, then the audit against the
// batch recomputation. Measurements (rates, waits, the heap) are hidden; the
// rest is the same on every run.
func ExampleDemo() {
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := internet.Demo(context.Background(), n, internet.DefaultConfig()); err != nil {
		n.Step("demo", "stopped: %v", err)
	}
	// Output:
	// == the day's traffic ==
	// [traffic] 6533 beacons from 100 users and 2 crawlers over 2h0m0s (seed 1)
	// [traffic] devices hold back 5% of beacons (up to 3m0s), send 3% twice; 12 beacons are malformed
	// [traffic] web-3's clock jumps 7m0s ahead at 10:00
	// [traffic] a flash campaign brings 10x the usual traffic at 09:50 for 15m0s
	// [policy] 1m0s event-time windows, watermark 5s behind the latest event, allowed lateness 10s, sessions end after 30m0s without an event
	// == the servers ==
	// [nats] embedded server; only the pipeline's own user may publish on clicks.>
	// [log] the edge writes to stream CLICKS on clicks.in; late events go to CLICKS_LATE, malformed beacons to CLICKS_DEAD
	// == the stream ==
	// [edge] bounded-channel of 64 beacons in front of the log writer (3000 beacons/s, 32 unacknowledged at most); the usual traffic plays at 1500 beacons/s
	// [edge] FAULT: the flash campaign starts: 15000 beacons/s offered to a log writer of 3000
	// [window] FAULT: crashes with 2 windows open, 40 records past its checkpoint at log record #1432
	// [window] restarts from its checkpoint at log record #1432 (watermark 09:49:15, 1 windows open): the log is replayed from #1433
	// [web-3] FAULT: web-3's event e-003913: its clock is 7m0s ahead, corrected at the window stage
	// [edge] took all 6533 beacons, none shed
	// == the audit ==
	// [audit] read the log back from the server: 6533 beacons; the batch recomputes them under the same policy
	// [check] stream = batch: all 128 windows and 1444 sessions equal: ok
	// [check] accounted: 6533 of 6533 beacons in the log; each counted once or dropped with a reason: ok
	// [check] late routed: 229 late events in CLICKS_LATE, 229 late in the batch: ok
	// [check] dead letters: 12 malformed beacons, 12 dead letters in CLICKS_DEAD (malformed: not-json ×5, malformed: unknown-kind ×3, malformed: bad-time ×2, malformed: missing-field ×2): ok
	// [check] edge memory: beacons held between taken and logged never above B + W + 3 = 99: ok
	// [metrics] 128 windows, 1444 sessions; dropped: 161 duplicate, 925 bot, 229 late, 12 malformed
	// [metrics] 1.03 sessions per user (30-minute gap), 1396 users
	// [metrics] funnel, summed over windows: 2008 viewed → 485 added to cart → 45 purchased
	// [metrics] click-through: c-brand 3.3%, c-flash 29.1%, c-retarget 11.1%, c-spring 2.6%
	// [metrics] busiest window 10:00: 114 page views, top pages /deals, /, /p/lamp
	// [metrics] the window stage restarted 1 time(s) from its checkpoint
	// [invariant] HELD: the streaming metrics equal a batch recomputation over the same log under the same lateness policy, for every window; no event lost; every dropped event has its reason (duplicate, bot, late, malformed)
}
