package workflow;

import java.util.Map;
import java.util.TreeMap;

/**
 * The store stage's table: upserts keyed by reading key (results) and line
 * ID (rejections), so writing the same thing twice, from a duplicate line or
 * a retried batch, leaves one row (Go: the SQLite sink's ON CONFLICT).
 */
public final class Store {
    record Row(String lineId, String level, int writes) {
    }

    final Map<String, Row> results = new TreeMap<>();
    final Map<String, String[]> rejects = new TreeMap<>(); // line ID -> {stage, kind}
    private final boolean upsert;
    int writes;

    /** upsert=false is the unsafe switch: every write is a new row. */
    Store(boolean upsert) {
        this.upsert = upsert;
    }

    synchronized void saveResult(String key, String lineId, String level) {
        writes++;
        String k = upsert ? key : key + "#" + lineId;
        Row old = results.get(k);
        results.put(k, old == null ? new Row(lineId, level, 1)
                : new Row(old.lineId().compareTo(lineId) <= 0 ? old.lineId() : lineId, level, old.writes() + 1));
    }

    synchronized void saveReject(String lineId, String stage, String kind) {
        writes++;
        rejects.put(lineId, new String[] {stage, kind});
    }
}
