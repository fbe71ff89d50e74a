package cqrs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An in-memory event store: one stream per account and one global log, with
 * optimistic concurrency. append() carries the version the writer loaded; if
 * the stream moved on since, the write is refused and the writer must reload
 * and decide again (Go: the JetStream store's expected-last-subject-sequence,
 * or eventhorizon's ErrEventConflictFromOtherSave).
 */
public final class EventStore {
    /** The stream moved on since the writer loaded it. */
    public static final class Conflict extends Exception {
        private static final long serialVersionUID = 1L;

        Conflict(String stream, int expected, int actual) {
            super(stream + ": expected version " + expected + ", stream is at " + actual);
        }
    }

    private final Map<String, List<Account.Event>> streams = new HashMap<>();
    private final List<Account.Event> log = new ArrayList<>();
    private final List<Consumer<Account.Event>> subscribers = new ArrayList<>();
    private final boolean checkVersion;

    /** checkVersion=false is the unsafe switch: every append lands, stale or not. */
    public EventStore(boolean checkVersion) {
        this.checkVersion = checkVersion;
    }

    public synchronized void append(String stream, int expectedVersion, List<Account.Event> events) throws Conflict {
        List<Account.Event> s = streams.computeIfAbsent(stream, k -> new ArrayList<>());
        if (checkVersion && s.size() != expectedVersion) {
            throw new Conflict(stream, expectedVersion, s.size());
        }
        s.addAll(events);
        log.addAll(events);
        events.forEach(e -> subscribers.forEach(sub -> sub.accept(e)));
    }

    /** The account's state: its stream folded from the first event. */
    public synchronized Account load(String stream) {
        Account a = new Account(stream);
        streams.getOrDefault(stream, List.of()).forEach(a::apply);
        return a;
    }

    /** Every event, in the order it was appended: what a replay reads. */
    public synchronized List<Account.Event> log() {
        return List.copyOf(log);
    }

    /** Live projections see every event as it is appended. */
    public synchronized void subscribe(Consumer<Account.Event> projection) {
        subscribers.add(projection);
    }
}
