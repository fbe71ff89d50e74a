package saga;

import java.util.Arrays;
import lab.Narrator;

/**
 * Benchmark: saga steps per second in process, on the demo's own code (the
 * orchestrator, the three idempotent ledgers, the seeded fault schedule),
 * narration off. A step is one delivery to a service. The whole workload
 * runs `warmup` times before the `runs` that are timed.
 *
 * <pre>java -cp classes saga.Throughput ORDERS WARMUP RUNS</pre>
 * prints the median ns per step.
 */
public final class Throughput {
    public static void main(String[] args) {
        int orders = Integer.parseInt(args[0]), warmup = Integer.parseInt(args[1]), runs = Integer.parseInt(args[2]);
        Main.Config cfg = new Main.Config(orders, 82, 0.3, true, false);
        for (int i = 0; i < warmup; i++) {
            Main.run(cfg, Narrator.silent());
        }
        double[] ns = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            Main.Run r = Main.run(cfg, Narrator.silent());
            ns[i] = (double) (System.nanoTime() - start) / r.deliveries();
            if (!r.verdict().violations.isEmpty()) {
                throw new IllegalStateException("invariant violated: " + r.verdict().violations);
            }
        }
        Arrays.sort(ns);
        System.out.printf("%.3f%n", ns[runs / 2]);
    }
}
