//! Filesystem functions: reading files relative to the root module directory, `fileset`
//! globbing, `templatefile`, and the lexical path functions.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::limits::ReadError;
use crate::value::Value;

use super::args::{f, fail, Call, Spec, NESTED, PLAIN};
use super::crypto::Hash;
use super::FuncError;

pub(super) const SPECS: &[Spec] = &[
    f("abspath", &["path"], PLAIN, |c| {
        let p = c.str(0)?;
        let joined = if p.starts_with('/') {
            p
        } else {
            format!("{}/{p}", c.ctx.base_dir.to_string_lossy())
        };
        Ok(Value::String(clean(&joined)))
    }),
    f("basename", &["path"], PLAIN, |c| {
        Ok(Value::String(basename(&c.str(0)?)))
    }),
    f("dirname", &["path"], PLAIN, |c| {
        Ok(Value::String(dirname(&c.str(0)?)))
    }),
    f("file", &["path"], PLAIN, |c| {
        let bytes = read(c)?;
        String::from_utf8(bytes).map(Value::String).map_err(|_| {
            c.err(0, format!("contents of {:?} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead.", c.str(0).unwrap_or_default()))
        })
    }),
    f("filebase64", &["path"], PLAIN, |c| {
        Ok(Value::String(STANDARD.encode(read(c)?)))
    }),
    f("filebase64sha256", &["path"], PLAIN, |c| {
        Ok(Value::String(
            STANDARD.encode(Hash::Sha256.digest(&read(c)?)),
        ))
    }),
    f("filebase64sha512", &["path"], PLAIN, |c| {
        Ok(Value::String(
            STANDARD.encode(Hash::Sha512.digest(&read(c)?)),
        ))
    }),
    f("fileexists", &["path"], PLAIN, |c| {
        let p = c.str(0)?;
        match std::fs::metadata(resolve(c, &p)) {
            Ok(m) if m.is_dir() => Err(fail(format!("{p:?} is a directory, not a file."))),
            Ok(m) => Ok(Value::Bool(m.is_file())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
            Err(e) => Err(fail(format!("failed to stat {p:?}: {e}."))),
        }
    }),
    f("filemd5", &["path"], PLAIN, |c| {
        Ok(Value::String(Hash::Md5.hex(&read(c)?)))
    }),
    f("fileset", &["path", "pattern"], PLAIN, fileset),
    f("filesha1", &["path"], PLAIN, |c| {
        Ok(Value::String(Hash::Sha1.hex(&read(c)?)))
    }),
    f("filesha256", &["path"], PLAIN, |c| {
        Ok(Value::String(Hash::Sha256.hex(&read(c)?)))
    }),
    f("filesha512", &["path"], PLAIN, |c| {
        Ok(Value::String(Hash::Sha512.hex(&read(c)?)))
    }),
    f("pathexpand", &["path"], PLAIN, |c| {
        Ok(Value::String(expand_home(&c.str(0)?)))
    }),
    f("templatefile", &["path", "vars"], NESTED, templatefile),
    f(
        "templatestring",
        &["template", "vars"],
        NESTED,
        templatestring,
    ),
];

/// Expands a leading `~` to the home directory, as Terraform's file functions do.
fn expand_home(p: &str) -> String {
    let home = || std::env::var("HOME").ok().filter(|h| !h.is_empty());
    match p.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match home() {
            Some(h) => format!("{h}{rest}"),
            None => p.to_string(),
        },
        _ => p.to_string(),
    }
}

/// The path of a file named in configuration: home-expanded, relative to the root module.
fn resolve(c: &Call, p: &str) -> PathBuf {
    let p = expand_home(p);
    let path = Path::new(&p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        c.ctx.base_dir.join(path)
    }
}

fn read(c: &Call) -> Result<Vec<u8>, FuncError> {
    read_path(c, 0).map(|(_, bytes)| bytes)
}

fn read_path(c: &Call, i: usize) -> Result<(PathBuf, Vec<u8>), FuncError> {
    let p = c.str(i)?;
    let path = resolve(c, &p);
    match crate::limits::read(&path, crate::limits::FUNCTION_FILE) {
        Ok(bytes) => Ok((path, bytes)),
        Err(ReadError::TooLarge(t)) => Err(c.err(
            i,
            format!("cannot read {p:?}: it {}; {}.", t.why(), t.limit.advice),
        )),
        Err(e) if e.is_not_found() => Err(c.err(
            i,
            format!("no file exists at {p:?}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."),
        )),
        Err(e) => Err(c.err(i, format!("failed to read {p:?}: {e}."))),
    }
}

fn fileset(c: &Call) -> Result<Value, FuncError> {
    let (dir, pattern) = (c.str(0)?, c.str(1)?);
    let glob = globset::GlobBuilder::new(&pattern)
        .literal_separator(true)
        .build()
        .map_err(|_| {
            fail(format!(
                "failed to glob pattern {:?}: syntax error in pattern.",
                format!("{dir}/{pattern}")
            ))
        })?
        .compile_matcher();
    let root = resolve(c, &dir);
    let mut found = Vec::new();
    walk(&root, "", &mut |rel| {
        if glob.is_match(rel) {
            found.push(Value::string(rel));
        }
    });
    Ok(Value::set(found))
}

/// Calls `visit` with the slash-separated relative path of every regular file under
/// `dir`; symlinked directories are not followed so cycles cannot loop.
fn walk(dir: &Path, prefix: &str, visit: &mut dyn FnMut(&str)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&entry.path(), &rel, visit);
        } else if std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            visit(&rel);
        }
    }
}

/// The `vars` argument of `templatefile` and `templatestring`, checked as Terraform does.
fn template_vars<'a>(c: &'a Call, i: usize) -> Result<&'a crate::value::ValueMap, FuncError> {
    let vars = match c.arg(i) {
        Value::Map(m) | Value::Object(m) => m,
        _ => return Err(c.err(i, "invalid vars value: must be a map.")),
    };
    for name in vars.keys() {
        let valid = name.chars().next().is_some_and(|ch| ch.is_alphabetic())
            && name
                .chars()
                .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-');
        if !valid {
            return Err(c.err(i, format!("invalid template variable name {name:?}: must start with a letter, followed by zero or more letters, digits, and underscores.")));
        }
    }
    Ok(vars)
}

/// `templatestring(ref, vars)`: a string obtained elsewhere, rendered as a template. The
/// evaluator refuses an inline template as the first argument, as Terraform does.
fn templatestring(c: &Call) -> Result<Value, FuncError> {
    let vars = template_vars(c, 1)?;
    let source = c.str(0)?;
    c.ctx
        .templates
        .render(Path::new("<templatestring argument>"), &source, vars)
        .map_err(fail)
}

fn templatefile(c: &Call) -> Result<Value, FuncError> {
    let vars = template_vars(c, 1)?;
    let (path, bytes) = read_path(c, 0)?;
    let source = String::from_utf8(bytes).map_err(|_| {
        c.err(
            0,
            format!(
                "contents of {:?} are not valid UTF-8.",
                c.str(0).unwrap_or_default()
            ),
        )
    })?;
    c.ctx.templates.render(&path, &source, vars).map_err(fail)
}

/// Go's `filepath.Clean` for slash-separated paths: lexical `.`/`..` resolution.
pub(super) fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Dir`.
fn dirname(p: &str) -> String {
    match p.rfind('/') {
        Some(i) => clean(&p[..=i]),
        None => ".".to_string(),
    }
}

/// Go's `filepath.Base`.
fn basename(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}
