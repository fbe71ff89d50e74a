package backpressure;

import static lab.TestRunner.assertEquals;
import static lab.TestRunner.assertTrue;

import lab.Test;

/** Backpressure's invariant, attacked: without the inbox the crashed consumer's redelivery is processed twice. */
public final class BackpressureTest {
    private static Workload workload(long seed, boolean perturb) {
        return new Workload(15_000, 5_000, 10, 256, 64, seed, perturb);
    }

    @Test
    static void holdsForSeveralSeeds() {
        for (long seed = 1; seed <= 5; seed++) {
            Main.Run r = Main.run(workload(seed, false), true);
            assertTrue(r.violations().isEmpty(), "seed " + seed + ": " + r.violations());
            assertTrue(r.results().get(0).peakInFlight() > 256, "the unbounded buffer did not outgrow B");
            assertTrue(r.results().get(2).shedRateLimited() > 0, "load shedding shed nothing");
            assertEquals(1, r.results().get(3).absorbed(), "redeliveries absorbed by the inbox");
        }
    }

    @Test
    static void withoutTheInboxARedeliveryIsProcessedTwice() {
        Main.Run r = Main.run(workload(1, false), false);
        assertTrue(r.violations().stream().anyMatch(v -> v.contains("1 processed twice")), "" + r.violations());
    }

    @Test
    static void aPerturbedScheduleChangesTheSummary() {
        assertTrue(!Main.run(workload(1, false), true).summary().equals(Main.run(workload(1, true), true).summary()), "perturbing changed nothing");
    }

    @Test
    static void theTokenBucketRefillsAtItsRate() {
        Strategies.TokenBucket b = new Strategies.TokenBucket(1000, 2); // 1000/s, burst 2
        assertTrue(b.take(0) && b.take(0), "the burst");
        assertTrue(!b.take(0), "empty after the burst");
        assertTrue(!b.take(999_999), "not yet a token after 999.999 us");
        assertTrue(b.take(1_000_000), "one token after 1 ms");
    }
}
