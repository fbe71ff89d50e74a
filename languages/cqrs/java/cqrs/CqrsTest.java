package cqrs;

import static lab.TestRunner.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import lab.Narrator;
import lab.Test;

/** The ledger's invariant, attacked: without OCC a stale decision is stored; without command IDs a resend applies twice. */
public final class CqrsTest {
    private static Main.Run run(long seed, boolean occ, boolean dedupe, boolean perturb) {
        return Main.run(new Main.Config(4, 60, seed, occ, dedupe, perturb), new Narrator(new PrintStream(OutputStream.nullOutputStream())));
    }

    @Test
    static void holdsAndRacesConflictForManySeeds() {
        for (long seed = 1; seed <= 30; seed++) {
            Main.Run r = run(seed, true, true, false);
            assertTrue(r.violations.isEmpty(), "seed " + seed + ": " + r.violations);
            assertTrue(r.conflicts > 0, "seed " + seed + ": no race met a conflict");
        }
    }

    @Test
    static void withoutOccAStaleDecisionIsStored() {
        Main.Run r = run(1, false, true, false);
        assertTrue(r.violations.stream().anyMatch(v -> v.contains("stored on a stale state")), "" + r.violations);
    }

    @Test
    static void withoutDedupeAResentCommandAppliesTwice() {
        Main.Run r = run(1, true, false, false);
        assertTrue(r.violations.stream().anyMatch(v -> v.contains("applied twice")), "" + r.violations);
        assertTrue(r.violations.stream().anyMatch(v -> v.contains("client's books")), "" + r.violations);
    }

    @Test
    static void aPerturbedRaceScheduleChangesTheSummary() {
        assertTrue(!run(1, true, true, false).summary().equals(run(1, true, true, true).summary()), "perturbing the schedule changed nothing");
    }

    @Test
    static void replayRebuildsTheLiveProjection() {
        Main.Run r = run(3, true, true, false);
        assertTrue(Balances.replay(r.store.log()).equals(r.live), "replayed projection differs from the live one");
    }
}
