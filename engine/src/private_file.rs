//! Files that may hold secrets in plain text (saved plans, variable values): written
//! readable and writable by their owner only.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path`, creating it with mode 0600 (on Unix), and making an
/// existing file 0600 before its content is replaced.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    // Restricted first, then emptied and written: the old content was never more exposed.
    f.set_len(0)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn new_and_existing_files_become_owner_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("plan");
        write_private(&p, b"first, longer content").expect("write");
        assert_eq!(mode(&p), 0o600);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write_private(&p, b"second").expect("write");
        assert_eq!(mode(&p), 0o600);
        assert_eq!(std::fs::read(&p).expect("read"), b"second");
    }
}
