package saga;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import saga.Step.Key;

/**
 * The invariant checked from the services' own ledgers and the outcomes the
 * orders saw, worded as Go's saga.Verify words it, so the three languages'
 * summaries compare byte for byte.
 */
public final class Verdict {
    public static final String INVARIANT = "every saga completed or fully compensated; stock + reserved + shipped and money charged"
            + " - refunded match the completed orders exactly; no step applied twice";

    int completed, compensated, keys, duplicates;
    long stock, available, reserved, shipped, completedUnits, charged, refunded, completedAmount;
    final List<String> violations = new ArrayList<>();

    static Verdict of(List<Order> orders, Map<String, String> outcomes, Map<String, Ledger> s) {
        Verdict r = new Verdict();
        Ledger inv = s.get("inventory"), pay = s.get("payment"), ship = s.get("shipping");
        Map<String, Long> completedUnits = new java.util.HashMap<>();
        for (Order o : orders) {
            String out = outcomes.get(o.id());
            if (out == null) {
                r.violations.add(o.id() + " is stuck: neither completed nor compensated");
            } else if (out.equals("completed")) {
                r.completed++;
                r.completedUnits += o.qty();
                r.completedAmount += o.amount();
                completedUnits.merge(o.sku(), (long) o.qty(), Long::sum);
                r.expect(inv, o, Step.RESERVE, Step.RELEASE);
                r.expect(pay, o, Step.CHARGE, Step.REFUND);
                if (!ship.applied(new Key(o.id(), Step.BOOK))) {
                    r.violations.add(o.id() + " completed but no shipment was booked");
                }
            } else {
                r.compensated++;
                r.undone(inv, o, Step.RESERVE, Step.RELEASE);
                r.undone(pay, o, Step.CHARGE, Step.REFUND);
                if (ship.applied(new Key(o.id(), Step.BOOK))) {
                    r.violations.add(o.id() + " compensated but its shipment is booked");
                }
            }
        }
        for (String sku : Order.SKUS) {
            long a = inv.counter("available/" + sku), res = inv.counter("reserved/" + sku);
            long sh = ship.counter("shipped/" + sku), want = completedUnits.getOrDefault(sku, 0L);
            r.stock += Order.INITIAL_STOCK;
            r.available += a;
            r.reserved += res;
            r.shipped += sh;
            if (a + res != Order.INITIAL_STOCK) {
                r.violations.add(sku + ": available " + a + " + reserved " + res + " != stock " + Order.INITIAL_STOCK);
            }
            if (res != want || sh != want) {
                r.violations.add(sku + ": reserved " + res + " and shipped " + sh + ", completed orders hold " + want);
            }
        }
        r.charged = pay.counter("charged");
        r.refunded = pay.counter("refunded");
        if (r.charged - r.refunded != r.completedAmount) {
            r.violations.add("money: charged " + Order.cents(r.charged) + " - refunded " + Order.cents(r.refunded) + " = "
                    + Order.cents(r.charged - r.refunded) + ", completed orders are worth " + Order.cents(r.completedAmount));
        }
        List<String> twice = new ArrayList<>();
        for (Ledger l : s.values()) {
            synchronized (l) {
                l.entries.forEach((k, e) -> {
                    r.keys++;
                    r.duplicates += e.duplicates;
                    if (e.applied > 1) {
                        twice.add(k + " applied " + e.applied + " times");
                    }
                });
            }
        }
        twice.sort(null);
        r.violations.addAll(twice);
        return r;
    }

    private void expect(Ledger l, Order o, Step fwd, Step comp) {
        if (!l.applied(new Key(o.id(), fwd))) {
            violations.add(o.id() + " completed but its " + fwd + " did not apply");
        }
        if (l.applied(new Key(o.id(), comp))) {
            violations.add(o.id() + " completed but its " + comp + " ran");
        }
    }

    private void undone(Ledger l, Order o, Step fwd, Step comp) {
        if (l.applied(new Key(o.id(), fwd)) && !l.applied(new Key(o.id(), comp))) {
            violations.add(o.id() + " compensated but its " + fwd + " was never undone by " + comp);
        }
    }

    /** The report line of the summary. */
    String report(int deliveries) {
        return "report completed=" + completed + " compensated=" + compensated + " stock=" + stock + " available=" + available
                + " reserved=" + reserved + " shipped=" + shipped + " completed-units=" + completedUnits
                + " charged=" + Order.cents(charged) + " refunded=" + Order.cents(refunded)
                + " completed-amount=" + Order.cents(completedAmount) + " deliveries=" + deliveries + " keys=" + keys
                + " duplicates=" + duplicates;
    }
}
