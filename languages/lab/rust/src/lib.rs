//! What every Rust program of the lab shares: the narration (`narrate`), Go's
//! math/rand/v2 generator bit for bit (`pcg`), and Go-style flags (`flags`).
pub mod flags;
pub mod narrate;
pub mod pcg;
