//! One strategy under the workload, in logical time, audited from outside the
//! strategy: per-ID verdicts and processing counts.
use crate::strategies::{Strategy, Verdict};
use crate::workload::Workload;
use std::collections::HashSet;

#[derive(Debug, Default)]
pub struct Outcome {
    pub strategy: &'static str,
    pub accepted: usize,
    pub shed_rate_limited: usize,
    pub shed_queue_full: usize,
    pub processed: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub absorbed: usize,
    pub peak_in_flight: i64,
    pub max_lag_ns: i64,
    pub makespan_ns: i64,
}

impl Outcome {
    pub fn line(&self, bound: &str) -> String {
        format!(
            "strategy {} accepted={} shed-rate-limited={} shed-queue-full={} processed={} lost={} duplicated={} absorbed={} peak-in-flight={} bound={bound} max-lag-ns={} makespan-ns={}",
            self.strategy, self.accepted, self.shed_rate_limited, self.shed_queue_full, self.processed, self.lost, self.duplicated,
            self.absorbed, self.peak_in_flight, self.max_lag_ns, self.makespan_ns
        )
    }
}

pub fn run(s: &mut dyn Strategy, w: &Workload, crashes: bool, inbox: bool) -> Outcome {
    let due = w.arrivals();
    let (stall_at, crash_at) = w.faults();
    let crash_at = if crashes { Some(crash_at) } else { None };
    let (service, ack_wait) = (w.service_ns(), 20 * w.service_ns());
    let n = w.messages;
    let (mut times, mut accepted) = (vec![0u32; n], vec![false; n]);
    let mut seen = HashSet::new(); // the consumer's idempotent inbox
    let mut o = Outcome { strategy: s.name(), ..Outcome::default() };
    let (mut busy_until, mut producer_free) = (0i64, 0i64);
    let (mut next, mut in_service, mut waiting, mut crashed) = (0usize, None::<usize>, false, false);
    let stall = |id: usize| if id == stall_at { 50 * service } else { 0 };
    while next < n || in_service.is_some() {
        let tc = in_service.map_or(i64::MAX, |_| busy_until);
        let tp = if next < n && !waiting { due[next].max(producer_free) } else { i64::MAX };
        if tc <= tp {
            // the consumer finishes a message
            let (now, id) = (tc, in_service.take().unwrap());
            if inbox && !seen.insert(id) {
                o.absorbed += 1; // a redelivery of a message already applied: skipped
            } else {
                times[id] += 1;
                if times[id] == 1 {
                    o.processed += 1;
                }
                o.makespan_ns = now;
            }
            if crash_at == Some(id) && !crashed {
                // dies before its ack: redelivered after AckWait, credit still held
                crashed = true;
                in_service = Some(id);
                busy_until = now + ack_wait + service;
                continue;
            }
            s.ack();
            if let Some(m) = s.poll() {
                in_service = Some(m);
                busy_until = now + service + stall(m);
            }
            if waiting {
                waiting = false;
                producer_free = now;
            }
            continue;
        }
        let now = tp; // the producer offers message `next`
        o.max_lag_ns = o.max_lag_ns.max(now - due[next]);
        match s.offer(next, now) {
            Verdict::Wait => waiting = true,
            v => {
                match v {
                    Verdict::ShedRateLimited => o.shed_rate_limited += 1,
                    Verdict::ShedQueueFull => o.shed_queue_full += 1,
                    _ => {
                        accepted[next] = true;
                        o.accepted += 1;
                    }
                }
                next += 1;
                producer_free = now;
                if v == Verdict::Accepted && in_service.is_none() {
                    let m = s.poll().expect("just accepted");
                    in_service = Some(m);
                    busy_until = now + service + stall(m);
                }
            }
        }
        o.peak_in_flight = o.peak_in_flight.max(o.accepted as i64 - o.processed as i64);
    }
    o.lost = (0..n).filter(|&i| accepted[i] && times[i] == 0).count();
    o.duplicated = times.iter().filter(|&&t| t > 1).count();
    o
}
