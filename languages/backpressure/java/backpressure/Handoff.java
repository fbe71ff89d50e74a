package backpressure;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Benchmark: the cost of handing one message from a producer thread to a
 * consumer thread through a bounded ArrayBlockingQueue (put() blocks while it
 * is full, take() while it is empty). The JVM is warmed up first: the whole
 * workload runs `warmup` times before the `runs` that are timed.
 *
 * <pre>java -cp classes backpressure.Handoff ITEMS CAPACITY WARMUP RUNS</pre>
 * prints the median ns per message.
 */
public final class Handoff {
    public static void main(String[] args) throws InterruptedException {
        int items = Integer.parseInt(args[0]), capacity = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]), runs = Integer.parseInt(args[3]);
        for (int i = 0; i < warmup; i++) {
            once(items, capacity);
        }
        long[] ns = new long[runs];
        for (int i = 0; i < runs; i++) {
            ns[i] = once(items, capacity);
        }
        Arrays.sort(ns);
        System.out.printf("%.3f%n", (double) ns[runs / 2] / items);
    }

    static long once(int items, int capacity) throws InterruptedException {
        BlockingQueue<Integer> q = new ArrayBlockingQueue<>(capacity);
        long[] sum = {0};
        Thread consumer = new Thread(() -> {
            try {
                for (int i = 0; i < items; i++) {
                    sum[0] += q.take();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long start = System.nanoTime();
        consumer.start();
        for (int i = 0; i < items; i++) {
            q.put(i); // boxed: an Integer per message, as a queue of objects is used
        }
        consumer.join();
        long elapsed = System.nanoTime() - start;
        if (sum[0] != (long) items * (items - 1) / 2) {
            throw new IllegalStateException("lost or duplicated messages: sum " + sum[0]);
        }
        return elapsed;
    }
}
