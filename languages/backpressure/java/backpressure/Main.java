package backpressure;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import lab.Flags;
import lab.Narrator;

/**
 * The backpressure demo in Java: the same workload through four strategies,
 * in logical time, audited from outside each strategy. -summary prints only
 * the deterministic summary the Go test compares with Go's and Rust's.
 *
 * <pre>java -cp classes backpressure.Main [-messages 15000] [-rate 5000] [-overload 10] [-buffer 256] [-window 64] [-seed 1] [-inbox=false] [-summary]</pre>
 */
public final class Main {
    public static final String INVARIANT = "every bounded strategy kept its in-flight messages within its bound, and every accepted"
            + " message was processed exactly once or counted as shed";

    record Run(Workload w, boolean inbox, List<Simulation.Result> results, List<String> bounds, List<String> violations) {
        List<String> summary() {
            List<String> out = new ArrayList<>();
            int[] f = w.faults();
            out.add("backpressure seed=" + w.seed() + " messages=" + w.messages() + " rate=" + w.rate() + " overload=" + w.overload()
                    + " buffer=" + w.buffer() + " window=" + w.window() + " inbox=" + inbox);
            out.add("schedule stall-at=" + f[0] + " crash-at=" + f[1]);
            for (int i = 0; i < results.size(); i++) {
                out.add(results.get(i).line(bounds.get(i)));
            }
            violations.forEach(v -> out.add("violation " + v));
            out.add("invariant " + (violations.isEmpty() ? "HELD" : "VIOLATED"));
            return out;
        }
    }

    static Run run(Workload w, boolean inbox) {
        List<Simulation.Result> results = new ArrayList<>();
        List<String> bounds = new ArrayList<>(), violations = new ArrayList<>();
        Strategies.Strategy[] all = {Strategies.unbounded(), Strategies.bounded(w.buffer()),
            Strategies.shedding(w.buffer(), w.rate(), w.shedBurst()), Strategies.creditWindow(w.window())};
        long[] bound = {-1, w.buffer() + 1, w.buffer() + 1, w.window()}; // queued + the one in the consumer's hands
        for (int i = 0; i < all.length; i++) {
            Simulation.Result r = Simulation.run(all[i], w, i == 3, inbox);
            results.add(r);
            bounds.add(bound[i] < 0 ? "none" : Long.toString(bound[i]));
            if (bound[i] >= 0 && r.peakInFlight() > bound[i]) {
                violations.add(r.strategy() + ": " + r.peakInFlight() + " messages in flight, over its bound " + bound[i]);
            }
            if (r.lost() > 0 || r.duplicated() > 0 || r.accepted() + r.shedRateLimited() + r.shedQueueFull() != w.messages()) {
                violations.add(r.strategy() + ": " + r.lost() + " accepted messages lost, " + r.duplicated() + " processed twice");
            }
        }
        return new Run(w, inbox, results, bounds, violations);
    }

    public static void main(String[] args) {
        Workload w;
        boolean inbox, summary;
        try {
            Flags f = new Flags(args, Set.of("inbox", "summary", "perturb-schedule"));
            int messages = (int) f.integer("messages", 15_000, 100, 10_000_000);
            long rate = f.integer("rate", 5_000, 1, 100_000), overload = f.integer("overload", 10, 1, 1000);
            int buffer = (int) f.integer("buffer", 256, 1, 100_000);
            int window = (int) f.integer("window", 64, 1, buffer);
            if (1_000_000_000L / rate / overload < 1) {
                throw new Flags.UsageError("-rate x -overload must stay under 10^9 msg/s (logical time is in nanoseconds)");
            }
            w = new Workload(messages, rate, overload, buffer, window, f.integer("seed", 1, 0, Long.MAX_VALUE), f.bool("perturb-schedule", false));
            inbox = f.bool("inbox", true);
            summary = f.bool("summary", false);
            f.done();
        } catch (Flags.UsageError e) {
            System.err.println("usage: " + e.getMessage());
            System.exit(2);
            return;
        }
        Run r = run(w, inbox);
        if (summary) {
            r.summary().forEach(System.out::println);
            System.exit(r.violations().isEmpty() ? 0 : 1);
        }
        Narrator n = new Narrator(System.out);
        n.act("backpressure in Java: a producer " + w.overload() + "x faster than its consumer, four ways, in logical time");
        n.step("workload", w.messages() + " messages; consumer " + w.rate() + " msg/s; B = " + w.buffer() + ", W = " + w.window() + ", seed " + w.seed());
        int[] f = w.faults();
        n.fault("consumer", "stalls for 50 service times on message " + f[0] + " (every strategy)");
        n.fault("consumer", "crashes after processing message " + f[1] + ", before its ack (credit window): redelivered after AckWait");
        if (!inbox) {
            n.step("lab", "idempotent inbox OFF: a redelivered message is processed again (watch the invariant break)");
        }
        for (int i = 0; i < r.results().size(); i++) {
            Simulation.Result res = r.results().get(i);
            n.step(res.strategy(), "accepted " + res.accepted() + ", shed " + (res.shedRateLimited() + res.shedQueueFull()) + " (rate-limited "
                    + res.shedRateLimited() + ", queue-full " + res.shedQueueFull() + "), processed " + res.processed() + ", peak in flight "
                    + res.peakInFlight() + ", producer up to " + res.maxLagNs() / 1_000_000 + " ms behind");
            String bound = r.bounds().get(i);
            if (bound.equals("none")) {
                n.check(res.strategy(), res.peakInFlight() > w.buffer(), "the queue outgrew B = " + w.buffer() + ": nothing stops it but the end of the workload");
            } else {
                n.check(res.strategy(), res.peakInFlight() <= Long.parseLong(bound), "peak in flight " + res.peakInFlight() + " <= " + bound);
            }
        }
        Simulation.Result credit = r.results().get(3);
        n.check("credit-window", credit.absorbed() + credit.duplicated() == 1, "the crashed consumer's message came back once (absorbed by the inbox: "
                + credit.absorbed() + ")");
        System.exit(n.invariant(INVARIANT, r.violations()) ? 0 : 1);
    }
}
