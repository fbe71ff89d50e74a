package saga;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import lab.Narrator;
import saga.Step.Key;

/**
 * The orchestrated saga in process: run T1..T3, push the compensation of each
 * step that may have applied, and on a decline or a cancel run the stack last
 * first, retrying each compensation until it succeeds. Go's version is a
 * Temporal workflow (patterns/saga/workflow.go); here the loop is plain code.
 */
public final class Orchestrator {
    private final Map<String, Ledger> services;
    private final Plan plan;
    private final Narrator n;
    int deliveries;

    Orchestrator(Map<String, Ledger> services, Plan plan, Narrator n) {
        this.services = services;
        this.plan = plan;
        this.n = n;
    }

    /** Runs the saga of o; returns "completed" or "compensated: <reason>". */
    String run(Order o) {
        Deque<Step> stack = new ArrayDeque<>(); // compensations, last pushed on top
        String reason = null;
        boolean cancelled = false;
        for (Step step : Step.FORWARD) {
            if (cancelled) {
                reason = "cancelled by the customer";
                break;
            }
            Key k = new Key(o.id(), step);
            try {
                forward(k, o);
                if (step.compensation() != null) {
                    stack.push(step.compensation());
                }
            } catch (Ledger.Declined d) { // did not apply: nothing to push
                n.step(step.service, d.getMessage());
                reason = d.getMessage();
                break;
            } catch (Ledger.Transient t) { // may have applied: compensate it too
                if (step.compensation() != null) {
                    stack.push(step.compensation());
                }
                reason = step + " failed: gave up after " + Plan.MAX_FORWARD_ATTEMPTS + " attempts";
                break;
            }
            if (k.equals(plan.killWorker)) {
                n.fault("worker", "dies after " + k + " applied, before it hears the answer; the step runs again");
                again(k, o);
            }
            if (k.equals(plan.cancel)) {
                n.fault("customer", "cancels " + o.id() + " while " + step + " runs");
                cancelled = true;
            }
        }
        if (reason == null) {
            n.step("orchestrator", o.id() + " completed");
            return "completed";
        }
        while (!stack.isEmpty()) {
            compensate(new Key(o.id(), stack.pop()), o);
        }
        n.step("orchestrator", o.id() + " compensated: " + reason);
        return "compensated: " + reason;
    }

    /** A forward step: up to MAX_FORWARD_ATTEMPTS deliveries, never after a decline. */
    private void forward(Key k, Order o) throws Ledger.Declined, Ledger.Transient {
        for (int attempt = 1; ; attempt++) {
            try {
                deliver(k, o);
                if (plan.fault(k).redeliver()) {
                    n.fault("network", k + " is delivered again");
                    again(k, o);
                }
                return;
            } catch (Ledger.Transient t) {
                n.fault(k.step().service, k + ": " + t.getMessage());
                if (attempt == Plan.MAX_FORWARD_ATTEMPTS) {
                    throw t;
                }
            }
        }
    }

    /** A compensation retries until it succeeds: giving up would leave money taken or stock held. */
    private void compensate(Key k, Order o) {
        while (true) {
            try {
                deliver(k, o);
                if (plan.fault(k).redeliver()) {
                    n.fault("network", k + " is delivered again");
                    again(k, o);
                }
                return;
            } catch (Ledger.Transient t) {
                n.fault(k.step().service, k + ": " + t.getMessage());
            } catch (Ledger.Declined d) {
                throw new IllegalStateException("a compensation cannot be declined: " + d.getMessage());
            }
        }
    }

    /** A second delivery of a step that already succeeded: its answer is not needed. */
    private void again(Key k, Order o) {
        try {
            deliver(k, o);
        } catch (Ledger.Transient | Ledger.Declined e) {
            n.step(k.step().service, k + " again: " + e.getMessage());
        }
    }

    private void deliver(Key k, Order o) throws Ledger.Transient, Ledger.Declined {
        deliveries++;
        String effect = services.get(k.step().service).exec(k, o);
        if (n.enabled()) { // the hot path: no line to build when nobody reads it
            n.step(k.step().service, k + (effect.equals("duplicate") ? " absorbed as a duplicate (idempotency key)" : " " + effect));
        }
    }
}
