package backpressure;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * The four ways to meet a producer faster than its consumer, each on the
 * JDK's own type, used without blocking so logical time can drive them (the
 * blocking forms, put() and take(), are in Handoff.java).
 */
public final class Strategies {
    /** What an offer did: accepted, dropped on purpose (and why), or the producer must wait. */
    public enum Verdict { ACCEPTED, SHED_RATE_LIMITED, SHED_QUEUE_FULL, WAIT }

    public interface Strategy {
        String name();

        Verdict offer(int id, long nowNs);

        /** The next message for the consumer, or null. */
        Integer poll();

        /** The consumer acknowledged a message (returns its credit). */
        default void ack() {
        }
    }

    /** The anti-pattern: a queue that never says no. */
    public static Strategy unbounded() {
        Queue<Integer> q = new ArrayDeque<>();
        return new Strategy() {
            public String name() { return "unbounded-buffer"; }
            public Verdict offer(int id, long now) { q.add(id); return Verdict.ACCEPTED; }
            public Integer poll() { return q.poll(); }
        };
    }

    /** A bounded queue: when it is full the producer waits (put() would block). */
    public static Strategy bounded(int capacity) {
        ArrayBlockingQueue<Integer> q = new ArrayBlockingQueue<>(capacity);
        return new Strategy() {
            public String name() { return "bounded-queue"; }
            public Verdict offer(int id, long now) { return q.offer(id) ? Verdict.ACCEPTED : Verdict.WAIT; }
            public Integer poll() { return q.poll(); }
        };
    }

    /** A token bucket admits what the consumer can take; a full queue behind it drops the rest. */
    public static Strategy shedding(int capacity, long rate, long burst) {
        ArrayBlockingQueue<Integer> q = new ArrayBlockingQueue<>(capacity);
        TokenBucket bucket = new TokenBucket(rate, burst);
        return new Strategy() {
            public String name() { return "load-shedding"; }
            public Verdict offer(int id, long now) {
                if (!bucket.take(now)) {
                    return Verdict.SHED_RATE_LIMITED;
                }
                return q.offer(id) ? Verdict.ACCEPTED : Verdict.SHED_QUEUE_FULL;
            }
            public Integer poll() { return q.poll(); }
        };
    }

    /** A credit window: at most W messages delivered and not yet acknowledged (JetStream's MaxAckPending). */
    public static Strategy creditWindow(int window) {
        Semaphore credits = new Semaphore(window);
        Queue<Integer> stream = new ArrayDeque<>();
        return new Strategy() {
            public String name() { return "credit-window"; }
            public Verdict offer(int id, long now) {
                if (!credits.tryAcquire()) {
                    return Verdict.WAIT;
                }
                stream.add(id);
                return Verdict.ACCEPTED;
            }
            public Integer poll() { return stream.poll(); }
            public void ack() { credits.release(); }
        };
    }

    /** Tokens in integer nano-units (one token = 10^9), refilled at rate per second, up to burst. */
    static final class TokenBucket {
        private final long rate, cap;
        private long level, last;

        TokenBucket(long rate, long burst) {
            this.rate = rate;
            this.cap = burst * 1_000_000_000L;
            this.level = cap;
        }

        boolean take(long now) {
            level = Math.min(cap, level + (now - last) * rate);
            last = now;
            if (level < 1_000_000_000L) {
                return false;
            }
            level -= 1_000_000_000L;
            return true;
        }
    }
}
