//! The ledger's invariant, attacked: without optimistic concurrency a stale
//! decision is stored; without command IDs a resent command applies twice.
use cqrs::demo::{run, summary, Config};
use lab::narrate::Narrator;

fn config(seed: u64) -> Config {
    Config { accounts: 4, commands: 60, seed, occ: true, dedupe: true, perturb: false }
}

fn quiet() -> Narrator {
    Narrator::new(Box::new(std::io::sink()))
}

#[test]
fn holds_and_races_conflict_for_many_seeds() {
    for seed in 1..=30 {
        let r = run(&config(seed), &quiet());
        assert!(r.violations.is_empty(), "seed {seed}: {:?}", r.violations);
        assert!(r.counts.conflicts > 0, "seed {seed}: no race met a conflict");
    }
}

#[test]
fn without_occ_a_stale_decision_is_stored() {
    let r = run(&Config { occ: false, ..config(1) }, &quiet());
    assert!(r.violations.iter().any(|v| v.contains("stored on a stale state")), "{:?}", r.violations);
}

#[test]
fn without_dedupe_a_resent_command_applies_twice() {
    let r = run(&Config { dedupe: false, ..config(1) }, &quiet());
    assert!(r.violations.iter().any(|v| v.contains("applied twice")), "{:?}", r.violations);
    assert!(r.violations.iter().any(|v| v.contains("client's books")), "{:?}", r.violations);
}

#[test]
fn a_perturbed_race_schedule_changes_the_summary() {
    let (c, p) = (config(1), Config { perturb: true, ..config(1) });
    assert_ne!(summary(&c, &run(&c, &quiet())), summary(&p, &run(&p, &quiet())));
}
