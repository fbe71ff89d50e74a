package cqrs;

import java.util.List;

/**
 * A writer of the ledger: load the account, decide, append with the version
 * it loaded. On a conflict it reloads and decides again, so no decision is
 * ever stored on top of a state it did not see.
 */
public final class Teller {
    /** How one command ended: the delta it moved (0 when refused) and how many conflicts it met. */
    public record Outcome(boolean accepted, boolean appended, long delta, int conflicts, String refusal) {
    }

    private final EventStore store;
    private final boolean dedupe;

    public Teller(EventStore store, boolean dedupe) {
        this.store = store;
        this.dedupe = dedupe;
    }

    public Outcome send(String account, Account.Command c) {
        return send(store.load(account), c, 0);
    }

    /** Decide c on a state loaded earlier; Runnable race runs between the load and the append. */
    public Outcome send(Account loaded, String account, Account.Command c, Runnable race) {
        race.run();
        return send(loaded, c, 0);
    }

    private Outcome send(Account a, Account.Command c, int conflicts) {
        List<Account.Event> events;
        try {
            events = a.decide(c, dedupe);
        } catch (Account.Refused r) {
            return new Outcome(false, false, 0, conflicts, r.getMessage());
        }
        if (events.isEmpty()) {
            return new Outcome(true, false, 0, conflicts, null); // absorbed: applied before
        }
        String stream = events.get(0).account();
        try {
            store.append(stream, a.version(), events);
        } catch (EventStore.Conflict e) {
            return send(store.load(stream), c, conflicts + 1); // reload, decide again
        }
        return new Outcome(true, true, events.stream().mapToLong(Account.Event::delta).sum(), conflicts, null);
    }
}
