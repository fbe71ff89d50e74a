//! The seeded fault schedule, drawn exactly as Go's saga.NewPlan draws it.
use crate::{Key, Order, Step};
use lab::pcg::Pcg;
use std::collections::{HashMap, HashSet};

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
    /// The pivot that fails on every attempt but the last allowed one.
    pub pivot: Option<Key>,
    /// The compensation that fails and must be retried.
    pub failing: Option<Key>,
    sagas: Vec<String>,
}

/// The fewest orders for which the scripted faults each get their own saga.
pub const MIN_ORDERS: usize = 3;

impl Plan {
    pub fn new(orders: &[Order], seed: u64, rate: f64) -> Plan {
        let sagas = orders.iter().map(|o| o.id.clone()).collect();
        let mut p = Plan { faults: HashMap::new(), rate, kill_worker: None, cancel: None, pivot: None, failing: None, sagas };
        if rate > 0.0 {
            let mut rng = Pcg::new(seed, 0xfa017);
            for o in orders {
                p.draw(&mut rng, o);
            }
        }
        p.script();
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

    fn compensates(&self, saga: &str, c: Step) -> bool {
        let d = self.declined_at(saga);
        c == Step::Release && matches!(d, Some(Step::Charge | Step::Book)) || c == Step::Refund && d == Some(Step::Book)
    }

    /// The forward step at which the saga is declined.
    pub fn declined_at(&self, saga: &str) -> Option<Step> {
        Step::FORWARD.into_iter().find(|&s| self.fault(&Key::new(saga, s)).decline.is_some())
    }

    /// Places the scripted faults on sagas from the middle of the run: one that
    /// reaches shipping for the killed worker, one that reaches payment for the
    /// cancel, one whose shipment is not declined for the pivot, and a declined
    /// one for the failing compensation. Where the draws leave no such saga, a
    /// free one's forward faults are cleared.
    fn script(&mut self) {
        if self.sagas.len() < MIN_ORDERS {
            return;
        }
        let mut taken = HashSet::new();
        let reaches_shipping = |p: &Plan, s: &str| matches!(p.declined_at(s), None | Some(Step::Book));
        let b = self.pick(&mut taken, reaches_shipping);
        self.kill_worker = Some(Key::new(&b, Step::Charge));
        let c = self.pick(&mut taken, reaches_shipping);
        let cancel = Key::new(&c, Step::Charge);
        self.faults.remove(&cancel); // the delay is this step's fault
        self.cancel = Some(cancel);
        let d = self.pick(&mut taken, |p: &Plan, s: &str| p.declined_at(s).is_none());
        let pivot = Key::new(&d, Step::Book);
        self.faults.insert(pivot.clone(), Fault { transient: MAX_FORWARD_ATTEMPTS - 1, redeliver: true, ..Fault::default() });
        self.pivot = Some(pivot);
        self.fail_compensation(&b, &c, &d);
    }

    fn pick(&mut self, taken: &mut HashSet<String>, ok: impl Fn(&Plan, &str) -> bool) -> String {
        let n = self.sagas.len();
        let order: Vec<String> = (0..n).map(|i| self.sagas[(n / 2 + i) % n].clone()).collect();
        if let Some(s) = order.iter().find(|s| !taken.contains(*s) && ok(self, s)) {
            taken.insert(s.clone());
            return s.clone();
        }
        // none fits: clear a free saga's forward faults
        let s = order.into_iter().find(|s| !taken.contains(s)).expect("MIN_ORDERS sagas");
        for st in Step::FORWARD {
            self.faults.remove(&Key::new(&s, st));
        }
        taken.insert(s.clone());
        s
    }

    /// Makes sure a compensation that undoes an applied step fails and must be retried.
    fn fail_compensation(&mut self, b: &str, c: &str, d: &str) {
        for s in &self.sagas {
            if s == c || s == d {
                continue;
            }
            for comp in [Step::Refund, Step::Release] {
                if self.fault(&Key::new(s, comp)).transient > 0 && self.compensates(s, comp) {
                    self.failing = Some(Key::new(s, comp));
                    return;
                }
            }
        }
        let declined = self
            .sagas
            .iter()
            .find(|s| s.as_str() != c && s.as_str() != d && matches!(self.declined_at(s), Some(Step::Charge | Step::Book)))
            .cloned();
        let declined = match declined {
            Some(s) => s,
            None => {
                self.faults.insert(Key::new(b, Step::Book), Fault { decline: Some(decline_reason(Step::Book)), ..Fault::default() });
                b.to_string()
            }
        };
        let comp = if self.declined_at(&declined) == Some(Step::Book) { Step::Refund } else { Step::Release };
        let failing = Key::new(&declined, comp);
        self.faults.entry(failing.clone()).or_default().transient = 2;
        self.failing = Some(failing);
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
        out.push(format!(
            "script kill-worker={} cancel={} pivot={} failing={}",
            key(&self.kill_worker),
            key(&self.cancel),
            key(&self.pivot),
            key(&self.failing)
        ));
        out
    }
}
