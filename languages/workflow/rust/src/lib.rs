//! The collect -> clean -> analyze -> store pipeline in Rust: one thread per
//! stage inside a `std::thread::scope`, joined by bounded `sync_channel`s; a
//! stage ends when its input channel disconnects, which is how the end of
//! the stream propagates (Go closes the channel).
pub mod demo;
pub mod pipeline;
pub mod reading;
pub mod store;
