//! The lab's narration, as kit/narrate prints it for the Go demos: acts, one
//! line per step with the actor first, faults announced as such, checks, and
//! a last line with the verdict, HELD only if every check passed and no
//! violation was reported.
use std::io::Write;
use std::sync::Mutex;

pub struct Narrator {
    out: Mutex<Option<Box<dyn Write + Send>>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    failed: Vec<String>,
    invariants: usize,
}

impl Narrator {
    pub fn new(out: Box<dyn Write + Send>) -> Narrator {
        Narrator { out: Mutex::new(Some(out)), state: Mutex::new(State::default()) }
    }

    /// A narrator that prints nothing: callers skip building lines when !enabled().
    pub fn silent() -> Narrator {
        Narrator { out: Mutex::new(None), state: Mutex::new(State::default()) }
    }

    pub fn enabled(&self) -> bool {
        self.out.lock().unwrap().is_some()
    }

    /// Narrates to standard output.
    pub fn stdout() -> Narrator {
        Narrator::new(Box::new(std::io::stdout()))
    }

    fn line(&self, s: &str) {
        if let Some(out) = self.out.lock().unwrap().as_mut() {
            let _ = writeln!(out, "{s}");
        }
    }

    pub fn act(&self, title: &str) {
        self.line(&format!("== {title} =="));
    }

    pub fn step(&self, actor: &str, what: &str) {
        self.line(&format!("[{actor}] {what}"));
    }

    pub fn fault(&self, actor: &str, what: &str) {
        self.line(&format!("[{actor}] FAULT: {what}"));
    }

    /// "[check] name: detail: ok|FAILED"; a failed check makes the verdict VIOLATED.
    pub fn check(&self, name: &str, ok: bool, detail: &str) -> bool {
        self.line(&format!("[check] {name}: {detail}: {}", if ok { "ok" } else { "FAILED" }));
        if !ok {
            self.state.lock().unwrap().failed.push(format!("check failed: {name}: {detail}"));
        }
        ok
    }

    /// The last line: HELD when no check failed and `violations` is empty.
    pub fn invariant(&self, statement: &str, violations: &[String]) -> bool {
        let all = {
            let mut st = self.state.lock().unwrap();
            st.invariants += 1;
            st.failed.extend(violations.iter().cloned());
            st.failed.clone()
        };
        if all.is_empty() {
            self.line(&format!("[invariant] HELD: {statement}"));
            return true;
        }
        self.line(&format!("[invariant] VIOLATED: {statement}: {}", all.join("; ")));
        false
    }

    /// True when an invariant was stated and nothing failed: the exit code follows it.
    pub fn held(&self) -> bool {
        let st = self.state.lock().unwrap();
        st.invariants > 0 && st.failed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::Narrator;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failed_check_makes_the_verdict_violated() {
        let buf = Buf::default();
        let n = Narrator::new(Box::new(buf.clone()));
        n.check("queue", false, "peak 300 <= 256");
        assert!(!n.invariant("bounded", &[]));
        assert!(!n.held());
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(out.ends_with("[invariant] VIOLATED: bounded: check failed: queue: peak 300 <= 256\n"), "{out}");
    }

    #[test]
    fn held_only_when_everything_passed() {
        let n = Narrator::new(Box::new(Buf::default()));
        assert!(!n.held(), "no invariant stated yet");
        n.check("queue", true, "peak 10 <= 256");
        assert!(n.invariant("bounded", &[]));
        assert!(n.held());
    }
}
