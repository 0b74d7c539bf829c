//! Date and time functions: formatdate, timeadd, timecmp, timestamp, plantimestamp.

use chrono::{DateTime, Datelike, Duration, FixedOffset, Timelike, Utc};

use crate::value::Value;

use super::args::{f, fail, Call, Spec, PLAIN};
use super::FuncError;

pub(super) const SPECS: &[Spec] = &[
    f("formatdate", &["format", "time"], PLAIN, formatdate),
    f("plantimestamp", &[], PLAIN, now),
    f("timeadd", &["timestamp", "duration"], PLAIN, timeadd),
    f("timecmp", &["timestamp_a", "timestamp_b"], PLAIN, |c| {
        let (a, b) = (parse(c, 0)?, parse(c, 1)?);
        Ok(Value::Number(a.cmp(&b) as i8 as f64))
    }),
    f("timestamp", &[], PLAIN, now),
];

/// The current time, or unknown while planning because it will differ at apply.
fn now(c: &Call) -> Result<Value, FuncError> {
    if c.ctx.planning {
        return Ok(Value::Unknown);
    }
    Ok(Value::String(rfc3339(&Utc::now().fixed_offset())))
}

fn parse(c: &Call, i: usize) -> Result<DateTime<FixedOffset>, FuncError> {
    let s = c.str(i)?;
    DateTime::parse_from_rfc3339(&s)
        .map_err(|e| c.err(i, format!("not a valid RFC3339 timestamp: {e}.")))
}

/// RFC 3339 without fractional seconds and with `Z` for UTC, as Go prints it.
fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    format!("{}{}", t.format("%Y-%m-%dT%H:%M:%S"), offset(t, true, "Z"))
}

/// The zone offset as `+07:00` (`colon`) or `+0700`; `utc` is printed for offset zero.
fn offset(t: &DateTime<FixedOffset>, colon: bool, utc: &str) -> String {
    let secs = t.offset().local_minus_utc();
    if secs == 0 && !utc.is_empty() {
        return utc.to_string();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

fn timeadd(c: &Call) -> Result<Value, FuncError> {
    let t = parse(c, 0)?;
    let d = c.str(1)?;
    let nanos = parse_duration(&d).map_err(fail)?;
    let t = t
        .checked_add_signed(Duration::nanoseconds(nanos))
        .ok_or_else(|| fail("the resulting time is out of range."))?;
    Ok(Value::String(rfc3339(&t)))
}

/// Parses a Go duration (`1h30m`, `-10.5s`, `300ms`) to nanoseconds.
fn parse_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {s:?}.");
    let (negative, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..num_len].parse().map_err(|_| invalid())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {s:?}.")),
            other => return Err(format!("time: unknown unit {other:?} in duration {s:?}.")),
        };
        total += number * scale;
    }
    let total = if negative { -total } else { total };
    if total.abs() > i64::MAX as f64 {
        return Err(invalid());
    }
    Ok(total.round() as i64)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn formatdate(c: &Call) -> Result<Value, FuncError> {
    let spec = c.str(0)?;
    let t = parse(c, 1)?;
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if ch == '\'' {
            // Quoted literal; '' inside or outside quotes is one quote.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(c.err(0, "unterminated literal '.")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        out.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&other) => {
                        out.push(other);
                        i += 1;
                    }
                }
            }
            continue;
        }
        if !ch.is_ascii_alphabetic() {
            out.push(ch);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == ch).count();
        let verb: String = chars[i..i + run].iter().collect();
        i += run;
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let month = MONTHS[t.month0() as usize];
        let day = DAYS[t.weekday().num_days_from_monday() as usize];
        let piece = match verb.as_str() {
            "YYYY" => format!("{:04}", t.year()),
            "YY" => format!("{:02}", t.year().rem_euclid(100)),
            "MMMM" => month.to_string(),
            "MMM" => month[..3].to_string(),
            "MM" => format!("{:02}", t.month()),
            "M" => t.month().to_string(),
            "DD" => format!("{:02}", t.day()),
            "D" => t.day().to_string(),
            "EEEE" => day.to_string(),
            "EEE" => day[..3].to_string(),
            "hh" => format!("{:02}", t.hour()),
            "h" => t.hour().to_string(),
            "HH" => format!("{hour12:02}"),
            "H" => hour12.to_string(),
            "AA" => if t.hour() < 12 { "AM" } else { "PM" }.to_string(),
            "aa" => if t.hour() < 12 { "am" } else { "pm" }.to_string(),
            "mm" => format!("{:02}", t.minute()),
            "m" => t.minute().to_string(),
            "ss" => format!("{:02}", t.second()),
            "s" => t.second().to_string(),
            "ZZZZZ" => offset(&t, true, ""),
            "ZZZZ" => offset(&t, false, ""),
            "ZZZ" => offset(&t, false, "UTC"),
            "Z" => offset(&t, true, "Z"),
            _ => return Err(c.err(0, format!("invalid date format verb {verb:?}."))),
        };
        out.push_str(&piece);
    }
    Ok(Value::String(out))
}
