//! Command-line flags in Go's flag syntax (-name=value, -name value, --name,
//! -bool, -bool=false), validated as they are read. A bad flag is a usage
//! error: the program prints it and exits 2.
use std::collections::BTreeMap;

pub struct Flags {
    given: BTreeMap<String, String>,
}

/// A flag the user got wrong.
#[derive(Debug)]
pub struct UsageError(pub String);

impl Flags {
    /// Parses args (without the program name); `bools` names the flags that take no value.
    pub fn parse(args: &[String], bools: &[&str]) -> Result<Flags, UsageError> {
        let mut given = BTreeMap::new();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if !a.starts_with('-') || a == "-" || a == "--" {
                return Err(UsageError(format!("unexpected argument {a:?}: every argument is a -flag")));
            }
            let name = a.strip_prefix("--").unwrap_or_else(|| &a[1..]);
            let (name, value) = match name.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None if bools.contains(&name) => (name.to_string(), "true".to_string()),
                None => {
                    i += 1;
                    match args.get(i) {
                        Some(v) => (name.to_string(), v.clone()),
                        None => return Err(UsageError(format!("flag needs a value: -{name}"))),
                    }
                }
            };
            if given.insert(name.clone(), value).is_some() {
                return Err(UsageError(format!("flag given twice: -{name}")));
            }
            i += 1;
        }
        Ok(Flags { given })
    }

    pub fn integer(&mut self, name: &str, def: i64, min: i64, max: i64) -> Result<i64, UsageError> {
        let Some(v) = self.given.remove(name) else { return Ok(def) };
        let n: i64 = v.parse().map_err(|_| UsageError(format!("-{name} must be an integer, got {v:?}")))?;
        if n < min || n > max {
            return Err(UsageError(format!("-{name} must be between {min} and {max}, got {n}")));
        }
        Ok(n)
    }

    /// A probability or share, written as a plain decimal in [min, max].
    pub fn decimal(&mut self, name: &str, def: f64, min: f64, max: f64) -> Result<f64, UsageError> {
        let Some(v) = self.given.remove(name) else { return Ok(def) };
        let plain = !v.is_empty()
            && v.split_once('.').map_or(v.bytes().all(|b| b.is_ascii_digit()), |(a, b)| {
                !a.is_empty() && !b.is_empty() && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit())
            });
        let d: f64 = match v.parse() {
            Ok(d) if plain => d,
            _ => return Err(UsageError(format!("-{name} must be a decimal number, got {v:?}"))),
        };
        if !(d >= min && d <= max) {
            return Err(UsageError(format!("-{name} must be between {min:?} and {max:?}, got {v}")));
        }
        Ok(d)
    }

    pub fn bool(&mut self, name: &str, def: bool) -> Result<bool, UsageError> {
        match self.given.remove(name).as_deref() {
            None => Ok(def),
            Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(v) => Err(UsageError(format!("-{name} must be true or false, got {v:?}"))),
        }
    }

    pub fn string(&mut self, name: &str, def: &str) -> String {
        self.given.remove(name).unwrap_or_else(|| def.to_string())
    }

    /// Call after reading every flag: anything left is unknown.
    pub fn done(self) -> Result<(), UsageError> {
        match self.given.keys().next() {
            Some(name) => Err(UsageError(format!("unknown flag -{name}"))),
            None => Ok(()),
        }
    }
}

/// Runs a program's main: a usage error exits 2, a violated invariant 1.
pub fn exit_with(result: Result<bool, UsageError>) -> ! {
    match result {
        Ok(true) => std::process::exit(0),
        Ok(false) => std::process::exit(1),
        Err(UsageError(msg)) => {
            eprintln!("usage: {msg}");
            std::process::exit(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Flags;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn go_syntax() {
        let mut f = Flags::parse(&args(&["-seed=7", "--orders", "3", "-summary"]), &["summary"]).unwrap();
        assert_eq!(f.integer("seed", 1, 0, 100).unwrap(), 7);
        assert_eq!(f.integer("orders", 8, 1, 500).unwrap(), 3);
        assert!(f.bool("summary", false).unwrap());
        f.done().unwrap();
    }

    #[test]
    fn garbage_is_a_usage_error() {
        for bad in [&["stray"][..], &["-orders"], &["-orders", "x"], &["-orders", "0"], &["-rate", "NaN"], &["-rate", "1e0"], &["-nope", "1"]] {
            let r = Flags::parse(&args(bad), &[]).and_then(|mut f| {
                f.integer("orders", 8, 1, 500)?;
                f.decimal("rate", 0.3, 0.0, 1.0)?;
                f.done()
            });
            assert!(r.is_err(), "{bad:?} was accepted");
        }
    }
}
