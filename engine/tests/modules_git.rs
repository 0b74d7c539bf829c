//! Git module sources end to end: bare repositories made with git2 in temporary
//! directories, used through `file://` URLs. No network.

use std::collections::BTreeMap;
use std::path::Path;

use engine::modules::{
    Constraints, FetchError, GitSource, LockEntry, LockFile, ModuleCache, ModuleSource, RefKind,
};
use git2::{Oid, Repository, Signature, Time};

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A bare repository and the commits made in it.
struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    repo: Repository,
    /// c1: tagged v1.0.0 (lightweight); c2: main, tagged v1.1.0 (annotated);
    /// c3: branch dev, tagged v2.0.0.
    c: Vec<Oid>,
}

fn sig() -> Result<Signature<'static>, git2::Error> {
    Signature::new(
        "galley test",
        "test@example.com",
        &Time::new(1_700_000_000, 0),
    )
}

/// Writes a tree of `files` (`a/b.tf` → text), nested trees made as needed.
fn tree(repo: &Repository, files: &BTreeMap<&str, &str>) -> Result<Oid, git2::Error> {
    let mut here = repo.treebuilder(None)?;
    let mut subdirs: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for (path, text) in files {
        match path.split_once('/') {
            Some((dir, rest)) => {
                subdirs.entry(dir).or_default().insert(rest, text);
            }
            None => {
                let blob = repo.blob(text.as_bytes())?;
                here.insert(path, blob, 0o100644)?;
            }
        }
    }
    for (dir, files) in subdirs {
        let sub = tree(repo, &files)?;
        here.insert(dir, sub, 0o040000)?;
    }
    here.write()
}

fn commit(
    repo: &Repository,
    files: &BTreeMap<&str, &str>,
    parent: Option<Oid>,
    msg: &str,
) -> Result<Oid, git2::Error> {
    let t = repo.find_tree(tree(repo, files)?)?;
    let parents = match parent {
        Some(p) => vec![repo.find_commit(p)?],
        None => vec![],
    };
    let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    repo.commit(None, &sig()?, &sig()?, msg, &t, &refs)
}

fn fixture() -> Res<Fixture> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("net.git");
    let repo = Repository::init_bare(&path)?;
    let mut files = BTreeMap::from([
        ("main.tf", "# root\n"),
        ("modules/vpc/main.tf", "variable \"cidr\" {}\n"),
    ]);
    let c1 = commit(&repo, &files, None, "one")?;
    files.insert(
        "modules/vpc/main.tf",
        "variable \"cidr\" { default = \"10.0.0.0/16\" }\n",
    );
    let c2 = commit(&repo, &files, Some(c1), "two")?;
    files.insert("modules/dns/main.tf", "# dns\n");
    let c3 = commit(&repo, &files, Some(c2), "three")?;
    repo.reference("refs/heads/main", c2, true, "main")?;
    repo.reference("refs/heads/dev", c3, true, "dev")?;
    repo.set_head("refs/heads/main")?;
    repo.tag_lightweight("v1.0.0", &repo.find_object(c1, None)?, false)?;
    repo.tag(
        "v1.1.0",
        &repo.find_object(c2, None)?,
        &sig()?,
        "release",
        false,
    )?;
    repo.tag_lightweight("v2.0.0", &repo.find_object(c3, None)?, false)?;
    repo.tag_lightweight("not-a-version", &repo.find_object(c3, None)?, false)?;
    Ok(Fixture {
        _dir: dir,
        path,
        repo,
        c: vec![c1, c2, c3],
    })
}

impl Fixture {
    fn url(&self) -> String {
        format!("file://{}", self.path.display())
    }

    /// The module source `git::file://...` plus `rest` (`//sub?ref=x`).
    fn source(&self, rest: &str) -> Res<GitSource> {
        match ModuleSource::parse(&format!("git::{}{rest}", self.url()))? {
            ModuleSource::Git(g) => Ok(g),
            other => Err(format!("not git: {other:?}").into()),
        }
    }
}

fn cache() -> Res<(tempfile::TempDir, ModuleCache)> {
    let work = tempfile::tempdir()?;
    let cache = ModuleCache::new(work.path().join(".galley/modules"));
    Ok((work, cache))
}

#[test]
fn resolves_tags_branches_shas_and_the_default_branch() -> Res {
    let f = fixture()?;
    let (_w, cache) = cache()?;
    let [c1, c2, c3] = [f.c[0].to_string(), f.c[1].to_string(), f.c[2].to_string()];
    let r = cache.resolve(&f.source("")?)?;
    assert_eq!(
        (r.commit, r.kind),
        (c2.clone(), RefKind::DefaultBranch("main".into()))
    );
    let r = cache.resolve(&f.source("?ref=v1.0.0")?)?;
    assert_eq!(
        (r.commit, r.kind),
        (c1.clone(), RefKind::Tag("v1.0.0".into()))
    );
    // Annotated: peeled to the commit, not the tag object.
    let r = cache.resolve(&f.source("?ref=v1.1.0")?)?;
    assert_eq!(
        (r.commit, r.kind),
        (c2.clone(), RefKind::Tag("v1.1.0".into()))
    );
    let r = cache.resolve(&f.source("?ref=dev")?)?;
    assert_eq!(
        (r.commit, r.kind),
        (c3.clone(), RefKind::Branch("dev".into()))
    );
    let r = cache.resolve(&f.source(&format!("?ref={c1}"))?)?;
    assert_eq!((r.commit, r.kind), (c1.clone(), RefKind::Commit));
    let r = cache.resolve(&f.source(&format!("?ref={}", &c3[..9]))?)?;
    assert_eq!((r.commit, r.kind), (c3.clone(), RefKind::Commit));
    let r = cache.resolve(&f.source("?ref=refs/heads/dev")?)?;
    assert_eq!(r.commit, c3);
    Ok(())
}

#[test]
fn installs_once_and_reuses_the_checkout() -> Res {
    let f = fixture()?;
    let (_w, cache) = cache()?;
    let first = cache.install(&f.source("//modules/vpc?ref=v1.1.0")?)?;
    assert_eq!(first.commit, f.c[1].to_string());
    assert!(first.checkout.starts_with(cache.root()));
    assert_eq!(first.dir, first.checkout.join("modules/vpc"));
    let text = std::fs::read_to_string(first.dir.join("main.tf"))?;
    assert!(text.contains("10.0.0.0/16"), "{text}");
    assert!(first.hash.starts_with("h1:"));
    // A marker left in the checkout survives: the second install does not rewrite it.
    std::fs::write(first.checkout.join("marker"), "x")?;
    let again = cache.install(&f.source("//modules/vpc?ref=v1.1.0")?)?;
    assert_eq!(again.checkout, first.checkout);
    assert!(again.checkout.join("marker").is_file());
    // Another subdirectory (and another name for the same commit) shares it.
    let root = cache.install(&f.source("?ref=main")?)?;
    assert_eq!(root.checkout, first.checkout);
    assert_eq!(root.dir, root.checkout);
    // No temporary directories are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(cache.root())?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".checkout-"))
        .collect();
    assert!(leftovers.is_empty());
    // Another commit is another checkout.
    let other = cache.install(&f.source("//modules/vpc?ref=v1.0.0")?)?;
    assert_ne!(other.checkout, first.checkout);
    assert_ne!(other.hash, content_hash_of(&first.checkout)?);
    Ok(())
}

fn content_hash_of(dir: &Path) -> Res<String> {
    Ok(engine::modules::content_hash(dir)?)
}

#[test]
fn a_moved_tag_is_caught_by_the_lock_file() -> Res {
    let f = fixture()?;
    let (w, cache) = cache()?;
    let src = f.source("//modules/vpc?ref=v1.0.0")?;
    let resolved = cache.resolve(&src)?;
    let installed = cache.install(&src)?;
    let mut lock = LockFile::default();
    lock.modules.insert(
        src.to_string(),
        LockEntry::from_installed(&installed, Some(&resolved.kind), None),
    );
    lock.write(w.path())?;
    let lock = LockFile::read(w.path())?;
    let entry = lock.modules.get(&src.to_string()).ok_or("no entry")?;
    assert_eq!(entry.reference.as_deref(), Some("v1.0.0"));
    entry.check_commit(&src.to_string(), &cache.resolve(&src)?)?;

    // Someone moves v1.0.0 to the third commit.
    f.repo
        .tag_lightweight("v1.0.0", &f.repo.find_object(f.c[2], None)?, true)?;
    let now = cache.resolve(&src)?;
    assert_eq!(now.commit, f.c[2].to_string());
    let err = entry
        .check_commit(&src.to_string(), &now)
        .err()
        .ok_or("a moved tag passed")?
        .to_string();
    assert!(err.contains("tag \"v1.0.0\""), "{err}");
    assert!(err.contains(&f.c[0].to_string()), "{err}");
    assert!(err.contains("galley init -upgrade"), "{err}");
    // The locked commit still installs as it was.
    let locked = cache.install_locked(&src, &entry.commit, None)?;
    entry.check_hash(&src.to_string(), &locked)?;
    Ok(())
}

#[test]
fn an_edited_checkout_fails_the_hash_check() -> Res {
    let f = fixture()?;
    let (_w, cache) = cache()?;
    let src = f.source("//modules/vpc?ref=v1.1.0")?;
    let installed = cache.install(&src)?;
    let entry = LockEntry::from_installed(&installed, None, None);
    std::fs::write(installed.dir.join("main.tf"), "# changed\n")?;
    let again = cache.install_locked(&src, &entry.commit, None)?;
    let err = entry
        .check_hash(&src.to_string(), &again)
        .err()
        .ok_or("an edited file passed")?
        .to_string();
    assert!(err.contains("tampering"), "{err}");
    assert!(err.contains(&installed.hash), "{err}");
    Ok(())
}

#[test]
fn a_locked_install_needs_no_repository_once_checked_out() -> Res {
    let f = fixture()?;
    let (_w, cache) = cache()?;
    let src = f.source("//modules/vpc?ref=v1.1.0")?;
    let installed = cache.install(&src)?;
    let commit = installed.commit.clone();
    let url = f.url();
    drop(f);
    let offline = cache.install_locked(&src, &commit, None)?;
    assert_eq!(offline.hash, installed.hash);
    // A commit not checked out yet needs the repository, and says so.
    let other = "0123456789012345678901234567890123456789";
    let err = cache
        .install_locked(&src, other, None)
        .err()
        .ok_or("no error")?;
    assert!(matches!(err, FetchError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains(&url), "{err}");
    Ok(())
}

#[test]
fn missing_ref_subdir_and_repository_are_clear_errors() -> Res {
    let f = fixture()?;
    let (_w, cache) = cache()?;
    let err = cache
        .install(&f.source("?ref=v9.9.9")?)
        .err()
        .ok_or("no error")?
        .to_string();
    assert!(err.contains("\"v9.9.9\""), "{err}");
    assert!(err.contains("v1.0.0") && err.contains("v2.0.0"), "{err}");
    assert!(err.contains("main") && err.contains("dev"), "{err}");

    let err = cache
        .install(&f.source("//modules/nope?ref=v1.0.0")?)
        .err()
        .ok_or("no error")?;
    assert!(matches!(err, FetchError::MissingSubdir { .. }), "{err}");
    assert!(err.to_string().contains("\"modules/nope\""), "{err}");

    let gone = GitSource {
        url: format!("{}-missing", f.url()),
        subdir: None,
        reference: None,
    };
    let err = cache.install(&gone).err().ok_or("no error")?;
    assert!(matches!(err, FetchError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("-missing"), "{err}");
    assert!(err.to_string().contains("git clone"), "{err}");
    Ok(())
}

#[test]
fn a_version_constraint_picks_the_newest_matching_tag() -> Res {
    let f = fixture()?;
    let (_w, cache) = cache()?;
    let src = f.source("//modules/vpc")?;
    let installed = cache.install_version(&src, &Constraints::parse("~> 1.0")?)?;
    assert_eq!(installed.source.reference.as_deref(), Some("v1.1.0"));
    assert_eq!(installed.commit, f.c[1].to_string());
    assert_eq!(
        installed
            .version
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("1.1.0")
    );
    let installed = cache.install_version(&src, &Constraints::parse(">= 1.0")?)?;
    assert_eq!(installed.commit, f.c[2].to_string());
    let installed = cache.install_version(&src, &Constraints::parse("< 1.1")?)?;
    assert_eq!(installed.commit, f.c[0].to_string());

    let err = cache
        .install_version(&src, &Constraints::parse(">= 3")?)
        .err()
        .ok_or("no error")?
        .to_string();
    assert!(err.contains("1.0.0, 1.1.0, 2.0.0"), "{err}");
    let err = cache
        .install_version(&f.source("?ref=main")?, &Constraints::parse(">= 1")?)
        .err()
        .ok_or("no error")?;
    assert!(matches!(err, FetchError::RefAndVersion { .. }), "{err}");
    Ok(())
}

/// The root module of a stack calling the fixture's `modules/vpc` twice: pinned by tag,
/// and by a version constraint.
fn stack(f: &Fixture) -> Res<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    let url = f.url();
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            r#"module "pinned" {{
  source = "git::{url}//modules/vpc?ref=v1.1.0"
}}

module "latest_1x" {{
  source  = "git::{url}//modules/vpc"
  version = "~> 1.0"
}}
"#
        ),
    )?;
    Ok(dir)
}

fn summaries(d: &engine::diag::Diagnostics) -> Vec<String> {
    d.iter().map(|d| d.summary.clone()).collect()
}

#[test]
fn the_loader_uses_only_locked_modules_and_init_writes_the_lock() -> Res {
    let f = fixture()?;
    let dir = stack(&f)?;
    let sources = engine::diag::SourceMap::new();

    // Before init: each git call is an error naming `galley init`.
    let (_, diags) = engine::config::load_config(dir.path(), &sources);
    assert_eq!(
        summaries(&diags),
        ["Module not installed", "Module not installed"]
    );
    assert!(diags.iter().all(|d| d
        .detail
        .as_deref()
        .is_some_and(|t| t.contains("galley init"))));

    // init: resolves, fetches, records (the constraint picks v1.1.0, the newest 1.x).
    let (config, diags, lock) = engine::config::install_modules(dir.path(), &sources, false);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    assert_eq!(config.children.len(), 2);
    assert_eq!(lock.modules.len(), 2);
    let c2 = f.c[1].to_string();
    assert!(lock.modules.values().all(|e| e.commit == c2), "{lock:?}");
    lock.write(dir.path())?;

    // Then plan/apply load from the lock, offline: the repository can be gone.
    drop(f);
    let (config, diags) = engine::config::load_config(dir.path(), &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    let child = &config.children["pinned"].module;
    assert!(child.variables.contains_key("cidr"));
    assert!(
        child.dir.starts_with(dir.path().join(".galley/modules")),
        "{}",
        child.dir.display()
    );
    Ok(())
}

#[test]
fn init_refuses_a_moved_tag_until_upgrade() -> Res {
    let f = fixture()?;
    let dir = stack(&f)?;
    let sources = engine::diag::SourceMap::new();
    let (_, diags, lock) = engine::config::install_modules(dir.path(), &sources, false);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    lock.write(dir.path())?;

    // Someone moves v1.1.0 to the dev branch's commit.
    f.repo
        .tag_lightweight("v1.1.0", &f.repo.find_object(f.c[2], None)?, true)?;
    let (_, diags, _) = engine::config::install_modules(dir.path(), &sources, false);
    let text = diags.render(&sources);
    assert!(diags.has_errors(), "{text}");
    assert!(
        diags.iter().any(|d| d.detail.as_deref().is_some_and(|t| t
            .contains("now points to commit")
            && t.contains("galley init -upgrade"))),
        "{text}"
    );

    let (_, diags, lock) = engine::config::install_modules(dir.path(), &sources, true);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    let pinned = lock
        .modules
        .iter()
        .find(|(k, _)| k.ends_with("?ref=v1.1.0"))
        .map(|(_, e)| e.commit.clone());
    assert_eq!(pinned, Some(f.c[2].to_string()), "-upgrade moves the pin");
    Ok(())
}

/// A bare repository `name.git` in `dir` with one commit of `files`, on `main`, tagged
/// `v1.0.0`; its `file://` URL.
fn bare(dir: &Path, name: &str, files: &BTreeMap<&str, &str>) -> Res<String> {
    let path = dir.join(format!("{name}.git"));
    let repo = Repository::init_bare(&path)?;
    let c = commit(&repo, files, None, "one")?;
    repo.reference("refs/heads/main", c, true, "main")?;
    repo.set_head("refs/heads/main")?;
    repo.tag_lightweight("v1.0.0", &repo.find_object(c, None)?, false)?;
    Ok(format!("file://{}", path.display()))
}

/// `galley init` of a root module whose `main.tf` is `root`.
fn init(root: &str) -> Res<(tempfile::TempDir, engine::diag::Diagnostics, String)> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("main.tf"), root)?;
    let sources = engine::diag::SourceMap::new();
    let (_, diags, _) = engine::config::install_modules(dir.path(), &sources, false);
    let text = diags.render(&sources);
    Ok((dir, diags, text))
}

#[test]
fn a_syntax_error_in_a_fetched_module_points_into_its_file() -> Res {
    let repos = tempfile::tempdir()?;
    let url = bare(
        repos.path(),
        "net",
        &BTreeMap::from([("vpc/main.tf", "variable \"cidr\" {\n  default = [1,\n}\n")]),
    )?;
    let (_dir, diags, text) = init(&format!(
        "module \"vpc\" {{\n  source = \"git::{url}//vpc?ref=v1.0.0\"\n}}\n"
    ))?;
    assert!(diags.has_errors(), "{text}");
    // file:line:column inside the checkout, and the offending line.
    let at = text
        .lines()
        .find(|l| l.contains(".galley/modules/") && l.contains("/vpc/main.tf:"))
        .ok_or_else(|| format!("no location in the fetched file:\n{text}"))?;
    assert!(
        at.contains("main.tf:3:") || at.contains("main.tf:2:"),
        "{at}"
    );
    assert!(text.contains("default = [1,"), "{text}");
    Ok(())
}

#[test]
fn module_calls_that_loop_across_repositories_are_a_cycle() -> Res {
    let repos = tempfile::tempdir()?;
    let a_url = format!("file://{}", repos.path().join("a.git").display());
    let b_url = bare(
        repos.path(),
        "b",
        &BTreeMap::from([(
            "main.tf",
            format!("module \"back\" {{\n  source = \"git::{a_url}?ref=v1.0.0\"\n}}\n").as_str(),
        )]),
    )?;
    bare(
        repos.path(),
        "a",
        &BTreeMap::from([(
            "main.tf",
            format!("module \"on\" {{\n  source = \"git::{b_url}?ref=v1.0.0\"\n}}\n").as_str(),
        )]),
    )?;
    let (_dir, diags, text) = init(&format!(
        "module \"a\" {{\n  source = \"git::{a_url}?ref=v1.0.0\"\n}}\n"
    ))?;
    let cycle = diags
        .iter()
        .find(|d| d.summary == "Module call cycle")
        .ok_or_else(|| format!("no cycle reported:\n{text}"))?;
    assert!(cycle.span.is_some(), "{text}");
    assert!(
        text.contains("module \"back\""),
        "the call that closes the loop:\n{text}"
    );
    Ok(())
}

#[test]
fn a_relative_source_may_not_leave_the_repository() -> Res {
    let repos = tempfile::tempdir()?;
    let url = bare(
        repos.path(),
        "lib",
        &BTreeMap::from([
            (
                "modules/a/main.tf",
                "module \"b\" {\n  source = \"../b\"\n}\n",
            ),
            ("modules/b/main.tf", "variable \"x\" {\n  default = 1\n}\n"),
            (
                "modules/c/main.tf",
                "module \"up\" {\n  source = \"../../../../../escape\"\n}\n",
            ),
        ]),
    )?;
    let (_dir, diags, text) = init(&format!(
        "module \"a\" {{\n  source = \"git::{url}//modules/a?ref=v1.0.0\"\n}}\n"
    ))?;
    assert!(
        !diags.has_errors(),
        "a sibling in the same repository is fine:\n{text}"
    );
    let (_dir, diags, text) = init(&format!(
        "module \"c\" {{\n  source = \"git::{url}//modules/c?ref=v1.0.0\"\n}}\n"
    ))?;
    assert_eq!(
        summaries(&diags),
        ["Module source outside its repository"],
        "{text}"
    );
    assert!(text.contains("../../../../../escape"), "{text}");
    Ok(())
}

#[test]
fn one_source_with_two_version_constraints_is_refused() -> Res {
    let f = fixture()?;
    let url = f.url();
    let (_dir, diags, text) = init(&format!(
        r#"module "one" {{
  source  = "git::{url}//modules/vpc"
  version = "~> 1.0"
}}

module "two" {{
  source = "git::{url}//modules/vpc"
}}
"#
    ))?;
    assert_eq!(
        summaries(&diags),
        ["Conflicting module version constraints"],
        "{text}"
    );
    let detail = diags
        .iter()
        .find_map(|d| d.detail.clone())
        .unwrap_or_default();
    assert!(
        detail.contains("with no version here and with version \"~> 1.0\" by module \"one\""),
        "{detail}"
    );
    Ok(())
}

#[test]
fn https_and_ssh_transports_are_built_in() -> Res {
    // A port nothing listens on: each transport must try to connect (a build without it
    // would say the URL's protocol is unsupported).
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    drop(listener);
    let (_w, cache) = cache()?;
    for url in [
        format!("https://127.0.0.1:{port}/net.git"),
        format!("ssh://git@127.0.0.1:{port}/net.git"),
    ] {
        let source = GitSource {
            url: url.clone(),
            subdir: None,
            reference: None,
        };
        let err = cache.install(&source).err().ok_or("no error")?;
        assert!(matches!(err, FetchError::Unreachable { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains(&url), "{text}");
        assert!(
            !text.to_lowercase().contains("unsupported"),
            "{url}: the transport is missing: {text}"
        );
    }
    Ok(())
}
