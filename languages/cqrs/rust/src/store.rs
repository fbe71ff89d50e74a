//! An in-memory event store: one stream per account and one global log, with
//! optimistic concurrency: `append` carries the version the writer loaded,
//! and a stream that moved on refuses it.
use crate::account::{Account, Event};
use std::collections::HashMap;
use std::sync::Mutex;

/// The stream moved on since the writer loaded it.
#[derive(Debug, PartialEq)]
pub struct Conflict {
    pub expected: u32,
    pub actual: u32,
}

#[derive(Default)]
struct Inner {
    streams: HashMap<String, Vec<Event>>,
    log: Vec<Event>,
}

pub struct EventStore {
    inner: Mutex<Inner>,
    check_version: bool,
    live: Box<dyn Fn(&Event) + Send + Sync>,
}

impl EventStore {
    /// `check_version: false` is the unsafe switch: every append lands; `live`
    /// sees every event as it is appended (the live projection).
    pub fn new(check_version: bool, live: Box<dyn Fn(&Event) + Send + Sync>) -> EventStore {
        EventStore { inner: Mutex::new(Inner::default()), check_version, live }
    }

    pub fn append(&self, stream: &str, expected: u32, events: Vec<Event>) -> Result<(), Conflict> {
        let mut inner = self.inner.lock().unwrap();
        let s = inner.streams.entry(stream.to_string()).or_default();
        let actual = s.len() as u32;
        if self.check_version && actual != expected {
            return Err(Conflict { expected, actual });
        }
        s.extend(events.iter().cloned());
        for e in &events {
            (self.live)(e);
        }
        inner.log.extend(events);
        Ok(())
    }

    /// The account's state: its stream folded from the first event.
    pub fn load(&self, stream: &str) -> Account {
        let inner = self.inner.lock().unwrap();
        let mut a = Account::new(stream);
        for e in inner.streams.get(stream).into_iter().flatten() {
            a.apply(e);
        }
        a
    }

    /// Every event in append order: what a replay reads.
    pub fn log(&self) -> Vec<Event> {
        self.inner.lock().unwrap().log.clone()
    }
}
