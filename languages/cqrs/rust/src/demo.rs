//! One run of the ledger demo: seeded deposits and withdrawals, a rival
//! teller racing teller-1 every RACE_EVERY commands, every RESEND_EVERY-th
//! command sent twice, then the invariant checked from the log and the
//! client's books.
use crate::account::Command;
use crate::cents;
use crate::store::EventStore;
use crate::teller::Teller;
use lab::narrate::Narrator;
use lab::pcg::Pcg;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

pub const NAMES: [&str; 8] = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
const OPENING: i64 = 10_000;
const RACE_EVERY: usize = 7;
const RESEND_EVERY: usize = 5;
pub const INVARIANT: &str = "every balance equals the client's books and never went below zero; each stream's versions run 1..n; no command applied twice; the projection rebuilt by replay equals the live one";

pub struct Config {
    pub accounts: usize,
    pub commands: usize,
    pub seed: u64,
    pub occ: bool,
    pub dedupe: bool,
    pub perturb: bool,
}

/// The balances read model: account -> (balance, version).
pub type Balances = BTreeMap<String, (i64, u32)>;

fn project(b: &mut Balances, account: &str, delta: i64, version: u32) {
    let row = b.entry(account.to_string()).or_default();
    if version > row.1 {
        *row = (row.0 + delta, version); // an event seen before is skipped
    }
}

#[derive(Default)]
pub struct Counts {
    pub accepted: usize,
    pub refused: usize,
    pub resent: usize,
    pub absorbed: usize,
    pub races: usize,
    pub conflicts: u32,
    pub rival_accepted: usize,
    pub rival_refused: usize,
}

pub struct Run {
    pub store: EventStore,
    pub live: Arc<Mutex<Balances>>,
    pub books: Vec<(String, i64)>,
    pub counts: Counts,
    pub violations: Vec<String>,
}

pub fn run(c: &Config, n: &Narrator) -> Run {
    let live = Arc::new(Mutex::new(Balances::new()));
    let sink = live.clone();
    let store = EventStore::new(c.occ, Box::new(move |e| project(&mut sink.lock().unwrap(), &e.account, e.delta, e.version)));
    let teller = Teller { store: &store, dedupe: c.dedupe };
    let mut k = Counts::default();
    let mut next = 0;
    let mut new_id = || {
        next += 1;
        format!("cmd-{next}")
    };
    let accounts = &NAMES[..c.accounts];
    let mut books: BTreeMap<&str, i64> = BTreeMap::new();
    for name in accounts {
        teller.send(name, &Command::Open { id: new_id() });
        teller.send(name, &Command::Deposit { id: new_id(), amount: OPENING });
        books.insert(name, OPENING);
    }
    n.step("tellers", &format!("{} accounts opened with {} each", c.accounts, cents(OPENING)));
    let mut rng = Pcg::new(c.seed, 0xe5e5);
    for i in 0..c.commands {
        let acct = accounts[rng.int_n(accounts.len())];
        let cmd = if rng.int_n(10) < 5 {
            Command::Deposit { id: new_id(), amount: 100 + rng.int64_n(20_000) }
        } else {
            Command::Withdraw { id: new_id(), amount: 100 + rng.int64_n(30_000) }
        };
        // the race schedule; -perturb-schedule changes it and the cross-language test must notice
        let race = (i % RACE_EVERY == RACE_EVERY - 1) != (c.perturb && i == 0);
        let o = if race {
            k.races += 1;
            let loaded = store.load(acct);
            let rival_id = new_id();
            teller.send_after(loaded, &cmd, || {
                let amount = (store.load(acct).balance * 6 / 10).max(100);
                let rival = teller.send(acct, &Command::Withdraw { id: rival_id, amount });
                if rival.accepted {
                    k.rival_accepted += 1;
                    *books.get_mut(acct).unwrap() += rival.delta;
                } else {
                    k.rival_refused += 1;
                }
                let what = rival.refusal.map_or("accepted".to_string(), |r| format!("refused, {r}"));
                n.fault("teller-2", &format!("withdraws {} from {acct} between teller-1's load and append: {what}", cents(amount)));
            })
        } else {
            teller.send(acct, &cmd)
        };
        k.conflicts += o.conflicts;
        if o.accepted {
            k.accepted += 1;
            *books.get_mut(acct).unwrap() += o.delta;
        } else {
            k.refused += 1;
        }
        if o.conflicts > 0 {
            let what = o.refusal.as_ref().map_or("accepted".to_string(), |r| format!("refused, {r}"));
            n.step("teller-1", &format!("{acct}: append refused (stale version), reloaded and decided again: {what}"));
        }
        if i % RESEND_EVERY == RESEND_EVERY - 1 {
            // the client timed out and sent it again, same ID; it books a command once
            k.resent += 1;
            let again = teller.send(acct, &cmd);
            if o.accepted && !again.appended {
                k.absorbed += 1;
            }
        }
    }
    let books = books.into_iter().map(|(a, b)| (a.to_string(), b)).collect();
    let mut r = Run { store, live, books, counts: k, violations: vec![] };
    r.violations = verify(&r);
    r
}

/// The invariant, checked from the log and the client's books, not from the aggregate's own fields.
fn verify(r: &Run) -> Vec<String> {
    let mut v = Vec::new();
    let log = r.store.log();
    let (mut last, mut running, mut commands, mut stale) = (HashMap::new(), HashMap::new(), HashSet::new(), HashSet::new());
    let mut replayed = Balances::new();
    for e in &log {
        let want = last.get(&e.account).copied().unwrap_or(0) + 1;
        if e.version != want && stale.insert(e.account.clone()) {
            v.push(format!("{}: an event has version {} where {want} was due (stored on a stale state)", e.account, e.version));
        }
        last.insert(e.account.clone(), want);
        let bal = running.entry(e.account.clone()).or_insert(0i64);
        *bal += e.delta;
        if *bal < 0 {
            v.push(format!("{}: balance went to {}", e.account, cents(*bal)));
        }
        if !commands.insert(e.command_id.clone()) {
            v.push(format!("{}: command {} applied twice", e.account, e.command_id));
        }
        project(&mut replayed, &e.account, e.delta, e.version);
    }
    for (name, books) in &r.books {
        let balance = r.store.load(name).balance;
        if balance != *books {
            v.push(format!("{name}: balance {} but the client's books say {}", cents(balance), cents(*books)));
        }
    }
    if replayed != *r.live.lock().unwrap() {
        v.push("the projection rebuilt by replay differs from the live one".to_string());
    }
    v
}

/// The deterministic summary the Go test compares across languages.
pub fn summary(c: &Config, r: &Run) -> Vec<String> {
    let mut out = vec![format!("cqrs seed={} accounts={} commands={} occ={} dedupe={}", c.seed, c.accounts, c.commands, c.occ, c.dedupe)];
    for (name, books) in &r.books {
        let a = r.store.load(name);
        out.push(format!("account {name} version={} balance={} books={}", a.version, cents(a.balance), cents(*books)));
    }
    let k = &r.counts;
    out.push(format!(
        "commands accepted={} refused={} resent={} absorbed={} races={} conflicts={} rival-accepted={} rival-refused={} events={}",
        k.accepted, k.refused, k.resent, k.absorbed, k.races, k.conflicts, k.rival_accepted, k.rival_refused, r.store.log().len()
    ));
    out.extend(r.violations.iter().map(|v| format!("violation {v}")));
    out.push(format!("invariant {}", if r.violations.is_empty() { "HELD" } else { "VIOLATED" }));
    out
}
