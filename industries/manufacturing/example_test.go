package manufacturing_test

import (
	"context"
	"os"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Three shifts of both plants with every fault: the flood of malformed
// readings, plant a's link down for shift 2 and its catch-up, plant b's
// line controller crashing mid-shift 2 and its edge server restarting
// mid-shift 3, a bearing failing in each plant; the plants' EdgeSites on
// envtest (KUBEBUILDER_ASSETS).
// Measurements (OEE figures, latencies, the catch-up's peak) are hidden;
// the rest is the same on every run.
func ExampleDemo() {
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := manufacturing.Demo(context.Background(), n, manufacturing.DefaultConfig()); err != nil {
		n.Step("demo", "stopped: %v", err)
	}
	// Output:
	// == the plants ==
	// [plant-a] 2 lines of 3 machines, a reading every 5m0s of plant time, 3 shifts of 8h0m0s played at 40ms an interval
	// [plant-b] 2 lines of 3 machines, a reading every 5m0s of plant time, 3 shifts of 8h0m0s played at 40ms an interval
	// [edge] anomaly rule: EWMA (weight 0.05) of each running machine's vibration and temperature, stop the line at z ≥ 6; budget 1s
	// [hub] live OEE per line and shift from the forwarded readings, through a credit window of W = 16 at 1000 readings/s
	// == the servers ==
	// [hub] embedded nats-server (JetStream domain hub); only the module's users may publish on uplink.>, commands.>
	// [hub] the edges' links may not publish $JS.API.>, $JS.*.API.>, $KV.>, $O.> into it: no plant reaches the hub's streams or the sites' registry
	// [plant-a] edge gateway: embedded nats-server (domain plant-a) with its MQTT listener, linked to the hub; 6 machines connected over MQTT
	// [plant-b] edge gateway: embedded nats-server (domain plant-b) with its MQTT listener, linked to the hub; 6 machines connected over MQTT
	// == the EdgeSites ==
	// [operator] envtest's kube-apiserver and etcd; the operator runs as user "edgesite-operator", bound to its generated role
	// [operator] EdgeSite plant-a applied (plant plant-a, leafnode to the hub, forwards telemetry.>, events.>, dlq.>, keeps 8Mi): Ready
	// [operator] EdgeSite plant-b applied (plant plant-b, leafnode to the hub, forwards telemetry.>, events.>, dlq.>, keeps 8Mi): Ready
	// [operator] envtest runs no pods: each Deployment describes the gateway this process runs
	// == shift 1 ==
	// [b-l1-m3] FAULT: firmware fault: 45 malformed readings (not-json, missing-field, unknown-field, good-over-count, unknown-state, vibration-out-of-range, other-machine, trailing-data, oversized)
	// [plant-b] anomaly on b-l2-m1: reading b-l2-m1/40, vibration z = 16.6 ≥ 6; the edge stops line b-l2 at once, without the hub
	// == shift 2 ==
	// [plant-a] FAULT: the WAN link is cut for the whole shift: the edge keeps working on its own
	// [plant-b] FAULT: the line controller (the edge gateway's process) crashes mid-shift with reading b-l2-m2/144 stored and not acknowledged, and restarts
	// [plant-a] anomaly on a-l1-m2: reading a-l1-m2/150, vibration z = 15.6 ≥ 6; the edge stops line a-l1 at once, without the hub
	// == shift 3 ==
	// [plant-a] link restored: the shift's readings waiting at the edge are forwarded, a catch-up burst
	// [plant-b] FAULT: the edge's nats-server restarts mid-shift with readings on their way to the hub; it keeps its file store
	// == the catch-up ==
	// [check] settled: every archived reading at the hub and handled: done: ok
	// == the audit ==
	// [check] edgesites: 2 EdgeSites converged: ConfigMap, Deployment, Service and the hub registration as the spec asks (operator.Drift): ok
	// [audit] read back 3456 raw readings from the edges' archives and recomputed OEE per line and shift
	// [check] oee: 12 line-shifts, the hub's live OEE equal to the recomputation: ok
	// [check] stops: 2 stop events in the edges' archives, each at the hub once: ok
	// [check] stop budget: every line told to stop within 1s of the anomalous reading: ok
	// [check] hub memory: the OEE consumer held at most W = 16 readings during the catch-up (the hub's count): ok
	// [check] dead letters: 45 malformed readings from b-l1-m3 at the hub's dead letters, each with its reason (8 kinds): ok
	// [invariant] HELD: the hub's live OEE equals OEE recomputed from the raw readings archived at the edges, for every line and shift; no stop event lost or duplicated; every line stopped within the time budget, also while its link was down; the hub's OEE consumer held at most W readings during the catch-up
}
