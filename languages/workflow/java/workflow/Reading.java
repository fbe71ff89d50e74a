package workflow;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The clean stage's rules for one line of the gateway's export,
 * "key,machine,metric,unix_ms,value,unit", as patterns/workflow's
 * ParseReading states them: six fields, identifiers of [a-z0-9-], a known
 * metric, a timestamp in 2020..2100, a finite value in a unit the metric
 * allows, converted to the canonical unit and within the sensor's range.
 */
public record Reading(String key, String machine, String metric, long atMs, double value) {
    /** Why a line is not a reading: one stable kind, as the store records it. */
    public static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;
        public final String kind;

        Rejected(String kind) {
            super(kind);
            this.kind = kind;
        }
    }

    /** A metric's canonical unit, conversions, physical range and alert thresholds. */
    record Spec(Map<String, java.util.function.DoubleUnaryOperator> units, double min, double max, double warn, double trip) {
    }

    static final Map<String, Spec> METRICS = Map.of(
            "temperature", new Spec(Map.of("C", v -> v, "F", v -> round3((v - 32) * 5 / 9), "K", v -> round3(v - 273.15)), -40, 400, 120, 180),
            "vibration", new Spec(Map.of("mm/s", v -> v, "in/s", v -> round3(v * 25.4)), 0, 100, 4.5, 7.1),
            "pressure", new Spec(Map.of("bar", v -> v, "kPa", v -> round3(v / 100), "psi", v -> round3(v * 0.0689476)), 0, 400, 250, 320));

    private static final Pattern IDENT = Pattern.compile("[a-z0-9-]{1,64}");
    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
    // Go's ParseFloat syntax: decimal, hexadecimal with a p exponent, inf/infinity/nan.
    private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");
    private static final Pattern HEX = Pattern.compile("[+-]?0[xX]([0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)[pP][+-]?[0-9]+");
    private static final Pattern SPECIAL = Pattern.compile("(?i)[+-]?(inf|infinity|nan)");

    public static Reading parse(String raw) throws Rejected {
        String[] f = raw.split(",", -1);
        if (f.length != 6) {
            throw new Rejected("field-count");
        }
        for (int i = 0; i < f.length; i++) {
            f[i] = f[i].strip();
        }
        if (!IDENT.matcher(f[0]).matches() || !IDENT.matcher(f[1]).matches()) {
            throw new Rejected("bad-identifier");
        }
        Spec spec = METRICS.get(f[2]);
        if (spec == null) {
            throw new Rejected("unknown-metric");
        }
        long at;
        try {
            if (!INTEGER.matcher(f[3]).matches()) {
                throw new NumberFormatException(f[3]);
            }
            at = Long.parseLong(f[3]);
        } catch (NumberFormatException e) {
            throw new Rejected("bad-timestamp");
        }
        if (at < 1577836800000L || at >= 4102444800000L) {
            throw new Rejected("bad-timestamp");
        }
        double v;
        String number = underscoreOK(f[4]) ? f[4].replace("_", "") : "not a number";
        if (DECIMAL.matcher(number).matches() || HEX.matcher(number).matches()) {
            v = Double.parseDouble(number);
        } else if (SPECIAL.matcher(number).matches()) {
            v = Double.NaN;
        } else {
            throw new Rejected("bad-value");
        }
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new Rejected("bad-value");
        }
        var convert = spec.units().get(f[5]);
        if (convert == null) {
            throw new Rejected("unknown-unit");
        }
        v = convert.applyAsDouble(v);
        if (v < spec.min() || v > spec.max()) {
            throw new Rejected("out-of-range");
        }
        return new Reading(f[0], f[1], f[2], at, v);
    }

    /** Go's rule for underscores in a number: only between digits, or after a base prefix ("1_000.5", "0x_1p4"). */
    static boolean underscoreOK(String s) {
        char saw = '^';
        int i = 0;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            s = s.substring(1);
        }
        boolean hex = false;
        if (s.length() >= 2 && s.charAt(0) == '0' && "bBoOxX".indexOf(s.charAt(1)) >= 0) {
            i = 2;
            saw = '0';
            hex = Character.toLowerCase(s.charAt(1)) == 'x';
        }
        for (; i < s.length(); i++) {
            char c = s.charAt(i), l = Character.toLowerCase(c);
            if (c >= '0' && c <= '9' || hex && l >= 'a' && l <= 'f') {
                saw = '0';
            } else if (c == '_') {
                if (saw != '0') {
                    return false;
                }
                saw = '_';
            } else if (saw == '_') {
                return false;
            } else {
                saw = '!';
            }
        }
        return saw != '_';
    }

    /** The analyze stage's alert level. */
    public String level() {
        Spec s = METRICS.get(metric);
        return value >= s.trip() ? "trip" : value >= s.warn() ? "warn" : "ok";
    }

    /** Three decimals, rounding half away from zero like Go's math.Round (Java's Math.round rounds half up). */
    static double round3(double v) {
        double x = v * 1000, t = x < 0 ? Math.ceil(x) : Math.floor(x);
        if (Math.abs(x - t) >= 0.5) {
            t += Math.copySign(1, x);
        }
        return t / 1000;
    }
}
