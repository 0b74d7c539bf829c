//! `format` and `formatlist`: Terraform's printf-style verbs, flags, width and precision.

use crate::value::{format_number, Value};

use super::args::{fail, to_bool, to_number, to_string, Call};
use super::encoding::json_encode;
use super::FuncError;

/// `format(spec, args...)`.
pub(super) fn format(c: &Call) -> Result<Value, FuncError> {
    let spec = c.str(0)?;
    let args = &c.args[1..];
    let (out, used) = render(&spec, args)?;
    if used < args.len() {
        return Err(c.err(
            used + 1,
            format!("too many arguments; only {used} used by format string."),
        ));
    }
    Ok(Value::String(out))
}

/// `formatlist(spec, args...)`: lists are iterated in step, other arguments repeat.
pub(super) fn formatlist(c: &Call) -> Result<Value, FuncError> {
    let spec = c.str(0)?;
    let args = &c.args[1..];
    let mut len: Option<(usize, usize)> = None;
    for (i, a) in args.iter().enumerate() {
        if let Some(items) = a.as_seq() {
            match len {
                None => len = Some((items.len(), i)),
                Some((n, first)) if n != items.len() => {
                    return Err(c.err(
                        i + 1,
                        format!(
                            "argument {} has length {}, which is inconsistent with argument {} of length {n}.",
                            i + 1,
                            items.len(),
                            first + 1
                        ),
                    ));
                }
                _ => {}
            }
        }
    }
    let n = len.map_or(1, |(n, _)| n);
    let mut out = Vec::with_capacity(n);
    for row in 0..n {
        let row_args: Vec<Value> = args
            .iter()
            .map(|a| {
                a.as_seq()
                    .map_or_else(|| a.clone(), |items| items[row].clone())
            })
            .collect();
        let (s, used) = render(&spec, &row_args)?;
        if used < row_args.len() {
            return Err(c.err(
                used + 1,
                format!("too many arguments; only {used} used by format string."),
            ));
        }
        out.push(Value::String(s));
    }
    Ok(Value::List(out))
}

/// The largest width or precision a directive may ask for.
const MAX_WIDTH: usize = 1 << 16;

/// One parsed `%...` directive.
#[derive(Default)]
struct Directive {
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    sharp: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// Renders `spec` with `args`, returning the text and how many arguments were used.
fn render(spec: &str, args: &[Value]) -> Result<(String, usize), FuncError> {
    let mut out = String::new();
    let mut next = 0usize;
    let mut max_used = 0usize;
    let mut chars = spec.char_indices().peekable();
    while let Some((start, ch)) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        if let Some((_, '%')) = chars.peek() {
            chars.next();
            out.push('%');
            continue;
        }
        let mut d = Directive::default();
        while let Some(&(_, flag)) = chars.peek() {
            match flag {
                '-' => d.minus = true,
                '+' => d.plus = true,
                ' ' => d.space = true,
                '0' => d.zero = true,
                '#' => d.sharp = true,
                _ => break,
            }
            chars.next();
        }
        let invalid = || fail(format!("invalid format string starting at offset {start}."));
        let mut index = None;
        let mut read_index = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
            if let Some((_, '[')) = chars.peek() {
                chars.next();
                let n = read_number(chars);
                match chars.next() {
                    Some((_, ']')) if n.is_some_and(|n| n > 0) => index = n,
                    _ => return Err(invalid()),
                }
            }
            Ok(())
        };
        read_index(&mut chars)?;
        d.width = read_number(&mut chars);
        if let Some((_, '.')) = chars.peek() {
            chars.next();
            d.precision = Some(read_number(&mut chars).unwrap_or(0));
        }
        read_index(&mut chars)?;
        // A guard against allocating absurd amounts of memory, not a Terraform rule.
        if d.width.max(d.precision).is_some_and(|n| n > MAX_WIDTH) {
            return Err(fail(format!(
                "width and precision must be at most {MAX_WIDTH}, at offset {start}."
            )));
        }
        let Some((verb_at, verb)) = chars.next() else {
            return Err(invalid());
        };
        let text = &spec[start..verb_at + verb.len_utf8()];
        if verb == '%' {
            return Err(fail(format!(
                "unrecognized format character '%' at offset {}.",
                verb_at
            )));
        }
        let arg_no = index.unwrap_or(next + 1);
        let Some(arg) = args.get(arg_no - 1) else {
            return Err(fail(format!(
                "not enough arguments for {text:?} at {start}: need index {arg_no} but have {} total.",
                args.len()
            )));
        };
        next = arg_no;
        max_used = max_used.max(arg_no);
        let unsupported =
            |m: String| fail(format!("unsupported value for {text:?} at {start}: {m}."));
        let piece = match verb {
            'v' if d.sharp => json_encode(arg),
            'v' => match arg.unmarked() {
                Value::String(s) => pad(&d, truncate(s, d.precision)),
                Value::Number(n) => pad(&d, go_g(*n, None, false)),
                Value::Bool(b) => pad(&d, b.to_string()),
                Value::Null => pad(&d, "null".to_string()),
                other => pad(&d, json_encode(other)),
            },
            't' => to_bool(arg)
                .map_err(|m| unsupported(m.trim_end_matches('.').into()))?
                .to_string(),
            's' | 'q' => {
                if arg.is_null() {
                    return Err(unsupported("null value cannot be formatted".into()));
                }
                let s = to_string(arg).map_err(|m| unsupported(m.trim_end_matches('.').into()))?;
                let s = if verb == 'q' {
                    json_encode(&Value::String(s))
                } else {
                    s
                };
                pad(&d, truncate(&s, d.precision))
            }
            'd' | 'b' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                if arg.is_null() {
                    return Err(unsupported("null value cannot be formatted".into()));
                }
                let n = to_number(arg).map_err(|m| unsupported(m.trim_end_matches('.').into()))?;
                format_num(&d, verb, n)
                    .ok_or_else(|| unsupported("an integer is required".into()))?
            }
            other => {
                return Err(fail(format!(
                    "unsupported format verb '{other}' in {text:?} at offset {start}."
                )))
            }
        };
        out.push_str(&piece);
    }
    Ok((out, max_used))
}

fn read_number(chars: &mut std::iter::Peekable<std::str::CharIndices>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(&(_, c)) = chars.peek() {
        let Some(d) = c.to_digit(10) else { break };
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        chars.next();
    }
    n
}

fn truncate(s: &str, precision: Option<usize>) -> String {
    match precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    }
}

/// Pads to the width with spaces, on the right for `-`.
fn pad(d: &Directive, s: String) -> String {
    let len = s.chars().count();
    match d.width {
        Some(w) if w > len && d.minus => format!("{s}{}", " ".repeat(w - len)),
        Some(w) if w > len => format!("{}{s}", " ".repeat(w - len)),
        _ => s,
    }
}

/// Formats a number for a numeric verb; `None` when the verb needs an integer.
fn format_num(d: &Directive, verb: char, n: f64) -> Option<String> {
    let negative = n.is_sign_negative() && n != 0.0;
    let abs = n.abs();
    let body = match verb {
        'd' | 'b' | 'o' | 'x' | 'X' => {
            if abs.fract() != 0.0 || !abs.is_finite() {
                return None;
            }
            if abs >= 1e38 {
                format_number(abs)
            } else {
                let i = abs as u128;
                match verb {
                    'd' => i.to_string(),
                    'b' => format!("{i:b}"),
                    'o' if d.sharp => format!("0{i:o}"),
                    'o' => format!("{i:o}"),
                    'x' if d.sharp => format!("0x{i:x}"),
                    'x' => format!("{i:x}"),
                    'X' if d.sharp => format!("0X{i:X}"),
                    _ => format!("{i:X}"),
                }
            }
        }
        'f' | 'F' => format!("{abs:.*}", d.precision.unwrap_or(6)),
        'e' | 'E' => go_e(abs, d.precision.unwrap_or(6)),
        _ => go_g(abs, d.precision, d.sharp),
    };
    let body = if verb.is_ascii_uppercase() && verb != 'X' {
        body.to_uppercase()
    } else {
        body
    };
    let sign = if negative {
        "-"
    } else if d.plus {
        "+"
    } else if d.space {
        " "
    } else {
        ""
    };
    let len = sign.len() + body.chars().count();
    Some(match d.width {
        Some(w) if w > len && d.minus => format!("{sign}{body}{}", " ".repeat(w - len)),
        Some(w) if w > len && d.zero => format!("{sign}{}{body}", "0".repeat(w - len)),
        Some(w) if w > len => format!("{}{sign}{body}", " ".repeat(w - len)),
        _ => format!("{sign}{body}"),
    })
}

/// Go's `%e`: mantissa with `precision` decimals, exponent signed with two digits.
fn go_e(abs: f64, precision: usize) -> String {
    let s = format!("{abs:.precision$e}");
    fix_exponent(&s)
}

/// Rewrites Rust's `1.5e3` exponent to Go's `1.5e+03`.
fn fix_exponent(s: &str) -> String {
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s.to_string(),
    }
}

/// Go's `%g`: shortest representation when `precision` is `None`, exponent form
/// for exponents below -4 or at least the precision (6 when shortest).
pub(super) fn go_g(n: f64, precision: Option<usize>, keep_zeros: bool) -> String {
    if !n.is_finite() {
        return format_number(n);
    }
    let sign = if n.is_sign_negative() && n != 0.0 {
        "-"
    } else {
        ""
    };
    let abs = n.abs();
    let sci = match precision {
        None => format!("{abs:e}"),
        Some(p) => format!("{abs:.*e}", p.max(1) - 1),
    };
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let eprec = match precision {
        None => 6,
        Some(p) => p.max(1) as i32,
    };
    let body = if exp < -4 || exp >= eprec {
        let mantissa = if keep_zeros {
            mantissa.to_string()
        } else {
            trim_zeros(mantissa)
        };
        fix_exponent(&format!("{mantissa}e{exp}"))
    } else {
        let decimals = (digits.len() as i32 - 1 - exp).max(0) as usize;
        let s = format!("{abs:.decimals$}");
        if keep_zeros {
            s
        } else {
            trim_zeros(&s)
        }
    };
    format!("{sign}{body}")
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}
