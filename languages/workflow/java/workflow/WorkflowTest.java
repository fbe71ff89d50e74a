package workflow;

import static lab.TestRunner.assertEquals;
import static lab.TestRunner.assertTrue;

import java.nio.file.Path;
import lab.Test;

/** The pipeline's invariant, attacked: without upserts a duplicate is a second row; unbounded queues let a slow store fall behind. */
public final class WorkflowTest {
    private static final Path EXPORT = Path.of("workflow/testdata/readings.csv");

    private static Main.Run run(long delay, boolean bounded, boolean upsert, boolean perturb) throws Exception {
        return Main.run(new Main.Config(EXPORT, 1, 64, 4, 128, 3, delay, bounded, upsert, perturb));
    }

    @Test
    static void holdsOnTheDefaultExport() throws Exception {
        Main.Run r = run(0, true, true, false);
        assertTrue(r.violations().isEmpty(), "" + r.violations());
        assertEquals(1, r.poison().size(), "poison keys");
    }

    @Test
    static void withoutUpsertsDuplicatesBecomeRows() throws Exception {
        assertTrue(run(0, true, false, false).violations().stream().anyMatch(v -> v.contains("rows stored")), "no duplicate row found");
    }

    @Test
    static void unboundedQueuesLetASlowStoreFallBehind() throws Exception {
        assertTrue(run(100, false, true, false).violations().stream().anyMatch(v -> v.contains("over the bound")), "the backlog stayed bounded");
    }

    @Test
    static void aPerturbedPoisonScheduleChangesTheSummary() throws Exception {
        assertTrue(!run(0, true, true, false).summary().equals(run(0, true, true, true).summary()), "perturbing changed nothing");
    }

    @Test
    static void eachRejectionHasItsKind() {
        String[][] cases = {
            {"a,b,temperature,1772431200000,20", "field-count"}, {"A,b,temperature,1772431200000,20,C", "bad-identifier"},
            {"a,b,temprature,1772431200000,20,C", "unknown-metric"}, {"a,b,temperature,2026-03-02T06:00:00Z,20,C", "bad-timestamp"},
            {"a,b,temperature,1772431200000,n/a,C", "bad-value"}, {"a,b,temperature,1772431200000,NaN,C", "bad-value"},
            {"a,b,temperature,1772431200000,1.5d,C", "bad-value"}, {"a,b,temperature,1772431200000,20,kg", "unknown-unit"},
            {"a,b,temperature,1772431200000,9999,C", "out-of-range"}, {"a,b,temperature,1772431200000,1__0,C", "bad-value"},
            {"a,b,temperature,1772431200000,_10,C", "bad-value"}, {"a,b,temperature,1772431200000,10_,C", "bad-value"}};
        for (String[] c : cases) {
            try {
                Reading.parse(c[0]);
                throw new AssertionError("accepted " + c[0]);
            } catch (Reading.Rejected r) {
                assertEquals(c[1], r.kind, c[0]);
            }
        }
        try {
            assertEquals(10.0, Reading.parse("a,b,vibration,1772431200000,1_0,mm/s").value(), "Go accepts digit separators");
        } catch (Reading.Rejected r) {
            throw new AssertionError("1_0 rejected: " + r.kind);
        }
        assertEquals(-0.001, Reading.round3(-0.0005), "round3 rounds half away from zero, like Go (Math.round would give 0)");
    }
}
