package lab;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The lab's narration, as kit/narrate prints it for the Go demos: acts, one
 * line per step with the actor first, faults announced as such, checks, and a
 * last line with the verdict. The verdict is HELD only if every check passed
 * and no violation was reported. Safe for concurrent use.
 */
public final class Narrator {
    private final PrintStream out;
    private final List<String> failed = new ArrayList<>();
    private int invariants;

    public Narrator(PrintStream out) {
        this.out = out;
    }

    /** A narrator that prints nothing: callers skip building lines when !enabled(). */
    public static Narrator silent() {
        return new Narrator(null);
    }

    public boolean enabled() {
        return out != null;
    }

    private synchronized void line(String s) {
        if (out != null) {
            out.println(s);
        }
    }

    public void act(String title) {
        line("== " + title + " ==");
    }

    public void step(String actor, String what) {
        line("[" + actor + "] " + what);
    }

    public void fault(String actor, String what) {
        line("[" + actor + "] FAULT: " + what);
    }

    /** "[check] name: detail: ok|FAILED"; a failed check makes the verdict VIOLATED. */
    public boolean check(String name, boolean ok, String detail) {
        line("[check] " + name + ": " + detail + ": " + (ok ? "ok" : "FAILED"));
        if (!ok) {
            synchronized (this) {
                failed.add("check failed: " + name + ": " + detail);
            }
        }
        return ok;
    }

    /** The last line: HELD when no check failed and violations is empty. */
    public boolean invariant(String statement, List<String> violations) {
        List<String> all;
        synchronized (this) {
            invariants++;
            failed.addAll(violations);
            all = new ArrayList<>(failed);
        }
        if (all.isEmpty()) {
            line("[invariant] HELD: " + statement);
            return true;
        }
        line("[invariant] VIOLATED: " + statement + ": " + String.join("; ", all));
        return false;
    }

    /** True when an invariant was stated and nothing failed: the exit code follows it. */
    public synchronized boolean held() {
        return invariants > 0 && failed.isEmpty();
    }
}
