package workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * collect -> clean -> analyze (fanned out) -> store, one thread per stage,
 * joined by bounded queues: a slow store fills the queues behind it and then
 * blocks the collector (Go: patterns/workflow's InProcess, goroutines and
 * channels). The first failure cancels the rest by interrupting them, where
 * Go cancels a context.
 */
public final class Pipeline {
    /** What flows between stages; END closes a queue (Go closes the channel). */
    record Line(String id, String raw) {
    }

    record Cleaned(String lineId, Reading reading) {
    }

    record Outcome(String lineId, Reading result, String rejectStage, String rejectKind) {
    }

    static final Line END_LINE = new Line(null, null);
    static final Cleaned END_CLEANED = new Cleaned(null, null);
    static final Outcome END_OUTCOME = new Outcome(null, null, null, null);

    final int buffer, fanOut, batch, attempts;
    final long storeDelayMs;
    final boolean bounded;
    final Set<String> poison;
    final AtomicLong collected = new AtomicLong(), settled = new AtomicLong(), peak = new AtomicLong();

    Pipeline(int buffer, int fanOut, int batch, int attempts, long storeDelayMs, boolean bounded, Set<String> poison) {
        this.buffer = buffer;
        this.fanOut = fanOut;
        this.batch = batch;
        this.attempts = attempts;
        this.storeDelayMs = storeDelayMs;
        this.bounded = bounded;
        this.poison = poison;
    }

    /** The most lines in flight backpressure allows: three queues, one line per stage thread, one batch. */
    int maxInFlight() {
        return 3 * buffer + 1 + fanOut + batch;
    }

    private <T> BlockingQueue<T> queue() {
        return bounded ? new ArrayBlockingQueue<>(buffer) : new LinkedBlockingQueue<>(); // bounded=false: the unsafe switch
    }

    void run(List<String> source, Store store) throws Exception {
        BlockingQueue<Line> raw = queue();
        BlockingQueue<Cleaned> cleaned = queue();
        BlockingQueue<Outcome> outcomes = queue();
        ExecutorService pool = Executors.newFixedThreadPool(3 + fanOut);
        List<Future<?>> stages = new ArrayList<>();
        stages.add(pool.submit(() -> collect(source, raw)));
        stages.add(pool.submit(() -> clean(raw, cleaned, outcomes)));
        for (int i = 0; i < fanOut; i++) {
            stages.add(pool.submit(() -> analyze(cleaned, outcomes)));
        }
        stages.add(pool.submit(() -> store(outcomes, store, 1 + fanOut)));
        try {
            for (Future<?> f : stages) {
                f.get();
            }
        } catch (ExecutionException e) {
            pool.shutdownNow(); // interrupt every stage blocked on a queue
            throw e;
        } finally {
            pool.shutdown();
        }
    }

    private Void collect(List<String> source, BlockingQueue<Line> out) throws Exception {
        int n = 0;
        for (String s : source) {
            out.put(new Line(String.format("line-%06d", ++n), s));
            long inFlight = collected.incrementAndGet() - settled.get();
            peak.accumulateAndGet(inFlight, Math::max);
        }
        out.put(END_LINE);
        return null;
    }

    private Void clean(BlockingQueue<Line> in, BlockingQueue<Cleaned> out, BlockingQueue<Outcome> outcomes) throws InterruptedException {
        for (Line l; (l = in.take()) != END_LINE; ) {
            try {
                out.put(new Cleaned(l.id(), Reading.parse(l.raw())));
            } catch (Reading.Rejected r) {
                outcomes.put(new Outcome(l.id(), null, "clean", r.kind));
            }
        }
        for (int i = 0; i < fanOut; i++) {
            out.put(END_CLEANED);
        }
        outcomes.put(END_OUTCOME);
        return null;
    }

    private Void analyze(BlockingQueue<Cleaned> in, BlockingQueue<Outcome> out) throws InterruptedException {
        for (Cleaned c; (c = in.take()) != END_CLEANED; ) {
            Outcome o = null;
            long backoff = 2;
            for (int attempt = 1; attempt <= attempts && o == null; attempt++) {
                if (!poison.contains(c.reading().key())) { // the scoring service fails on poison keys, every time
                    o = new Outcome(c.lineId(), c.reading(), null, null);
                } else if (attempt < attempts) {
                    Thread.sleep(backoff);
                    backoff *= 2;
                }
            }
            out.put(o != null ? o : new Outcome(c.lineId(), null, "analyze", "gave-up"));
        }
        out.put(END_OUTCOME);
        return null;
    }

    private Void store(BlockingQueue<Outcome> in, Store store, int producers) throws InterruptedException {
        List<Outcome> pending = new ArrayList<>();
        while (producers > 0) {
            Outcome o = in.take();
            if (o == END_OUTCOME) {
                producers--;
            } else {
                pending.add(o);
            }
            if (pending.size() >= batch || producers == 0) {
                if (storeDelayMs > 0) {
                    Thread.sleep(storeDelayMs); // a slow disk
                }
                for (Outcome p : pending) {
                    if (p.result() != null) {
                        store.saveResult(p.result().key(), p.lineId(), p.result().level());
                    } else {
                        store.saveReject(p.lineId(), p.rejectStage(), p.rejectKind());
                    }
                }
                settled.addAndGet(pending.size());
                pending.clear();
            }
        }
        return null;
    }
}
