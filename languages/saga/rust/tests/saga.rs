//! The saga's invariant, attacked: with idempotency keys off the duplicates
//! the schedule delivers apply twice and the verdict must say so.
use lab::narrate::Narrator;
use saga::demo::{run, summary, Config};

fn config(seed: u64) -> Config {
    Config { orders: 8, seed, fault_rate: 0.3, idempotent: true, perturb: false }
}

fn quiet() -> Narrator {
    Narrator::new(Box::new(std::io::sink()))
}

#[test]
fn holds_for_many_seeds() {
    for seed in 1..=40 {
        let r = run(&config(seed), &quiet());
        assert!(r.verdict.violations.is_empty(), "seed {seed}: {:?}", r.verdict.violations);
        assert_eq!(r.verdict.completed + r.verdict.compensated, 8, "seed {seed}");
    }
}

#[test]
fn without_idempotency_a_step_applies_twice() {
    let r = run(&Config { idempotent: false, ..config(82) }, &quiet());
    assert!(r.verdict.violations.iter().any(|v| v.ends_with("applied 2 times")), "{:?}", r.verdict.violations);
    assert!(r.verdict.violations.iter().any(|v| v.starts_with("money:")), "{:?}", r.verdict.violations);
}

#[test]
fn the_schedule_declines_and_fails_a_compensation() {
    let c = config(82);
    let r = run(&c, &quiet());
    let lines = summary(&c, &r);
    assert!(lines.iter().any(|l| l.contains(" decline=")), "no decline planned");
    assert!(lines.iter().any(|l| l.contains("/refund transient=") || l.contains("/release transient=")), "no failing compensation");
    assert!(lines.iter().any(|l| l.ends_with("compensated: cancelled by the customer")), "the cancel did not fire");
    assert!(r.verdict.duplicates > 0, "the killed worker's step was not delivered again");
}

#[test]
fn a_perturbed_schedule_changes_the_summary() {
    let c = config(82);
    let p = Config { perturb: true, ..config(82) };
    assert_ne!(summary(&c, &run(&c, &quiet())), summary(&p, &run(&p, &quiet())));
}
