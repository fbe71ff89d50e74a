//! Benchmark: loading an aggregate by replaying its stream, per event.
//!
//!     replay EVENTS WARMUP RUNS   prints the median ns per event
use cqrs::account::Event;
use cqrs::store::EventStore;
use std::time::Instant;

fn main() {
    let a: Vec<u32> = std::env::args().skip(1).map(|s| s.parse().expect("EVENTS WARMUP RUNS")).collect();
    let (events, warmup, runs) = (a[0], a[1], a[2] as usize);
    let store = EventStore::new(true, Box::new(|_| {}));
    for v in 1..=events {
        let e = Event { account: "alice".into(), version: v, command_id: format!("cmd-{v}"), delta: if v == 1 { 0 } else { 100 } };
        store.append("alice", v - 1, vec![e]).expect("one writer");
    }
    for _ in 0..warmup {
        store.load("alice");
    }
    let mut ns: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let acct = store.load("alice");
            assert_eq!(acct.version, events);
            start.elapsed().as_nanos() as f64 / events as f64
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    println!("{:.3}", ns[runs / 2]);
}
