//! String functions: join, split, replace, regex, substr, trim and friends.

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

use crate::value::{Value, ValueMap};

use super::args::{f, fail, v, Call, Spec, NULLS, PLAIN};
use super::format::{format, formatlist};
use super::FuncError;

/// The largest indentation `indent` accepts.
const MAX_PAD: usize = 1 << 16;

pub(super) const SPECS: &[Spec] = &[
    f("chomp", &["str"], PLAIN, |c| {
        let s = c.str(0)?;
        Ok(Value::String(s.trim_end_matches(['\n', '\r']).to_string()))
    }),
    f("endswith", &["str", "suffix"], PLAIN, |c| {
        Ok(Value::Bool(c.str(0)?.ends_with(&c.str(1)?)))
    }),
    v("format", &["format"], "args", NULLS, format),
    v("formatlist", &["format"], "args", NULLS, formatlist),
    f("indent", &["spaces", "str"], PLAIN, |c| {
        let spaces = c.num(0)?;
        // A guard against allocating absurd amounts of memory, not a Terraform rule.
        if spaces > MAX_PAD as f64 {
            return Err(c.err(0, format!("must be at most {MAX_PAD}.")));
        }
        let pad = " ".repeat(spaces.max(0.0) as usize);
        Ok(Value::String(c.str(1)?.replace('\n', &format!("\n{pad}"))))
    }),
    v("join", &["separator"], "lists", PLAIN, join),
    f("lower", &["str"], PLAIN, |c| {
        Ok(Value::String(c.str(0)?.to_lowercase()))
    }),
    f("regex", &["pattern", "string"], PLAIN, regex),
    f("regexall", &["pattern", "string"], PLAIN, regexall),
    f("replace", &["str", "substr", "replace"], PLAIN, replace),
    f("split", &["separator", "str"], PLAIN, split),
    f("startswith", &["str", "prefix"], PLAIN, |c| {
        Ok(Value::Bool(c.str(0)?.starts_with(&c.str(1)?)))
    }),
    f("strcontains", &["str", "substr"], PLAIN, |c| {
        Ok(Value::Bool(c.str(0)?.contains(&c.str(1)?)))
    }),
    f("strrev", &["str"], PLAIN, |c| {
        Ok(Value::String(c.str(0)?.graphemes(true).rev().collect()))
    }),
    f("substr", &["str", "offset", "length"], PLAIN, substr),
    f("title", &["str"], PLAIN, |c| {
        Ok(Value::String(title(&c.str(0)?)))
    }),
    f("trim", &["str", "cutset"], PLAIN, |c| {
        let cutset: Vec<char> = c.str(1)?.chars().collect();
        Ok(Value::String(
            c.str(0)?.trim_matches(cutset.as_slice()).to_string(),
        ))
    }),
    f("trimprefix", &["str", "prefix"], PLAIN, |c| {
        let (s, p) = (c.str(0)?, c.str(1)?);
        Ok(Value::String(
            s.strip_prefix(p.as_str()).unwrap_or(&s).to_string(),
        ))
    }),
    f("trimsuffix", &["str", "suffix"], PLAIN, |c| {
        let (s, p) = (c.str(0)?, c.str(1)?);
        Ok(Value::String(
            s.strip_suffix(p.as_str()).unwrap_or(&s).to_string(),
        ))
    }),
    f("trimspace", &["str"], PLAIN, |c| {
        Ok(Value::String(c.str(0)?.trim().to_string()))
    }),
    f("upper", &["str"], PLAIN, |c| {
        Ok(Value::String(c.str(0)?.to_uppercase()))
    }),
];

fn join(c: &Call) -> Result<Value, FuncError> {
    if c.args.len() < 2 {
        return Err(fail("at least one list is required."));
    }
    let sep = c.str(0)?;
    let mut parts = Vec::new();
    for i in 1..c.args.len() {
        let arg = c.arg(i);
        let items = arg.as_seq().ok_or_else(|| {
            c.err(
                i,
                format!("list of string required, but have {}.", arg.type_name()),
            )
        })?;
        for (j, item) in items.iter().enumerate() {
            if item.is_null() {
                return Err(c.err(
                    i,
                    format!("element {j} is null; cannot concatenate null values."),
                ));
            }
            parts.push(
                super::args::to_string(item).map_err(|m| c.err(i, format!("element {j}: {m}")))?,
            );
        }
    }
    Ok(Value::String(parts.join(&sep)))
}

fn split(c: &Call) -> Result<Value, FuncError> {
    let (sep, s) = (c.str(0)?, c.str(1)?);
    // Go's strings.Split with an empty separator splits into characters.
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|ch| Value::String(ch.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(Value::string).collect()
    };
    Ok(Value::List(parts))
}

fn replace(c: &Call) -> Result<Value, FuncError> {
    let (s, substr, with) = (c.str(0)?, c.str(1)?, c.str(2)?);
    if substr.len() > 1 && substr.starts_with('/') && substr.ends_with('/') {
        let re = Regex::new(&substr[1..substr.len() - 1])
            .map_err(|e| c.err(1, format!("invalid regexp pattern: {e}")))?;
        return Ok(Value::String(
            re.replace_all(&s, with.as_str()).into_owned(),
        ));
    }
    Ok(Value::String(s.replace(&substr, &with)))
}

/// Extracts `[offset, offset+length)` counted in grapheme clusters; a negative offset counts
/// from the end and a length of -1 means "to the end", as in Terraform.
fn substr(c: &Call) -> Result<Value, FuncError> {
    let text = c.str(0)?;
    let s: Vec<&str> = text.graphemes(true).collect();
    let len = s.len() as i64;
    let (mut offset, length) = (c.int(1)?, c.int(2)?);
    if offset < 0 {
        offset = (offset + len).max(0);
    }
    if offset >= len {
        return Ok(Value::string(""));
    }
    let end = if length < 0 {
        len
    } else {
        offset.saturating_add(length).min(len)
    };
    Ok(Value::String(s[offset as usize..end as usize].concat()))
}

/// Go's strings.Title: upper-cases letters that follow a separator (anything but a
/// letter, digit, underscore or non-ASCII character that is not a space).
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for ch in s.chars() {
        if prev_sep {
            out.extend(ch.to_uppercase());
        } else {
            out.push(ch);
        }
        prev_sep = if ch.is_ascii() {
            !(ch.is_ascii_alphanumeric() || ch == '_')
        } else {
            ch.is_whitespace()
        };
    }
    out
}

/// The shape of a pattern's result: a string without capture groups, a list with
/// unnamed groups, an object with named ones.
enum Shape {
    Whole,
    List,
    Object(Vec<String>),
}

fn compile(c: &Call) -> Result<(Regex, Shape), FuncError> {
    let pattern = c.str(0)?;
    let re = Regex::new(&pattern).map_err(|e| c.err(0, format!("invalid regexp pattern: {e}")))?;
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = names.iter().filter(|n| n.is_some()).count();
    let shape = match (names.len() - named, named) {
        (0, 0) => Shape::Whole,
        (_, 0) => Shape::List,
        (0, _) => Shape::Object(names.iter().flatten().map(|n| n.to_string()).collect()),
        _ => {
            return Err(c.err(
                0,
                "invalid regexp pattern: cannot mix both named and unnamed capture groups.",
            ))
        }
    };
    Ok((re, shape))
}

fn captures_value(caps: &regex::Captures, shape: &Shape) -> Value {
    let group = |m: Option<regex::Match>| m.map_or(Value::Null, |m| Value::string(m.as_str()));
    match shape {
        Shape::Whole => group(caps.get(0)),
        Shape::List => Value::List(caps.iter().skip(1).map(group).collect()),
        Shape::Object(names) => Value::Object(
            names
                .iter()
                .map(|n| (n.clone(), group(caps.name(n))))
                .collect::<ValueMap>(),
        ),
    }
}

fn regex(c: &Call) -> Result<Value, FuncError> {
    let (re, shape) = compile(c)?;
    let s = c.str(1)?;
    let caps = re
        .captures(&s)
        .ok_or_else(|| fail("pattern did not match any part of the given string."))?;
    Ok(captures_value(&caps, &shape))
}

fn regexall(c: &Call) -> Result<Value, FuncError> {
    let (re, shape) = compile(c)?;
    let s = c.str(1)?;
    Ok(Value::List(
        re.captures_iter(&s)
            .map(|caps| captures_value(&caps, &shape))
            .collect(),
    ))
}
