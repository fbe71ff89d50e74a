//! One run of the backpressure demo: the four strategies, their bounds and
//! the violations the audit found.
use crate::simulation::{self, Outcome};
use crate::strategies::{Bounded, CreditWindow, Shedding, Strategy, Unbounded};
use crate::workload::Workload;

pub const INVARIANT: &str = "every bounded strategy kept its in-flight messages within its bound, and every accepted message was processed exactly once or counted as shed";

pub struct Run {
    pub outcomes: Vec<(Outcome, Option<i64>)>,
    pub violations: Vec<String>,
}

pub fn run(w: &Workload, inbox: bool) -> Run {
    let b = w.buffer as i64 + 1; // queued + the one in the consumer's hands
    let mut all: Vec<(Box<dyn Strategy>, Option<i64>)> = vec![
        (Box::new(Unbounded::new()), None),
        (Box::new(Bounded::new(w.buffer)), Some(b)),
        (Box::new(Shedding::new(w.buffer, w.rate, w.shed_burst())), Some(b)),
        (Box::new(CreditWindow::new(w.window)), Some(w.window as i64)),
    ];
    let mut r = Run { outcomes: vec![], violations: vec![] };
    for (i, (s, bound)) in all.iter_mut().enumerate() {
        let o = simulation::run(s.as_mut(), w, i == 3, inbox);
        if let Some(b) = *bound {
            if o.peak_in_flight > b {
                r.violations.push(format!("{}: {} messages in flight, over its bound {b}", o.strategy, o.peak_in_flight));
            }
        }
        if o.lost > 0 || o.duplicated > 0 || o.accepted + o.shed_rate_limited + o.shed_queue_full != w.messages {
            r.violations.push(format!("{}: {} accepted messages lost, {} processed twice", o.strategy, o.lost, o.duplicated));
        }
        r.outcomes.push((o, *bound));
    }
    r
}

/// The deterministic summary the Go test compares across languages.
pub fn summary(w: &Workload, inbox: bool, r: &Run) -> Vec<String> {
    let (stall, crash) = w.faults();
    let mut out = vec![
        format!(
            "backpressure seed={} messages={} rate={} overload={} buffer={} window={} inbox={inbox}",
            w.seed, w.messages, w.rate, w.overload, w.buffer, w.window
        ),
        format!("schedule stall-at={stall} crash-at={crash}"),
    ];
    out.extend(r.outcomes.iter().map(|(o, b)| o.line(&b.map_or("none".to_string(), |b| b.to_string()))));
    out.extend(r.violations.iter().map(|v| format!("violation {v}")));
    out.push(format!("invariant {}", if r.violations.is_empty() { "HELD" } else { "VIOLATED" }));
    out
}
