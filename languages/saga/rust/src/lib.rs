//! The saga in Rust: the same orders and seeded fault schedule as
//! patterns/saga, three services in process with idempotent ledgers, and an
//! orchestrator that keeps the compensation stack.
pub mod demo;
pub mod ledger;
pub mod orchestrator;
pub mod order;
pub mod plan;
pub mod verdict;

pub use order::Order;
pub use plan::Plan;

/// One step of one saga; every idempotency record is keyed by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Reserve,
    Charge,
    Book,
    Refund,
    Release,
}

impl Step {
    pub const FORWARD: [Step; 3] = [Step::Reserve, Step::Charge, Step::Book];
    pub const ALL: [Step; 5] = [Step::Reserve, Step::Charge, Step::Book, Step::Refund, Step::Release];

    /// The service that owns the step's state.
    pub fn service(self) -> &'static str {
        match self {
            Step::Reserve | Step::Release => "inventory",
            Step::Charge | Step::Refund => "payment",
            Step::Book => "shipping",
        }
    }

    /// The step that undoes this one; book is the pivot and has none.
    pub fn compensation(self) -> Option<Step> {
        match self {
            Step::Reserve => Some(Step::Release),
            Step::Charge => Some(Step::Refund),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        ["reserve", "charge", "book", "refund", "release"][self as usize]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub saga: String,
    pub step: Step,
}

impl Key {
    pub fn new(saga: &str, step: Step) -> Key {
        Key { saga: saga.to_string(), step }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}/{}", self.saga, self.step.name())
    }
}
