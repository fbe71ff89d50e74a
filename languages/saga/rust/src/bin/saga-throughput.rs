//! Benchmark: saga steps per second in process, on the demo's own code,
//! narration off. A step is one delivery to a service.
//!
//!     saga-throughput ORDERS WARMUP RUNS   prints the median ns per step
use lab::narrate::Narrator;
use saga::demo::{run, Config};
use std::time::Instant;

fn main() {
    let a: Vec<usize> = std::env::args().skip(1).map(|s| s.parse().expect("ORDERS WARMUP RUNS")).collect();
    let c = Config { orders: a[0], seed: 82, fault_rate: 0.3, idempotent: true, perturb: false };
    for _ in 0..a[1] {
        run(&c, &Narrator::silent());
    }
    let mut ns: Vec<f64> = (0..a[2])
        .map(|_| {
            let start = Instant::now();
            let r = run(&c, &Narrator::silent());
            assert!(r.verdict.violations.is_empty(), "{:?}", r.verdict.violations);
            start.elapsed().as_nanos() as f64 / r.deliveries as f64
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    println!("{:.3}", ns[a[2] / 2]);
}
