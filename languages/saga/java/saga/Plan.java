package saga;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import lab.Pcg;
import saga.Step.Key;

/**
 * The seeded fault schedule, drawn exactly as Go's saga.NewPlan draws it:
 * transient failures, declines and redeliveries per step, then the scripted
 * faults (the worker killed after a step applied, the customer's cancel, a
 * pivot that applies on its last allowed attempt, a compensation that fails
 * and must be retried), each on its own saga.
 */
public final class Plan {
    /** What the schedule does to one step of one saga. */
    public record Fault(int failures, String decline, boolean redeliver) {
        static final Fault NONE = new Fault(0, null, false);
    }

    public static final int MAX_FORWARD_ATTEMPTS = 5;
    private static final Map<Step, String> DECLINES = Map.of(
            Step.RESERVE, "warehouse reports the item damaged",
            Step.CHARGE, "card declined",
            Step.BOOK, "no carrier serves the address");

    private final Map<Key, Fault> faults = new HashMap<>();
    private final double rate;
    /** The step after which the worker dies (its answer is lost, so it runs again), or null. */
    public Key killWorker;
    /** The step during which the customer cancels, or null. */
    public Key cancel;
    /** The pivot that fails on every attempt but the last allowed one, or null. */
    public Key pivot;
    /** The compensation that fails and must be retried, or null. */
    public Key failing;
    /** The fewest orders for which the scripted faults each get their own saga. */
    public static final int MIN_ORDERS = 3;
    private final List<String> sagas = new ArrayList<>();

    public Plan(List<Order> orders, long seed, double rate) {
        this.rate = rate;
        for (Order o : orders) {
            sagas.add(o.id());
        }
        if (rate > 0) {
            Pcg rng = new Pcg(seed, 0xfa017);
            for (Order o : orders) {
                draw(rng, o);
            }
        }
        script();
    }

    public Fault fault(Key k) {
        return faults.getOrDefault(k, Fault.NONE);
    }

    /** Test seam: replace one planned fault, to prove a changed schedule is caught. */
    public void set(Key k, Fault f) {
        faults.put(k, f);
    }

    private void draw(Pcg rng, Order o) {
        for (Step s : Step.FORWARD) {
            if (rng.float64() >= rate) {
                continue;
            }
            Key k = new Key(o.id(), s);
            Fault f = switch (rng.intN(3)) {
                case 0 -> new Fault(1 + rng.intN(2), null, false);
                case 1 -> new Fault(0, DECLINES.get(s), false);
                default -> new Fault(0, null, true);
            };
            faults.put(k, f);
            if (f.decline() != null) {
                break; // the saga stops here; later steps never run
            }
        }
        for (Step s : new Step[] {Step.REFUND, Step.RELEASE}) {
            if (rng.float64() >= rate) {
                continue;
            }
            faults.put(new Key(o.id(), s), rng.intN(2) == 0 ? new Fault(1 + rng.intN(3), null, false) : new Fault(0, null, true));
        }
    }

    private boolean compensates(String saga, Step c) {
        Step d = declinedAt(saga);
        return c == Step.RELEASE && (d == Step.CHARGE || d == Step.BOOK) || c == Step.REFUND && d == Step.BOOK;
    }

    /** The forward step at which the saga is declined, or null. */
    Step declinedAt(String saga) {
        for (Step s : Step.FORWARD) {
            if (fault(new Key(saga, s)).decline() != null) {
                return s;
            }
        }
        return null;
    }

    /**
     * Places the scripted faults on sagas from the middle of the run: one
     * that reaches shipping for the killed worker, one that reaches payment
     * for the cancel, one whose shipment is not declined for the pivot, and
     * a declined one for the failing compensation. Where the draws leave no
     * such saga, a free one's forward faults are cleared.
     */
    private void script() {
        int n = sagas.size();
        if (n < MIN_ORDERS) {
            return;
        }
        Set<String> taken = new HashSet<>();
        Predicate<String> reachesShipping = s -> declinedAt(s) == null || declinedAt(s) == Step.BOOK;
        String b = pick(taken, reachesShipping);
        killWorker = new Key(b, Step.CHARGE);
        String c = pick(taken, reachesShipping);
        cancel = new Key(c, Step.CHARGE);
        faults.remove(cancel); // the delay is this step's fault
        String d = pick(taken, s -> declinedAt(s) == null);
        pivot = new Key(d, Step.BOOK);
        faults.put(pivot, new Fault(MAX_FORWARD_ATTEMPTS - 1, null, true));
        failCompensation(b, c, d);
    }

    private String pick(Set<String> taken, Predicate<String> ok) {
        int n = sagas.size();
        for (int i = 0; i < n; i++) {
            String s = sagas.get((n / 2 + i) % n);
            if (!taken.contains(s) && ok.test(s)) {
                taken.add(s);
                return s;
            }
        }
        for (int i = 0; i < n; i++) { // none fits: clear a free saga's forward faults
            String s = sagas.get((n / 2 + i) % n);
            if (!taken.contains(s)) {
                taken.add(s);
                for (Step st : Step.FORWARD) {
                    faults.remove(new Key(s, st));
                }
                return s;
            }
        }
        return null;
    }

    /** Makes sure a compensation that undoes an applied step fails and must be retried. */
    private void failCompensation(String b, String c, String d) {
        for (String s : sagas) {
            if (s.equals(c) || s.equals(d)) {
                continue;
            }
            for (Step comp : new Step[] {Step.REFUND, Step.RELEASE}) {
                if (fault(new Key(s, comp)).failures() > 0 && compensates(s, comp)) {
                    failing = new Key(s, comp);
                    return;
                }
            }
        }
        String declined = null;
        for (String s : sagas) {
            Step dd = declinedAt(s);
            if (!s.equals(c) && !s.equals(d) && (dd == Step.CHARGE || dd == Step.BOOK)) {
                declined = s;
                break;
            }
        }
        if (declined == null) {
            declined = b;
            faults.put(new Key(b, Step.BOOK), new Fault(0, DECLINES.get(Step.BOOK), false));
        }
        failing = new Key(declined, declinedAt(declined) == Step.BOOK ? Step.REFUND : Step.RELEASE);
        Fault f = fault(failing);
        faults.put(failing, new Fault(2, f.decline(), f.redeliver()));
    }

    /** Fails a delivery as planned: the first `transient` attempts, then the decline if any. */
    void inject(Key k, int attempt) throws Ledger.Transient, Ledger.Declined {
        Fault f = fault(k);
        if (attempt <= f.failures()) {
            throw new Ledger.Transient(k.step().service + " is unavailable (injected, attempt " + attempt + " of " + f.failures() + " that fail)");
        }
        if (f.decline() != null) {
            throw new Ledger.Declined(k, f.decline());
        }
    }

    /** The schedule, one line a fault, in order and step order: part of the summary. */
    public List<String> lines(List<Order> orders) {
        List<String> out = new ArrayList<>();
        for (Order o : orders) {
            for (Step s : Step.values()) {
                Fault f = fault(new Key(o.id(), s));
                if (f.equals(Fault.NONE)) {
                    continue;
                }
                StringBuilder b = new StringBuilder("fault " + o.id() + "/" + s);
                if (f.failures() > 0) {
                    b.append(" transient=").append(f.failures());
                }
                if (f.decline() != null) {
                    b.append(" decline=\"").append(f.decline()).append('"');
                }
                if (f.redeliver()) {
                    b.append(" redeliver");
                }
                out.add(b.toString());
            }
        }
        out.add("script kill-worker=" + orNone(killWorker) + " cancel=" + orNone(cancel)
                + " pivot=" + orNone(pivot) + " failing=" + orNone(failing));
        return out;
    }

    private static String orNone(Key k) {
        return k == null ? "none" : k.toString();
    }
}
