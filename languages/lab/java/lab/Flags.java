package lab;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Command-line flags in Go's flag syntax (-name=value, -name value, --name,
 * -bool, -bool=false), validated as they are read. A bad flag is a
 * {@link UsageError}: the program prints it and exits 2.
 */
public final class Flags {
    /** A flag the user got wrong; exit status 2. */
    public static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UsageError(String message) {
            super(message);
        }
    }

    private final Map<String, String> given = new LinkedHashMap<>();

    /** Parses args; bools names the flags that take no value. */
    public Flags(String[] args, Set<String> bools) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-") || a.equals("-") || a.equals("--")) {
                throw new UsageError("unexpected argument " + quote(a) + ": every argument is a -flag");
            }
            String name = a.replaceFirst("^--?", "");
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (value == null) {
                if (bools.contains(name)) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageError("flag needs a value: -" + name);
                }
            }
            if (given.put(name, value) != null) {
                throw new UsageError("flag given twice: -" + name);
            }
        }
    }

    public long integer(String name, long def, long min, long max) {
        String v = given.remove(name);
        if (v == null) {
            return def;
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageError("-" + name + " must be an integer, got " + quote(v));
        }
        if (n < min || n > max) {
            throw new UsageError("-" + name + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    /** A probability or share, written as a decimal in [min, max]. */
    public double decimal(String name, double def, double min, double max) {
        String v = given.remove(name);
        if (v == null) {
            return def;
        }
        double d;
        try {
            if (!v.matches("[0-9]+(\\.[0-9]+)?")) {
                throw new NumberFormatException();
            }
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageError("-" + name + " must be a decimal number, got " + quote(v));
        }
        if (!(d >= min && d <= max)) {
            throw new UsageError("-" + name + " must be between " + min + " and " + max + ", got " + v);
        }
        return d;
    }

    public boolean bool(String name, boolean def) {
        String v = given.remove(name);
        if (v == null) {
            return def;
        }
        switch (v) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new UsageError("-" + name + " must be true or false, got " + quote(v));
        }
    }

    public String string(String name, String def) {
        String v = given.remove(name);
        return v == null ? def : v;
    }

    /** Call after reading every flag: anything left is unknown. */
    public void done() {
        if (!given.isEmpty()) {
            throw new UsageError("unknown flag -" + given.keySet().iterator().next());
        }
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
