//! `timeouts { create = "60m" }`: how long a resource's operations may take, with
//! Terraform's duration syntax and per-type defaults.

use std::time::Duration;

use engine::value::Value;

/// Which operation a timeout is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Creating the object.
    Create,
    /// Updating it (including version upgrades).
    Update,
    /// Deleting it.
    Delete,
}

impl Op {
    fn key(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// The timeout for `op` on an object: its `timeouts` block when it sets one, else `default`.
pub fn for_op(obj: &Value, op: Op, default: Duration) -> Duration {
    let block = match obj.get_attr("timeouts") {
        Some(Value::List(items)) => items.first(),
        Some(v @ Value::Object(_)) => Some(v),
        _ => None,
    };
    block
        .and_then(|b| b.get_attr(op.key()))
        .and_then(Value::as_str)
        .and_then(parse_duration)
        .unwrap_or(default)
}

/// Parses Go-style durations as Terraform does: `90s`, `60m`, `1h30m`, `250ms`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let secs = match &rest[..unit_len] {
            "ms" => n / 1000.0,
            "s" => n,
            "m" => n * 60.0,
            "h" => n * 3600.0,
            _ => return None,
        };
        total += Duration::from_secs_f64(secs);
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// `1h30m0s` style, for messages.
pub fn display(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terraform_durations() {
        assert_eq!(parse_duration("60m"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("10"), None);
    }

    #[test]
    fn the_block_overrides_the_default_per_operation() {
        let obj = Value::object([(
            "timeouts",
            Value::object([("create", Value::string("2h")), ("update", Value::Null)]),
        )]);
        let d = Duration::from_secs(60);
        assert_eq!(for_op(&obj, Op::Create, d), Duration::from_secs(7200));
        assert_eq!(for_op(&obj, Op::Update, d), d);
        assert_eq!(display(Duration::from_secs(5400)), "1h30m");
    }
}
