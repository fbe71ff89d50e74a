package lab;

/**
 * Go's math/rand/v2 generator, bit for bit: the PCG source (128-bit LCG with
 * the DXSM output function) and the Rand methods the lab's demos call. The
 * same seed gives the Go, Java and Rust programs the same orders, faults and
 * workloads, which is what lets a Go test compare their summaries.
 */
public final class Pcg {
    private long hi;
    private long lo;

    /** Like Go's rand.New(rand.NewPCG(seed1, seed2)). */
    public Pcg(long seed1, long seed2) {
        hi = seed1;
        lo = seed2;
    }

    /** Uint64 of Go's PCG (as a signed long holding the same 64 bits). */
    public long uint64() {
        final long mulHi = 2549297995355413924L, mulLo = 4865540595714422341L;
        final long incHi = 6364136223846793005L, incLo = 1442695040888963407L;
        long h = mulHigh(lo, mulLo) + hi * mulLo + lo * mulHi;
        long l = lo * mulLo;
        long sum = l + incLo;
        h += incHi + (Long.compareUnsigned(sum, l) < 0 ? 1 : 0);
        hi = h;
        lo = sum;
        long x = h;
        x ^= x >>> 32;
        x *= 0xda942042e4dd58b5L;
        x ^= x >>> 48;
        return x * (sum | 1);
    }

    /** Go's Rand.uint64n: uniform in [0, n), Lemire's method, same rejections. */
    public long uint64n(long n) {
        if (n <= 0) {
            throw new IllegalArgumentException("invalid argument to uint64n: " + n);
        }
        if ((n & (n - 1)) == 0) {
            return uint64() & (n - 1);
        }
        long x = uint64();
        long h = mulHigh(x, n), l = x * n;
        if (Long.compareUnsigned(l, n) < 0) {
            long thresh = Long.remainderUnsigned(-n, n);
            while (Long.compareUnsigned(l, thresh) < 0) {
                x = uint64();
                h = mulHigh(x, n);
                l = x * n;
            }
        }
        return h;
    }

    /** Go's Rand.IntN. */
    public int intN(int n) {
        return (int) uint64n(n);
    }

    /** Go's Rand.Int64N. */
    public long int64N(long n) {
        return uint64n(n);
    }

    /** Go's Rand.Float64: the low 53 bits over 2^53. */
    public double float64() {
        return (double) (uint64() & ((1L << 53) - 1)) / (double) (1L << 53);
    }

    /** The high 64 bits of the unsigned 128-bit product a*b. */
    private static long mulHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }
}
