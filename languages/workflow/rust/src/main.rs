//! The pipeline demo in Rust, on the export patterns/workflow generates.
//! -summary prints only the deterministic summary the Go test compares with
//! Go's and Java's.
//!
//!     workflow [-source workflow/testdata/readings.csv] [-poison 1] [-store-delay-ms 100] [-bounded=false] [-upsert=false] [-summary]
use lab::flags::{exit_with, Flags, UsageError};
use lab::narrate::Narrator;
use workflow::demo::{run, Config, INVARIANT};

fn main() {
    exit_with(start(std::env::args().skip(1).collect()))
}

fn start(args: Vec<String>) -> Result<bool, UsageError> {
    let mut f = Flags::parse(&args, &["bounded", "upsert", "summary", "perturb-schedule"])?;
    let source = f.string("source", "workflow/testdata/readings.csv");
    let c = Config {
        poison: f.integer("poison", 1, 0, 10)? as usize,
        buffer: f.integer("buffer", 64, 1, 10_000)? as usize,
        fan_out: f.integer("fanout", 4, 1, 16)? as usize,
        batch: f.integer("batch", 128, 1, 10_000)? as usize,
        attempts: f.integer("attempts", 3, 1, 10)? as u32,
        store_delay_ms: f.integer("store-delay-ms", 100, 0, 1000)? as u64,
        bounded: f.bool("bounded", true)?,
        upsert: f.bool("upsert", true)?,
        perturb: f.bool("perturb-schedule", false)?,
    };
    let only_summary = f.bool("summary", false)?;
    f.done()?;
    let bytes = std::fs::read(&source).map_err(|e| UsageError(format!("-source {source}: {e} (run from languages/, or name the export)")))?;
    // bytes that are not UTF-8 become U+FFFD (and such a line is rejected); lines() splits like Go's bufio.Scanner
    let text = String::from_utf8_lossy(&bytes);
    let r = run(&c, text.lines().map(str::to_string).collect());
    if only_summary {
        r.summary(&c).iter().for_each(|l| println!("{l}"));
        return Ok(r.violations.is_empty());
    }
    let n = Narrator::stdout();
    n.act(&format!("pipeline in Rust: collect -> clean -> analyze x{} -> store, channels of {}", c.fan_out, c.buffer));
    n.step("collect", &format!("{} lines from {source}", r.lines.len()));
    for k in &r.poison {
        n.fault("scoring", &format!("fails on reading {k} every time: analyze gives up after {} attempts", c.attempts));
    }
    n.fault("store", &format!("every batch of {} waits {} ms (a slow disk): the channels fill and block the collector", c.batch, c.store_delay_ms));
    if !c.bounded {
        n.step("lab", "channels UNBOUNDED: nothing holds the collector back (watch the invariant break)");
    }
    if !c.upsert {
        n.step("lab", "store upsert OFF: a duplicate line becomes a second row (watch the invariant break)");
    }
    let t = r.tally();
    n.step("store", &t[0]["tally ".len()..]);
    n.step("clean", &format!("rejected by kind: {}", &t[1]["reasons ".len()..]));
    n.check("backpressure", r.peak <= r.max_in_flight, &format!("peak lines in flight {} <= {}", r.peak, r.max_in_flight));
    n.check("poison", r.poison.iter().all(|k| !r.store.results.contains_key(k)), "every poison reading was given up, not stored");
    Ok(n.invariant(INVARIANT, &r.violations))
}
