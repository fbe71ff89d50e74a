//! The seeded fault schedule, drawn exactly as Go's saga.NewPlan draws it.
use crate::{Key, Order, Step};
use lab::pcg::Pcg;
use std::collections::HashMap;

/// What the schedule does to one step of one saga.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fault {
    pub transient: u32,
    pub decline: Option<&'static str>,
    pub redeliver: bool,
}

pub const MAX_FORWARD_ATTEMPTS: u32 = 5;

fn decline_reason(s: Step) -> &'static str {
    match s {
        Step::Reserve => "warehouse reports the item damaged",
        Step::Charge => "card declined",
        _ => "no carrier serves the address",
    }
}

pub struct Plan {
    faults: HashMap<Key, Fault>,
    rate: f64,
    /// The step after which the worker dies (its answer is lost, so it runs again).
    pub kill_worker: Option<Key>,
    /// The step during which the customer cancels.
    pub cancel: Option<Key>,
}

impl Plan {
    pub fn new(orders: &[Order], seed: u64, rate: f64) -> Plan {
        let mut p = Plan { faults: HashMap::new(), rate, kill_worker: None, cancel: None };
        if rate > 0.0 {
            let mut rng = Pcg::new(seed, 0xfa017);
            for o in orders {
                p.draw(&mut rng, o);
            }
            p.ensure_compensation_failure(orders);
        }
        p.script(orders);
        p
    }

    pub fn fault(&self, k: &Key) -> Fault {
        self.faults.get(k).cloned().unwrap_or_default()
    }

    /// Test seam: replace one planned fault, to prove a changed schedule is caught.
    pub fn set(&mut self, k: Key, f: Fault) {
        self.faults.insert(k, f);
    }

    fn draw(&mut self, rng: &mut Pcg, o: &Order) {
        for s in Step::FORWARD {
            if rng.float64() >= self.rate {
                continue;
            }
            let f = match rng.int_n(3) {
                0 => Fault { transient: 1 + rng.int_n(2) as u32, ..Fault::default() },
                1 => Fault { decline: Some(decline_reason(s)), ..Fault::default() },
                _ => Fault { redeliver: true, ..Fault::default() },
            };
            let declined = f.decline.is_some();
            self.faults.insert(Key::new(&o.id, s), f);
            if declined {
                break; // the saga stops here; later steps never run
            }
        }
        for s in [Step::Refund, Step::Release] {
            if rng.float64() >= self.rate {
                continue;
            }
            let f = if rng.int_n(2) == 0 {
                Fault { transient: 1 + rng.int_n(3) as u32, ..Fault::default() }
            } else {
                Fault { redeliver: true, ..Fault::default() }
            };
            self.faults.insert(Key::new(&o.id, s), f);
        }
    }

    fn ensure_compensation_failure(&mut self, orders: &[Order]) {
        if orders.is_empty() {
            return;
        }
        let failing = match orders.iter().find(|o| matches!(self.declined_at(&o.id), Some(Step::Charge | Step::Book))) {
            Some(o) => o.id.clone(),
            None => {
                let id = orders[orders.len() - 1].id.clone();
                self.faults.insert(Key::new(&id, Step::Reserve), Fault::default());
                self.faults.insert(Key::new(&id, Step::Charge), Fault::default());
                self.faults.insert(Key::new(&id, Step::Book), Fault { decline: Some(decline_reason(Step::Book)), ..Fault::default() });
                id
            }
        };
        for o in orders {
            if !matches!(self.declined_at(&o.id), Some(Step::Charge | Step::Book)) {
                continue;
            }
            for c in [Step::Refund, Step::Release] {
                if self.fault(&Key::new(&o.id, c)).transient > 0 && self.compensates(&o.id, c) {
                    return;
                }
            }
        }
        let c = if self.declined_at(&failing) == Some(Step::Book) { Step::Refund } else { Step::Release };
        self.faults.entry(Key::new(&failing, c)).or_default().transient = 2;
    }

    fn compensates(&self, saga: &str, c: Step) -> bool {
        let d = self.declined_at(saga);
        c == Step::Release && matches!(d, Some(Step::Charge | Step::Book)) || c == Step::Refund && d == Some(Step::Book)
    }

    /// The forward step at which the saga is declined.
    pub fn declined_at(&self, saga: &str) -> Option<Step> {
        Step::FORWARD.into_iter().find(|&s| self.fault(&Key::new(saga, s)).decline.is_some())
    }

    fn script(&mut self, orders: &[Order]) {
        let eligible: Vec<&Order> = (0..orders.len())
            .map(|i| &orders[(orders.len() / 2 + i) % orders.len()])
            .filter(|o| matches!(self.declined_at(&o.id), None | Some(Step::Book)))
            .collect();
        self.kill_worker = eligible.first().map(|o| Key::new(&o.id, Step::Charge));
        self.cancel = eligible.get(1).map(|o| Key::new(&o.id, Step::Charge));
    }

    /// The schedule, one line a fault, in order and step order.
    pub fn lines(&self, orders: &[Order]) -> Vec<String> {
        let mut out = Vec::new();
        for o in orders {
            for s in Step::ALL {
                let f = self.fault(&Key::new(&o.id, s));
                if f == Fault::default() {
                    continue;
                }
                let mut line = format!("fault {}/{}", o.id, s.name());
                if f.transient > 0 {
                    line += &format!(" transient={}", f.transient);
                }
                if let Some(d) = f.decline {
                    line += &format!(" decline=\"{d}\"");
                }
                if f.redeliver {
                    line += " redeliver";
                }
                out.push(line);
            }
        }
        let key = |k: &Option<Key>| k.as_ref().map_or("none".to_string(), |k| k.to_string());
        out.push(format!("script kill-worker={} cancel={}", key(&self.kill_worker), key(&self.cancel)));
        out
    }
}
