package backpressure;

import lab.Pcg;

/**
 * The workload in logical time (nanoseconds, integers only, so three
 * languages agree bit for bit): n messages arriving at about k*mu per second
 * (gaps drawn uniformly in [0, 2/lambda]), a consumer serving mu per second,
 * and the seeded fault schedule: one long stall, and one consumer crash after
 * processing a message and before acknowledging it.
 */
public record Workload(int messages, long rate, long overload, int buffer, int window, long seed, boolean perturb) {
    public long serviceNs() {
        return 1_000_000_000L / rate;
    }

    public long[] arrivals() {
        Pcg rng = new Pcg(seed, 1);
        long gap = serviceNs() / overload, t = 0;
        long[] at = new long[messages];
        for (int i = 0; i < messages; i++) {
            t += rng.int64N(2 * gap + 1);
            at[i] = t;
        }
        return at;
    }

    /** {stall-at, crash-at}: message IDs in the middle half of the run. */
    public int[] faults() {
        Pcg rng = new Pcg(seed, 0xfa);
        int stall = messages / 4 + rng.intN(Math.max(1, messages / 2));
        int crash = messages / 4 + rng.intN(Math.max(1, messages / 2));
        return new int[] {perturb ? stall + 1 : stall, crash};
    }

    public int shedBurst() {
        return Math.max(1, buffer / 4);
    }
}
