//! A writer of the ledger: load, decide, append with the version it loaded;
//! on a conflict reload and decide again, so no decision is ever stored on
//! top of a state it did not see.
use crate::account::{Account, Command};
use crate::store::EventStore;

/// How one command ended.
#[derive(Debug, Default)]
pub struct Outcome {
    pub accepted: bool,
    pub appended: bool,
    pub delta: i64,
    pub conflicts: u32,
    pub refusal: Option<String>,
}

pub struct Teller<'a> {
    pub store: &'a EventStore,
    pub dedupe: bool,
}

impl Teller<'_> {
    pub fn send(&self, account: &str, c: &Command) -> Outcome {
        self.decide(self.store.load(account), c, 0)
    }

    /// Decide on a state loaded earlier; `race` runs between the load and the append.
    pub fn send_after(&self, loaded: Account, c: &Command, race: impl FnOnce()) -> Outcome {
        race();
        self.decide(loaded, c, 0)
    }

    fn decide(&self, a: Account, c: &Command, conflicts: u32) -> Outcome {
        let events = match a.decide(c, self.dedupe) {
            Err(why) => return Outcome { conflicts, refusal: Some(why), ..Outcome::default() },
            Ok(events) if events.is_empty() => return Outcome { accepted: true, conflicts, ..Outcome::default() },
            Ok(events) => events,
        };
        let delta = events.iter().map(|e| e.delta).sum();
        match self.store.append(&a.id, a.version, events) {
            Ok(()) => Outcome { accepted: true, appended: true, delta, conflicts, refusal: None },
            Err(_) => self.decide(self.store.load(&a.id), c, conflicts + 1), // reload, decide again
        }
    }
}
