//! The event-sourced ledger in Rust: an aggregate that decides from its own
//! folded events, an in-memory store with optimistic concurrency, tellers
//! that reload and decide again on a conflict, and a projection rebuilt by
//! replaying the log.
pub mod account;
pub mod demo;
pub mod store;
pub mod teller;

/// Cents printed as 12.34, -0.50.
pub fn cents(c: i64) -> String {
    format!("{}{}.{:02}", if c < 0 { "-" } else { "" }, c.abs() / 100, c.abs() % 100)
}
