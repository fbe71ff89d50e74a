package saga;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lab.Flags;
import lab.Narrator;
import saga.Step.Key;

/**
 * The saga demo in Java: the same orders and seeded fault schedule as
 * patterns/saga, three services in process, the orchestrator's compensation
 * stack and the services' idempotency keys. -summary prints only the
 * deterministic summary the Go test compares with Go's and Rust's.
 *
 * <pre>java -cp classes saga.Main [-orders 8] [-seed 82] [-fault-rate 0.3] [-idempotency=false] [-summary]</pre>
 */
public final class Main {
    record Config(int orders, long seed, double faultRate, boolean idempotent, boolean perturb) {
    }

    /** What one run did: enough for the narration's verdict and the summary. */
    record Run(Config cfg, List<Order> orders, Plan plan, Map<String, String> outcomes, Verdict verdict, int deliveries) {
        List<String> summary() {
            List<String> out = new ArrayList<>();
            out.add("saga seed=" + cfg.seed() + " orders=" + cfg.orders() + " idempotency=" + cfg.idempotent());
            orders.forEach(o -> out.add("order " + o.id() + " " + o.what()));
            out.addAll(plan.lines(orders));
            outcomes.forEach((id, outcome) -> out.add("outcome " + id + " " + outcome));
            out.add(verdict.report(deliveries));
            verdict.violations.forEach(v -> out.add("violation " + v));
            out.add("invariant " + (verdict.violations.isEmpty() ? "HELD" : "VIOLATED"));
            return out;
        }
    }

    static Run run(Config cfg, Narrator n) {
        List<Order> orders = Order.draw(cfg.orders(), cfg.seed());
        Plan plan = new Plan(orders, cfg.seed(), cfg.faultRate());
        if (cfg.perturb()) { // a changed schedule: the cross-language test must notice
            Key k = new Key(orders.get(0).id(), Step.RESERVE);
            Plan.Fault f = plan.fault(k);
            plan.set(k, new Plan.Fault(f.failures() + 1, f.decline(), f.redeliver()));
        }
        Map<String, Ledger> services = new LinkedHashMap<>();
        for (String name : List.of("inventory", "payment", "shipping")) {
            services.put(name, new Ledger(name, cfg.idempotent(), plan));
        }
        Order.SKUS.forEach(sku -> services.get("inventory").counters.put("available/" + sku, Order.INITIAL_STOCK));
        Orchestrator orch = new Orchestrator(services, plan, n);
        Map<String, String> outcomes = new LinkedHashMap<>();
        for (Order o : orders) {
            if (n.enabled()) { // String.format costs more than a saga step: skip it when silent
                n.act(o.id() + ": " + o.what());
            }
            outcomes.put(o.id(), orch.run(o));
        }
        return new Run(cfg, orders, plan, outcomes, Verdict.of(orders, outcomes, services), orch.deliveries);
    }

    public static void main(String[] args) {
        Config cfg;
        boolean summary;
        try {
            Flags f = new Flags(args, Set.of("idempotency", "summary", "perturb-schedule"));
            cfg = new Config((int) f.integer("orders", 8, 1, 500), f.integer("seed", 82, 0, Long.MAX_VALUE),
                    f.decimal("fault-rate", 0.3, 0, 1), f.bool("idempotency", true), f.bool("perturb-schedule", false));
            summary = f.bool("summary", false);
            f.done();
        } catch (Flags.UsageError e) {
            System.err.println("usage: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (summary) {
            Run r = run(cfg, Narrator.silent());
            r.summary().forEach(System.out::println);
            System.exit(r.verdict().violations.isEmpty() ? 0 : 1);
        }
        System.exit(demo(cfg, new Narrator(System.out)) ? 0 : 1);
    }

    static boolean demo(Config cfg, Narrator n) {
        n.act("saga in Java: " + cfg.orders() + " orders, seed " + cfg.seed() + ", fault rate " + cfg.faultRate());
        n.step("lab", "three services in process, each with its own ledger: inventory (stock " + Order.INITIAL_STOCK
                + " per item), payment, shipping");
        if (!cfg.idempotent()) {
            n.step("lab", "idempotency keys OFF: every delivery applies, duplicates included (watch the invariant break)");
        }
        Run r = run(cfg, n);
        Verdict v = r.verdict();
        n.act("verdict");
        n.step("lab", v.report(r.deliveries()));
        n.check("sagas", v.completed + v.compensated == r.orders().size(),
                v.completed + " completed + " + v.compensated + " compensated of " + r.orders().size());
        n.check("faults", r.plan().killWorker == null || v.duplicates > 0,
                "the killed worker's step ran again and was absorbed (" + v.duplicates + " duplicates absorbed)");
        return n.invariant(Verdict.INVARIANT, v.violations);
    }
}
