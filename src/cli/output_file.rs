//! Output files that appear only when complete.
//!
//! Results are written to a temporary file beside the target and renamed over it on success,
//! so a failing query never leaves a truncated CSV or a corrupt Parquet file behind, nor
//! destroys a previous good file of the same name. The finished file has the permissions any
//! program's output has (0666 less the umask), or those of the file it replaces.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::config::io_reason;
use crate::error::Error;

pub struct OutputFile {
    target: PathBuf,
    file: BufWriter<NamedTempFile>,
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
            file: BufWriter::new(file),
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
        let file = self.file.into_inner().map_err(|e| fail(e.into_error()))?;
        file.persist(&self.target).map_err(|e| fail(e.error))?;
        Ok(())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
