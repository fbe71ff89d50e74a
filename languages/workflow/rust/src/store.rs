//! The store stage's table: upserts keyed by reading key and by line ID, so
//! writing the same thing twice leaves one row (Go: the SQLite sink's ON CONFLICT).
use std::collections::BTreeMap;

#[derive(Default)]
pub struct Store {
    pub results: BTreeMap<String, (String, &'static str)>, // key -> (first line ID, level)
    pub rejects: BTreeMap<String, (&'static str, &'static str)>, // line ID -> (stage, kind)
    pub writes: usize,
    /// false is the unsafe switch: every write is a new row.
    pub upsert: bool,
}

impl Store {
    pub fn save_result(&mut self, key: &str, line_id: &str, level: &'static str) {
        self.writes += 1;
        let k = if self.upsert { key.to_string() } else { format!("{key}#{line_id}") };
        let row = self.results.entry(k).or_insert_with(|| (line_id.to_string(), level));
        if line_id < row.0.as_str() {
            row.0 = line_id.to_string();
        }
        row.1 = level;
    }

    pub fn save_reject(&mut self, line_id: &str, stage: &'static str, kind: &'static str) {
        self.writes += 1;
        self.rejects.insert(line_id.to_string(), (stage, kind));
    }
}
