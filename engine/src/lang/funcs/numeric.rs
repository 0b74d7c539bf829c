//! Numeric functions: abs, ceil, floor, log, max, min, parseint, pow, signum.

use crate::value::Value;

use super::args::{f, fail, v, Call, Spec, PLAIN};
use super::FuncError;

pub(super) const SPECS: &[Spec] = &[
    f("abs", &["num"], PLAIN, |c| {
        Ok(Value::Number(c.num(0)?.abs()))
    }),
    f("ceil", &["num"], PLAIN, |c| {
        Ok(Value::Number(c.num(0)?.ceil()))
    }),
    f("floor", &["num"], PLAIN, |c| {
        Ok(Value::Number(c.num(0)?.floor()))
    }),
    f("log", &["num", "base"], PLAIN, |c| {
        Ok(Value::Number(c.num(0)?.ln() / c.num(1)?.ln()))
    }),
    v("max", &[], "numbers", PLAIN, |c| extreme(c, f64::max)),
    v("min", &[], "numbers", PLAIN, |c| extreme(c, f64::min)),
    f("parseint", &["number", "base"], PLAIN, parseint),
    f("pow", &["num", "power"], PLAIN, |c| {
        Ok(Value::Number(c.num(0)?.powf(c.num(1)?)))
    }),
    f("signum", &["num"], PLAIN, |c| {
        let n = c.num(0)?;
        Ok(Value::Number(if n == 0.0 { 0.0 } else { n.signum() }))
    }),
];

fn extreme(c: &Call, pick: fn(f64, f64) -> f64) -> Result<Value, FuncError> {
    if c.args.is_empty() {
        return Err(fail("must pass at least one number."));
    }
    let mut best = c.num(0)?;
    for i in 1..c.args.len() {
        best = pick(best, c.num(i)?);
    }
    Ok(Value::Number(best))
}

fn parseint(c: &Call) -> Result<Value, FuncError> {
    let base = c.num(1)?;
    if base.fract() != 0.0 || !(2.0..=62.0).contains(&base) {
        return Err(c.err(1, "base must be a whole number between 2 and 62 inclusive."));
    }
    let base = base as u32;
    let text = match c.arg(0).as_str() {
        Some(s) => s.to_string(),
        None => return Err(c.err(0, "string required.")),
    };
    let bad = || {
        c.err(
            0,
            format!("cannot parse {text:?} as a base {base} integer."),
        )
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let mut n = 0f64;
    for ch in digits.chars() {
        let d = digit_value(ch, base).ok_or_else(bad)?;
        n = n * f64::from(base) + f64::from(d);
    }
    Ok(Value::Number(if negative { -n } else { n }))
}

/// The value of one digit as Go's big.Int parses it: up to base 36 letters are
/// case-insensitive; above, `a-z` are 10–35 and `A-Z` are 36–61.
fn digit_value(ch: char, base: u32) -> Option<u32> {
    let d = match ch {
        '0'..='9' => ch as u32 - '0' as u32,
        'a'..='z' => ch as u32 - 'a' as u32 + 10,
        'A'..='Z' if base <= 36 => ch as u32 - 'A' as u32 + 10,
        'A'..='Z' => ch as u32 - 'A' as u32 + 36,
        _ => return None,
    };
    (d < base).then_some(d)
}
