//! The invariant, checked from the services' own ledgers and the outcomes the
//! orders saw, worded as Go's saga.Verify words it.
use crate::ledger::Ledger;
use crate::order::{cents, CATALOG, INITIAL_STOCK};
use crate::{Key, Order, Step};
use std::collections::HashMap;

pub const INVARIANT: &str = "every saga completed or fully compensated; stock + reserved + shipped and money charged - refunded match the completed orders exactly; no step applied twice";

#[derive(Default)]
pub struct Verdict {
    pub completed: usize,
    pub compensated: usize,
    pub keys: usize,
    pub duplicates: u32,
    stock: i64,
    available: i64,
    reserved: i64,
    shipped: i64,
    completed_units: i64,
    charged: i64,
    refunded: i64,
    completed_amount: i64,
    pub violations: Vec<String>,
}

impl Verdict {
    pub fn of(orders: &[Order], outcomes: &[(String, String)], s: &HashMap<&'static str, Ledger>) -> Verdict {
        let mut r = Verdict::default();
        let (inv, pay, ship) = (&s["inventory"], &s["payment"], &s["shipping"]);
        let outcome: HashMap<&str, &str> = outcomes.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let mut units: HashMap<&str, i64> = HashMap::new();
        for o in orders {
            match outcome.get(o.id.as_str()) {
                None => r.violations.push(format!("{} is stuck: neither completed nor compensated", o.id)),
                Some(&"completed") => {
                    r.completed += 1;
                    r.completed_units += o.qty;
                    r.completed_amount += o.amount;
                    *units.entry(o.sku).or_insert(0) += o.qty;
                    r.expect(inv, o, Step::Reserve, Step::Release);
                    r.expect(pay, o, Step::Charge, Step::Refund);
                    if !ship.applied(&Key::new(&o.id, Step::Book)) {
                        r.violations.push(format!("{} completed but no shipment was booked", o.id));
                    }
                }
                Some(_) => {
                    r.compensated += 1;
                    r.undone(inv, o, Step::Reserve, Step::Release);
                    r.undone(pay, o, Step::Charge, Step::Refund);
                    if ship.applied(&Key::new(&o.id, Step::Book)) {
                        r.violations.push(format!("{} compensated but its shipment is booked", o.id));
                    }
                }
            }
        }
        for (sku, _) in CATALOG {
            let (a, res) = (inv.counter(&format!("available/{sku}")), inv.counter(&format!("reserved/{sku}")));
            let (sh, want) = (ship.counter(&format!("shipped/{sku}")), *units.get(sku).unwrap_or(&0));
            r.stock += INITIAL_STOCK;
            r.available += a;
            r.reserved += res;
            r.shipped += sh;
            if a + res != INITIAL_STOCK {
                r.violations.push(format!("{sku}: available {a} + reserved {res} != stock {INITIAL_STOCK}"));
            }
            if res != want || sh != want {
                r.violations.push(format!("{sku}: reserved {res} and shipped {sh}, completed orders hold {want}"));
            }
        }
        r.charged = pay.counter("charged");
        r.refunded = pay.counter("refunded");
        if r.charged - r.refunded != r.completed_amount {
            r.violations.push(format!(
                "money: charged {} - refunded {} = {}, completed orders are worth {}",
                cents(r.charged),
                cents(r.refunded),
                cents(r.charged - r.refunded),
                cents(r.completed_amount)
            ));
        }
        let mut twice = Vec::new();
        for l in s.values() {
            for (k, e) in &l.state.lock().unwrap().entries {
                r.keys += 1;
                r.duplicates += e.duplicates;
                if e.applied > 1 {
                    twice.push(format!("{k} applied {} times", e.applied));
                }
            }
        }
        twice.sort();
        r.violations.extend(twice);
        r
    }

    fn expect(&mut self, l: &Ledger, o: &Order, fwd: Step, comp: Step) {
        if !l.applied(&Key::new(&o.id, fwd)) {
            self.violations.push(format!("{} completed but its {} did not apply", o.id, fwd.name()));
        }
        if l.applied(&Key::new(&o.id, comp)) {
            self.violations.push(format!("{} completed but its {} ran", o.id, comp.name()));
        }
    }

    fn undone(&mut self, l: &Ledger, o: &Order, fwd: Step, comp: Step) {
        if l.applied(&Key::new(&o.id, fwd)) && !l.applied(&Key::new(&o.id, comp)) {
            self.violations.push(format!("{} compensated but its {} was never undone by {}", o.id, fwd.name(), comp.name()));
        }
    }

    /// The report line of the summary.
    pub fn report(&self, deliveries: usize) -> String {
        format!(
            "report completed={} compensated={} stock={} available={} reserved={} shipped={} completed-units={} charged={} refunded={} completed-amount={} deliveries={deliveries} keys={} duplicates={}",
            self.completed, self.compensated, self.stock, self.available, self.reserved, self.shipped, self.completed_units,
            cents(self.charged), cents(self.refunded), cents(self.completed_amount), self.keys, self.duplicates
        )
    }
}
