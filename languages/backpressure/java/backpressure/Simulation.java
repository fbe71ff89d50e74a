package backpressure;

import java.util.HashSet;
import java.util.Set;

/**
 * One strategy under the workload, in logical time: the producer offers each
 * message when it is due (or as soon as the strategy lets it), the consumer
 * serves one message per service time, and an audit outside the strategy
 * (per-ID verdicts and processing counts) measures what happened.
 */
public final class Simulation {
    /** What the audit saw: the summary fields, all exact. */
    public record Result(String strategy, int accepted, int shedRateLimited, int shedQueueFull, int processed, int lost,
            int duplicated, int absorbed, long peakInFlight, long maxLagNs, long makespanNs) {
        public String line(String bound) {
            return "strategy " + strategy + " accepted=" + accepted + " shed-rate-limited=" + shedRateLimited + " shed-queue-full="
                    + shedQueueFull + " processed=" + processed + " lost=" + lost + " duplicated=" + duplicated + " absorbed=" + absorbed
                    + " peak-in-flight=" + peakInFlight + " bound=" + bound + " max-lag-ns=" + maxLagNs + " makespan-ns=" + makespanNs;
        }
    }

    public static Result run(Strategies.Strategy s, Workload w, boolean crashes, boolean inbox) {
        long[] due = w.arrivals();
        int[] faults = w.faults();
        int stallAt = faults[0], crashAt = crashes ? faults[1] : -1;
        long service = w.serviceNs(), ackWait = 20 * service;
        int n = w.messages();
        int[] processedTimes = new int[n];
        boolean[] accepted = new boolean[n];
        Set<Integer> seen = new HashSet<>(); // the consumer's idempotent inbox
        int acceptedCount = 0, rate = 0, full = 0, handled = 0, absorbed = 0;
        long peak = 0, maxLag = 0, lastDone = 0, busyUntil = 0, producerFree = 0;
        int next = 0, inService = -1;
        boolean waiting = false, crashed = false;
        while (next < n || inService >= 0) {
            long tc = inService >= 0 ? busyUntil : Long.MAX_VALUE;
            long tp = next < n && !waiting ? Math.max(due[next], producerFree) : Long.MAX_VALUE;
            if (tc <= tp) { // the consumer finishes a message
                long now = tc;
                int id = inService;
                inService = -1;
                if (inbox && !seen.add(id)) {
                    absorbed++; // a redelivery of a message already applied: skipped
                } else {
                    if (processedTimes[id]++ == 0) {
                        handled++;
                    }
                    lastDone = now;
                }
                if (id == crashAt && !crashed) {
                    crashed = true; // dies before its ack: redelivered after AckWait, credit still held
                    inService = id;
                    busyUntil = now + ackWait + service;
                    continue;
                }
                s.ack();
                Integer m = s.poll();
                if (m != null) {
                    inService = m;
                    busyUntil = now + service + (m == stallAt ? 50 * service : 0);
                }
                if (waiting) {
                    waiting = false;
                    producerFree = now;
                }
                continue;
            }
            long now = tp; // the producer offers message `next`
            maxLag = Math.max(maxLag, now - due[next]);
            switch (s.offer(next, now)) {
                case WAIT -> waiting = true;
                case SHED_RATE_LIMITED -> { rate++; next++; producerFree = now; }
                case SHED_QUEUE_FULL -> { full++; next++; producerFree = now; }
                case ACCEPTED -> {
                    accepted[next] = true;
                    acceptedCount++;
                    next++;
                    producerFree = now;
                    if (inService < 0) {
                        Integer m = s.poll();
                        inService = m;
                        busyUntil = now + service + (m == stallAt ? 50 * service : 0);
                    }
                }
            }
            peak = Math.max(peak, acceptedCount - handled);
        }
        int lost = 0, dup = 0;
        for (int id = 0; id < n; id++) {
            if (accepted[id] && processedTimes[id] == 0) {
                lost++;
            }
            if (processedTimes[id] > 1) {
                dup++;
            }
        }
        return new Result(s.name(), acceptedCount, rate, full, handled, lost, dup, absorbed, peak, maxLag, lastDone);
    }
}
