//! `\o FILE`: results sent to a file rather than the terminal.
//!
//! As with psql's `\o`, a file collects every result sent to it until `\o` changes, and it stays
//! one valid document of its format after every statement:
//! - table and Markdown: results follow one another, a blank line apart;
//! - CSV and TSV: the header is written once; a result with other columns is refused, since its
//!   rows would not match the header;
//! - JSON: the rows of every result join one array;
//! - NDJSON: lines are appended;
//! - Parquet cannot grow, so each result replaces the file (see `write_binary`).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::io_reason;
use crate::error::Error;
use crate::output::OutputFormat;

/// A text output file that results are added to.
pub struct ResultFile {
    path: PathBuf,
    format: OutputFormat,
    file: BufWriter<File>,
    /// Bytes in the file.
    len: u64,
    /// Set when a result has ended: the next bytes begin a new one.
    result_ended: Arc<AtomicBool>,
    /// Whether the bytes being written are the first of a result.
    at_result_start: bool,
    /// Whether any result has been written.
    written: bool,
    csv: CsvState,
    json: JsonState,
}

#[derive(Default)]
struct CsvState {
    /// The header line the file has, once a result has written one.
    header: Option<Vec<u8>>,
    /// The start of a result's output, until its header line is complete.
    pending: Option<Vec<u8>>,
    /// The result being written was refused: nothing more of it goes in.
    refused: bool,
}

#[derive(Default)]
struct JsonState {
    /// Objects in the array.
    rows: usize,
    /// Inside an object: its line has not ended yet.
    in_row: bool,
    /// The array is open for more rows: its closing `]` has been taken off.
    open: bool,
    /// Where the closing `]` starts.
    close_at: u64,
}

impl ResultFile {
    /// Creates (or empties) `path`; a JSON file starts as an empty array, so that it is valid
    /// even before a result arrives.
    pub fn create(path: PathBuf, format: OutputFormat) -> Result<Self, Error> {
        let fail = |e: std::io::Error| write_error(&path, &e);
        let file = File::create(&path).map_err(fail)?;
        let mut out = Self {
            path,
            format,
            file: BufWriter::new(file),
            len: 0,
            result_ended: Arc::default(),
            at_result_start: true,
            written: false,
            csv: CsvState::default(),
            json: JsonState::default(),
        };
        if format == OutputFormat::Json {
            out.put(b"[")
                .and_then(|()| out.close_json_array())
                .and_then(|()| out.file.flush())
                .map_err(|e| write_error(&out.path, &e))?;
        }
        Ok(out)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The format results are printed in before they reach the file: JSON rows arrive one per
    /// line and are joined into the file's array here.
    pub fn writer_format(&self) -> OutputFormat {
        match self.format {
            OutputFormat::Json => OutputFormat::Ndjson,
            other => other,
        }
    }

    /// Raised by whoever sees a result end (the footer), while this file is borrowed as the
    /// result's writer.
    pub fn result_end_signal(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.result_ended)
    }

    /// Ends a batch of statements, whether they succeeded or not: the file is left complete.
    pub fn end_statements(&mut self) -> Result<(), Error> {
        self.result_ended.store(true, Ordering::Relaxed);
        let mut finish = || {
            if self.json.open {
                if self.json.in_row {
                    self.json.in_row = false;
                    self.json.rows += 1;
                }
                self.close_json_array()?;
            }
            self.file.flush()
        };
        finish().map_err(|e| write_error(&self.path, &e))
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    fn close_json_array(&mut self) -> std::io::Result<()> {
        self.json.close_at = self.len;
        self.json.open = false;
        self.put(b"]\n")
    }

    /// Takes the closing `]` off, so that rows can follow.
    fn open_json_array(&mut self) -> std::io::Result<()> {
        self.file.flush()?;
        self.file.get_mut().set_len(self.json.close_at)?;
        self.file.seek(SeekFrom::Start(self.json.close_at))?;
        self.len = self.json.close_at;
        self.json.open = true;
        Ok(())
    }

    /// NDJSON in, array elements out: a line break ends an object, so the next one follows a
    /// comma. (JSON text escapes line breaks inside strings, so every one ends an object.)
    fn write_json_rows(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if !self.json.open {
            self.open_json_array()?;
        }
        for (i, line) in buf.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                // The previous piece ended at a line break.
                self.json.in_row = false;
                self.json.rows += 1;
            }
            if line.is_empty() {
                continue;
            }
            if !self.json.in_row {
                if self.json.rows > 0 {
                    self.put(b",")?;
                }
                self.json.in_row = true;
            }
            self.put(line)?;
        }
        Ok(())
    }

    /// Passes CSV on, without the header line of any result after the first.
    fn write_csv(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.csv.refused {
            return Err(std::io::Error::other("result refused"));
        }
        let Some(mut pending) = self.csv.pending.take() else {
            return self.put(buf);
        };
        pending.extend_from_slice(buf);
        let Some(end) = first_record_end(&pending) else {
            self.csv.pending = Some(pending);
            return Ok(());
        };
        let (header, rows) = pending.split_at(end);
        match &self.csv.header {
            None => {
                self.csv.header = Some(header.to_vec());
                self.put(header)?;
            }
            Some(known) if known == header => {}
            Some(known) => {
                self.csv.refused = true;
                let columns = String::from_utf8_lossy(known);
                return Err(std::io::Error::other(format!(
                    "{} has other columns ({}): \\o another file for this result",
                    self.path.display(),
                    columns.trim_end()
                )));
            }
        }
        self.put(rows)
    }
}

fn write_error(path: &Path, error: &std::io::Error) -> Error {
    Error::Query(format!(
        "cannot write {}: {}",
        path.display(),
        io_reason(error)
    ))
}

/// The end of the first CSV record (after its line break), if it is complete: a line break
/// inside double quotes belongs to a field.
fn first_record_end(bytes: &[u8]) -> Option<usize> {
    let mut quoted = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

impl Write for ResultFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.result_ended.swap(false, Ordering::Relaxed) {
            self.at_result_start = true;
        }
        if self.at_result_start && !buf.is_empty() {
            self.at_result_start = false;
            match self.format {
                OutputFormat::Csv | OutputFormat::Tsv => {
                    self.csv.pending = Some(Vec::new());
                    self.csv.refused = false;
                }
                OutputFormat::Table | OutputFormat::Markdown if self.written => self.put(b"\n")?,
                _ => {}
            }
            self.written = true;
        }
        match self.format {
            OutputFormat::Csv | OutputFormat::Tsv => self.write_csv(buf)?,
            OutputFormat::Json => self.write_json_rows(buf)?,
            _ => self.put(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes each result as its writer would, ending it as the shell does.
    fn collect(format: OutputFormat, results: &[&[&str]]) -> (String, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut file = ResultFile::create(path.clone(), format).unwrap();
        let mut errors = Vec::new();
        for result in results {
            for piece in *result {
                if let Err(e) = file.write_all(piece.as_bytes()) {
                    errors.push(e.to_string());
                    break;
                }
            }
            file.result_end_signal().store(true, Ordering::Relaxed);
            file.end_statements().unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let errors = errors
            .into_iter()
            .map(|e| e.replace(&path.display().to_string(), "out"))
            .collect();
        (text, errors)
    }

    #[test]
    fn csv_keeps_one_header_and_refuses_other_columns() {
        let (text, errors) = collect(
            OutputFormat::Csv,
            &[
                &["a,b\n", "1,2\n"],
                &["a,", "b\n3,4\n"],
                &["\"x\ny\"\n5\n"],
                &["a,b\n"],
            ],
        );
        assert_eq!(text, "a,b\n1,2\n3,4\n");
        assert_eq!(
            errors,
            vec!["out has other columns (a,b): \\o another file for this result"]
        );
    }

    #[test]
    fn json_rows_join_one_array() {
        let (text, _) = collect(
            OutputFormat::Json,
            &[
                &["{\"a\":1}\n{\"a\":2}\n"],
                &[],
                &["{\"b\":\"x\\ny\"}", "\n"],
            ],
        );
        assert_eq!(text, "[{\"a\":1},{\"a\":2},{\"b\":\"x\\ny\"}]\n");
        let (text, _) = collect(OutputFormat::Json, &[]);
        assert_eq!(text, "[]\n");
        // A result cut short (Ctrl-C) still leaves a closed array.
        let (text, _) = collect(OutputFormat::Json, &[&["{\"a\":1}"], &["{\"a\":2}\n"]]);
        assert_eq!(text, "[{\"a\":1},{\"a\":2}]\n");
    }

    #[test]
    fn tables_are_a_blank_line_apart_and_ndjson_appends() {
        let (text, _) = collect(OutputFormat::Markdown, &[&["| a |\n"], &["| b |\n"]]);
        assert_eq!(text, "| a |\n\n| b |\n");
        let (text, _) = collect(OutputFormat::Ndjson, &[&["{\"a\":1}\n"], &["{\"b\":2}\n"]]);
        assert_eq!(text, "{\"a\":1}\n{\"b\":2}\n");
    }
}
