//! The four ways to meet a producer faster than its consumer, on the
//! standard library's own types, used without blocking so logical time can
//! drive them (the blocking forms, send() and recv() on a sync_channel, are
//! in the handoff benchmark).
use std::collections::VecDeque;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};

/// What an offer did: accepted, dropped on purpose (and why), or the producer must wait.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Accepted,
    ShedRateLimited,
    ShedQueueFull,
    Wait,
}

pub trait Strategy {
    fn name(&self) -> &'static str;
    fn offer(&mut self, id: usize, now_ns: i64) -> Verdict;
    /// The next message for the consumer.
    fn poll(&mut self) -> Option<usize>;
    /// The consumer acknowledged a message (returns its credit).
    fn ack(&mut self) {}
}

/// The anti-pattern: a queue that never says no.
#[derive(Default)]
pub struct Unbounded(VecDeque<usize>);

impl Unbounded {
    pub fn new() -> Self {
        Unbounded(VecDeque::new())
    }
}

impl Strategy for Unbounded {
    fn name(&self) -> &'static str {
        "unbounded-buffer"
    }
    fn offer(&mut self, id: usize, _: i64) -> Verdict {
        self.0.push_back(id);
        Verdict::Accepted
    }
    fn poll(&mut self) -> Option<usize> {
        self.0.pop_front()
    }
}

/// A bounded channel: when it is full the producer waits (send() would block).
pub struct Bounded(SyncSender<usize>, Receiver<usize>);

impl Bounded {
    pub fn new(capacity: usize) -> Self {
        let (tx, rx) = sync_channel(capacity);
        Bounded(tx, rx)
    }
}

impl Strategy for Bounded {
    fn name(&self) -> &'static str {
        "bounded-queue"
    }
    fn offer(&mut self, id: usize, _: i64) -> Verdict {
        match self.0.try_send(id) {
            Ok(()) => Verdict::Accepted,
            Err(TrySendError::Full(_)) => Verdict::Wait,
            Err(TrySendError::Disconnected(_)) => unreachable!("the receiver lives as long as the strategy"),
        }
    }
    fn poll(&mut self) -> Option<usize> {
        self.1.try_recv().ok()
    }
}

/// A token bucket admits what the consumer can take; a full channel behind it drops the rest.
pub struct Shedding {
    queue: Bounded,
    rate: i64,
    cap: i64,
    level: i64,
    last: i64,
}

impl Shedding {
    pub fn new(capacity: usize, rate: i64, burst: i64) -> Self {
        Shedding { queue: Bounded::new(capacity), rate, cap: burst * 1_000_000_000, level: burst * 1_000_000_000, last: 0 }
    }

    /// Tokens in integer nano-units (one token = 10^9), refilled at `rate` per second.
    fn take(&mut self, now: i64) -> bool {
        self.level = self.cap.min(self.level + (now - self.last) * self.rate);
        self.last = now;
        if self.level < 1_000_000_000 {
            return false;
        }
        self.level -= 1_000_000_000;
        true
    }
}

impl Strategy for Shedding {
    fn name(&self) -> &'static str {
        "load-shedding"
    }
    fn offer(&mut self, id: usize, now: i64) -> Verdict {
        if !self.take(now) {
            return Verdict::ShedRateLimited;
        }
        match self.queue.offer(id, now) {
            Verdict::Accepted => Verdict::Accepted,
            _ => Verdict::ShedQueueFull,
        }
    }
    fn poll(&mut self) -> Option<usize> {
        self.queue.poll()
    }
}

/// A credit window: at most W messages delivered and not yet acknowledged (JetStream's MaxAckPending).
pub struct CreditWindow {
    credits: usize,
    stream: VecDeque<usize>,
}

impl CreditWindow {
    pub fn new(window: usize) -> Self {
        CreditWindow { credits: window, stream: VecDeque::new() }
    }
}

impl Strategy for CreditWindow {
    fn name(&self) -> &'static str {
        "credit-window"
    }
    fn offer(&mut self, id: usize, _: i64) -> Verdict {
        if self.credits == 0 {
            return Verdict::Wait;
        }
        self.credits -= 1;
        self.stream.push_back(id);
        Verdict::Accepted
    }
    fn poll(&mut self) -> Option<usize> {
        self.stream.pop_front()
    }
    fn ack(&mut self) {
        self.credits += 1;
    }
}
