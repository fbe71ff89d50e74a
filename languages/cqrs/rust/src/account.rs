//! The ledger's aggregate. `decide` never changes state; `apply` is one step
//! of the fold (Go: cqrs.Account's HandleCommand and ApplyEvent).
use std::collections::HashSet;

/// What a teller asks for; sending again means the same ID.
#[derive(Clone, Debug)]
pub enum Command {
    Open { id: String },
    Deposit { id: String, amount: i64 },
    Withdraw { id: String, amount: i64 },
}

impl Command {
    pub fn id(&self) -> &str {
        match self {
            Command::Open { id } | Command::Deposit { id, .. } | Command::Withdraw { id, .. } => id,
        }
    }
}

/// What happened, as stored: the account's version after it and the command that caused it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub account: String,
    pub version: u32,
    pub command_id: String,
    pub delta: i64,
}

#[derive(Default)]
pub struct Account {
    pub id: String,
    pub version: u32,
    pub balance: i64,
    opened: bool,
    applied: HashSet<String>,
}

impl Account {
    pub fn new(id: &str) -> Account {
        Account { id: id.to_string(), ..Account::default() }
    }

    /// The events the command causes at this version (none when applied
    /// before), or the reason it is refused: a refusal is a value, not a panic.
    pub fn decide(&self, c: &Command, dedupe: bool) -> Result<Vec<Event>, String> {
        if dedupe && self.applied.contains(c.id()) {
            return Ok(vec![]); // sent again: already in the history
        }
        let delta = match *c {
            Command::Open { .. } if self.opened => return Err("account already open".into()),
            Command::Open { .. } => 0,
            Command::Deposit { amount, .. } => self.movable(amount)?,
            Command::Withdraw { amount, .. } if self.movable(amount)? > self.balance => {
                return Err(format!("insufficient funds: withdraw {amount} from {}", self.balance))
            }
            Command::Withdraw { amount, .. } => -amount,
        };
        Ok(vec![Event { account: self.id.clone(), version: self.version + 1, command_id: c.id().to_string(), delta }])
    }

    fn movable(&self, amount: i64) -> Result<i64, String> {
        match () {
            _ if !self.opened => Err("account not open".into()),
            _ if amount <= 0 => Err("amount must be positive".into()),
            _ => Ok(amount),
        }
    }

    /// Fold one event into the state.
    pub fn apply(&mut self, e: &Event) {
        self.opened = true;
        self.balance += e.delta;
        self.version = e.version;
        self.applied.insert(e.command_id.clone());
    }
}
