//! The orchestrated saga in process: run T1..T3, push the compensation of
//! each step that may have applied, and on a decline or a cancel pop the
//! stack, retrying each compensation until it succeeds. Go's version is a
//! Temporal workflow (patterns/saga/workflow.go); here it is a plain loop.
use crate::ledger::{Effect, Ledger, StepError};
use crate::plan::MAX_FORWARD_ATTEMPTS;
use crate::{Key, Order, Plan, Step};
use lab::narrate::Narrator;
use std::collections::HashMap;

pub struct Orchestrator<'a> {
    pub services: &'a HashMap<&'static str, Ledger>,
    pub plan: &'a Plan,
    pub n: &'a Narrator,
    pub deliveries: usize,
}

impl Orchestrator<'_> {
    /// Runs the saga of `o`; returns "completed" or "compensated: <reason>".
    pub fn run(&mut self, o: &Order) -> String {
        let mut stack: Vec<Step> = Vec::new(); // compensations, last pushed on top
        let mut reason = None;
        let mut cancelled = false;
        for step in Step::FORWARD {
            if cancelled {
                reason = Some("cancelled by the customer".to_string());
                break;
            }
            let k = Key::new(&o.id, step);
            match self.forward(&k, o) {
                Ok(()) => stack.extend(step.compensation()),
                Err(StepError::Declined(why)) => {
                    self.n.step(step.service(), &why); // did not apply: nothing to push
                    reason = Some(why);
                    break;
                }
                Err(StepError::Transient(_)) => {
                    stack.extend(step.compensation()); // may have applied: compensate it too
                    reason = Some(format!("{} failed: gave up after {MAX_FORWARD_ATTEMPTS} attempts", step.name()));
                    break;
                }
            }
            if self.plan.kill_worker.as_ref() == Some(&k) {
                self.n.fault("worker", &format!("dies after {k} applied, before it hears the answer; the step runs again"));
                self.again(&k, o);
            }
            if self.plan.cancel.as_ref() == Some(&k) {
                self.n.fault("customer", &format!("cancels {} while {} runs", o.id, step.name()));
                cancelled = true;
            }
        }
        let Some(reason) = reason else {
            self.n.step("orchestrator", &format!("{} completed", o.id));
            return "completed".to_string();
        };
        while let Some(c) = stack.pop() {
            self.compensate(&Key::new(&o.id, c), o);
        }
        self.n.step("orchestrator", &format!("{} compensated: {reason}", o.id));
        format!("compensated: {reason}")
    }

    /// A forward step: up to MAX_FORWARD_ATTEMPTS deliveries, never after a decline.
    fn forward(&mut self, k: &Key, o: &Order) -> Result<(), StepError> {
        for attempt in 1.. {
            match self.deliver(k, o) {
                Ok(_) => {
                    self.redelivery(k, o);
                    return Ok(());
                }
                Err(StepError::Transient(why)) => {
                    self.n.fault(k.step.service(), &format!("{k}: {why}"));
                    if attempt == MAX_FORWARD_ATTEMPTS {
                        return Err(StepError::Transient(why));
                    }
                }
                Err(declined) => return Err(declined),
            }
        }
        unreachable!()
    }

    /// A compensation retries until it succeeds: giving up would leave money taken or stock held.
    fn compensate(&mut self, k: &Key, o: &Order) {
        loop {
            match self.deliver(k, o) {
                Ok(_) => return self.redelivery(k, o),
                Err(StepError::Transient(why)) => self.n.fault(k.step.service(), &format!("{k}: {why}")),
                Err(StepError::Declined(why)) => panic!("a compensation cannot be declined: {why}"),
            }
        }
    }

    fn redelivery(&mut self, k: &Key, o: &Order) {
        if self.plan.fault(k).redeliver {
            self.n.fault("network", &format!("{k} is delivered again"));
            self.again(k, o);
        }
    }

    /// A second delivery of a step that already succeeded: its answer is not needed.
    fn again(&mut self, k: &Key, o: &Order) {
        if let Err(StepError::Transient(why) | StepError::Declined(why)) = self.deliver(k, o) {
            self.n.step(k.step.service(), &format!("{k} again: {why}"));
        }
    }

    fn deliver(&mut self, k: &Key, o: &Order) -> Result<Effect, StepError> {
        self.deliveries += 1;
        let effect = self.services[k.step.service()].exec(k, o)?;
        if !self.n.enabled() {
            return Ok(effect); // the hot path: no line to build when nobody reads it
        }
        let what = match effect {
            Effect::Applied => "applied",
            Effect::NothingToUndo => "nothing-to-undo",
            Effect::Duplicate => "absorbed as a duplicate (idempotency key)",
        };
        self.n.step(k.step.service(), &format!("{k} {what}"));
        Ok(effect)
    }
}
