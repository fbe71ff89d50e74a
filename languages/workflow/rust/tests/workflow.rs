//! The pipeline's invariant, attacked: without upserts a duplicate line is a
//! second row; without bounded channels a slow store lets the backlog grow.
use workflow::demo::{run, Config};

fn config() -> Config {
    Config { poison: 1, buffer: 64, fan_out: 4, batch: 128, attempts: 3, store_delay_ms: 0, bounded: true, upsert: true, perturb: false }
}

fn lines() -> Vec<String> {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/readings.csv")).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn holds_on_the_default_export() {
    let r = run(&config(), lines());
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    assert_eq!(r.poison.len(), 1);
    assert!(r.tally()[0].contains("duplicate lines merged"));
}

#[test]
fn without_upserts_duplicates_become_rows() {
    let r = run(&Config { upsert: false, ..config() }, lines());
    assert!(r.violations.iter().any(|v| v.contains("rows stored")), "{:?}", r.violations);
}

#[test]
fn unbounded_channels_let_a_slow_store_fall_behind() {
    let r = run(&Config { bounded: false, store_delay_ms: 100, ..config() }, lines());
    assert!(r.violations.iter().any(|v| v.contains("over the bound")), "{:?}", r.violations);
}

#[test]
fn a_perturbed_poison_schedule_changes_the_summary() {
    let (c, p) = (config(), Config { perturb: true, ..config() });
    assert_ne!(run(&c, lines()).summary(&c), run(&p, lines()).summary(&p));
}
