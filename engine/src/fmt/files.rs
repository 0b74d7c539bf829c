//! Applies formatting to files and directories with `terraform fmt`'s options and output.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::{format_source, FmtError};

/// File name endings that `fmt` processes in a directory.
const SUPPORTED_EXTS: &[&str] = &[
    ".tf",
    ".tfvars",
    ".tftest.hcl",
    ".tfmock.hcl",
    ".kitchen.hcl",
];

/// The command-line switches of `fmt`. The CLI's defaults are `list` and `write` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FmtOptions {
    /// Only check: write nothing, list files that need formatting (if `list`), and let the
    /// caller exit with status 3 when there are any.
    pub check: bool,
    /// Print a unified diff of each change.
    pub diff: bool,
    /// Also process subdirectories.
    pub recursive: bool,
    /// Write formatted files in place.
    pub write: bool,
    /// Print the names of files whose formatting differs.
    pub list: bool,
}

impl Default for FmtOptions {
    fn default() -> Self {
        FmtOptions {
            check: false,
            diff: false,
            recursive: false,
            write: true,
            list: true,
        }
    }
}

/// What `run` did.
#[derive(Debug, Default)]
pub struct FmtOutcome {
    /// Files whose formatting differs (and were rewritten, if writing), as displayed.
    pub changed: Vec<PathBuf>,
    /// Files that could not be processed (syntax errors, unreadable or unsupported files).
    /// These are left untouched; the others are still processed.
    pub errors: Vec<FmtError>,
}

impl FmtOutcome {
    /// The exit status `terraform fmt` would use: 2 on errors, 3 when checking finds files to
    /// format, else 0.
    pub fn exit_code(&self, opts: &FmtOptions) -> i32 {
        if !self.errors.is_empty() {
            2
        } else if opts.check && !self.changed.is_empty() {
            3
        } else {
            0
        }
    }
}

/// Formats the given files and directories (the current directory when `paths` is empty),
/// printing to `out` what `terraform fmt` prints. Fails only when a path does not exist (which
/// stops processing, as in Terraform; exit status 2) or `out` cannot be written; per-file
/// problems are collected in the outcome.
pub fn run(
    paths: &[PathBuf],
    opts: &FmtOptions,
    out: &mut dyn Write,
) -> Result<FmtOutcome, FmtError> {
    let cwd = std::env::current_dir().map_err(|source| FmtError::Io {
        action: "Failed to read the working directory",
        path: PathBuf::from("."),
        source,
    })?;
    run_in(&cwd, paths, opts, out)
}

/// [`run`] with an explicit working directory, which relative paths and displayed names are
/// resolved against.
pub fn run_in(
    cwd: &Path,
    paths: &[PathBuf],
    opts: &FmtOptions,
    out: &mut dyn Write,
) -> Result<FmtOutcome, FmtError> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut fmt = Formatter {
        cwd,
        opts: FmtOptions {
            // -check lists into a buffer to find out whether anything changed, and never writes.
            list: opts.list || opts.check,
            write: opts.write && !opts.check,
            ..*opts
        },
        buffer: Vec::new(),
        outcome: FmtOutcome::default(),
    };
    for path in paths {
        let display = normalize(cwd, path);
        let full = cwd.join(path);
        let Ok(meta) = std::fs::metadata(&full) else {
            fmt.flush(opts, out)?;
            return Err(FmtError::NotFound(display));
        };
        if meta.is_dir() {
            fmt.dir(&full, &display);
        } else if is_supported(&display.to_string_lossy()) {
            fmt.file(&full, display);
        } else {
            fmt.outcome.errors.push(FmtError::Unsupported(display));
        }
    }
    fmt.flush(opts, out)?;
    Ok(fmt.outcome)
}

fn is_supported(name: &str) -> bool {
    SUPPORTED_EXTS.iter().any(|ext| name.ends_with(ext))
}

/// Editor swap files and hidden files, which Terraform never reads.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

/// The path as Terraform displays it: relative to the working directory, lexically cleaned.
fn normalize(cwd: &Path, path: &Path) -> PathBuf {
    let abs = clean(&cwd.join(path));
    let cwd = clean(cwd);
    let a: Vec<_> = abs.components().collect();
    let b: Vec<_> = cwd.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return abs;
    }
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &a[common..] {
        rel.push(c.as_os_str());
    }
    if rel.as_os_str().is_empty() {
        rel.push(".");
    }
    rel
}

fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

struct Formatter<'a> {
    cwd: &'a Path,
    opts: FmtOptions,
    /// Everything printed; held back under -check, where it is shown only with -list.
    buffer: Vec<u8>,
    outcome: FmtOutcome,
}

impl Formatter<'_> {
    /// Prints one chunk. Terraform prints through its UI, which ends every write with exactly
    /// one newline; under -check the chunks go to a plain buffer first and are printed as one.
    fn emit(&mut self, bytes: &[u8]) {
        if self.opts.check {
            self.buffer.extend_from_slice(bytes);
        } else {
            self.buffer
                .extend_from_slice(bytes.strip_suffix(b"\n").unwrap_or(bytes));
            self.buffer.push(b'\n');
        }
    }

    fn flush(&mut self, opts: &FmtOptions, out: &mut dyn Write) -> Result<(), FmtError> {
        // Terraform drops the -check listing when any file failed.
        if opts.check && (!opts.list || !self.outcome.errors.is_empty()) {
            self.buffer.clear();
            return Ok(());
        }
        let res = out.write_all(&self.buffer).and_then(|()| out.flush());
        self.buffer.clear();
        res.map_err(|source| FmtError::Io {
            action: "Failed to write output for",
            path: PathBuf::from("<stdout>"),
            source,
        })
    }

    fn dir(&mut self, full: &Path, display: &Path) {
        let entries = match std::fs::read_dir(full) {
            Ok(rd) => rd.filter_map(Result::ok).collect::<Vec<_>>(),
            Err(source) => {
                self.outcome.errors.push(FmtError::Io {
                    action: "Cannot read directory",
                    path: display.to_path_buf(),
                    source,
                });
                return;
            }
        };
        let mut entries: Vec<_> = entries
            .into_iter()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e))
            .collect();
        // Go's os.ReadDir sorts by name, bytewise.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, entry) in entries {
            if is_ignored(&name) {
                continue;
            }
            let sub_full = full.join(&name);
            let sub_display = normalize(self.cwd, &sub_full);
            let is_dir = std::fs::metadata(&sub_full).is_ok_and(|m| m.is_dir());
            if is_dir || entry.file_type().is_ok_and(|t| t.is_dir()) {
                if self.opts.recursive {
                    self.dir(&sub_full, &sub_display);
                }
                continue;
            }
            if is_supported(&name) {
                self.file(&sub_full, sub_display);
            }
        }
    }

    fn file(&mut self, full: &Path, display: PathBuf) {
        let src = match crate::limits::read(full, crate::limits::CONFIG) {
            Ok(bytes) => bytes,
            Err(e) => {
                let source = match e {
                    crate::limits::ReadError::Io(e) => e,
                    crate::limits::ReadError::TooLarge(t) => std::io::Error::new(
                        std::io::ErrorKind::FileTooLarge,
                        format!("it {}; {}", t.why(), t.limit.advice),
                    ),
                };
                self.outcome.errors.push(FmtError::Io {
                    action: "Failed to read file",
                    path: display,
                    source,
                });
                return;
            }
        };
        let Ok(src) = String::from_utf8(src) else {
            self.outcome.errors.push(FmtError::Syntax {
                path: display,
                offset: 0,
                line: 1,
                column: 1,
                message: "file is not valid UTF-8".to_string(),
            });
            return;
        };
        let result = match format_source(&src) {
            Ok(result) => result,
            Err(err) => {
                self.outcome.errors.push(err.with_path(display));
                return;
            }
        };
        if result != src {
            if self.opts.list {
                self.emit(format!("{}\n", display.display()).as_bytes());
            }
            if self.opts.write {
                if let Err(source) = std::fs::write(full, &result) {
                    self.outcome.errors.push(FmtError::Io {
                        action: "Failed to write",
                        path: display,
                        source,
                    });
                    return;
                }
            }
            if self.opts.diff {
                let name = display.to_string_lossy();
                self.emit(unified_diff(&src, &result, &name).as_bytes());
            }
            self.outcome.changed.push(display);
        }
        if !self.opts.list && !self.opts.write && !self.opts.diff {
            // With nothing else to do, fmt prints the formatted text.
            self.emit(result.as_bytes());
        }
    }
}

/// A unified diff as `terraform fmt -diff` prints it. Terraform runs the system's
/// `diff -u --label=old/<path> --label=new/<path>`; so do we, for identical hunks, and fall
/// back to an equivalent diff computed in-process when `diff` is not available.
fn unified_diff(old: &str, new: &str, path: &str) -> String {
    system_diff(old, new, path).unwrap_or_else(|| builtin_diff(old, new, path))
}

fn system_diff(old: &str, new: &str, path: &str) -> Option<String> {
    let mut a = tempfile::NamedTempFile::new().ok()?;
    let mut b = tempfile::NamedTempFile::new().ok()?;
    a.write_all(old.as_bytes()).ok()?;
    b.write_all(new.as_bytes()).ok()?;
    let output = std::process::Command::new("diff")
        .arg(format!("--label=old/{path}"))
        .arg(format!("--label=new/{path}"))
        .arg("-u")
        .arg(a.path())
        .arg(b.path())
        .output()
        .ok()?;
    // diff exits 1 when the files differ; only its output matters.
    let text = String::from_utf8(output.stdout).ok()?;
    text.starts_with("--- ").then_some(text)
}

fn builtin_diff(old: &str, new: &str, path: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{path}"), &format!("new/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_are_relative_to_the_working_directory() {
        let cwd = Path::new("/w/proj");
        assert_eq!(
            normalize(cwd, Path::new("./a/../b.tf")),
            PathBuf::from("b.tf")
        );
        assert_eq!(
            normalize(cwd, Path::new("/w/proj/m/x.tf")),
            PathBuf::from("m/x.tf")
        );
        assert_eq!(
            normalize(cwd, Path::new("/w/other.tf")),
            PathBuf::from("../other.tf")
        );
        assert_eq!(normalize(cwd, Path::new(".")), PathBuf::from("."));
    }

    #[test]
    fn hidden_and_backup_files_are_ignored() {
        assert!(is_ignored(".terraform"));
        assert!(is_ignored("main.tf~"));
        assert!(is_ignored("#main.tf#"));
        assert!(!is_ignored("main.tf"));
    }

    #[test]
    fn only_terraform_extensions_are_supported() {
        assert!(is_supported("a.tf") && is_supported("t.tftest.hcl") && is_supported("x.tfvars"));
        assert!(is_supported("k.kitchen.hcl"));
        assert!(!is_supported("a.tf.json") && !is_supported("a.hcl"));
    }

    #[test]
    fn diff_has_old_and_new_labels() {
        let d = builtin_diff("a=1\n", "a = 1\n", "main.tf");
        assert_eq!(
            d,
            "--- old/main.tf\n+++ new/main.tf\n@@ -1 +1 @@\n-a=1\n+a = 1\n"
        );
    }

    #[test]
    fn builtin_diff_marks_a_missing_final_newline() {
        let d = builtin_diff("a=1", "a = 1", "x.tf");
        assert!(d.ends_with("+a = 1\n\\ No newline at end of file\n"), "{d}");
    }

    #[test]
    fn system_diff_agrees_with_the_builtin_one_on_simple_changes() {
        let (old, new) = ("a=1\nb = 2\n", "a = 1\nb = 2\n");
        assert_eq!(
            unified_diff(old, new, "m.tf"),
            builtin_diff(old, new, "m.tf")
        );
    }

    /// A scratch module: `main.tf` needs formatting, `ok.tf` does not, `sub/s.tf` does.
    fn scratch() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path();
        std::fs::create_dir_all(p.join("sub")).expect("mkdir");
        std::fs::create_dir_all(p.join(".terraform")).expect("mkdir");
        std::fs::write(p.join("main.tf"), "a=1\n").expect("write");
        std::fs::write(p.join("ok.tf"), "b = 2\n").expect("write");
        std::fs::write(p.join("notes.txt"), "x=1\n").expect("write");
        std::fs::write(p.join("sub/s.tf"), "c=1\n").expect("write");
        std::fs::write(p.join(".terraform/h.tf"), "d=1\n").expect("write");
        dir
    }

    fn run_here(dir: &Path, paths: &[&str], opts: FmtOptions) -> (FmtOutcome, String) {
        let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        let mut out = Vec::new();
        let outcome = run_in(dir, &paths, &opts, &mut out).expect("run");
        (outcome, String::from_utf8(out).expect("utf8"))
    }

    fn read(path: PathBuf) -> String {
        std::fs::read_to_string(path).expect("read")
    }

    #[test]
    fn default_run_rewrites_changed_files_and_lists_them() {
        let dir = scratch();
        let (outcome, out) = run_here(dir.path(), &[], FmtOptions::default());
        assert_eq!(out, "main.tf\n");
        assert_eq!(outcome.exit_code(&FmtOptions::default()), 0);
        assert_eq!(read(dir.path().join("main.tf")), "a = 1\n");
        assert_eq!(read(dir.path().join("sub/s.tf")), "c=1\n");
        assert_eq!(read(dir.path().join("notes.txt")), "x=1\n");
    }

    #[test]
    fn recursive_run_descends_but_skips_hidden_directories() {
        let dir = scratch();
        let opts = FmtOptions {
            recursive: true,
            ..FmtOptions::default()
        };
        let (_, out) = run_here(dir.path(), &["."], opts);
        assert_eq!(out, "main.tf\nsub/s.tf\n");
        assert_eq!(read(dir.path().join(".terraform/h.tf")), "d=1\n");
    }

    #[test]
    fn check_lists_without_writing_and_exits_3() {
        let dir = scratch();
        let opts = FmtOptions {
            check: true,
            ..FmtOptions::default()
        };
        let (outcome, out) = run_here(dir.path(), &[], opts);
        assert_eq!(out, "main.tf\n");
        assert_eq!(outcome.exit_code(&opts), 3);
        assert_eq!(read(dir.path().join("main.tf")), "a=1\n");
    }

    #[test]
    fn syntax_error_leaves_the_file_alone_and_hides_the_check_listing() {
        let dir = scratch();
        std::fs::write(dir.path().join("bad.tf"), "a = {\n").expect("write");
        let opts = FmtOptions {
            check: true,
            ..FmtOptions::default()
        };
        let (outcome, out) = run_here(dir.path(), &[], opts);
        assert_eq!(out, "");
        assert_eq!(outcome.exit_code(&opts), 2);
        assert!(
            matches!(&outcome.errors[..], [FmtError::Syntax { path, .. }] if path == Path::new("bad.tf"))
        );
        assert_eq!(read(dir.path().join("bad.tf")), "a = {\n");
    }

    #[test]
    fn without_list_write_or_diff_the_formatted_text_is_printed() {
        let dir = scratch();
        let opts = FmtOptions {
            write: false,
            list: false,
            ..FmtOptions::default()
        };
        let (_, out) = run_here(dir.path(), &["main.tf", "ok.tf"], opts);
        assert_eq!(out, "a = 1\nb = 2\n");
    }

    #[test]
    fn unsupported_file_argument_is_an_error() {
        let dir = scratch();
        let (outcome, _) = run_here(dir.path(), &["notes.txt"], FmtOptions::default());
        assert!(matches!(&outcome.errors[..], [FmtError::Unsupported(_)]));
    }

    #[test]
    fn missing_path_stops_the_run() {
        let dir = scratch();
        let mut out = Vec::new();
        let res = run_in(
            dir.path(),
            &[PathBuf::from("nope.tf")],
            &FmtOptions::default(),
            &mut out,
        );
        assert!(matches!(res, Err(FmtError::NotFound(p)) if p == Path::new("nope.tf")));
    }
}
