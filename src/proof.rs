//! The proof's comparison: Memory's fingerprint before the reload (parked in
//! sessionStorage as [`Pending`]) against the one after it, key by key.

use moonkeep_engine::KeyPrint;
use serde::{Deserialize, Serialize};

/// Hex digits of a digest the table shows; the whole digest is in the cell's title.
/// Eight are plenty for a person comparing two cells (a false match is 1 in 4 billion).
const SHOWN_DIGITS: usize = 8;

/// One key's fingerprint: its type, a structural digest, and for a function its
/// result on the probe arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Print {
    pub key: String,
    pub type_name: String,
    pub digest: String,
    pub probe: Option<String>,
}

impl From<KeyPrint> for Print {
    fn from(p: KeyPrint) -> Print {
        Print { key: p.key, type_name: p.type_name, digest: p.digest, probe: p.probe }
    }
}

/// The fingerprint taken before the reload, waiting for the page that comes back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub probes: String,
    pub before: Vec<Print>,
    pub save_ms: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    pub rows: Vec<Row>,
    pub save_ms: f64,
    pub restore_ms: Option<f64>,
}

/// A key before and after; None where it was missing.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub key: String,
    pub before: Option<Print>,
    pub after: Option<Print>,
}

impl Row {
    pub fn matches(&self) -> bool {
        self.before.is_some() && self.before == self.after
    }
}

impl Proof {
    /// `pending`'s fingerprint against `after`: a row per key, in the order of before,
    /// then keys that only came after.
    pub fn new(pending: Pending, after: Vec<Print>, restore_ms: Option<f64>) -> Proof {
        let mut rows: Vec<Row> =
            pending.before.into_iter().map(|b| Row { key: b.key.clone(), before: Some(b), after: None }).collect();
        for a in after {
            match rows.iter_mut().find(|r| r.key == a.key) {
                Some(row) => row.after = Some(a),
                None => rows.push(Row { key: a.key.clone(), before: None, after: Some(a) }),
            }
        }
        Proof { rows, save_ms: pending.save_ms, restore_ms }
    }

    pub fn all_match(&self) -> bool {
        self.rows.iter().all(Row::matches)
    }

    pub fn summary(&self) -> String {
        let differing = self.rows.iter().filter(|r| !r.matches()).count();
        match (self.rows.len(), differing) {
            (0, _) => "Memory was empty before and after the reload".to_owned(),
            (n, 0) => format!("All {n} keys match after the reload"),
            (n, d) => format!("{d} of {n} keys differ after the reload"),
        }
    }

    pub fn times(&self) -> String {
        let restored = self.restore_ms.map_or("?".to_owned(), |ms| format!("{ms:.1} ms"));
        format!("saved in {:.1} ms · restored in {restored}", self.save_ms)
    }
}

/// A cell of the table: type, the digest's first digits and, on a line of its own, a
/// function's probe result.
pub fn cell(print: &Option<Print>) -> String {
    match print {
        None => "(missing)".to_owned(),
        Some(p) => {
            let digest = p.digest.get(..SHOWN_DIGITS).unwrap_or(&p.digest);
            match &p.probe {
                Some(probe) => format!("{} {digest}\n→ {probe}", p.type_name),
                None => format!("{} {digest}", p.type_name),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(key: &str, digest: &str, probe: Option<&str>) -> Print {
        let type_name = if probe.is_some() { "function" } else { "table" };
        Print { key: key.into(), type_name: type_name.into(), digest: digest.into(), probe: probe.map(Into::into) }
    }

    fn pending(before: Vec<Print>) -> Pending {
        Pending { probes: "1, 2".into(), before, save_ms: 3.0 }
    }

    #[test]
    fn keys_are_paired_and_missing_ones_are_mismatches() {
        let before = vec![print("a", "0011", None), print("lost", "22", None), print("f", "33", Some("3"))];
        let after = vec![print("f", "33", Some("3")), print("a", "0011", None), print("new", "44", None)];
        let proof = Proof::new(pending(before), after, Some(9.31));
        let verdicts: Vec<(&str, bool)> = proof.rows.iter().map(|r| (r.key.as_str(), r.matches())).collect();
        assert_eq!(verdicts, [("a", true), ("lost", false), ("f", true), ("new", false)]);
        assert!(!proof.all_match());
        assert_eq!(proof.summary(), "2 of 4 keys differ after the reload");
        assert_eq!(proof.times(), "saved in 3.0 ms · restored in 9.3 ms");
    }

    #[test]
    fn a_different_probe_result_is_a_mismatch() {
        let proof = Proof::new(pending(vec![print("f", "33", Some("3"))]), vec![print("f", "33", Some("4"))], None);
        assert!(!proof.all_match());
        assert_eq!(proof.times(), "saved in 3.0 ms · restored in ?");
    }

    #[test]
    fn summaries_for_all_matching_and_empty() {
        let same = vec![print("a", "1", None)];
        assert_eq!(Proof::new(pending(same.clone()), same, None).summary(), "All 1 keys match after the reload");
        assert_eq!(Proof::new(pending(vec![]), vec![], None).summary(), "Memory was empty before and after the reload");
    }

    #[test]
    fn cells_show_the_first_digits_of_a_digest() {
        assert_eq!(cell(&Some(print("f", "0123456789abcdef", Some("11")))), "function 01234567\n→ 11");
        assert_eq!(cell(&Some(print("t", "abc", None))), "table abc");
        assert_eq!(cell(&None), "(missing)");
    }
}
