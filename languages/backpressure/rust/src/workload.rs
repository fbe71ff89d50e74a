//! The workload in logical time (nanoseconds, integers only, so three
//! languages agree bit for bit), and its seeded fault schedule.
use lab::pcg::Pcg;

#[derive(Clone)]
pub struct Workload {
    pub messages: usize,
    pub rate: i64,
    pub overload: i64,
    pub buffer: usize,
    pub window: usize,
    pub seed: u64,
    pub perturb: bool,
}

impl Workload {
    pub fn service_ns(&self) -> i64 {
        1_000_000_000 / self.rate
    }

    /// Arrival times: gaps drawn uniformly in [0, 2/lambda].
    pub fn arrivals(&self) -> Vec<i64> {
        let mut rng = Pcg::new(self.seed, 1);
        let gap = self.service_ns() / self.overload;
        let mut t = 0;
        (0..self.messages)
            .map(|_| {
                t += rng.int64_n(2 * gap + 1);
                t
            })
            .collect()
    }

    /// (stall-at, crash-at): message IDs in the middle half of the run.
    pub fn faults(&self) -> (usize, usize) {
        let mut rng = Pcg::new(self.seed, 0xfa);
        let stall = self.messages / 4 + rng.int_n((self.messages / 2).max(1));
        let crash = self.messages / 4 + rng.int_n((self.messages / 2).max(1));
        (if self.perturb { stall + 1 } else { stall }, crash)
    }

    pub fn shed_burst(&self) -> i64 {
        (self.buffer as i64 / 4).max(1)
    }
}
