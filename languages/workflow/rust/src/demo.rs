//! One run of the pipeline demo: the export, the poison keys, the pipeline,
//! and the checks made from outside the stages (the source's own lines, the
//! store's rows, the collector's and store's counters).
use crate::pipeline::Pipeline;
use crate::reading::Reading;
use crate::store::Store;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

pub const INVARIANT: &str =
    "every line of the source was stored exactly once by key or rejected with a reason, and backpressure kept the lines in flight within the stages' bound";

pub struct Config {
    pub poison: usize,
    pub buffer: usize,
    pub fan_out: usize,
    pub batch: usize,
    pub attempts: u32,
    pub store_delay_ms: u64,
    pub bounded: bool,
    pub upsert: bool,
    pub perturb: bool,
}

pub struct Run {
    pub lines: Vec<String>,
    pub poison: Vec<String>,
    pub store: Store,
    pub peak: i64,
    pub max_in_flight: i64,
    pub violations: Vec<String>,
}

/// patterns/workflow's Dataset.PoisonKeys: k good, unduplicated readings from a third of the way in, every 7th line.
pub fn poison_keys(lines: &[String], k: usize, perturb: bool) -> Vec<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for l in lines {
        *count.entry(l).or_default() += 1;
    }
    let mut keys = Vec::new();
    let mut i = lines.len() / 3 + usize::from(perturb); // -perturb-schedule: the cross-language test must notice
    while i < lines.len() && keys.len() < k {
        if let Ok(r) = Reading::parse(&lines[i]) {
            if count[lines[i].as_str()] == 1 {
                keys.push(r.key);
            }
        }
        i += 7;
    }
    keys
}

pub fn run(c: &Config, lines: Vec<String>) -> Run {
    let poison = poison_keys(&lines, c.poison, c.perturb);
    let p = Pipeline {
        buffer: c.buffer,
        fan_out: c.fan_out,
        batch: c.batch,
        attempts: c.attempts,
        store_delay: Duration::from_millis(c.store_delay_ms),
        bounded: c.bounded,
        poison: poison.iter().cloned().collect(),
        collected: AtomicI64::new(0),
        settled: AtomicI64::new(0),
        peak: AtomicI64::new(0),
    };
    let mut store = Store { upsert: c.upsert, ..Store::default() };
    p.run(&lines, &mut store);
    let mut violations = Vec::new();
    let mut keys = BTreeSet::new();
    for (i, l) in lines.iter().enumerate() {
        match Reading::parse(l) {
            Ok(r) => {
                keys.insert(r.key);
            }
            Err(_) if !store.rejects.contains_key(&format!("line-{:06}", i + 1)) => {
                violations.push(format!("line-{:06} is malformed but was not rejected", i + 1))
            }
            Err(_) => {}
        }
    }
    let given_up: HashSet<&String> = poison.iter().collect();
    let stored = keys.iter().filter(|k| store.results.contains_key(*k) || given_up.contains(k)).count();
    if stored != keys.len() || store.results.len() != keys.len() - poison.len() {
        violations.push(format!("{} distinct readings, {} rows stored ({} given up)", keys.len(), store.results.len(), poison.len()));
    }
    let peak = p.peak.load(Ordering::SeqCst);
    if peak > p.max_in_flight() {
        violations.push(format!("{peak} lines in flight, over the bound {}", p.max_in_flight()));
    }
    Run { lines, poison, store, peak, max_in_flight: p.max_in_flight(), violations }
}

fn fnv1a(mut h: u64, s: &str) -> u64 {
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    h
}

impl Run {
    /// The same counts and wording as Go's workflow.Count and Tally.
    pub fn tally(&self) -> Vec<String> {
        let (mut by_kind, mut levels): (BTreeMap<&str, usize>, BTreeMap<&str, usize>) = Default::default();
        let mut gave_up = 0;
        for (stage, kind) in self.store.rejects.values() {
            *by_kind.entry(kind).or_default() += 1;
            gave_up += usize::from(*stage != "clean");
        }
        for (_, level) in self.store.results.values() {
            *levels.entry(level).or_default() += 1;
        }
        let malformed = self.store.rejects.len() - gave_up;
        let cleaned = self.lines.len() - malformed;
        let duplicates = cleaned as i64 - gave_up as i64 - self.store.results.len() as i64;
        let mut kinds: Vec<(&&str, &usize)> = by_kind.iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let reasons: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let mut h = 0xcbf29ce484222325;
        for (key, (line, level)) in &self.store.results {
            h = fnv1a(h, &format!("reading {key} {line} {level}\n"));
        }
        for (line, (stage, kind)) in &self.store.rejects {
            h = fnv1a(h, &format!("reject {line} {stage} {kind}\n"));
        }
        let level = |l| levels.get(l).copied().unwrap_or(0);
        vec![
            format!(
                "tally in {}, cleaned {cleaned}, rejected {}, stored {} readings ({duplicates} duplicate lines merged by key)",
                self.lines.len(),
                self.store.rejects.len(),
                self.store.results.len()
            ),
            format!("reasons {}", reasons.join(", ")),
            format!("levels ok={} warn={} trip={}", level("ok"), level("warn"), level("trip")),
            format!("store rows={} writes={} fnv1a={h:016x}", self.store.results.len() + self.store.rejects.len(), self.store.writes),
        ]
    }

    /// The deterministic summary the Go test compares across languages.
    pub fn summary(&self, c: &Config) -> Vec<String> {
        let mut out = vec![format!("workflow lines={} poison={} attempts={} upsert={}", self.lines.len(), c.poison, c.attempts, c.upsert)];
        out.extend(self.poison.iter().map(|k| format!("poison {k}")));
        out.extend(self.tally());
        out.extend(self.violations.iter().map(|v| format!("violation {v}")));
        out.push(format!("invariant {}", if self.violations.is_empty() { "HELD" } else { "VIOLATED" }));
        out
    }
}
