package saga;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import saga.Step.Key;

/**
 * One service's own store: counters (stock, money, shipments) and an
 * idempotency record per (saga, step) key, changed together under one lock.
 * It turns at-least-once delivery into exactly-once effects: a delivery of a
 * settled key is absorbed and answered from the record.
 */
public final class Ledger {
    /** A failure worth retrying: the step did not apply. */
    public static final class Transient extends Exception {
        private static final long serialVersionUID = 1L;

        Transient(String message) {
            super(message);
        }
    }

    /** A business refusal: the step did not apply and retrying will not change it. */
    public static final class Declined extends Exception {
        private static final long serialVersionUID = 1L;

        Declined(Key key, String reason) {
            super(key + " declined: " + reason);
        }
    }

    /** What the service remembers about one key. */
    static final class Entry {
        String effect; // "applied", "declined", "nothing-to-undo", or null while open
        int applied, attempts, duplicates;
        String sku;
        long units, amount;
    }

    final String service;
    private final boolean idempotent;
    private final Plan plan;
    final Map<Key, Entry> entries = new HashMap<>();
    final Map<String, Long> counters = new TreeMap<>();

    Ledger(String service, boolean idempotent, Plan plan) {
        this.service = service;
        this.idempotent = idempotent;
        this.plan = plan;
    }

    /** One delivery of step k for order o: "applied", "nothing-to-undo", or "duplicate" when absorbed. */
    synchronized String exec(Key k, Order o) throws Transient, Declined {
        Entry e = entries.computeIfAbsent(k, x -> new Entry());
        if (e.effect != null && idempotent) {
            e.duplicates++;
            if (e.effect.equals("declined")) {
                throw new Declined(k, "recorded before");
            }
            return "duplicate";
        }
        e.attempts++;
        try {
            plan.inject(k, e.attempts);
        } catch (Declined d) {
            e.effect = "declined";
            throw d;
        }
        apply(k.step(), o, e);
        return e.effect;
    }

    /** The business rule of each step; compensations undo what the record says was done. */
    private void apply(Step step, Order o, Entry e) {
        switch (step) {
            case RESERVE -> {
                add("available/" + o.sku(), -o.qty());
                add("reserved/" + o.sku(), o.qty());
                record(e, o.sku(), o.qty(), 0);
            }
            case RELEASE -> {
                Entry r = entries.get(new Key(o.id(), Step.RESERVE));
                if (r == null || !"applied".equals(r.effect)) {
                    e.effect = "nothing-to-undo";
                    return;
                }
                add("reserved/" + r.sku, -r.units);
                add("available/" + r.sku, r.units);
                record(e, r.sku, r.units, 0);
            }
            case CHARGE -> {
                add("charged", o.amount());
                record(e, null, 0, o.amount());
            }
            case REFUND -> {
                Entry c = entries.get(new Key(o.id(), Step.CHARGE));
                if (c == null || !"applied".equals(c.effect)) {
                    e.effect = "nothing-to-undo";
                    return;
                }
                add("refunded", c.amount);
                record(e, null, 0, c.amount);
            }
            case BOOK -> {
                add("shipped/" + o.sku(), o.qty());
                record(e, o.sku(), o.qty(), 0);
            }
        }
    }

    private static void record(Entry e, String sku, long units, long amount) {
        e.effect = "applied";
        e.applied++;
        e.sku = sku;
        e.units = units;
        e.amount = amount;
    }

    private void add(String counter, long d) {
        counters.merge(counter, d, Long::sum);
    }

    synchronized long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }

    synchronized boolean applied(Key k) {
        Entry e = entries.get(k);
        return e != null && "applied".equals(e.effect);
    }
}
