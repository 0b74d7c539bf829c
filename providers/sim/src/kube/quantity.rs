//! Kubernetes resource quantities (`250m`, `1`, `512Mi`, `1.5Gi`, `1e3`), parsed strictly.
//!
//! The grammar is the API server's: a non-negative decimal number and at most one
//! suffix, binary (`Ki` .. `Ei`), decimal (`n`, `u`, `m`, `k`, `M` .. `E`) or an
//! exponent (`e3`, `E-2`). Anything else is refused with the text that was given,
//! as the API server refuses it. HCL numbers are read as plain quantities (cores, bytes).

use engine::value::Value;

/// The API server's description of a valid quantity, quoted in errors.
pub const GRAMMAR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// Why a quantity was refused: the offending text and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid value: \"{text}\": {reason}")]
pub struct QuantityError {
    /// The value as given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// CPU in millicores, rounded up as the API server rounds (`0.1` -> 100, `250m` -> 250).
pub fn cpu_millis(v: &Value) -> Result<u64, QuantityError> {
    amount(v).and_then(|(x, text)| whole(x * 1000.0, &text))
}

/// Memory in bytes, rounded up (`512Mi` -> 536870912, `1G` -> 1000000000).
pub fn memory_bytes(v: &Value) -> Result<u64, QuantityError> {
    amount(v).and_then(|(x, text)| whole(x, &text))
}

/// The quantity's value in base units, with its text for errors.
fn amount(v: &Value) -> Result<(f64, String), QuantityError> {
    match v.unmarked() {
        Value::Number(n) => {
            let text = engine::value::format_number(*n);
            if *n < 0.0 {
                return Err(negative(&text));
            }
            Ok((*n, text))
        }
        Value::String(s) => parse(s).map(|x| (x, s.clone())),
        other => Err(QuantityError {
            text: other.to_json().to_string(),
            reason: GRAMMAR.to_string(),
        }),
    }
}

fn negative(text: &str) -> QuantityError {
    QuantityError {
        text: text.to_string(),
        reason: "must be greater than or equal to 0".to_string(),
    }
}

fn whole(x: f64, text: &str) -> Result<u64, QuantityError> {
    let up = x.ceil();
    if !up.is_finite() || up > u64::MAX as f64 {
        return Err(QuantityError {
            text: text.to_string(),
            reason: "quantity is too large".to_string(),
        });
    }
    Ok(up as u64)
}

/// A quantity string's value in base units (cores, bytes).
pub fn parse(text: &str) -> Result<f64, QuantityError> {
    let bad = || QuantityError {
        text: text.to_string(),
        reason: GRAMMAR.to_string(),
    };
    let s = text.strip_prefix('+').unwrap_or(text);
    if s.starts_with('-') {
        return Err(negative(text));
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(split);
    let digits = number.chars().filter(char::is_ascii_digit).count();
    if digits == 0 || number.matches('.').count() > 1 {
        return Err(bad());
    }
    let n: f64 = number.parse().map_err(|_| bad())?;
    let factor = multiplier(suffix).ok_or_else(bad)?;
    Ok(n * factor)
}

/// The factor a suffix stands for; `None` when it is not one the API server knows.
fn multiplier(suffix: &str) -> Option<f64> {
    let binary = |p: i32| Some(2f64.powi(p));
    let decimal = |p: i32| Some(10f64.powi(p));
    match suffix {
        "" => decimal(0),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        _ => {
            let exp = suffix.strip_prefix(['e', 'E'])?;
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            decimal(exp.parse().ok()?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities_become_millicores() {
        for (text, want) in [
            ("250m", 250),
            ("1", 1000),
            ("0.5", 500),
            ("2.25", 2250),
            ("2e-1", 200),
            ("+100m", 100),
            ("0.0001", 1),
        ] {
            assert_eq!(cpu_millis(&Value::string(text)), Ok(want), "{text}");
        }
        assert_eq!(cpu_millis(&Value::Number(2.0)), Ok(2000));
    }

    #[test]
    fn memory_quantities_become_bytes() {
        for (text, want) in [
            ("512Mi", 512 << 20),
            ("1Gi", 1 << 30),
            ("1.5Gi", 3 << 29),
            ("1G", 1_000_000_000),
            ("128974848", 128_974_848),
            ("129e6", 129_000_000),
            ("64k", 64_000),
        ] {
            assert_eq!(memory_bytes(&Value::string(text)), Ok(want), "{text}");
        }
    }

    #[test]
    fn malformed_quantities_are_refused_with_their_text() {
        for text in [
            "", "25o", "1GB", "Mi", "1.2.3", "one", "1 Gi", "1e", "1mi", "1Ki2", "1e3m",
        ] {
            let e = memory_bytes(&Value::string(text)).unwrap_err();
            assert_eq!(e.text, text);
            assert_eq!(e.reason, GRAMMAR, "{text}");
        }
    }

    #[test]
    fn negative_quantities_are_refused() {
        let e = cpu_millis(&Value::string("-1")).unwrap_err();
        assert!(e.to_string().contains("greater than or equal to 0"), "{e}");
        assert!(cpu_millis(&Value::Number(-0.5)).is_err());
    }
}
