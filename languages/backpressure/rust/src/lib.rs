//! Backpressure in Rust: the same workload through four strategies, in
//! logical time, audited from outside each strategy.
pub mod demo;
pub mod simulation;
pub mod strategies;
pub mod workload;
