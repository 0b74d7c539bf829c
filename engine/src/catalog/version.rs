//! Ordering of dotted version strings (`15.10`, `3.7.x.kraft`, `8.0.mysql_aurora.3.08.2`).

use std::cmp::Ordering;

/// Compares two versions part by part (split on `.` and `-`): numbers numerically, `x`
/// (a whole line, as MSK's `3.8.x`) above any number, other words alphabetically and below
/// numbers, so `15.10 > 15.9` and `3.8.x > 3.8.1`. A version with more parts is newer when
/// the common parts are equal.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<Part> { s.split(['.', '-']).map(Part::of).collect() };
    parts(a.trim_start_matches('v')).cmp(&parts(b.trim_start_matches('v')))
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Word(String),
    Number(u64),
    Any,
}

impl Part {
    fn of(s: &str) -> Part {
        match s.parse::<u64>() {
            Ok(n) => Part::Number(n),
            Err(_) if s == "x" => Part::Any,
            Err(_) => Part::Word(s.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically_part_by_part() {
        let cases = [
            ("15.10", "15.9", Ordering::Greater),
            ("16.6", "16.6", Ordering::Equal),
            ("3.8.x", "3.8.1", Ordering::Greater),
            ("1.31", "1.4", Ordering::Greater),
            (
                "8.0.mysql_aurora.3.08.2",
                "8.0.mysql_aurora.3.10.0",
                Ordering::Less,
            ),
            ("v1.20.1", "v1.9.0", Ordering::Greater),
            ("4.0.10", "4.0", Ordering::Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
        }
    }
}
