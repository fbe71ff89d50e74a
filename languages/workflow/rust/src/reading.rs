//! The clean stage's rules for one line of the export,
//! "key,machine,metric,unix_ms,value,unit", as patterns/workflow's
//! ParseReading states them.

#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub key: String,
    pub machine: String,
    pub metric: &'static str,
    pub at_ms: i64,
    pub value: f64,
}

/// A unit and the conversion from it to the metric's canonical unit.
type Unit = (&'static str, fn(f64) -> f64);

/// A metric's units, range and thresholds.
struct Spec {
    name: &'static str,
    units: &'static [Unit],
    min: f64,
    max: f64,
    warn: f64,
    trip: f64,
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0 // half away from zero, like Go's math.Round
}

const METRICS: [Spec; 3] = [
    Spec {
        name: "temperature",
        units: &[("C", |v| v), ("F", |v| round3((v - 32.0) * 5.0 / 9.0)), ("K", |v| round3(v - 273.15))],
        min: -40.0,
        max: 400.0,
        warn: 120.0,
        trip: 180.0,
    },
    Spec { name: "vibration", units: &[("mm/s", |v| v), ("in/s", |v| round3(v * 25.4))], min: 0.0, max: 100.0, warn: 4.5, trip: 7.1 },
    Spec {
        name: "pressure",
        units: &[("bar", |v| v), ("kPa", |v| round3(v / 100.0)), ("psi", |v| round3(v * 0.0689476))],
        min: 0.0,
        max: 400.0,
        warn: 250.0,
        trip: 320.0,
    },
];

fn identifier(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Go's ParseFloat syntax: decimal, hexadecimal with a p exponent, inf/infinity/nan.
/// None is a syntax error; NaN stands for the specials (rejected as bad-value either way).
fn go_float(s: &str) -> Option<f64> {
    if !underscore_ok(s) {
        return None;
    }
    let s = &s.replace('_', "");
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let neg = s.starts_with('-');
    if ["inf", "infinity", "nan"].iter().any(|w| body.eq_ignore_ascii_case(w)) {
        return Some(f64::NAN);
    }
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let (mant, exp) = hex.split_once(['p', 'P'])?;
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let digits = format!("{int}{frac}");
        if digits.is_empty() || digits.len() > 13 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None; // more than 52 bits would need rounding: not supported here
        }
        let e: i32 = exp.parse().ok()?;
        let v = u64::from_str_radix(&digits, 16).ok()? as f64 * 2f64.powi(e - 4 * frac.len() as i32);
        return Some(if neg { -v } else { v });
    }
    let (mant, exp) = body.split_once(['e', 'E']).unwrap_or((body, "0"));
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let exp_digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !digits(int) || !digits(frac) || exp_digits.is_empty() || !digits(exp_digits) {
        return None;
    }
    s.parse().ok()
}

/// Go's rule for underscores in a number: only between digits, or after a base prefix ("1_000.5", "0x_1p4").
fn underscore_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let (mut saw, mut i, mut hex) = (b'^', 0, false);
    if s.len() >= 2 && s[0] == b'0' && b"bBoOxX".contains(&s[1]) {
        (i, saw, hex) = (2, b'0', s[1].eq_ignore_ascii_case(&b'x'));
    }
    for &c in &s[i..] {
        saw = match c {
            b'0'..=b'9' => b'0',
            _ if hex && c.is_ascii_hexdigit() => b'0',
            b'_' if saw != b'0' => return false,
            b'_' => b'_',
            _ if saw == b'_' => return false,
            _ => b'!',
        };
    }
    saw != b'_'
}

impl Reading {
    /// The reading, or the stable kind of the rejection, as the store records it.
    pub fn parse(raw: &str) -> Result<Reading, &'static str> {
        let f: Vec<&str> = raw.split(',').map(str::trim).collect();
        if f.len() != 6 {
            return Err("field-count");
        }
        if !identifier(f[0]) || !identifier(f[1]) {
            return Err("bad-identifier");
        }
        let spec = METRICS.iter().find(|m| m.name == f[2]).ok_or("unknown-metric")?;
        let at: i64 = f[3]
            .parse()
            .ok()
            .filter(|_| f[3].bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (i == 0 && (b == b'+' || b == b'-'))))
            .ok_or("bad-timestamp")?;
        if !(1577836800000..4102444800000).contains(&at) {
            return Err("bad-timestamp");
        }
        let v = go_float(f[4]).filter(|v| v.is_finite()).ok_or("bad-value")?;
        let convert = spec.units.iter().find(|(u, _)| *u == f[5]).ok_or("unknown-unit")?.1;
        let v = convert(v);
        if v < spec.min || v > spec.max {
            return Err("out-of-range");
        }
        Ok(Reading { key: f[0].to_string(), machine: f[1].to_string(), metric: spec.name, at_ms: at, value: v })
    }

    /// The analyze stage's alert level.
    pub fn level(&self) -> &'static str {
        let s = METRICS.iter().find(|m| m.name == self.metric).expect("parsed metric");
        if self.value >= s.trip {
            "trip"
        } else if self.value >= s.warn {
            "warn"
        } else {
            "ok"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Reading;

    #[test]
    fn each_rejection_has_its_kind() {
        for (raw, kind) in [
            ("a,b,temperature,1772431200000,20", "field-count"),
            ("A,b,temperature,1772431200000,20,C", "bad-identifier"),
            ("a,b,temprature,1772431200000,20,C", "unknown-metric"),
            ("a,b,temperature,2026-03-02T06:00:00Z,20,C", "bad-timestamp"),
            ("a,b,temperature,1772431200000,n/a,C", "bad-value"),
            ("a,b,temperature,1772431200000,NaN,C", "bad-value"),
            ("a,b,temperature,1772431200000,20,kg", "unknown-unit"),
            ("a,b,temperature,1772431200000,1__0,C", "bad-value"),
            ("a,b,temperature,1772431200000,_10,C", "bad-value"),
            ("a,b,temperature,1772431200000,10_,C", "bad-value"),
            ("a,b,temperature,1772431200000,9999,C", "out-of-range"),
        ] {
            assert_eq!(Reading::parse(raw), Err(kind), "{raw}");
        }
    }

    #[test]
    fn converts_to_the_canonical_unit() {
        let r = Reading::parse(" a , b ,temperature,1772431200000,212,F").unwrap();
        assert_eq!((r.key.as_str(), r.value, r.level()), ("a", 100.0, "ok"));
        assert_eq!(Reading::parse("a,b,pressure,1772431200000,0x1p8,bar").unwrap().level(), "warn");
        assert_eq!(Reading::parse("a,b,vibration,1772431200000,1_0,mm/s").unwrap().value, 10.0, "Go accepts digit separators");
    }
}
