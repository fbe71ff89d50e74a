//! One run of the saga demo: the orders, the plan, the services, the sagas
//! and the verdict, as the binary and the tests use it.
use crate::ledger::Ledger;
use crate::orchestrator::Orchestrator;
use crate::order::INITIAL_STOCK;
use crate::plan::Fault;
use crate::verdict::Verdict;
use crate::{Key, Order, Plan, Step};
use lab::narrate::Narrator;
use std::collections::HashMap;
use std::sync::Arc;

pub struct Config {
    pub orders: usize,
    pub seed: u64,
    pub fault_rate: f64,
    pub idempotent: bool,
    pub perturb: bool,
}

/// What one run did: enough for the verdict and the summary.
pub struct Run {
    pub orders: Vec<Order>,
    pub plan: Arc<Plan>,
    pub outcomes: Vec<(String, String)>,
    pub verdict: Verdict,
    pub deliveries: usize,
}

/// Runs every saga of the configuration in process, narrating to `n`.
pub fn run(c: &Config, n: &Narrator) -> Run {
    let orders = Order::draw(c.orders, c.seed);
    let mut plan = Plan::new(&orders, c.seed, c.fault_rate);
    if c.perturb {
        // a changed schedule: the cross-language test must notice
        let k = Key::new(&orders[0].id, Step::Reserve);
        let f = plan.fault(&k);
        plan.set(k, Fault { transient: f.transient + 1, ..f });
    }
    let plan = Arc::new(plan);
    let services: HashMap<&'static str, Ledger> =
        ["inventory", "payment", "shipping"].into_iter().map(|s| (s, Ledger::new(s, c.idempotent, plan.clone()))).collect();
    for (sku, _) in crate::order::CATALOG {
        services["inventory"].state.lock().unwrap().counters.insert(format!("available/{sku}"), INITIAL_STOCK);
    }
    let mut orch = Orchestrator { services: &services, plan: &plan, n, deliveries: 0 };
    let mut outcomes = Vec::new();
    for o in &orders {
        if n.enabled() {
            n.act(&format!("{}: {}", o.id, o.what()));
        }
        outcomes.push((o.id.clone(), orch.run(o)));
    }
    let deliveries = orch.deliveries;
    let verdict = Verdict::of(&orders, &outcomes, &services);
    Run { orders, plan, outcomes, verdict, deliveries }
}

/// The deterministic summary the Go test compares across languages.
pub fn summary(c: &Config, r: &Run) -> Vec<String> {
    let mut out = vec![format!("saga seed={} orders={} idempotency={}", c.seed, c.orders, c.idempotent)];
    out.extend(r.orders.iter().map(|o| format!("order {} {}", o.id, o.what())));
    out.extend(r.plan.lines(&r.orders));
    out.extend(r.outcomes.iter().map(|(id, oc)| format!("outcome {id} {oc}")));
    out.push(r.verdict.report(r.deliveries));
    out.extend(r.verdict.violations.iter().map(|v| format!("violation {v}")));
    out.push(format!("invariant {}", if r.verdict.violations.is_empty() { "HELD" } else { "VIOLATED" }));
    out
}
