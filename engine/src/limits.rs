//! Size limits on the files galley reads, so a huge or endless input (a damaged file, a
//! FIFO, `/dev/zero`) is refused with a clear error instead of filling memory.
//!
//! [`read`] checks the file's length before reading and reads at most one byte past the
//! limit, so a file that grows while it is read, or one whose length the metadata does not
//! tell, cannot get past it either. Each kind of file has its [`Limit`]; callers turn a
//! [`TooLarge`] into the error type of their own place.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

const MIB: u64 = 1 << 20;

/// The most galley reads of one kind of file, and what to tell a user whose file is larger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Largest accepted size, in bytes.
    pub max: u64,
    /// The kind of file, as said in messages: `state file`.
    pub what: &'static str,
    /// What to do about a file over the limit.
    pub advice: &'static str,
}

impl Limit {
    /// The limit for this kind of file when it may be encrypted ([`crate::crypt`]): twice
    /// as large, since base64 adds a third and each encrypted journal line its own nonce,
    /// tag and key id.
    pub const fn encrypted(self) -> Limit {
        Limit {
            max: self.max.saturating_mul(2),
            ..self
        }
    }
}

/// `.tf` configuration files.
pub const CONFIG: Limit = Limit {
    max: 64 * MIB,
    what: "configuration file",
    advice: "split it into several files, or keep large data out of the configuration",
};

/// `.tfvars` and `.tfvars.json` files.
pub const VARIABLES: Limit = Limit {
    max: 64 * MIB,
    what: "variables file",
    advice: "split the values over several variables files, or keep large data out of variables",
};

/// State files.
pub const STATE: Limit = Limit {
    max: 256 * MIB,
    what: "state file",
    advice: "check that the path names a galley state file; galley has not changed it. A state this large is better split over several configurations, each with its own state",
};

/// Saved plan files (`plan -out`).
pub const PLAN: Limit = Limit {
    max: 512 * MIB,
    what: "plan file",
    advice: "check that it is a plan file written by galley plan -out, or make a new one with galley plan -out",
};

/// The apply journal next to a state.
pub const JOURNAL: Limit = Limit {
    max: 512 * MIB,
    what: "state journal",
    advice: "galley has not changed it; check that it belongs to this state, or move it away to use the state file as it is (the changes it records are then lost)",
};

/// State lock files.
pub const LOCK: Limit = Limit {
    max: MIB,
    what: "lock file",
    advice: "a galley lock file is a few hundred bytes; if no galley run is using this state, delete it by hand",
};

/// Files read by `file()`, `filebase64()` and the other file functions.
pub const FUNCTION_FILE: Limit = Limit {
    max: 64 * MIB,
    what: "file read by a function",
    advice: "these functions read files distributed with the configuration; keep larger data elsewhere and refer to it",
};

/// Kubernetes YAML manifests read for upgrade checks.
pub const MANIFEST: Limit = Limit {
    max: 64 * MIB,
    what: "manifest file",
    advice: "split the manifests over several files",
};

/// A file over its [`Limit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes, or (with `at_least`) how much was read before stopping.
    pub size: u64,
    /// The file is at least `size` bytes: it grew while read, or is not a regular file.
    pub at_least: bool,
    /// The limit it broke.
    pub limit: Limit,
}

impl TooLarge {
    /// Why the file is refused, without its path or the advice: `is 300.0 MiB
    /// (314572800 bytes), more than the 256 MiB limit for a state file`.
    pub fn why(&self) -> String {
        let limit = format!(
            "the {} limit for a {}",
            human(self.limit.max),
            self.limit.what
        );
        if self.at_least {
            format!(
                "holds more than {limit} (it grew while galley read it, or is not a regular file)"
            )
        } else {
            format!(
                "is {} ({} bytes), more than {limit}",
                human(self.size),
                self.size
            )
        }
    }
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}; {}",
            crate::diag::display_path(&self.path),
            self.why(),
            self.limit.advice
        )
    }
}

impl std::error::Error for TooLarge {}

/// Why [`read`] could not give a file's bytes.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Over the limit.
    #[error("{0}")]
    TooLarge(TooLarge),
    /// The file system refused (missing, permissions...).
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl ReadError {
    /// True when the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }
}

/// Reads the whole file at `path`, refusing one larger than `limit`.
pub fn read(path: &Path, limit: Limit) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let too_large = |size, at_least| TooLarge {
        path: path.to_path_buf(),
        size,
        at_least,
        limit,
    };
    if len > limit.max {
        return Err(ReadError::TooLarge(too_large(len, false)));
    }
    let (bytes, over) = read_at_most(file, len, limit.max)?;
    if over {
        return Err(ReadError::TooLarge(too_large(bytes.len() as u64, true)));
    }
    Ok(bytes)
}

/// Like [`read`], for text: bytes that are not UTF-8 are an [`io::ErrorKind::InvalidData`]
/// error, as with [`std::fs::read_to_string`].
pub fn read_to_string(path: &Path, limit: Limit) -> Result<String, ReadError> {
    let bytes = read(path, limit)?;
    String::from_utf8(bytes).map_err(|_| {
        ReadError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

/// Reads `r` up to `max` bytes (`hint`: the expected length, to allocate once); true with
/// the bytes when there was more.
fn read_at_most(r: impl Read, hint: u64, max: u64) -> io::Result<(Vec<u8>, bool)> {
    let mut bytes = Vec::with_capacity(usize::try_from(hint.min(max)).unwrap_or(0));
    r.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    let over = bytes.len() as u64 > max;
    Ok((bytes, over))
}

/// `64 MiB`, `1.5 KiB`, `12 bytes`.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A file of `size` bytes that takes no disk space (a sparse file), for tests of limits.
#[cfg(test)]
pub(crate) fn sparse_file(path: &Path, size: u64) {
    std::fs::File::create(path)
        .and_then(|f| f.set_len(size))
        .expect("create a sparse file");
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limit = Limit {
        max: 10,
        what: "test file",
        advice: "make it smaller",
    };

    #[test]
    fn a_file_within_the_limit_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read(&path, SMALL).unwrap(), b"0123456789");
        assert_eq!(read_to_string(&path, SMALL).unwrap(), "0123456789");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_by_its_length_naming_path_size_limit_and_advice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.tfstate");
        sparse_file(&path, STATE.max + 1);
        let e = read(&path, STATE).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, ReadError::TooLarge(_)), "{e:?}");
        assert!(msg.contains("big.tfstate is 256.0 MiB (268435457 bytes), more than the 256 MiB limit for a state file; check that the path names a galley state file"), "{msg}");
    }

    #[test]
    fn a_stream_longer_than_its_length_says_is_cut_at_the_limit() {
        let (bytes, over) = read_at_most(&[7u8; 100][..], 0, 10).unwrap();
        assert!(over);
        assert_eq!(bytes.len(), 11, "one byte past the limit, no more");
        let (bytes, over) = read_at_most(&[7u8; 10][..], 0, 10).unwrap();
        assert!(!over);
        assert_eq!(bytes.len(), 10);
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_is_refused_after_the_limit() {
        // Its metadata says 0 bytes; only the bounded read stops it.
        let e = read(Path::new("/dev/zero"), SMALL).unwrap_err();
        match e {
            ReadError::TooLarge(t) => {
                assert!(t.at_least);
                assert_eq!(t.size, 11);
                assert!(t.to_string().contains("/dev/zero holds more than the 10 bytes limit for a test file (it grew while galley read it, or is not a regular file); make it smaller"), "{t}");
            }
            other => panic!("expected too large, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_file_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(&dir.path().join("none"), SMALL)
            .unwrap_err()
            .is_not_found());
    }

    #[test]
    fn sizes_are_shown_in_binary_units() {
        assert_eq!(human(12), "12 bytes");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(64 << 20), "64 MiB");
        assert_eq!(human((64 << 20) + 1), "64.0 MiB");
    }
}
