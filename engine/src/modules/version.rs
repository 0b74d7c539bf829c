//! Terraform-style version constraints (`~> 1.2`, `>= 1.0, < 2.0`) and the choice of a
//! tag by one: the `version` argument of a module call whose source is a git repository.
//!
//! Versions are `MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]` in a constraint; a tag is a
//! version only when it has all three numbers (`v1.2.3` or `1.2.3`, optionally with a
//! pre-release). As in Terraform, a pre-release tag is chosen only by a constraint naming it
//! exactly (`= 2.0.0-rc1` or `2.0.0-rc1`).

use std::cmp::Ordering;
use std::fmt;

/// A version: three numbers and an optional pre-release (build metadata is ignored).
/// Equality is precedence: `1.2` equals `1.2.0`.
#[derive(Debug, Clone)]
pub struct Version {
    /// Major, minor, patch.
    pub numbers: [u64; 3],
    /// How many numbers were written (1 to 3): `~>` reads it.
    pub written: usize,
    /// `rc1` in `2.0.0-rc1`; empty for a release.
    pub pre: String,
}

/// One `OP VERSION` of a constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// The operator (`=` when none was written).
    pub op: Op,
    /// The version it compares with.
    pub version: Version,
}

/// A constraint operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=` or nothing.
    Eq,
    /// `!=`.
    Ne,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `~>`: at least this version, changing only the last number written.
    Pessimistic,
}

/// A comma-separated list of constraints, all of which must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraints(pub Vec<Constraint>);

/// A constraint that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid version constraint {text:?}: {reason}")]
pub struct ConstraintError {
    /// The constraint as written.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

impl Version {
    /// Parses `1`, `1.2`, `1.2.3`, `1.2.3-rc1`, `1.2.3+build` (without a leading `v`).
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.split_once('+').map_or(s, |(v, _)| v);
        let (nums, pre) = match s.split_once('-') {
            Some((n, p)) if !p.is_empty() => (n, p),
            Some(_) => return None,
            None => (s, ""),
        };
        let mut numbers = [0u64; 3];
        let mut written = 0;
        for part in nums.split('.') {
            if written == 3 || part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            numbers[written] = part.parse().ok()?;
            written += 1;
        }
        if !pre.is_empty()
            && !pre.split('.').all(|id| {
                !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
        {
            return None;
        }
        Some(Version {
            numbers,
            written,
            pre: pre.to_string(),
        })
    }

    /// The version a tag names: `v1.2.3` or `1.2.3` (three numbers), else `None`.
    pub fn from_tag(tag: &str) -> Option<Version> {
        let v = Version::parse(tag.strip_prefix('v').unwrap_or(tag))?;
        (v.written == 3).then_some(v)
    }

    fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => cmp_pre(&self.pre, &other.pre),
            }
        })
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Semantic-versioning precedence of pre-releases: numeric identifiers compare as numbers
/// and sort before alphanumeric ones; a shorter list that is a prefix sorts first.
fn cmp_pre(a: &str, b: &str) -> Ordering {
    let mut ia = a.split('.');
    let mut ib = b.split('.');
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c] = self.numbers;
        write!(f, "{a}.{b}.{c}")?;
        if self.is_prerelease() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

impl Constraints {
    /// Parses `~> 1.2, != 1.2.5`.
    pub fn parse(text: &str) -> Result<Constraints, ConstraintError> {
        let err = |reason: String| ConstraintError {
            text: text.to_string(),
            reason,
        };
        let mut out = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(err(
                    "a constraint between commas is empty; write them as \">= 1.0, < 2.0\"".into(),
                ));
            }
            let (op, rest) = [
                ("~>", Op::Pessimistic),
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("!=", Op::Ne),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .iter()
            .find_map(|(s, op)| part.strip_prefix(s).map(|r| (*op, r)))
            .unwrap_or((Op::Eq, part));
            let v = rest.trim();
            let version = Version::parse(v.strip_prefix('v').unwrap_or(v)).ok_or_else(|| {
                err(format!(
                    "\"{part}\" is not an operator (=, !=, >, >=, <, <=, ~>) followed by a version such as 1.2.3"
                ))
            })?;
            out.push(Constraint { op, version });
        }
        Ok(Constraints(out))
    }

    /// True when `v` meets every constraint.
    pub fn allows(&self, v: &Version) -> bool {
        if v.is_prerelease()
            && !self
                .0
                .iter()
                .any(|c| c.op == Op::Eq && c.version.numbers == v.numbers && c.version.pre == v.pre)
        {
            return false;
        }
        self.0.iter().all(|c| c.allows(v))
    }
}

impl Constraint {
    fn allows(&self, v: &Version) -> bool {
        let c = &self.version;
        match self.op {
            Op::Eq => v == c,
            Op::Ne => v != c,
            Op::Gt => v > c,
            Op::Ge => v >= c,
            Op::Lt => v < c,
            Op::Le => v <= c,
            Op::Pessimistic => {
                // `~> 1.2` is `>= 1.2, < 2.0`; `~> 1.2.3` is `>= 1.2.3, < 1.3.0`; `~> 1` is
                // `>= 1, < 2`.
                let fixed = c.written.saturating_sub(1).max(1);
                v >= c && v.numbers[..fixed] == c.numbers[..fixed]
            }
        }
    }
}

impl fmt::Display for Constraints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            let op = match c.op {
                Op::Eq => "=",
                Op::Ne => "!=",
                Op::Gt => ">",
                Op::Ge => ">=",
                Op::Lt => "<",
                Op::Le => "<=",
                Op::Pessimistic => "~>",
            };
            let v = &c.version;
            let nums: Vec<String> = v.numbers[..v.written].iter().map(u64::to_string).collect();
            write!(f, "{op} {}", nums.join("."))?;
            if v.is_prerelease() {
                write!(f, "-{}", v.pre)?;
            }
        }
        Ok(())
    }
}

/// The tag with the newest version `constraints` allow, with that version; `None` when no
/// tag matches. Tags that are not versions are skipped; of two tags naming the same version
/// (`v1.2.3` and `1.2.3`) the one with the `v` wins, so the choice does not depend on order.
pub fn newest_matching<'a, I>(tags: I, constraints: &Constraints) -> Option<(&'a str, Version)>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(&str, Version)> = None;
    for tag in tags {
        let Some(v) = Version::from_tag(tag) else {
            continue;
        };
        if !constraints.allows(&v) {
            continue;
        }
        let better = match &best {
            None => true,
            Some((t, b)) => v > *b || (v == *b && tag.starts_with('v') && !t.starts_with('v')),
        };
        if better {
            best = Some((tag, v));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Constraints {
        match Constraints::parse(s) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    fn allows(cs: &str, v: &str) -> bool {
        let v = Version::parse(v).unwrap_or_else(|| panic!("bad version {v}"));
        c(cs).allows(&v)
    }

    #[test]
    fn operators() {
        assert!(allows("1.2.3", "1.2.3"));
        assert!(allows("= 1.2.3", "1.2.3"));
        assert!(!allows("= 1.2.3", "1.2.4"));
        assert!(allows("!= 1.2.3", "1.2.4"));
        assert!(!allows("!=1.2.3", "1.2.3"));
        assert!(allows("> 1.2", "1.2.1"));
        assert!(!allows("> 1.2", "1.2.0"));
        assert!(allows(">= 1.2", "1.2.0"));
        assert!(allows("< 2", "1.99.0"));
        assert!(!allows("< 2", "2.0.0"));
        assert!(allows("<= 2.0.0", "2.0.0"));
        assert!(allows(">= 1.0, < 2.0, != 1.5.0", "1.4.9"));
        assert!(!allows(">= 1.0, < 2.0, != 1.5.0", "1.5.0"));
        assert!(allows("v1.2.3", "1.2.3"));
    }

    #[test]
    fn pessimistic() {
        assert!(allows("~> 1.2", "1.2.0"));
        assert!(allows("~> 1.2", "1.9.0"));
        assert!(!allows("~> 1.2", "2.0.0"));
        assert!(!allows("~> 1.2", "1.1.9"));
        assert!(allows("~> 1.2.3", "1.2.10"));
        assert!(!allows("~> 1.2.3", "1.3.0"));
        assert!(!allows("~> 1.2.3", "1.2.2"));
        assert!(allows("~> 1", "1.9.9"));
        assert!(!allows("~> 1", "2.0.0"));
        assert!(allows("~>1.0.4", "1.0.5"));
    }

    #[test]
    fn prereleases_only_when_named_exactly() {
        assert!(!allows(">= 1.0", "2.0.0-rc1"));
        assert!(allows("2.0.0-rc1", "2.0.0-rc1"));
        assert!(allows("= 2.0.0-rc1, >= 1.0", "2.0.0-rc1"));
        let (a, b) = (
            Version::parse("1.0.0-alpha.2"),
            Version::parse("1.0.0-alpha.10"),
        );
        assert!(a < b);
        assert!(Version::parse("1.0.0-rc1") < Version::parse("1.0.0"));
    }

    #[test]
    fn bad_constraints_are_errors() {
        for s in ["", "~>", ">= 1.0,", "> x", "1.2.3.4", "=> 1.0", "1.0-"] {
            let e = Constraints::parse(s).err();
            assert!(e.is_some(), "{s:?} parsed");
        }
        let e = Constraints::parse("> x").err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("\"> x\"")));
    }

    #[test]
    fn newest_matching_tag() {
        let tags = [
            "v1.0.0",
            "v1.2.0",
            "v1.2.7",
            "1.3.0",
            "v1.10.1",
            "v2.0.0",
            "v2.1.0-rc1",
            "latest",
            "v3",
        ];
        let pick = |cs: &str| newest_matching(tags.iter().copied(), &c(cs)).map(|(t, _)| t);
        assert_eq!(pick("~> 1.2"), Some("v1.10.1"));
        assert_eq!(pick("~> 1.2.0"), Some("v1.2.7"));
        assert_eq!(pick(">= 1.0, < 1.5"), Some("1.3.0"));
        assert_eq!(pick(">= 2.0"), Some("v2.0.0"));
        assert_eq!(pick("2.1.0-rc1"), Some("v2.1.0-rc1"));
        assert_eq!(pick("> 5"), None);
        assert_eq!(
            newest_matching(["1.2.3", "v1.2.3"], &c("1.2.3")).map(|(t, _)| t),
            Some("v1.2.3")
        );
        assert_eq!(
            newest_matching(["v1.2.3", "1.2.3"], &c("1.2.3")).map(|(t, _)| t),
            Some("v1.2.3")
        );
        assert_eq!(c("~> 1.2, != 1.2.5").to_string(), "~> 1.2, != 1.2.5");
    }
}
