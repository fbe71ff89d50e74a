package workflow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import lab.Flags;
import lab.Narrator;

/**
 * The collect -> clean -> analyze -> store pipeline in Java, on the export
 * patterns/workflow generates (workflow.Generate): bad lines rejected with a
 * kind, duplicates merged by key, a poison reading given up after its
 * attempts, and backpressure from a slow store. -summary prints only the
 * deterministic summary the Go test compares with Go's and Rust's.
 *
 * <pre>java -cp classes workflow.Main [-source workflow/testdata/readings.csv] [-poison 1] [-store-delay-ms 100] [-bounded=false] [-upsert=false] [-summary]</pre>
 */
public final class Main {
    public static final String INVARIANT = "every line of the source was stored exactly once by key or rejected with a reason,"
            + " and backpressure kept the lines in flight within the stages' bound";

    record Config(Path source, int poison, int buffer, int fanOut, int batch, int attempts, long storeDelayMs, boolean bounded, boolean upsert,
            boolean perturb) {
    }

    record Run(Config cfg, List<String> lines, List<String> poison, Store store, long peak, int maxInFlight, List<String> violations) {
        List<String> summary() {
            List<String> out = new ArrayList<>();
            out.add("workflow lines=" + lines.size() + " poison=" + cfg.poison() + " attempts=" + cfg.attempts() + " upsert=" + cfg.upsert());
            poison.forEach(k -> out.add("poison " + k));
            out.addAll(tally());
            violations.forEach(v -> out.add("violation " + v));
            out.add("invariant " + (violations.isEmpty() ? "HELD" : "VIOLATED"));
            return out;
        }

        /** The same counts and wording as Go's workflow.Count and Tally. */
        List<String> tally() {
            Map<String, Integer> byKind = new TreeMap<>(), levels = new TreeMap<>();
            int gaveUp = 0;
            for (String[] r : store.rejects.values()) {
                byKind.merge(r[1], 1, Integer::sum);
                gaveUp += r[0].equals("clean") ? 0 : 1;
            }
            store.results.values().forEach(r -> levels.merge(r.level(), 1, Integer::sum));
            int malformed = store.rejects.size() - gaveUp, cleaned = lines.size() - malformed;
            int duplicates = cleaned - gaveUp - store.results.size();
            List<Map.Entry<String, Integer>> kinds = new ArrayList<>(byKind.entrySet());
            kinds.sort((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey()) : b.getValue() - a.getValue());
            List<String> reasons = kinds.stream().map(e -> e.getValue() + " " + e.getKey()).toList();
            long fnv = 0xcbf29ce484222325L; // FNV-1a over the stored rows: equal hashes, equal stores
            for (var e : store.results.entrySet()) {
                fnv = fnv1a(fnv, "reading " + e.getKey() + " " + e.getValue().lineId() + " " + e.getValue().level() + "\n");
            }
            for (var e : store.rejects.entrySet()) {
                fnv = fnv1a(fnv, "reject " + e.getKey() + " " + e.getValue()[0] + " " + e.getValue()[1] + "\n");
            }
            return List.of(
                    "tally in " + lines.size() + ", cleaned " + cleaned + ", rejected " + store.rejects.size() + ", stored " + store.results.size()
                            + " readings (" + duplicates + " duplicate lines merged by key)",
                    "reasons " + String.join(", ", reasons),
                    "levels ok=" + levels.getOrDefault("ok", 0) + " warn=" + levels.getOrDefault("warn", 0) + " trip=" + levels.getOrDefault("trip", 0),
                    "store rows=" + (store.results.size() + store.rejects.size()) + " writes=" + store.writes + " fnv1a=" + String.format("%016x", fnv));
        }
    }

    /**
     * The export's lines as Go's bufio.Scanner splits them: on \n, without a trailing \r;
     * bytes that are not UTF-8 become U+FFFD (and such a line is rejected), never an exception.
     */
    static List<String> readLines(Path source) throws java.io.IOException {
        String text = new String(Files.readAllBytes(source), java.nio.charset.StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        lines.replaceAll(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
        return lines;
    }

    static long fnv1a(long h, String s) {
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    /** patterns/workflow's Dataset.PoisonKeys: k good, unduplicated readings from a third of the way in, every 7th line. */
    static List<String> poisonKeys(List<String> lines, int k, boolean perturb) {
        Map<String, Integer> count = new HashMap<>();
        lines.forEach(l -> count.merge(l, 1, Integer::sum));
        List<String> keys = new ArrayList<>();
        // -perturb-schedule starts one line later: the cross-language test must notice
        for (int i = lines.size() / 3 + (perturb ? 1 : 0); i < lines.size() && keys.size() < k; i += 7) {
            try {
                Reading r = Reading.parse(lines.get(i));
                if (count.get(lines.get(i)) == 1) {
                    keys.add(r.key());
                }
            } catch (Reading.Rejected ignored) {
                // not a reading: not a candidate
            }
        }
        return keys;
    }

    static Run run(Config cfg) throws Exception {
        List<String> lines = readLines(cfg.source());
        List<String> poison = poisonKeys(lines, cfg.poison(), cfg.perturb());
        Store store = new Store(cfg.upsert());
        Pipeline p = new Pipeline(cfg.buffer(), cfg.fanOut(), cfg.batch(), cfg.attempts(), cfg.storeDelayMs(), cfg.bounded(), new LinkedHashSet<>(poison));
        p.run(lines, store);
        List<String> violations = new ArrayList<>();
        // Checked from outside the stages: the source's own lines and the store's rows.
        Set<String> keys = new LinkedHashSet<>();
        int stored = 0;
        for (int i = 0; i < lines.size(); i++) {
            String id = String.format("line-%06d", i + 1);
            try {
                keys.add(Reading.parse(lines.get(i)).key());
            } catch (Reading.Rejected r) {
                if (!store.rejects.containsKey(id)) {
                    violations.add(id + " is malformed but was not rejected");
                }
            }
        }
        for (String key : keys) {
            stored += store.results.containsKey(key) || poison.contains(key) ? 1 : 0;
        }
        if (stored != keys.size() || store.results.size() != keys.size() - poison.size()) {
            violations.add(keys.size() + " distinct readings, " + store.results.size() + " rows stored (" + poison.size() + " given up)");
        }
        if (p.peak.get() > p.maxInFlight()) {
            violations.add(p.peak.get() + " lines in flight, over the bound " + p.maxInFlight());
        }
        return new Run(cfg, lines, poison, store, p.peak.get(), p.maxInFlight(), violations);
    }

    public static void main(String[] args) throws Exception {
        Config cfg;
        boolean summary;
        try {
            Flags f = new Flags(args, Set.of("bounded", "upsert", "summary", "perturb-schedule"));
            cfg = new Config(Path.of(f.string("source", "workflow/testdata/readings.csv")), (int) f.integer("poison", 1, 0, 10),
                    (int) f.integer("buffer", 64, 1, 10_000), (int) f.integer("fanout", 4, 1, 16), (int) f.integer("batch", 128, 1, 10_000),
                    (int) f.integer("attempts", 3, 1, 10), f.integer("store-delay-ms", 100, 0, 1000), f.bool("bounded", true), f.bool("upsert", true),
                    f.bool("perturb-schedule", false));
            summary = f.bool("summary", false);
            f.done();
            if (!Files.isReadable(cfg.source())) {
                throw new Flags.UsageError("-source " + cfg.source() + ": not a readable file (run from languages/, or name the export)");
            }
        } catch (Flags.UsageError e) {
            System.err.println("usage: " + e.getMessage());
            System.exit(2);
            return;
        }
        Run r = run(cfg);
        if (summary) {
            r.summary().forEach(System.out::println);
            System.exit(r.violations().isEmpty() ? 0 : 1);
        }
        Narrator n = new Narrator(System.out);
        n.act("pipeline in Java: collect -> clean -> analyze x" + cfg.fanOut() + " -> store, queues of " + cfg.buffer());
        n.step("collect", r.lines().size() + " lines from " + cfg.source());
        r.poison().forEach(k -> n.fault("scoring", "fails on reading " + k + " every time: analyze gives up after " + cfg.attempts() + " attempts"));
        n.fault("store", "every batch of " + cfg.batch() + " waits " + cfg.storeDelayMs() + " ms (a slow disk): the queues fill and block the collector");
        if (!cfg.bounded()) {
            n.step("lab", "queues UNBOUNDED: nothing holds the collector back (watch the invariant break)");
        }
        if (!cfg.upsert()) {
            n.step("lab", "store upsert OFF: a duplicate line becomes a second row (watch the invariant break)");
        }
        List<String> t = r.tally();
        n.step("store", t.get(0).substring("tally ".length()));
        n.step("clean", "rejected by kind: " + t.get(1).substring("reasons ".length()));
        n.check("backpressure", r.peak() <= r.maxInFlight(), "peak lines in flight " + r.peak() + " <= " + r.maxInFlight());
        n.check("poison", r.poison().stream().allMatch(k -> !r.store().results.containsKey(k)), "every poison reading was given up, not stored");
        System.exit(n.invariant(INVARIANT, r.violations()) ? 0 : 1);
    }
}
