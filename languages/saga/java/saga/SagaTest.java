package saga;

import static lab.TestRunner.assertEquals;
import static lab.TestRunner.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import lab.Narrator;
import lab.Test;

/** The saga's invariant, attacked: without idempotency keys the schedule's duplicates apply twice. */
public final class SagaTest {
    private static Main.Run run(long seed, boolean idempotent, boolean perturb) {
        return Main.run(new Main.Config(8, seed, 0.3, idempotent, perturb), new Narrator(new PrintStream(OutputStream.nullOutputStream())));
    }

    @Test
    static void holdsForManySeeds() {
        for (long seed = 1; seed <= 40; seed++) {
            Main.Run r = run(seed, true, false);
            assertEquals(List.of(), r.verdict().violations, "violations for seed " + seed);
            assertEquals(8, r.verdict().completed + r.verdict().compensated, "sagas that ended, seed " + seed);
        }
    }

    @Test
    static void withoutIdempotencyAStepAppliesTwice() {
        List<String> v = run(82, false, false).verdict().violations;
        assertTrue(v.stream().anyMatch(s -> s.endsWith("applied 2 times")), "no step applied twice: " + v);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("money:")), "money still balances: " + v);
    }

    @Test
    static void theScheduleDeclinesFailsACompensationAndCancels() {
        Main.Run r = run(82, true, false);
        List<String> lines = r.summary();
        assertTrue(lines.stream().anyMatch(l -> l.contains(" decline=")), "no decline planned");
        assertTrue(lines.stream().anyMatch(l -> l.contains("/refund transient=") || l.contains("/release transient=")), "no failing compensation");
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("compensated: cancelled by the customer")), "the cancel did not fire");
        assertTrue(r.verdict().duplicates > 0, "the killed worker's step was not delivered again");
    }

    @Test
    static void aPerturbedScheduleChangesTheSummary() {
        assertTrue(!run(82, true, false).summary().equals(run(82, true, true).summary()), "perturbing the schedule changed nothing");
    }

    @Test
    static void badFlagsAreUsageErrors() {
        for (String[] bad : new String[][] {{"stray"}, {"-orders"}, {"-orders", "0"}, {"-fault-rate", "NaN"}, {"-nope", "1"}}) {
            try {
                lab.Flags f = new lab.Flags(bad, java.util.Set.of());
                f.integer("orders", 8, 1, 500);
                f.decimal("fault-rate", 0.3, 0, 1);
                f.done();
                throw new AssertionError("accepted " + String.join(" ", bad));
            } catch (lab.Flags.UsageError expected) {
                // the program exits 2 with this message
            }
        }
    }
}
