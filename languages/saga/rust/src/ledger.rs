//! One service's own store: counters and an idempotency record per
//! (saga, step) key, changed together under one lock. It turns at-least-once
//! delivery into exactly-once effects: a settled key is absorbed.
use crate::{Key, Order, Plan, Step};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Why a delivery did not apply. Errors are values: the orchestrator matches
/// on them instead of catching exceptions.
#[derive(Debug, Clone, PartialEq)]
pub enum StepError {
    /// Worth retrying: the step did not apply.
    Transient(String),
    /// A business refusal: retrying will not change the answer.
    Declined(String),
}

/// What a delivery did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    Applied,
    NothingToUndo,
    Duplicate,
}

#[derive(Default, Clone)]
pub struct Entry {
    pub effect: Option<&'static str>, // "applied", "declined", "nothing-to-undo"; None while open
    pub applied: u32,
    pub attempts: u32,
    pub duplicates: u32,
    sku: &'static str,
    units: i64,
    amount: i64,
}

#[derive(Default)]
pub struct State {
    pub entries: HashMap<Key, Entry>,
    pub counters: BTreeMap<String, i64>,
}

pub struct Ledger {
    pub service: &'static str,
    idempotent: bool,
    plan: Arc<Plan>,
    pub state: Mutex<State>,
}

impl Ledger {
    pub fn new(service: &'static str, idempotent: bool, plan: Arc<Plan>) -> Ledger {
        Ledger { service, idempotent, plan, state: Mutex::new(State::default()) }
    }

    /// One delivery of step `k` for order `o`.
    pub fn exec(&self, k: &Key, o: &Order) -> Result<Effect, StepError> {
        let mut st = self.state.lock().unwrap();
        let e = st.entries.entry(k.clone()).or_default();
        if e.effect.is_some() && self.idempotent {
            e.duplicates += 1;
            if e.effect == Some("declined") {
                return Err(StepError::Declined(format!("{k} declined: recorded before")));
            }
            return Ok(Effect::Duplicate);
        }
        e.attempts += 1;
        let f = self.plan.fault(k);
        if e.attempts <= f.transient {
            return Err(StepError::Transient(format!(
                "{} is unavailable (injected, attempt {} of {} that fail)",
                k.step.service(),
                e.attempts,
                f.transient
            )));
        }
        if let Some(reason) = f.decline {
            e.effect = Some("declined");
            return Err(StepError::Declined(format!("{k} declined: {reason}")));
        }
        Ok(apply(&mut st, k, o))
    }

    pub fn counter(&self, name: &str) -> i64 {
        *self.state.lock().unwrap().counters.get(name).unwrap_or(&0)
    }

    pub fn applied(&self, k: &Key) -> bool {
        self.state.lock().unwrap().entries.get(k).is_some_and(|e| e.effect == Some("applied"))
    }
}

/// The business rule of each step; compensations undo what the record says was done.
fn apply(st: &mut State, k: &Key, o: &Order) -> Effect {
    let undo = |st: &State, fwd: Step| st.entries.get(&Key::new(&o.id, fwd)).filter(|e| e.effect == Some("applied")).cloned();
    let (deltas, sku, units, amount): (Vec<(String, i64)>, &'static str, i64, i64) = match k.step {
        Step::Reserve => (vec![(format!("available/{}", o.sku), -o.qty), (format!("reserved/{}", o.sku), o.qty)], o.sku, o.qty, 0),
        Step::Release => match undo(st, Step::Reserve) {
            None => return nothing_to_undo(st, k),
            Some(r) => (vec![(format!("reserved/{}", r.sku), -r.units), (format!("available/{}", r.sku), r.units)], r.sku, r.units, 0),
        },
        Step::Charge => (vec![("charged".to_string(), o.amount)], "", 0, o.amount),
        Step::Refund => match undo(st, Step::Charge) {
            None => return nothing_to_undo(st, k),
            Some(c) => (vec![("refunded".to_string(), c.amount)], "", 0, c.amount),
        },
        Step::Book => (vec![(format!("shipped/{}", o.sku), o.qty)], o.sku, o.qty, 0),
    };
    for (name, d) in deltas {
        *st.counters.entry(name).or_insert(0) += d;
    }
    let e = st.entries.get_mut(k).expect("entry made by exec");
    e.effect = Some("applied");
    e.applied += 1;
    (e.sku, e.units, e.amount) = (sku, units, amount);
    Effect::Applied
}

fn nothing_to_undo(st: &mut State, k: &Key) -> Effect {
    st.entries.get_mut(k).expect("entry made by exec").effect = Some("nothing-to-undo");
    Effect::NothingToUndo
}
