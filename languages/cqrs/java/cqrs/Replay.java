package cqrs;

import java.util.Arrays;
import java.util.List;

/**
 * Benchmark: loading an aggregate by replaying its stream, per event: the
 * store holds one account with EVENTS events; each timed run folds them all
 * into a fresh Account. The load runs `warmup` times before the timed `runs`.
 *
 * <pre>java -cp classes cqrs.Replay EVENTS WARMUP RUNS</pre>
 * prints the median ns per event.
 */
public final class Replay {
    public static void main(String[] args) throws Exception {
        int events = Integer.parseInt(args[0]), warmup = Integer.parseInt(args[1]), runs = Integer.parseInt(args[2]);
        EventStore store = new EventStore(true);
        store.append("alice", 0, List.of(new Account.Event("alice", 1, "cmd-0", "opened", 0)));
        for (int v = 2; v <= events; v++) {
            store.append("alice", v - 1, List.of(new Account.Event("alice", v, "cmd-" + v, "deposited", 100)));
        }
        for (int i = 0; i < warmup; i++) {
            store.load("alice");
        }
        double[] ns = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            Account a = store.load("alice");
            ns[i] = (double) (System.nanoTime() - start) / events;
            if (a.version() != events) {
                throw new IllegalStateException("loaded version " + a.version());
            }
        }
        Arrays.sort(ns);
        System.out.printf("%.3f%n", ns[runs / 2]);
    }
}
