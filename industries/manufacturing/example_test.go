package manufacturing_test

import (
	"context"
	"os"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/kit/narrate"
)

// The first step of the case: three shifts of both plants, their readings
// delivered to the hub out of order with 2 % of them twice, the hub's
// live OEE against the recomputation from the raw readings. Nothing here
// depends on timing, so every line is the same on every run.
func ExampleDemo() {
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := manufacturing.Demo(context.Background(), n, manufacturing.DefaultConfig()); err != nil {
		n.Step("demo", "stopped: %v", err)
	}
	// Output:
	// == the floor ==
	// [plant-a] 2 lines of 3 machines, one reading every 5m0s of plant time, 8h0m0s shifts
	// [plant-b] 2 lines of 3 machines, one reading every 5m0s of plant time, 8h0m0s shifts
	// == the shifts ==
	// [plant] 3456 raw readings from 12 machines over 3 shifts (seed 7)
	// [transport] FAULT: delivers 79 readings twice and all of them out of order (at-least-once)
	// [hub] counted 3535 deliveries, 79 of them copies of a reading already seen
	// == the audit ==
	// [oee] a-l1 shift 1: OEE 82.2% (A 97.6% × P 86.6% × Q 97.3%), 2518 good of 2588 parts
	// [oee] a-l1 shift 2: OEE 75.5% (A 88.9% × P 86.7% × Q 98.0%), 2397 good of 2446 parts
	// [oee] a-l1 shift 3: OEE 82.0% (A 97.2% × P 86.7% × Q 97.3%), 2506 good of 2576 parts
	// [oee] a-l2 shift 1: OEE 79.0% (A 96.2% × P 84.9% × Q 96.9%), 2084 good of 2151 parts
	// [oee] a-l2 shift 2: OEE 78.8% (A 96.2% × P 84.1% × Q 97.1%), 2041 good of 2101 parts
	// [oee] a-l2 shift 3: OEE 80.2% (A 96.9% × P 84.7% × Q 97.6%), 2077 good of 2129 parts
	// [oee] b-l1 shift 1: OEE 80.5% (A 95.1% × P 86.7% × Q 97.9%), 2458 good of 2510 parts
	// [oee] b-l1 shift 2: OEE 81.2% (A 95.1% × P 87.4% × Q 97.7%), 2460 good of 2519 parts
	// [oee] b-l1 shift 3: OEE 78.6% (A 93.4% × P 86.2% × Q 97.6%), 2412 good of 2471 parts
	// [oee] b-l2 shift 1: OEE 74.4% (A 88.9% × P 85.2% × Q 97.9%), 2001 good of 2043 parts
	// [oee] b-l2 shift 2: OEE 81.8% (A 99.0% × P 84.6% × Q 97.5%), 2134 good of 2188 parts
	// [oee] b-l2 shift 3: OEE 79.4% (A 95.8% × P 84.6% × Q 97.8%), 2084 good of 2131 parts
	// [check] oee: 12 of 12 line-shifts equal to the recomputation: ok
	// [invariant] HELD: the hub's OEE, from the readings as delivered (out of order, some twice), equals OEE recomputed from the raw readings, for every line and shift
}
