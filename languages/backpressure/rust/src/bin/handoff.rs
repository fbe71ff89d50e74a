//! Benchmark: handing one message from a producer thread to a consumer
//! thread through a bounded `sync_channel` (send blocks while it is full,
//! recv while it is empty).
//!
//!     handoff ITEMS CAPACITY WARMUP RUNS   prints the median ns per message
use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::Instant;

fn once(items: u64, capacity: usize) -> f64 {
    let (tx, rx) = sync_channel::<u64>(capacity);
    let start = Instant::now();
    let consumer = thread::spawn(move || rx.iter().sum::<u64>());
    for i in 0..items {
        tx.send(i).expect("the consumer lives until the channel closes");
    }
    drop(tx);
    let sum = consumer.join().unwrap();
    let ns = start.elapsed().as_nanos() as f64;
    assert_eq!(sum, items * (items - 1) / 2, "lost or duplicated messages");
    ns
}

fn main() {
    let a: Vec<u64> = std::env::args().skip(1).map(|s| s.parse().expect("ITEMS CAPACITY WARMUP RUNS")).collect();
    let (items, capacity, warmup, runs) = (a[0], a[1] as usize, a[2], a[3] as usize);
    for _ in 0..warmup {
        once(items, capacity);
    }
    let mut ns: Vec<f64> = (0..runs).map(|_| once(items, capacity)).collect();
    ns.sort_by(f64::total_cmp);
    println!("{:.3}", ns[runs / 2] / items as f64);
}
