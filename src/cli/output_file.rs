//! Output files that appear only when complete.
//!
//! Results are written to a temporary file beside the target and renamed over it on success,
//! so a failing query never leaves a truncated CSV or a corrupt Parquet file behind, nor
//! destroys a previous good file of the same name.

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
        let file = NamedTempFile::with_prefix_in(".jaanch-", dir).map_err(|e| {
            Error::Query(format!(
                "cannot write {}: {}",
                target.display(),
                io_reason(&e)
            ))
        })?;
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
