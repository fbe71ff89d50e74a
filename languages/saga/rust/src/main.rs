//! The saga demo in Rust. -summary prints only the deterministic summary the
//! Go test compares with Go's and Java's.
//!
//!     saga [-orders 8] [-seed 82] [-fault-rate 0.3] [-idempotency=false] [-summary]
use lab::flags::{exit_with, Flags, UsageError};
use lab::narrate::Narrator;
use saga::demo::{run, summary, Config};
use saga::order::INITIAL_STOCK;
use saga::verdict::INVARIANT;

fn main() {
    exit_with(start(std::env::args().skip(1).collect()))
}

fn start(args: Vec<String>) -> Result<bool, UsageError> {
    let mut f = Flags::parse(&args, &["idempotency", "summary", "perturb-schedule"])?;
    let c = Config {
        orders: f.integer("orders", 8, 1, 500)? as usize,
        seed: f.integer("seed", 82, 0, i64::MAX)? as u64,
        fault_rate: f.decimal("fault-rate", 0.3, 0.0, 1.0)?,
        idempotent: f.bool("idempotency", true)?,
        perturb: f.bool("perturb-schedule", false)?,
    };
    let only_summary = f.bool("summary", false)?;
    f.done()?;
    if only_summary {
        let r = run(&c, &Narrator::silent());
        summary(&c, &r).iter().for_each(|l| println!("{l}"));
        return Ok(r.verdict.violations.is_empty());
    }
    let n = Narrator::stdout();
    n.act(&format!("saga in Rust: {} orders, seed {}, fault rate {}", c.orders, c.seed, c.fault_rate));
    n.step("lab", &format!("three services in process, each with its own ledger: inventory (stock {INITIAL_STOCK} per item), payment, shipping"));
    if !c.idempotent {
        n.step("lab", "idempotency keys OFF: every delivery applies, duplicates included (watch the invariant break)");
    }
    let r = run(&c, &n);
    let v = &r.verdict;
    n.act("verdict");
    n.step("lab", &v.report(r.deliveries));
    n.check("sagas", v.completed + v.compensated == r.orders.len(), &format!("{} completed + {} compensated of {}", v.completed, v.compensated, r.orders.len()));
    n.check(
        "faults",
        r.plan.kill_worker.is_none() || v.duplicates > 0,
        &format!("the killed worker's step ran again and was absorbed ({} duplicates absorbed)", v.duplicates),
    );
    Ok(n.invariant(INVARIANT, &v.violations))
}
