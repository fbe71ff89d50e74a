//! The event-sourced ledger demo in Rust. -summary prints only the
//! deterministic summary the Go test compares with Go's and Java's.
//!
//!     cqrs [-accounts 4] [-commands 60] [-seed 1] [-occ=false] [-dedupe=false] [-summary]
use cqrs::demo::{run, summary, Config, INVARIANT, NAMES};
use lab::flags::{exit_with, Flags, UsageError};
use lab::narrate::Narrator;

fn main() {
    exit_with(start(std::env::args().skip(1).collect()))
}

fn start(args: Vec<String>) -> Result<bool, UsageError> {
    let mut f = Flags::parse(&args, &["occ", "dedupe", "summary", "perturb-schedule"])?;
    let c = Config {
        accounts: f.integer("accounts", 4, 1, NAMES.len() as i64)? as usize,
        commands: f.integer("commands", 60, 1, 100_000)? as usize,
        seed: f.integer("seed", 1, 0, i64::MAX)? as u64,
        occ: f.bool("occ", true)?,
        dedupe: f.bool("dedupe", true)?,
        perturb: f.bool("perturb-schedule", false)?,
    };
    let only_summary = f.bool("summary", false)?;
    f.done()?;
    if only_summary {
        let r = run(&c, &Narrator::silent());
        summary(&c, &r).iter().for_each(|l| println!("{l}"));
        return Ok(r.violations.is_empty());
    }
    let n = Narrator::stdout();
    n.act(&format!("event-sourced ledger in Rust: {} accounts, {} commands, seed {}", c.accounts, c.commands, c.seed));
    if !c.occ {
        n.step("lab", "optimistic concurrency OFF: a stale append lands (watch the invariant break)");
    }
    if !c.dedupe {
        n.step("lab", "command de-duplication OFF: a command sent twice applies twice (watch the invariant break)");
    }
    let r = run(&c, &n);
    n.act("verdict");
    for l in summary(&c, &r).iter().filter(|l| l.starts_with("account ") || l.starts_with("commands ")) {
        n.step("ledger", l);
    }
    let k = &r.counts;
    n.check(
        "races",
        k.races > 0 && (k.rival_accepted == 0 || k.conflicts > 0 || !c.occ),
        &format!("{} races, {} stale appends refused and decided again", k.races, k.conflicts),
    );
    n.check("resends", k.resent > 0, &format!("{} commands sent twice, {} absorbed by their command ID", k.resent, k.absorbed));
    Ok(n.invariant(INVARIANT, &r.violations))
}
