package lab;

import static lab.TestRunner.assertEquals;

/** Vectors printed by Go's math/rand/v2 (go1.26): the port must match them exactly. */
public final class PcgTest {
    @Test
    static void uint64MatchesGo() {
        Pcg r = new Pcg(1, 2);
        assertEquals("14192431797130687760", Long.toUnsignedString(r.uint64()), "first Uint64");
        assertEquals("11371241257079532652", Long.toUnsignedString(r.uint64()), "second Uint64");
        assertEquals("14470142590855381128", Long.toUnsignedString(r.uint64()), "third Uint64");
    }

    @Test
    static void derivedMethodsMatchGo() {
        Pcg r = new Pcg(82, 0xfa017);
        assertEquals(2, r.intN(3), "IntN(3)");
        assertEquals(446435, r.intN(1000003), "IntN(1000003)");
        assertEquals(7919L, r.int64N(30000), "Int64N(30000)");
        assertEquals(0.8251779326633105, r.float64(), "Float64()");
        assertEquals(0, r.intN(8), "IntN(8)");
    }
}
