//! The backpressure demo in Rust. -summary prints only the deterministic
//! summary the Go test compares with Go's and Java's.
//!
//!     backpressure [-messages 15000] [-rate 5000] [-overload 10] [-buffer 256] [-window 64] [-seed 1] [-inbox=false] [-summary]
use backpressure::demo::{run, summary, INVARIANT};
use backpressure::workload::Workload;
use lab::flags::{exit_with, Flags, UsageError};
use lab::narrate::Narrator;

fn main() {
    exit_with(start(std::env::args().skip(1).collect()))
}

fn start(args: Vec<String>) -> Result<bool, UsageError> {
    let mut f = Flags::parse(&args, &["inbox", "summary", "perturb-schedule"])?;
    let messages = f.integer("messages", 15_000, 100, 10_000_000)? as usize;
    let (rate, overload) = (f.integer("rate", 5_000, 1, 100_000)?, f.integer("overload", 10, 1, 1000)?);
    let buffer = f.integer("buffer", 256, 1, 100_000)?;
    let window = f.integer("window", 64, 1, buffer)? as usize;
    if 1_000_000_000 / rate / overload < 1 {
        return Err(UsageError("-rate x -overload must stay under 10^9 msg/s (logical time is in nanoseconds)".into()));
    }
    let seed = f.integer("seed", 1, 0, i64::MAX)? as u64;
    let w = Workload { messages, rate, overload, buffer: buffer as usize, window, seed, perturb: f.bool("perturb-schedule", false)? };
    let inbox = f.bool("inbox", true)?;
    let only_summary = f.bool("summary", false)?;
    f.done()?;
    let r = run(&w, inbox);
    if only_summary {
        summary(&w, inbox, &r).iter().for_each(|l| println!("{l}"));
        return Ok(r.violations.is_empty());
    }
    let n = Narrator::stdout();
    n.act(&format!("backpressure in Rust: a producer {}x faster than its consumer, four ways, in logical time", w.overload));
    n.step("workload", &format!("{} messages; consumer {} msg/s; B = {}, W = {}, seed {}", w.messages, w.rate, w.buffer, w.window, w.seed));
    let (stall, crash) = w.faults();
    n.fault("consumer", &format!("stalls for 50 service times on message {stall} (every strategy)"));
    n.fault("consumer", &format!("crashes after processing message {crash}, before its ack (credit window): redelivered after AckWait"));
    if !inbox {
        n.step("lab", "idempotent inbox OFF: a redelivered message is processed again (watch the invariant break)");
    }
    for (o, bound) in &r.outcomes {
        n.step(
            o.strategy,
            &format!(
                "accepted {}, shed {} (rate-limited {}, queue-full {}), processed {}, peak in flight {}, producer up to {} ms behind",
                o.accepted,
                o.shed_rate_limited + o.shed_queue_full,
                o.shed_rate_limited,
                o.shed_queue_full,
                o.processed,
                o.peak_in_flight,
                o.max_lag_ns / 1_000_000
            ),
        );
        match bound {
            None => n.check(o.strategy, o.peak_in_flight > w.buffer as i64, &format!("the queue outgrew B = {}: nothing stops it but the end of the workload", w.buffer)),
            Some(b) => n.check(o.strategy, o.peak_in_flight <= *b, &format!("peak in flight {} <= {b}", o.peak_in_flight)),
        };
    }
    let credit = &r.outcomes[3].0;
    n.check(
        "credit-window",
        credit.absorbed + credit.duplicated == 1,
        &format!("the crashed consumer's message came back once (absorbed by the inbox: {})", credit.absorbed),
    );
    Ok(n.invariant(INVARIANT, &r.violations))
}
