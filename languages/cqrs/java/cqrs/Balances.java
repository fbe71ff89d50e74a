package cqrs;

import java.util.Map;
import java.util.TreeMap;

/**
 * The balances read model: one row per account, folded from events. A live
 * copy follows the store; a rebuilt copy replays the whole log into an empty
 * one; the two must be equal.
 */
public final class Balances {
    private final Map<String, long[]> rows = new TreeMap<>(); // account -> {balance, version}

    public synchronized void project(Account.Event e) {
        long[] row = rows.computeIfAbsent(e.account(), k -> new long[2]);
        if (e.version() <= row[1]) {
            return; // seen: redelivery is harmless
        }
        row[0] += e.delta();
        row[1] = e.version();
    }

    public static Balances replay(Iterable<Account.Event> log) {
        Balances b = new Balances();
        log.forEach(b::project);
        return b;
    }

    public synchronized long balance(String account) {
        return rows.getOrDefault(account, new long[2])[0];
    }

    @Override
    public synchronized boolean equals(Object o) {
        if (!(o instanceof Balances other)) {
            return false;
        }
        if (!rows.keySet().equals(other.rows.keySet())) {
            return false;
        }
        return rows.entrySet().stream().allMatch(e -> java.util.Arrays.equals(e.getValue(), other.rows.get(e.getKey())));
    }

    @Override
    public synchronized int hashCode() {
        return rows.keySet().hashCode();
    }
}
