//! Encoding functions: base64, gzip, CSV, JSON, YAML, URL and text encodings.

use std::io::Write;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::value::{Value, ValueMap};

use super::args::{f, fail, Call, Spec, NULLS, PLAIN};
use super::FuncError;

pub(super) const SPECS: &[Spec] = &[
    f("base64decode", &["str"], PLAIN, |c| {
        let s = c.str(0)?;
        let bytes = STANDARD
            .decode(s.as_bytes())
            .map_err(|_| fail(format!("failed to decode base64 data {s:?}.")))?;
        String::from_utf8(bytes)
            .map(Value::String)
            .map_err(|_| fail("the result of decoding the provided string is not valid UTF-8."))
    }),
    f("base64encode", &["str"], PLAIN, |c| {
        Ok(Value::String(STANDARD.encode(c.str(0)?)))
    }),
    f("base64gzip", &["str"], PLAIN, |c| {
        let s = c.str(0)?;
        let mut gz = flate2::GzBuilder::new()
            .operating_system(255)
            .write(Vec::new(), flate2::Compression::default());
        let bytes = gz
            .write_all(s.as_bytes())
            .and_then(|_| gz.finish())
            .map_err(|e| fail(format!("failed to compress: {e}.")))?;
        Ok(Value::String(STANDARD.encode(bytes)))
    }),
    f("csvdecode", &["str"], PLAIN, csvdecode),
    f("jsondecode", &["str"], PLAIN, |c| {
        let s = c.str(0)?;
        let j: serde_json::Value = serde_json::from_str(&s).map_err(|e| fail(format!("{e}.")))?;
        Ok(Value::from_json(&j))
    }),
    f("jsonencode", &["val"], NULLS, |c| {
        Ok(Value::String(json_encode(c.arg(0))))
    }),
    f(
        "textdecodebase64",
        &["source", "encoding"],
        PLAIN,
        textdecodebase64,
    ),
    f(
        "textencodebase64",
        &["string", "encoding"],
        PLAIN,
        textencodebase64,
    ),
    f("urlencode", &["str"], PLAIN, |c| {
        Ok(Value::String(urlencode(&c.str(0)?)))
    }),
    f("yamldecode", &["src"], PLAIN, yamldecode),
    f("yamlencode", &["value"], NULLS, |c| {
        Ok(Value::String(yaml_encode(c.arg(0))))
    }),
];

/// Encodes a value as Terraform's `jsonencode` does: compact, keys sorted, and
/// `<`, `>`, `&`, U+2028 and U+2029 escaped as Go's encoder does.
pub(super) fn json_encode(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v.unmarked() {
        Value::Null | Value::Unknown => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_finite() => out.push_str(&decimal(*n)),
        Value::Number(_) => out.push_str("null"),
        Value::String(s) => write_json_string(s, out),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Map(m) | Value::Object(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
        Value::Sensitive(_) => out.push_str("null"),
    }
}

/// A finite number in plain decimal notation (Rust's `Display` never uses exponents).
fn decimal(n: f64) -> String {
    if n == 0.0 {
        "0".to_string()
    } else {
        format!("{n}")
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", ch as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `url.QueryEscape`.
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn csvdecode(c: &Call) -> Result<Value, FuncError> {
    let s = c.str(0)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(s.as_bytes());
    let csv_err = |e: csv::Error| match e.kind() {
        csv::ErrorKind::UnequalLengths { pos: Some(pos), .. } => fail(format!(
            "CSV parse error on line {}: wrong number of fields.",
            pos.line()
        )),
        _ => fail(format!("CSV parse error: {e}.")),
    };
    let headers = reader.headers().map_err(csv_err)?.clone();
    if headers.is_empty() {
        return Err(fail("missing header line."));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_err)?;
        let row: ValueMap = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.to_string(), Value::string(v)))
            .collect();
        rows.push(Value::Object(row));
    }
    Ok(Value::List(rows))
}

/// Text encodings `textencodebase64` knows, by upper-cased IANA name or alias.
#[derive(Clone, Copy)]
enum TextEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// UTF-16 with a big-endian byte order mark.
    Utf16Bom,
    Latin1,
    Ascii,
}

fn text_encoding(c: &Call, i: usize) -> Result<TextEncoding, FuncError> {
    let name = c.str(i)?;
    Ok(match name.to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" | "CSUTF8" => TextEncoding::Utf8,
        "UTF-16LE" | "CSUTF16LE" => TextEncoding::Utf16Le,
        "UTF-16BE" | "CSUTF16BE" => TextEncoding::Utf16Be,
        "UTF-16" | "CSUTF16" => TextEncoding::Utf16Bom,
        "ISO-8859-1" | "ISO_8859-1" | "LATIN1" | "L1" | "CSISOLATIN1" | "IBM819" | "CP819" => {
            TextEncoding::Latin1
        }
        "US-ASCII" | "ASCII" | "CSASCII" => TextEncoding::Ascii,
        _ => {
            return Err(c.err(
                i,
                format!("{name:?} is not a supported IANA encoding name or alias."),
            ))
        }
    })
}

fn textencodebase64(c: &Call) -> Result<Value, FuncError> {
    let s = c.str(0)?;
    let enc = text_encoding(c, 1)?;
    let units = |be: bool| -> Vec<u8> {
        s.encode_utf16()
            .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
            .collect()
    };
    let bytes: Vec<u8> = match enc {
        TextEncoding::Utf8 => s.as_bytes().to_vec(),
        TextEncoding::Utf16Le => units(false),
        TextEncoding::Utf16Be => units(true),
        TextEncoding::Utf16Bom => [0xFE, 0xFF].into_iter().chain(units(true)).collect(),
        TextEncoding::Latin1 | TextEncoding::Ascii => {
            let limit = if matches!(enc, TextEncoding::Ascii) {
                0x7F
            } else {
                0xFF
            };
            let mut out = Vec::with_capacity(s.len());
            for (pos, ch) in s.chars().enumerate() {
                if ch as u32 > limit {
                    return Err(c.err(0, format!("the given string contains characters that cannot be represented in {}: character {pos} is {ch:?}.", c.str(1)?)));
                }
                out.push(ch as u8);
            }
            out
        }
    };
    Ok(Value::String(STANDARD.encode(bytes)))
}

fn textdecodebase64(c: &Call) -> Result<Value, FuncError> {
    let s = c.str(0)?;
    let enc = text_encoding(c, 1)?;
    let bytes = STANDARD
        .decode(s.as_bytes())
        .map_err(|_| c.err(0, "the given value is has an invalid base64 symbol."))?;
    let utf16 = |bytes: &[u8], be: bool| -> Result<String, FuncError> {
        if !bytes.len().is_multiple_of(2) {
            return Err(c.err(
                0,
                "the given string contains an odd number of bytes for UTF-16.",
            ));
        }
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|p| {
                if be {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            })
            .collect();
        Ok(String::from_utf16_lossy(&units))
    };
    let text = match enc {
        TextEncoding::Utf8 => String::from_utf8_lossy(&bytes).into_owned(),
        TextEncoding::Utf16Le => utf16(&bytes, false)?,
        TextEncoding::Utf16Be => utf16(&bytes, true)?,
        TextEncoding::Utf16Bom => match bytes.get(..2) {
            Some([0xFF, 0xFE]) => utf16(&bytes[2..], false)?,
            Some([0xFE, 0xFF]) => utf16(&bytes[2..], true)?,
            _ => utf16(&bytes, true)?,
        },
        TextEncoding::Latin1 => bytes.iter().map(|b| *b as char).collect(),
        TextEncoding::Ascii => bytes
            .iter()
            .map(|b| if *b < 0x80 { *b as char } else { '\u{FFFD}' })
            .collect(),
    };
    Ok(Value::String(text))
}

fn yamldecode(c: &Call) -> Result<Value, FuncError> {
    let s = c.str(0)?;
    if s.trim().is_empty() {
        return Err(fail("on line 1, column 1: missing start of document."));
    }
    let y: serde_norway::Value = serde_norway::from_str(&s).map_err(|e| fail(format!("{e}.")))?;
    Ok(from_yaml(y))
}

fn from_yaml(y: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match y {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Tuple(items.into_iter().map(from_yaml).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (yaml_key(k), from_yaml(v)))
                .collect(),
        ),
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let inner = from_yaml(t.value);
            if tag == "!!str" || tag == "tag:yaml.org,2002:str" {
                match super::args::to_string(&inner) {
                    Ok(s) => Value::String(s),
                    Err(_) => inner,
                }
            } else {
                inner
            }
        }
    }
}

fn yaml_key(k: serde_norway::Value) -> String {
    match from_yaml(k) {
        Value::String(s) => s,
        Value::Null => "null".to_string(),
        other => super::args::to_string(&other).unwrap_or_else(|_| json_encode(&other)),
    }
}

/// Encodes a value as Terraform's `yamlencode` does: block style, double-quoted keys
/// and strings, literal blocks for multi-line strings, sequences not indented under
/// their key.
pub(super) fn yaml_encode(v: &Value) -> String {
    let mut out = String::new();
    match v.unmarked() {
        Value::Map(m) | Value::Object(m) if !m.is_empty() => yaml_map(m, 0, false, &mut out),
        Value::List(s) | Value::Set(s) | Value::Tuple(s) if !s.is_empty() => {
            yaml_seq(s, 0, false, &mut out)
        }
        other => {
            yaml_scalar(other, 2, &mut out);
            // libyaml ends a document holding only a plain scalar with an explicit marker.
            if matches!(
                other,
                Value::Null | Value::Bool(_) | Value::Number(_) | Value::Unknown
            ) {
                out.push_str("...\n");
            }
        }
    }
    out
}

/// Writes a scalar (or empty collection) after a prefix; multi-line strings become a
/// literal block indented to `indent`.
fn yaml_scalar(v: &Value, indent: usize, out: &mut String) {
    match v.unmarked() {
        Value::String(s) if s.contains('\n') => {
            let (body, chomp) = if !s.ends_with('\n') {
                (s.as_str(), "-")
            } else if s.ends_with("\n\n") {
                (&s[..s.len() - 1], "+")
            } else {
                (&s[..s.len() - 1], "")
            };
            out.push('|');
            out.push_str(chomp);
            out.push('\n');
            for line in body.split('\n') {
                if !line.is_empty() {
                    out.push_str(&" ".repeat(indent));
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        Value::String(s) => {
            out.push_str(&yaml_quote(s));
            out.push('\n');
        }
        Value::Null | Value::Unknown | Value::Sensitive(_) => out.push_str("null\n"),
        Value::Bool(b) => out.push_str(&format!("{b}\n")),
        Value::Number(n) => out.push_str(&format!("{}\n", decimal(*n))),
        Value::List(_) | Value::Set(_) | Value::Tuple(_) => out.push_str("[]\n"),
        Value::Map(_) | Value::Object(_) => out.push_str("{}\n"),
    }
}

fn yaml_map(m: &ValueMap, indent: usize, inline_first: bool, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline_first {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&yaml_quote(k));
        out.push(':');
        match v.unmarked() {
            Value::Map(inner) | Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                yaml_map(inner, indent + 2, false, out);
            }
            Value::List(s) | Value::Set(s) | Value::Tuple(s) if !s.is_empty() => {
                out.push('\n');
                yaml_seq(s, indent, false, out);
            }
            other => {
                out.push(' ');
                yaml_scalar(other, indent + 2, out);
            }
        }
    }
}

fn yaml_seq(items: &[Value], indent: usize, inline_first: bool, out: &mut String) {
    for (i, v) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match v.unmarked() {
            Value::Map(inner) | Value::Object(inner) if !inner.is_empty() => {
                yaml_map(inner, indent + 2, true, out)
            }
            Value::List(s) | Value::Set(s) | Value::Tuple(s) if !s.is_empty() => {
                yaml_seq(s, indent + 2, true, out)
            }
            other => yaml_scalar(other, indent + 2, out),
        }
    }
}

/// A YAML double-quoted scalar with libyaml's escapes.
fn yaml_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
