//! Results written to files: one result to a file that appears only when complete
//! ([`OutputFile`]), or many results gathered in one file that stays valid ([`ResultFile`]).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use tempfile::NamedTempFile;

use super::{
    CsvOut, JsonOut, MoreArrayRows, OutputFormat, PrintOptions, ResultWriter, json_writer,
    result_writer,
};
use crate::error::{Error, OutputProblem, Result};

/// One result's file, which appears only when complete.
///
/// Results are written to a temporary file beside the target and renamed over it on success,
/// so a failing query never leaves a truncated CSV or a corrupt Parquet file behind, nor
/// destroys a previous good file of the same name. The finished file has the permissions any
/// program's output has (0666 less the umask), or those of the file it replaces. A target that
/// exists but is no regular file (`/dev/stdout`, a named pipe) is written to directly.
pub struct OutputFile {
    target: PathBuf,
    file: Staging,
}

enum Staging {
    /// A temporary file renamed over the target on success.
    Staged(BufWriter<NamedTempFile>),
    /// A device or pipe: nothing to rename, nothing to leave behind.
    Direct(BufWriter<File>),
}

impl OutputFile {
    pub fn create(target: &Path) -> Result<Self> {
        let fail = |e: std::io::Error| Error::writing(Some(target.to_path_buf()), e);
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if std::fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(target)
                .map_err(fail)?;
            return Ok(Self {
                target: target.to_path_buf(),
                file: Staging::Direct(BufWriter::new(file)),
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
            file: Staging::Staged(BufWriter::new(file)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Moves the finished file into place.
    pub fn commit(self) -> Result<()> {
        let fail = |e: std::io::Error| Error::writing(Some(self.target.clone()), e);
        match self.file {
            Staging::Staged(file) => {
                let file = file.into_inner().map_err(|e| fail(e.into_error()))?;
                file.persist(&self.target).map_err(|e| fail(e.error))?;
            }
            Staging::Direct(mut file) => file.flush().map_err(fail)?,
        }
        Ok(())
    }
}

/// Errors name the target: whoever writes through `Write` does not know it.
impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = match &mut self.file {
            Staging::Staged(file) => file.write(buf),
            Staging::Direct(file) => file.write(buf),
        };
        written.map_err(|e| crate::error::AtPath::wrap(&self.target, e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let flushed = match &mut self.file {
            Staging::Staged(file) => file.flush(),
            Staging::Direct(file) => file.flush(),
        };
        flushed.map_err(|e| crate::error::AtPath::wrap(&self.target, e))
    }
}

/// A text file that gathers results, as psql's `\o` does, and stays one valid document of its
/// format after every result, even one cut short:
/// - table and Markdown: results follow one another, a blank line apart;
/// - CSV and TSV: the header is written once; a result with other columns is refused, since its
///   rows would not match the header;
/// - JSON: the rows of every result join one array;
/// - NDJSON: lines are appended.
///
/// Parquet cannot grow: each result goes to an [`OutputFile`] of its own instead.
pub struct ResultFile {
    path: PathBuf,
    format: OutputFormat,
    file: BufWriter<File>,
    /// Whether a result has been written.
    written: bool,
    /// The columns of the CSV header, once written.
    csv_columns: Option<Vec<String>>,
    /// JSON: where the array's closing `]` starts, while it is written.
    json_close_at: Option<u64>,
}

impl ResultFile {
    /// Creates (or empties) `path`. A JSON file starts as an empty array, so that it is valid
    /// even before a result arrives.
    pub fn create(path: PathBuf, format: OutputFormat) -> Result<Self> {
        let file = File::create(&path).map_err(|e| Error::writing(Some(path.clone()), e))?;
        let mut out = Self {
            path,
            format,
            file: BufWriter::new(file),
            written: false,
            csv_columns: None,
            json_close_at: None,
        };
        if format == OutputFormat::Json {
            out.io(|file| file.write_all(b"["))?;
            out.close_json_array()?;
        }
        Ok(out)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Begins a result of `schema`: the writer its rows go to, every row in the file's format.
    /// Call [`ResultFile::end`] after the result, whether it ended or not.
    pub fn begin(&mut self, schema: SchemaRef) -> Result<Box<dyn ResultWriter + '_>> {
        let options = PrintOptions::new(self.format);
        let first = !std::mem::replace(&mut self.written, true);
        let writer: Box<dyn ResultWriter + '_> = match self.format {
            OutputFormat::Csv | OutputFormat::Tsv => {
                let columns: Vec<String> =
                    schema.fields().iter().map(|f| f.name().clone()).collect();
                let header = match &self.csv_columns {
                    None => true,
                    Some(known) if *known == columns => false,
                    Some(known) => {
                        return Err(Error::Output {
                            path: Some(self.path.clone()),
                            problem: OutputProblem::OtherColumns {
                                columns: known.clone(),
                            },
                        });
                    }
                };
                self.csv_columns = Some(columns);
                let delimiter = if self.format == OutputFormat::Tsv {
                    b'\t'
                } else {
                    b','
                };
                Box::new(
                    CsvOut::new(schema, &mut self.file, delimiter, header)
                        .map_err(|e| super::output_error(Some(&self.path), e))?,
                )
            }
            OutputFormat::Json => {
                let close_at = self.open_json_array()?;
                // `[` alone: no rows yet, so the first needs no comma.
                if close_at == 1 {
                    Box::new(JsonOut::new(
                        json_writer::<_, super::ArrayRows>(&mut self.file),
                        false,
                    ))
                } else {
                    Box::new(JsonOut::new(
                        json_writer::<_, MoreArrayRows>(&mut self.file),
                        false,
                    ))
                }
            }
            OutputFormat::Table | OutputFormat::Markdown if !first => {
                self.io(|file| file.write_all(b"\n"))?;
                result_writer(&options, schema, &mut self.file)
                    .map_err(|e| super::output_error(Some(&self.path), e))?
            }
            _ => result_writer(&options, schema, &mut self.file)
                .map_err(|e| super::output_error(Some(&self.path), e))?,
        };
        Ok(writer)
    }

    /// Leaves the file complete after a result, whether it ended or was cut short: a JSON
    /// array is closed, and everything is flushed.
    pub fn end(&mut self) -> Result<()> {
        if self.format == OutputFormat::Json && self.json_close_at.is_none() {
            self.close_json_array()?;
        }
        self.io(|file| file.flush())
    }

    fn io<T>(&mut self, f: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<T>) -> Result<T> {
        f(&mut self.file).map_err(|e| Error::writing(Some(self.path.clone()), e))
    }

    /// Writes the array's closing `]` after what is there, remembering where it starts.
    fn close_json_array(&mut self) -> Result<()> {
        let at = self.io(|file| file.stream_position())?;
        self.io(|file| file.write_all(b"]\n"))?;
        self.json_close_at = Some(at);
        self.io(|file| file.flush())
    }

    /// Takes the closing `]` off, so that rows can follow; returns where it stood.
    fn open_json_array(&mut self) -> Result<u64> {
        let at = self.json_close_at.take().unwrap_or(1);
        self.io(|file| {
            file.flush()?;
            file.get_mut().set_len(at)?;
            file.seek(SeekFrom::Start(at))
        })?;
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};

    use super::*;

    fn batch(columns: &[(&str, &[i64])]) -> RecordBatch {
        RecordBatch::try_from_iter(columns.iter().map(|(name, values)| {
            (
                *name,
                Arc::new(Int64Array::from(values.to_vec())) as ArrayRef,
            )
        }))
        .unwrap()
    }

    /// Writes each result as the shell does; a result of `None` is cut short after one batch.
    fn collect(format: OutputFormat, results: &[(RecordBatch, bool)]) -> (String, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut file = ResultFile::create(path.clone(), format).unwrap();
        let mut errors = Vec::new();
        for (batch, complete) in results {
            match file.begin(batch.schema()) {
                Ok(mut writer) => {
                    writer.write_batch(batch).unwrap();
                    if *complete {
                        writer.finish().unwrap();
                    }
                }
                Err(error) => errors.push(
                    error
                        .to_string()
                        .replace(&path.display().to_string(), "out"),
                ),
            }
            file.end().unwrap();
        }
        (std::fs::read_to_string(&path).unwrap(), errors)
    }

    #[test]
    fn csv_keeps_one_header_and_refuses_other_columns() {
        let ab = batch(&[("a", &[1]), ("b", &[2])]);
        let (text, errors) = collect(
            OutputFormat::Csv,
            &[
                (ab.clone(), true),
                (ab.clone(), true),
                (batch(&[("x", &[5])]), true),
            ],
        );
        assert_eq!(text, "a,b\n1,2\n1,2\n");
        assert_eq!(
            errors,
            vec!["cannot write out: it has other columns (a,b) (\\o another file for this result)"]
        );
    }

    #[test]
    fn json_rows_join_one_array_even_when_cut_short() {
        let a = batch(&[("a", &[1, 2])]);
        let (text, _) = collect(OutputFormat::Json, &[(a.clone(), true), (a.clone(), false)]);
        assert_eq!(text, "[{\"a\":1},{\"a\":2},{\"a\":1},{\"a\":2}]\n");
        let (text, _) = collect(OutputFormat::Json, &[]);
        assert_eq!(text, "[]\n");
        let empty = batch(&[("a", &[])]);
        let (text, _) = collect(OutputFormat::Json, &[(empty, true), (a, true)]);
        assert_eq!(text, "[{\"a\":1},{\"a\":2}]\n");
        let text_batch = RecordBatch::try_from_iter([(
            "b",
            Arc::new(StringArray::from(vec!["x\ny"])) as ArrayRef,
        )])
        .unwrap();
        let (text, _) = collect(OutputFormat::Json, &[(text_batch, true)]);
        assert_eq!(text, "[{\"b\":\"x\\ny\"}]\n");
    }

    #[test]
    fn tables_are_a_blank_line_apart_and_ndjson_appends() {
        let (text, _) = collect(
            OutputFormat::Markdown,
            &[(batch(&[("a", &[1])]), true), (batch(&[("b", &[2])]), true)],
        );
        assert_eq!(text, "| a |\n|---:|\n| 1 |\n\n| b |\n|---:|\n| 2 |\n");
        let (text, _) = collect(
            OutputFormat::Ndjson,
            &[(batch(&[("a", &[1])]), true), (batch(&[("b", &[2])]), true)],
        );
        assert_eq!(text, "{\"a\":1}\n{\"b\":2}\n");
    }
}
