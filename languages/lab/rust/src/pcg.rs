//! Go's math/rand/v2 PCG source (128-bit LCG, DXSM output) and the Rand
//! methods the demos call, bit for bit: the same seed gives the Go, Java and
//! Rust programs the same orders, faults and workloads.

/// Like Go's `rand.New(rand.NewPCG(seed1, seed2))`.
pub struct Pcg {
    hi: u64,
    lo: u64,
}

impl Pcg {
    pub fn new(seed1: u64, seed2: u64) -> Pcg {
        Pcg { hi: seed1, lo: seed2 }
    }

    /// Go's `Uint64`.
    pub fn uint64(&mut self) -> u64 {
        const MUL: u128 = (2549297995355413924u128 << 64) | 4865540595714422341u128;
        const INC: u128 = (6364136223846793005u128 << 64) | 1442695040888963407u128;
        let state = (((self.hi as u128) << 64) | self.lo as u128).wrapping_mul(MUL).wrapping_add(INC);
        self.hi = (state >> 64) as u64;
        self.lo = state as u64;
        let mut x = self.hi;
        x ^= x >> 32;
        x = x.wrapping_mul(0xda942042e4dd58b5);
        x ^= x >> 48;
        x.wrapping_mul(self.lo | 1)
    }

    /// Go's `uint64n`: uniform in [0, n), Lemire's method with the same rejections.
    pub fn uint64n(&mut self, n: u64) -> u64 {
        assert!(n > 0, "invalid argument to uint64n");
        if n & (n - 1) == 0 {
            return self.uint64() & (n - 1);
        }
        let mut p = self.uint64() as u128 * n as u128;
        if (p as u64) < n {
            let thresh = n.wrapping_neg() % n;
            while (p as u64) < thresh {
                p = self.uint64() as u128 * n as u128;
            }
        }
        (p >> 64) as u64
    }

    /// Go's `IntN`.
    pub fn int_n(&mut self, n: usize) -> usize {
        self.uint64n(n as u64) as usize
    }

    /// Go's `Int64N`.
    pub fn int64_n(&mut self, n: i64) -> i64 {
        self.uint64n(n as u64) as i64
    }

    /// Go's `Float64`: the low 53 bits over 2^53.
    pub fn float64(&mut self) -> f64 {
        (self.uint64() & ((1u64 << 53) - 1)) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::Pcg;

    // Vectors printed by Go's math/rand/v2 (go1.26).
    #[test]
    fn uint64_matches_go() {
        let mut r = Pcg::new(1, 2);
        assert_eq!(r.uint64(), 14192431797130687760);
        assert_eq!(r.uint64(), 11371241257079532652);
        assert_eq!(r.uint64(), 14470142590855381128);
    }

    #[test]
    fn derived_methods_match_go() {
        let mut r = Pcg::new(82, 0xfa017);
        assert_eq!(r.int_n(3), 2);
        assert_eq!(r.int_n(1000003), 446435);
        assert_eq!(r.int64_n(30000), 7919);
        assert_eq!(r.float64(), 0.8251779326633105);
        assert_eq!(r.int_n(8), 0);
    }
}
