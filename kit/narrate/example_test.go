package narrate

import "os"

// Every demo of the lab narrates this way. Measure lines vary between runs
// and are hidden here, so the Output below is exact.
func ExampleNarrator() {
	n := New(os.Stdout, HideMeasurements())
	n.Act("act 1: bounded channel")
	n.Step("producer", "sent %d messages", 1000)
	n.Measure("consumer", "goodput %d msg/s", 4812) // shown in a demo, hidden here
	n.Fault("consumer", "stalls for %s", "200ms")
	n.Check("queue", true, "peak %d <= %d", 64, 64)
	n.Invariant("nothing lost")
	// Output:
	// == act 1: bounded channel ==
	// [producer] sent 1000 messages
	// [consumer] FAULT: stalls for 200ms
	// [check] queue: peak 64 <= 64: ok
	// [invariant] HELD: nothing lost
}
