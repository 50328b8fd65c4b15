//! Output files that appear only when complete.
//!
//! Results are written to a temporary file beside the target and renamed over it on success,
//! so a failing query never leaves a truncated CSV or a corrupt Parquet file behind, nor
//! destroys a previous good file of the same name. The finished file has the permissions any
//! program's output has (0666 less the umask), or those of the file it replaces. A target that
//! exists but is no regular file (`/dev/stdout`, a named pipe) is written to directly.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::config::io_reason;
use crate::error::Error;

pub struct OutputFile {
    target: PathBuf,
    file: Sink,
}

enum Sink {
    /// A temporary file renamed over the target on success.
    Staged(BufWriter<NamedTempFile>),
    /// A device or pipe: nothing to rename, nothing to leave behind.
    Direct(BufWriter<std::fs::File>),
}

impl OutputFile {
    pub fn create(target: &Path) -> Result<Self, Error> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let fail = |e: std::io::Error| {
            Error::Query(format!(
                "cannot write {}: {}",
                target.display(),
                io_reason(&e)
            ))
        };
        if std::fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(target)
                .map_err(fail)?;
            return Ok(Self {
                target: target.to_path_buf(),
                file: Sink::Direct(BufWriter::new(file)),
            });
        }
        let mut builder = tempfile::Builder::new();
        builder.prefix(".jaanch-");
        // A temporary file is private (0600) by default; this one becomes the user's output.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let file: NamedTempFile = builder.tempfile_in(dir).map_err(fail)?;
        if let Ok(existing) = std::fs::metadata(target) {
            file.as_file()
                .set_permissions(existing.permissions())
                .map_err(fail)?;
        }
        Ok(Self {
            target: target.to_path_buf(),
            file: Sink::Staged(BufWriter::new(file)),
        })
    }

    /// Moves the finished file into place.
    pub fn commit(self) -> Result<(), Error> {
        let fail = |e: std::io::Error| {
            Error::Query(format!(
                "cannot write {}: {}",
                self.target.display(),
                io_reason(&e)
            ))
        };
        match self.file {
            Sink::Staged(file) => {
                let file = file.into_inner().map_err(|e| fail(e.into_error()))?;
                file.persist(&self.target).map_err(|e| fail(e.error))?;
            }
            Sink::Direct(mut file) => file.flush().map_err(fail)?,
        }
        Ok(())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Sink::Staged(file) => file.write(buf),
            Sink::Direct(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Sink::Staged(file) => file.flush(),
            Sink::Direct(file) => file.flush(),
        }
    }
}
