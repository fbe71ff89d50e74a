package saga;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lab.Pcg;
import saga.Step.Key;

/**
 * The seeded fault schedule, drawn exactly as Go's saga.NewPlan draws it:
 * transient failures, declines and redeliveries per step, at least one
 * compensation that fails and must be retried, and the scripted faults
 * (the worker killed after a step applied, the customer's cancel).
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

    public Plan(List<Order> orders, long seed, double rate) {
        this.rate = rate;
        if (rate > 0) {
            Pcg rng = new Pcg(seed, 0xfa017);
            for (Order o : orders) {
                draw(rng, o);
            }
            ensureCompensationFailure(orders);
        }
        script(orders);
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

    private void ensureCompensationFailure(List<Order> orders) {
        if (orders.isEmpty()) {
            return;
        }
        Order failing = null;
        for (Order o : orders) {
            Step d = declinedAt(o.id());
            if (d == Step.CHARGE || d == Step.BOOK) {
                failing = o;
                break;
            }
        }
        if (failing == null) {
            failing = orders.get(orders.size() - 1);
            faults.put(new Key(failing.id(), Step.RESERVE), Fault.NONE);
            faults.put(new Key(failing.id(), Step.CHARGE), Fault.NONE);
            faults.put(new Key(failing.id(), Step.BOOK), new Fault(0, DECLINES.get(Step.BOOK), false));
        }
        for (Order o : orders) {
            Step d = declinedAt(o.id());
            if (d != Step.CHARGE && d != Step.BOOK) {
                continue;
            }
            for (Step c : new Step[] {Step.REFUND, Step.RELEASE}) {
                if (fault(new Key(o.id(), c)).failures() > 0 && compensates(o.id(), c)) {
                    return;
                }
            }
        }
        Step c = declinedAt(failing.id()) == Step.BOOK ? Step.REFUND : Step.RELEASE;
        Key k = new Key(failing.id(), c);
        Fault f = fault(k);
        faults.put(k, new Fault(2, f.decline(), f.redeliver()));
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

    private void script(List<Order> orders) {
        List<Order> eligible = new ArrayList<>();
        for (int i = 0; i < orders.size(); i++) {
            Order o = orders.get((orders.size() / 2 + i) % orders.size());
            Step d = declinedAt(o.id());
            if (d == null || d == Step.BOOK) {
                eligible.add(o);
            }
        }
        if (!eligible.isEmpty()) {
            killWorker = new Key(eligible.get(0).id(), Step.CHARGE);
        }
        if (eligible.size() > 1) {
            cancel = new Key(eligible.get(1).id(), Step.CHARGE);
        }
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
        out.add("script kill-worker=" + (killWorker == null ? "none" : killWorker) + " cancel=" + (cancel == null ? "none" : cancel));
        return out;
    }
}
