//! Module `source` addresses, parsed as Terraform reads them.
//!
//! The forms, in the order they are tried (as Terraform and go-getter do):
//!
//! - a local path: `./net`, `../shared/net` (and `.`, `..`), cleaned lexically;
//! - a registry address: `[HOST/]NAMESPACE/NAME/SYSTEM[//SUBDIR]` (`hashicorp/consul/aws`,
//!   `app.terraform.io/org/name/aws`), recognised so the caller can say it is not supported;
//! - a git repository: `git::URL[//SUBDIR][?ref=REF&depth=N]` with an `https`, `http`,
//!   `ssh`, `git` or `file` URL or an scp-like `[user@]host:path`; `git@host:path` and the
//!   `github.com/ORG/REPO[//SUBDIR][?ref=REF]` shorthand need no `git::`.
//!
//! Anything else (`s3::`, `hg::`, HTTP archives, `bitbucket.org/...`, bare relative paths
//! without `./`) is a [`SourceError`] saying what galley accepts.

use std::fmt;

/// A parsed module `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    /// A directory relative to the calling module, cleaned (`./a/../b` is `./b`), always
    /// with `/` separators and a leading `./` or `../` (or exactly `.` / `..`).
    Local(String),
    /// A git repository.
    Git(GitSource),
    /// A module registry address, normalised (the default host `registry.terraform.io`
    /// dropped, the host lower-cased). galley does not install from registries.
    Registry(String),
}

/// A module in a git repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GitSource {
    /// The repository URL, normalised: scheme and host lower-case, scp-like addresses
    /// rewritten as `ssh://`, without query string. The key of the repository everywhere.
    pub url: String,
    /// The directory of the module inside the repository (`modules/vpc`), cleaned and
    /// never escaping it; `None` for the repository root.
    pub subdir: Option<String>,
    /// `?ref=`: a tag, branch or commit SHA (full or abbreviated); `None` for the
    /// repository's default branch.
    pub reference: Option<String>,
}

/// Why a `source` string is not one galley can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid module source {raw:?}: {reason}")]
pub struct SourceError {
    /// The `source` as written.
    pub raw: String,
    /// What is wrong and what to write instead.
    pub reason: String,
}

/// The host Terraform assumes for three-part registry addresses.
const DEFAULT_REGISTRY_HOST: &str = "registry.terraform.io";

impl ModuleSource {
    /// Parses a module call's `source` attribute.
    pub fn parse(raw: &str) -> Result<ModuleSource, SourceError> {
        let err = |reason: String| SourceError {
            raw: raw.to_string(),
            reason,
        };
        if raw.is_empty() {
            return Err(err("the source is empty; write a local path such as \"./modules/net\" or a git address such as \"git::https://example.com/net.git\"".into()));
        }
        if raw != raw.trim() {
            return Err(err("it has leading or trailing spaces; remove them".into()));
        }
        if is_local(raw) {
            return Ok(ModuleSource::Local(clean_local(raw)));
        }
        if let Some(registry) = parse_registry(raw).map_err(err)? {
            return Ok(ModuleSource::Registry(registry));
        }
        parse_remote(raw).map(ModuleSource::Git).map_err(err)
    }

    /// True for a local path.
    pub fn is_local(&self) -> bool {
        matches!(self, ModuleSource::Local(_))
    }
}

impl fmt::Display for ModuleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModuleSource::Local(p) => f.write_str(p),
            ModuleSource::Git(g) => g.fmt(f),
            ModuleSource::Registry(r) => f.write_str(r),
        }
    }
}

impl fmt::Display for GitSource {
    /// `git::URL[//SUBDIR][?ref=REF]`: the normalised form, which names the module in the
    /// lock file. `depth` is dropped: it does not change what is installed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "git::{}", self.url)?;
        if let Some(s) = &self.subdir {
            write!(f, "//{s}")?;
        }
        if let Some(r) = &self.reference {
            write!(f, "?ref={}", encode_query_value(r))?;
        }
        Ok(())
    }
}

impl GitSource {
    /// The same module at another ref (a tag chosen by a `version` constraint).
    pub fn with_reference(&self, reference: &str) -> GitSource {
        GitSource {
            reference: Some(reference.to_string()),
            ..self.clone()
        }
    }
}

fn is_local(raw: &str) -> bool {
    raw == "."
        || raw == ".."
        || ["./", "../", ".\\", "..\\"]
            .iter()
            .any(|p| raw.starts_with(p))
}

/// `./a/./b/../c` → `./a/c`, keeping the leading `./` or `../` Terraform keeps.
fn clean_local(raw: &str) -> String {
    let raw = raw.replace('\\', "/");
    let mut out: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." if out.last().is_some_and(|p| *p != "..") => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    match out.first() {
        None => ".".to_string(),
        Some(&"..") => out.join("/"),
        Some(_) => format!("./{}", out.join("/")),
    }
}

/// Splits `//subdir` off a remote address, as go-getter's `SourceDirSubdir`: the `//` of
/// `scheme://` is skipped, and a query after the subdir moves back onto the address.
fn split_subdir(src: &str) -> (String, Option<String>) {
    let stop = src.find('?').unwrap_or(src.len());
    let offset = src[..stop].find("://").map_or(0, |i| i + 3);
    let Some(i) = src[offset..stop].find("//") else {
        return (src.to_string(), None);
    };
    let i = i + offset;
    let mut subdir = src[i + 2..].to_string();
    let mut base = src[..i].to_string();
    if let Some(q) = subdir.find('?') {
        base.push_str(&subdir[q..]);
        subdir.truncate(q);
    }
    (base, Some(subdir))
}

/// Cleans a package subdirectory; `None` for the root, an error when it leaves the package.
fn clean_subdir(subdir: &str) -> Result<Option<String>, String> {
    let mut out: Vec<&str> = Vec::new();
    for part in subdir.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.pop().is_none() {
                    return Err(format!(
                        "the subdirectory \"{subdir}\" leads outside of the module package; a \"//\" subdirectory names a directory inside the repository"
                    ));
                }
            }
            other => out.push(other),
        }
    }
    Ok((!out.is_empty()).then(|| out.join("/")))
}

/// `Ok(Some)` for a registry address, `Ok(None)` for something that is not one (tried as a
/// remote address next), an error for the hosts reserved for version control.
fn parse_registry(raw: &str) -> Result<Option<String>, String> {
    if raw.contains("::") || raw.contains('?') || raw.contains(':') {
        return Ok(None);
    }
    let (base, subdir) = split_subdir(raw);
    let parts: Vec<&str> = base.split('/').collect();
    let (host, rest) = match parts.len() {
        3 => (None, &parts[..]),
        4 => (Some(parts[0]), &parts[1..]),
        _ => return Ok(None),
    };
    if let Some(h) = host {
        if !is_hostname(h) {
            return Ok(None);
        }
        let h = h.to_ascii_lowercase();
        if h == "github.com" || h == "bitbucket.org" {
            return Ok(None);
        }
    }
    if !is_registry_name(rest[0]) || !is_registry_name(rest[1]) || !is_target_system(rest[2]) {
        return Ok(None);
    }
    let subdir = match subdir {
        Some(s) => clean_subdir(&s)?,
        None => None,
    };
    let mut out = String::new();
    if let Some(h) = host.map(str::to_ascii_lowercase) {
        if h != DEFAULT_REGISTRY_HOST {
            out.push_str(&h);
            out.push('/');
        }
    }
    out.push_str(&rest.join("/"));
    if let Some(s) = subdir {
        out.push_str("//");
        out.push_str(&s);
    }
    Ok(Some(out))
}

/// A registry namespace or module name: alphanumerics, `-` and `_` inside, at most 64.
fn is_registry_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

/// A registry target system (`aws`): lower-case alphanumerics, at most 64.
fn is_target_system(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// A DNS name with at least one dot (`app.terraform.io`), optionally with a port.
fn is_hostname(s: &str) -> bool {
    let name = s.split_once(':').map_or(s, |(h, _)| h);
    name.contains('.')
        && name.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        })
}

/// Parses everything that is neither local nor a registry address.
fn parse_remote(raw: &str) -> Result<GitSource, String> {
    let (forced, rest) = match raw.split_once("::") {
        Some((getter, rest)) if !getter.contains('/') && !getter.contains(':') => {
            (Some(getter.to_ascii_lowercase()), rest)
        }
        _ => (None, raw),
    };
    match forced.as_deref() {
        None | Some("git") => {}
        Some(other) => {
            return Err(format!(
                "galley installs modules from local paths and git repositories; \"{other}::\" sources are not supported"
            ))
        }
    }
    if forced.is_some() && rest.is_empty() {
        return Err("\"git::\" must be followed by the repository URL, as in \"git::https://example.com/net.git\"".into());
    }
    let (base, subdir) = split_subdir(rest);
    let subdir = match subdir {
        Some(s) => clean_subdir(&s)?,
        None => None,
    };
    let (address, query) = match base.split_once('?') {
        Some((a, q)) => (a.to_string(), Some(q.to_string())),
        None => (base, None),
    };
    let (url, detected_subdir) = detect(&address, forced.is_some(), raw)?;
    let subdir = match (detected_subdir, subdir) {
        (Some(d), Some(s)) => clean_subdir(&format!("{d}/{s}"))?,
        (Some(d), None) => clean_subdir(&d)?,
        (None, s) => s,
    };
    let reference = match query {
        Some(q) => parse_query(&q)?,
        None => None,
    };
    Ok(GitSource {
        url,
        subdir,
        reference,
    })
}

/// The repository URL of an address (and a subdirectory the GitHub shorthand carries).
fn detect(address: &str, forced: bool, raw: &str) -> Result<(String, Option<String>), String> {
    if let Some(path) = strip_prefix_ci(address, "github.com/") {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() < 2 || parts[0].is_empty() || parts[1].is_empty() {
            return Err("GitHub addresses are written github.com/ORGANIZATION/REPOSITORY".into());
        }
        let repo = parts[1].strip_suffix(".git").unwrap_or(parts[1]);
        let url = format!("https://github.com/{}/{repo}.git", parts[0]);
        let sub = (parts.len() > 2).then(|| parts[2..].join("/"));
        return Ok((url, sub));
    }
    if let Some((scheme, rest)) = address.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        if !forced && scheme != "ssh" {
            let what = if scheme == "http" || scheme == "https" {
                "an HTTP URL (galley does not download archives); for a git repository over HTTPS write \"git::\" before it"
            } else {
                "a URL without \"git::\""
            };
            return Err(format!("it is {what}, as in \"git::{address}\""));
        }
        if !["https", "http", "ssh", "git", "file"].contains(&scheme.as_str()) {
            return Err(format!(
                "git over \"{scheme}://\" is not supported; use an https, http, ssh, git or file URL"
            ));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if scheme != "file" && authority.is_empty() {
            return Err(format!("the {scheme} URL has no host"));
        }
        if path.is_empty() || path == "/" {
            return Err("the URL names no repository path".into());
        }
        let authority = lower_host(authority);
        let path = path.trim_end_matches('/');
        return Ok((format!("{scheme}://{authority}{path}"), None));
    }
    if let Some((user_host, path)) = scp_like(address) {
        if forced || user_host.starts_with("git@") {
            let path = path.trim_start_matches('/').trim_end_matches('/');
            if path.is_empty() {
                return Err("the scp-like address names no repository path".into());
            }
            return Ok((format!("ssh://{}/{path}", lower_host(user_host)), None));
        }
    }
    if strip_prefix_ci(address, "bitbucket.org/").is_some() {
        return Err("the bitbucket.org shorthand is not supported; write \"git::https://bitbucket.org/ORG/REPO.git\"".into());
    }
    if address.starts_with('/') {
        return Err(format!(
            "galley does not install modules from absolute paths; use a path relative to the calling module (\"./...\") or \"git::file://{address}\" for a git repository"
        ));
    }
    if forced {
        return Err(format!(
            "\"{address}\" is not a git URL; write an https, ssh or file URL (\"git::https://example.com/net.git\") or an scp-like address (\"git::git@example.com:org/net.git\")"
        ));
    }
    Err(format!(
        "galley cannot tell how to install it. If it is a path relative to the current module, write \"./{}\"; the \"./\" prefix marks a local path. A git repository is written \"git::URL\", a registry module \"NAMESPACE/NAME/SYSTEM\"",
        raw.trim_start_matches('/')
    ))
}

/// `user@host:path` (no `/` before the `:`, not a drive letter).
fn scp_like(address: &str) -> Option<(&str, &str)> {
    let (user_host, path) = address.split_once(':')?;
    if user_host.is_empty() || user_host.contains('/') || user_host.len() == 1 {
        return None;
    }
    Some((user_host, path))
}

/// The host of `[user@]host[:port]` lower-cased, the user kept as written.
fn lower_host(authority: &str) -> String {
    match authority.rsplit_once('@') {
        Some((user, host)) => format!("{user}@{}", host.to_ascii_lowercase()),
        None => authority.to_ascii_lowercase(),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

/// The `ref` of a query string; `depth` is accepted and ignored; anything else is refused.
fn parse_query(query: &str) -> Result<Option<String>, String> {
    let mut reference = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode_query_value(value)?;
        match key {
            "ref" => {
                if value.is_empty() {
                    return Err("\"ref=\" is empty; name a tag, branch or commit, or leave ref out for the default branch".into());
                }
                if reference.replace(value).is_some() {
                    return Err("\"ref\" is given more than once".into());
                }
            }
            "depth" => {
                if value.parse::<u32>().is_err() {
                    return Err(format!("\"depth={value}\" is not a whole number"));
                }
            }
            other => {
                return Err(format!(
                    "the query argument \"{other}\" is not supported; galley reads \"ref\" (and accepts \"depth\")"
                ))
            }
        }
    }
    Ok(reference)
}

fn decode_query_value(v: &str) -> Result<String, String> {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = v
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("\"{v}\" has a malformed %-escape"))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("\"{v}\" does not decode to UTF-8 text"))
}

fn encode_query_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(s: &str) -> GitSource {
        match ModuleSource::parse(s) {
            Ok(ModuleSource::Git(g)) => g,
            other => panic!("{s}: {other:?}"),
        }
    }

    fn err(s: &str) -> String {
        match ModuleSource::parse(s) {
            Err(e) => e.to_string(),
            Ok(other) => panic!("{s} parsed as {other:?}"),
        }
    }

    fn norm(s: &str) -> String {
        match ModuleSource::parse(s) {
            Ok(m) => m.to_string(),
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn local_paths_are_cleaned() {
        assert_eq!(
            ModuleSource::parse("./consul").ok(),
            Some(ModuleSource::Local("./consul".into()))
        );
        assert_eq!(norm("../shared//net/"), "../shared/net");
        assert_eq!(norm("./a/./b/../c"), "./a/c");
        assert_eq!(norm("./a/../../b"), "../b");
        assert_eq!(norm("."), ".");
        assert_eq!(norm(".."), "..");
        assert_eq!(norm("./"), ".");
        assert!(ModuleSource::parse("../x").is_ok_and(|m| m.is_local()));
    }

    #[test]
    fn registry_addresses_are_recognised() {
        assert_eq!(
            ModuleSource::parse("hashicorp/consul/aws").ok(),
            Some(ModuleSource::Registry("hashicorp/consul/aws".into()))
        );
        assert_eq!(
            norm("app.terraform.io/example-corp/k8s-cluster/azurerm"),
            "app.terraform.io/example-corp/k8s-cluster/azurerm"
        );
        assert_eq!(
            norm("Registry.Terraform.io/hashicorp/consul/aws//modules/consul-cluster"),
            "hashicorp/consul/aws//modules/consul-cluster"
        );
        // github.com is reserved for version control: the shorthand, not a registry.
        assert_eq!(
            norm("github.com/hashicorp/example/aws"),
            "git::https://github.com/hashicorp/example.git//aws"
        );
        assert!(err("hashicorp/consul/aws//../x").contains("outside of the module package"));
    }

    #[test]
    fn git_https_with_subdir_and_ref() {
        // Terraform's documented examples.
        let g = git("git::https://example.com/vpc.git");
        assert_eq!(g.url, "https://example.com/vpc.git");
        assert_eq!((g.subdir, g.reference), (None, None));
        let g = git("git::https://example.com/network.git//modules/vpc?ref=v1.2.0");
        assert_eq!(g.url, "https://example.com/network.git");
        assert_eq!(g.subdir.as_deref(), Some("modules/vpc"));
        assert_eq!(g.reference.as_deref(), Some("v1.2.0"));
        let g =
            git("git::https://example.com/vpc.git?ref=51d462976d84fdea54b47d80dcabbf680badcdb8");
        assert_eq!(
            g.reference.as_deref(),
            Some("51d462976d84fdea54b47d80dcabbf680badcdb8")
        );
        assert_eq!(
            norm("git::https://example.com/vpc.git?depth=1&ref=v1.2.0"),
            "git::https://example.com/vpc.git?ref=v1.2.0"
        );
        assert_eq!(
            norm("git::HTTPS://Example.COM/Org/vpc.git/"),
            "git::https://example.com/Org/vpc.git"
        );
        assert_eq!(
            norm("git::https://example.com/x.git?ref=feature%2Fa"),
            "git::https://example.com/x.git?ref=feature/a"
        );
    }

    #[test]
    fn git_ssh_and_scp_like() {
        assert_eq!(
            git("git::ssh://username@example.com/storage.git").url,
            "ssh://username@example.com/storage.git"
        );
        assert_eq!(
            git("git::username@example.com:storage.git").url,
            "ssh://username@example.com/storage.git"
        );
        let g = git("git@github.com:hashicorp/example.git//sub?ref=v1");
        assert_eq!(g.url, "ssh://git@github.com/hashicorp/example.git");
        assert_eq!(g.subdir.as_deref(), Some("sub"));
        assert_eq!(g.reference.as_deref(), Some("v1"));
        assert_eq!(
            norm("git::git@github.com:org/repo.git"),
            "git::ssh://git@github.com/org/repo.git"
        );
    }

    #[test]
    fn git_file_urls() {
        let g = git("git::file:///srv/repos/net.git//modules/a?ref=main");
        assert_eq!(g.url, "file:///srv/repos/net.git");
        assert_eq!(g.subdir.as_deref(), Some("modules/a"));
        assert_eq!(g.reference.as_deref(), Some("main"));
    }

    #[test]
    fn github_shorthand() {
        assert_eq!(
            norm("github.com/hashicorp/example"),
            "git::https://github.com/hashicorp/example.git"
        );
        let g = git("github.com/org/repo//modules/x?ref=v2.0.0");
        assert_eq!(g.url, "https://github.com/org/repo.git");
        assert_eq!(g.subdir.as_deref(), Some("modules/x"));
        assert_eq!(g.reference.as_deref(), Some("v2.0.0"));
        assert_eq!(
            norm("github.com/org/repo.git?ref=v1"),
            "git::https://github.com/org/repo.git?ref=v1"
        );
        assert!(err("github.com/org").contains("github.com/ORGANIZATION/REPOSITORY"));
    }

    #[test]
    fn subdirs_are_cleaned_and_cannot_escape() {
        assert_eq!(
            norm("git::https://example.com/x.git//a/./b/../c"),
            "git::https://example.com/x.git//a/c"
        );
        assert_eq!(
            norm("git::https://example.com/x.git//."),
            "git::https://example.com/x.git"
        );
        let e = err("git::https://example.com/x.git//../y");
        assert!(e.contains("outside of the module package"), "{e}");
        assert!(err("git::https://example.com/x.git//a/../../y").contains("outside"));
    }

    #[test]
    fn errors_say_what_to_write() {
        assert!(err("git::").contains("followed by the repository URL"));
        assert!(err("").contains("empty"));
        assert!(err("modules/vpc").contains("\"./modules/vpc\""));
        assert!(err("https://example.com/vpc-module.zip").contains("git::"));
        assert!(err("s3::https://s3.amazonaws.com/bucket/vpc.zip").contains("\"s3::\""));
        assert!(err("hg::http://example.com/vpc.hg").contains("not supported"));
        assert!(err("bitbucket.org/hashicorp/terraform-consul-aws").contains("bitbucket"));
        assert!(err("/abs/module").contains("absolute paths"));
        assert!(err("git::https://example.com/x.git?ref=").contains("empty"));
        assert!(err("git::https://example.com/x.git?ref=a&ref=b").contains("more than once"));
        assert!(err("git::https://example.com/x.git?sshkey=abc").contains("\"sshkey\""));
        assert!(err("git::https://example.com/x.git?depth=x").contains("whole number"));
        assert!(err("git::ftp://example.com/x.git").contains("ftp"));
        assert!(err("git::https:///x.git").contains("no host"));
        assert!(err("git::https://example.com").contains("no repository path"));
        assert!(err("git::not-a-url").contains("not a git URL"));
        assert!(err(" ./x").contains("spaces"));
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "./net",
            "../a/b",
            "hashicorp/consul/aws",
            "app.terraform.io/org/name/aws//sub",
            "git::https://example.com/network.git//modules/vpc?ref=v1.2.0",
            "git::ssh://git@github.com/org/repo.git",
            "git::file:///srv/r.git?ref=feature/x",
            "git::https://example.com/x.git?ref=a%20b",
        ] {
            assert_eq!(norm(s), s);
            assert_eq!(norm(&norm(s)), s);
        }
    }
}
