//! Backpressure's invariant, attacked: without the inbox the crashed
//! consumer's redelivered message is processed twice; a bound that is not
//! kept is caught by the audit, not by the queue's own length.
use backpressure::demo::{run, summary};
use backpressure::workload::Workload;

fn workload(seed: u64) -> Workload {
    Workload { messages: 15_000, rate: 5_000, overload: 10, buffer: 256, window: 64, seed, perturb: false }
}

#[test]
fn holds_for_several_seeds() {
    for seed in 1..=5 {
        let r = run(&workload(seed), true);
        assert!(r.violations.is_empty(), "seed {seed}: {:?}", r.violations);
        assert!(r.outcomes[0].0.peak_in_flight > 256, "the unbounded buffer did not outgrow B");
        assert!(r.outcomes[2].0.shed_rate_limited > 0, "load shedding shed nothing");
        assert_eq!(r.outcomes[3].0.absorbed, 1, "the crashed consumer's message did not come back");
    }
}

#[test]
fn without_the_inbox_a_redelivery_is_processed_twice() {
    let r = run(&workload(1), false);
    assert!(r.violations.iter().any(|v| v.contains("1 processed twice")), "{:?}", r.violations);
}

#[test]
fn a_perturbed_schedule_changes_the_summary() {
    let p = Workload { perturb: true, ..workload(1) };
    assert_ne!(summary(&workload(1), true, &run(&workload(1), true)), summary(&p, true, &run(&p, true)));
}
