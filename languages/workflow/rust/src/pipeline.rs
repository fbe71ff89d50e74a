//! collect -> clean -> analyze (fanned out) -> store, one thread per stage
//! inside a scope that owns them all, joined by bounded channels: a slow
//! store fills the channels behind it and then blocks the collector.
use crate::reading::Reading;
use crate::store::Store;
use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub struct Pipeline {
    pub buffer: usize,
    pub fan_out: usize,
    pub batch: usize,
    pub attempts: u32,
    pub store_delay: Duration,
    /// false is the unsafe switch: unbounded channels, nothing holds the collector back.
    pub bounded: bool,
    pub poison: HashSet<String>,
    pub collected: AtomicI64,
    pub settled: AtomicI64,
    pub peak: AtomicI64,
}

/// The sending half of a stage's channel, bounded or not.
enum Tx<T> {
    Bounded(SyncSender<T>),
    Unbounded(Sender<T>),
}

impl<T> Clone for Tx<T> {
    fn clone(&self) -> Self {
        match self {
            Tx::Bounded(s) => Tx::Bounded(s.clone()),
            Tx::Unbounded(s) => Tx::Unbounded(s.clone()),
        }
    }
}

impl<T> Tx<T> {
    /// Blocks while a bounded channel is full; an error means the next stage is gone.
    fn send(&self, v: T) -> Result<(), ()> {
        match self {
            Tx::Bounded(s) => s.send(v).map_err(|_| ()),
            Tx::Unbounded(s) => s.send(v).map_err(|_| ()),
        }
    }
}

/// What reaches the store: a reading with its level, or a rejection.
enum Outcome {
    Result { line: String, key: String, level: &'static str },
    Reject { line: String, stage: &'static str, kind: &'static str },
}

impl Pipeline {
    /// The most lines in flight backpressure allows: three channels, one line per stage thread, one batch.
    pub fn max_in_flight(&self) -> i64 {
        (3 * self.buffer + 1 + self.fan_out + self.batch) as i64
    }

    fn channel<T>(&self) -> (Tx<T>, Receiver<T>) {
        if self.bounded {
            let (tx, rx) = sync_channel(self.buffer);
            (Tx::Bounded(tx), rx)
        } else {
            let (tx, rx) = channel();
            (Tx::Unbounded(tx), rx)
        }
    }

    pub fn run(&self, lines: &[String], store: &mut Store) {
        let (raw_tx, raw_rx) = self.channel::<(String, &str)>();
        let (clean_tx, clean_rx) = self.channel::<(String, Reading)>();
        let (out_tx, out_rx) = self.channel::<Outcome>();
        let clean_rx = Arc::new(Mutex::new(clean_rx)); // the analyze workers share one input
        thread::scope(|s| {
            s.spawn(move || {
                // collect
                for (i, l) in lines.iter().enumerate() {
                    if raw_tx.send((format!("line-{:06}", i + 1), l.as_str())).is_err() {
                        return;
                    }
                    let in_flight = self.collected.fetch_add(1, Ordering::SeqCst) + 1 - self.settled.load(Ordering::SeqCst);
                    self.peak.fetch_max(in_flight, Ordering::SeqCst);
                }
            }); // raw_tx dropped: clean sees the end
            let rejects = out_tx.clone();
            s.spawn(move || {
                // clean
                for (line, raw) in raw_rx {
                    let sent = match Reading::parse(raw) {
                        Ok(r) => clean_tx.send((line, r)),
                        Err(kind) => rejects.send(Outcome::Reject { line, stage: "clean", kind }),
                    };
                    if sent.is_err() {
                        return;
                    }
                }
            });
            for _ in 0..self.fan_out {
                let (input, out) = (clean_rx.clone(), out_tx.clone());
                s.spawn(move || loop {
                    // analyze
                    let next = input.lock().unwrap().recv();
                    let Ok((line, r)) = next else { return };
                    if out.send(self.analyze(line, r)).is_err() {
                        return;
                    }
                });
            }
            drop(out_tx); // the store's input ends when clean and every analyzer are done
            let mut pending = Vec::new();
            let mut flush = |pending: &mut Vec<Outcome>| {
                thread::sleep(self.store_delay); // a slow disk
                for o in pending.drain(..) {
                    match o {
                        Outcome::Result { line, key, level } => store.save_result(&key, &line, level),
                        Outcome::Reject { line, stage, kind } => store.save_reject(&line, stage, kind),
                    }
                    self.settled.fetch_add(1, Ordering::SeqCst);
                }
            };
            for o in out_rx {
                pending.push(o);
                if pending.len() >= self.batch {
                    flush(&mut pending);
                }
            }
            flush(&mut pending);
        });
    }

    /// Score one reading; the scoring service fails on poison keys every time.
    fn analyze(&self, line: String, r: Reading) -> Outcome {
        let mut backoff = Duration::from_millis(2);
        for attempt in 1..=self.attempts {
            if !self.poison.contains(&r.key) {
                return Outcome::Result { line, level: r.level(), key: r.key };
            }
            if attempt < self.attempts {
                thread::sleep(backoff);
                backoff *= 2;
            }
        }
        Outcome::Reject { line, stage: "analyze", kind: "gave-up" }
    }
}
