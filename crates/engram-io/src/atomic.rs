//! Crash-safe file replacement.
//!
//! Data is written to a hidden temporary file in the destination's
//! directory (`.{file}.tmp-{pid}-{n}`), flushed and `fsync`ed, and then
//! renamed over the destination. Renaming within one directory is atomic on
//! POSIX file systems (and on NTFS), so readers — and a process killed at any
//! moment — see either the complete old file, the complete new file, or (if
//! there was no old file) nothing. Never a truncated file under the final name.
//!
//! If writing fails (or the writing closure panics) the temporary file is
//! removed. A process killed with `SIGKILL` cannot clean up, so it may leave
//! a hidden `.{file}.tmp-*` file behind; it never shadows real output and can
//! be deleted safely.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::IoError;

/// Buffer size for streaming writes.
const BUF_SIZE: usize = 256 * 1024;

/// Distinguishes temporary files of concurrent writes within one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Atomically replaces (or creates) `path` with `bytes`.
///
/// See the [module docs](self) for the guarantees.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("engram-io-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("run.json");
/// engram_io::write_atomic(&path, b"{\"seed\": 42}\n")?;
/// assert_eq!(std::fs::read(&path).unwrap(), b"{\"seed\": 42}\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), engram_io::IoError>(())
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Atomically replaces (or creates) `path` with whatever `write` produces.
///
/// `write` receives a buffered writer for the temporary file. If it returns
/// an error, the temporary file is removed, `path` is left untouched, and the
/// error is returned as [`IoError::Io`] naming `path`.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("engram-io-doc2-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use std::io::Write;
/// let path = dir.join("weights.txt");
/// engram_io::write_atomic_with(&path, |w| {
///     for i in 0..3 {
///         writeln!(w, "{i}")?;
///     }
///     Ok(())
/// })?;
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "0\n1\n2\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), engram_io::IoError>(())
/// ```
pub fn write_atomic_with<F>(path: &Path, write: F) -> Result<(), IoError>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    atomic_file(path, |w| {
        write(w).map_err(|e| IoError::io("write", path, e))
    })
}

/// Core of the atomic writers; `write` gets the concrete (`Send`) buffered
/// file so that writers needing `W: Write + Send` (Parquet) can use it, and
/// may report any [`IoError`].
pub(crate) fn atomic_file<F>(path: &Path, write: F) -> Result<(), IoError>
where
    F: FnOnce(&mut BufWriter<File>) -> Result<(), IoError>,
{
    let file_name = path.file_name().ok_or_else(|| IoError::InvalidPath {
        path: path.to_path_buf(),
        reason: "path has no file name".into(),
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };

    let (file, tmp_path) = create_temp(dir, file_name, path)?;
    // Removes the temporary file on every early return and on panic.
    let mut guard = TempGuard(Some(tmp_path));
    let tmp_path = guard.path();

    let mut w = BufWriter::with_capacity(BUF_SIZE, file);
    write(&mut w)?;
    let file = w
        .into_inner()
        .map_err(|e| IoError::io("write", path, e.into_error()))?;
    file.sync_all()
        .map_err(|e| IoError::io("sync", &tmp_path, e))?;
    drop(file);

    fs::rename(&tmp_path, path).map_err(|e| IoError::io("rename temporary file onto", path, e))?;
    guard.disarm();

    // Make the rename itself durable. Best effort: some file systems do not
    // support fsync on directories, and the data is already in place.
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates a fresh temporary file next to the destination.
fn create_temp(
    dir: &Path,
    file_name: &std::ffi::OsStr,
    path: &Path,
) -> Result<(File, PathBuf), IoError> {
    let pid = std::process::id();
    let mut attempts = 0;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = std::ffi::OsString::from(".");
        name.push(file_name);
        name.push(format!(".tmp-{pid}-{n}"));
        let tmp = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            // A stale file from an earlier process with the same pid.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => attempts += 1,
            Err(e) => return Err(IoError::io("create temporary file for", path, e)),
        }
    }
}

/// Deletes the temporary file when dropped, unless disarmed.
struct TempGuard(Option<PathBuf>);

impl TempGuard {
    fn path(&self) -> PathBuf {
        self.0.clone().unwrap_or_default()
    }
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fresh, empty scratch directory for one test.
    pub(crate) fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("engram-io-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    /// Names in `dir`, sorted.
    pub(crate) fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_and_replaces() {
        let d = scratch("replace");
        let p = d.join("a.txt");
        write_atomic(&p, b"old").unwrap();
        write_atomic(&p, b"new contents").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new contents");
        assert_eq!(listing(&d), vec!["a.txt"]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn final_name_untouched_while_writing() {
        let d = scratch("inflight");
        let p = d.join("b.txt");
        write_atomic(&p, b"old").unwrap();
        write_atomic_with(&p, |w| {
            w.write_all(b"partial")?;
            w.flush()?;
            // Mid-write, a crash here would leave the old file intact.
            assert_eq!(fs::read(&p).unwrap(), b"old");
            let names = listing(&d);
            assert_eq!(names.len(), 2, "{names:?}");
            assert!(
                names.iter().any(|n| n.starts_with(".b.txt.tmp-")),
                "{names:?}"
            );
            w.write_all(b" done")
        })
        .unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"partial done");
        assert_eq!(listing(&d), vec!["b.txt"]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn error_removes_temp_and_keeps_old() {
        let d = scratch("error");
        let p = d.join("c.txt");
        write_atomic(&p, b"old").unwrap();
        let err = write_atomic_with(&p, |w| {
            w.write_all(b"garbage")?;
            Err(io::Error::other("simulated failure"))
        })
        .unwrap_err();
        assert_eq!(err.path(), p);
        assert!(err.to_string().contains("simulated failure"));
        assert_eq!(fs::read(&p).unwrap(), b"old");
        assert_eq!(listing(&d), vec!["c.txt"]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn panic_removes_temp() {
        let d = scratch("panic");
        let p = d.join("e.txt");
        let r = std::panic::catch_unwind(|| {
            let _ = write_atomic_with(&p, |_| panic!("boom"));
        });
        assert!(r.is_err());
        assert!(listing(&d).is_empty());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn bad_paths_are_errors_not_panics() {
        let d = scratch("bad");
        // Missing directory.
        let p = d.join("missing").join("f.txt");
        let err = write_atomic(&p, b"x").unwrap_err();
        assert!(matches!(err, IoError::Io { .. }));
        assert!(err.to_string().contains("missing"), "{err}");
        // No file name.
        assert!(matches!(
            write_atomic(Path::new("/"), b"x"),
            Err(IoError::InvalidPath { .. })
        ));
        // Destination is a directory: rename fails, temp is cleaned up.
        fs::create_dir(d.join("sub")).unwrap();
        assert!(write_atomic(&d.join("sub"), b"x").is_err());
        assert_eq!(listing(&d), vec!["sub"]);
        fs::remove_dir_all(&d).unwrap();
    }
}
