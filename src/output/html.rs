//! One result as a self-contained HTML page: title and description, parameters, provenance,
//! the chart as inline SVG, a map of the districts when the result has a district column, and
//! the rows.
//!
//! The page works offline and asks for nothing: no scripts, no fonts, no images from
//! anywhere. A Content-Security-Policy allows only its own style sheet (by its hash), so even
//! a value that slipped through unescaped could neither run nor fetch. Every value is
//! escaped. The page prints on A4.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, LazyLock};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::chart::{ChartData, ChartSpec};
use super::map::{MapData, MapSpec};
use super::text::CellText;
use super::{FirstRows, PrintOptions, ResultWriter, Summary, shape, svg, thousands};
use crate::reports::Report;

/// Rows a page shows unless `max_rows` says otherwise; the chart and map use every row.
pub const DEFAULT_ROWS: usize = 1000;

/// What a page says besides the rows: where they come from and how to draw them.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub title: String,
    pub description: Option<String>,
    /// The report's name; `None` for a query.
    pub report: Option<String>,
    /// Parameters as given, or as defaulted.
    pub params: Vec<(String, String)>,
    /// The SQL that made the result.
    pub sql: Option<String>,
    /// Provenance: (what, value), such as ("Lake", "demo").
    pub facts: Vec<(String, String)>,
    pub chart: Option<ChartSpec>,
    /// The map a hint asks for; without one, a district column is looked for.
    pub map: Option<MapSpec>,
}

impl Page {
    /// The page of a report run with `values` (the parameters given; the rest default).
    pub fn for_report(report: &Report, values: &[(String, String)]) -> Page {
        let params = report
            .params
            .iter()
            .map(|param| {
                let given = values
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&param.name));
                let value = match (given, &param.default) {
                    (Some((_, value)), _) => value.clone(),
                    (None, Some(default)) => format!("{default} (default)"),
                    (None, None) => "NULL".to_string(),
                };
                (param.name.clone(), value)
            })
            .collect();
        Page {
            title: report.title.clone(),
            description: report.description.clone(),
            report: Some(report.name.clone()),
            params,
            sql: Some(report.sql.clone()),
            facts: Vec::new(),
            chart: report.chart(),
            map: report.map(),
        }
    }

    /// The page of a report known by its name and hints alone (a server's, as
    /// `CALL reports()` lists it), run with `values`.
    pub fn for_listed_report(name: &str, values: &[(String, String)], hints: &[String]) -> Page {
        Page {
            title: name.to_string(),
            report: Some(name.to_string()),
            params: values.to_vec(),
            chart: ChartSpec::from_hints(hints),
            map: MapSpec::from_hints(hints),
            ..Page::default()
        }
    }

    /// The page of one query.
    pub fn for_query(sql: &str) -> Page {
        Page {
            title: "Query result".to_string(),
            sql: Some(sql.trim().to_string()),
            ..Page::default()
        }
    }

    /// The page with the session's lake, user and purpose among its facts.
    pub fn about(mut self, session: &crate::Session) -> Page {
        let identity = session.identity();
        self.facts
            .push(("Lake".into(), session.lake().name().into()));
        self.facts.push(("User".into(), identity.user().into()));
        if let Some(purpose) = identity.purpose() {
            self.facts.push(("Purpose".into(), purpose.into()));
        }
        if let Some(pin) = session.as_of() {
            self.facts.push(("As of".into(), pin.to_string()));
        }
        self
    }

    /// The page with the tables its result read among its facts: each one's version and
    /// files, so that a figure can be traced to its data.
    pub fn with_reads(mut self, reads: &[crate::provenance::TableRead]) -> Page {
        for read in reads {
            self.facts.push(("Read".into(), read.to_string()));
        }
        self
    }
}

/// Text made safe inside HTML elements and attribute values (quoted with `"`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes a page as the rows arrive: the rows to show are kept, the chart's and map's values
/// gathered from every row.
pub(super) struct HtmlOut<W: Write> {
    page: Arc<Page>,
    schema: SchemaRef,
    kept: FirstRows,
    chart: Option<Result<ChartData, String>>,
    map: Option<Result<MapData, String>>,
    started: String,
    out: W,
}

impl<W: Write> HtmlOut<W> {
    pub(super) fn new(options: &PrintOptions, schema: SchemaRef, out: W) -> Self {
        let page = options.page.clone().unwrap_or_default();
        let chart = page.chart.as_ref().map(|spec| Ok(ChartData::empty(spec)));
        let map = page
            .map
            .clone()
            .or_else(|| MapSpec::guess(&schema, page.chart.as_ref()))
            .map(|spec| Ok(MapData::empty(&spec)));
        HtmlOut {
            page,
            schema,
            kept: FirstRows::new(Some(options.max_rows.unwrap_or(DEFAULT_ROWS))),
            chart,
            map,
            started: crate::utc_now(chrono::SecondsFormat::Secs),
            out,
        }
    }
}

impl<W: Write> ResultWriter for HtmlOut<W> {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        self.kept.push(batch);
        if let Some(Ok(chart)) = &mut self.chart
            && let Err(problem) = chart.add(batch)
        {
            self.chart = Some(Err(problem));
        }
        if let Some(Ok(map)) = &mut self.map
            && let Err(problem) = map.add(batch)
        {
            self.map = Some(Err(problem));
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Summary, ArrowError> {
        let document = document(&self.page.title, &self.article()?);
        self.out.write_all(document.as_bytes())?;
        self.out.flush()?;
        Ok(Summary {
            rows: self.kept.rows,
            shown: self.kept.shown(),
            hidden_columns: 0,
        })
    }
}

impl<W: Write> HtmlOut<W> {
    fn article(&self) -> Result<String, ArrowError> {
        let page = &self.page;
        let mut html = String::from("<article class=\"jaanch\">\n<header>\n");
        let _ = writeln!(html, "<h1>{}</h1>", escape(&page.title));
        if let Some(description) = &page.description {
            let _ = writeln!(html, "<p class=\"description\">{}</p>", escape(description));
        }
        html.push_str("</header>\n");
        html.push_str(&self.provenance());
        match &self.chart {
            Some(Ok(chart)) if !chart.points.is_empty() => {
                let drawing = svg::chart(chart);
                let _ = writeln!(
                    html,
                    "<section class=\"chart\">\n<h2>{}</h2>",
                    escape(&capitalised(&drawing.title))
                );
                html.push_str(&drawing.svg);
                html.push('\n');
                html.push_str(&legend(&drawing.legend));
                html.push_str(&notes(&drawing.notes));
                html.push_str("</section>\n");
            }
            Some(Ok(_)) => {}
            Some(Err(problem)) => {
                let _ = writeln!(
                    html,
                    "<section class=\"chart\">\n<h2>Chart</h2>\n<p class=\"note\">Chart not drawn: {}.</p>\n</section>",
                    escape(problem)
                );
            }
            None => {}
        }
        match &self.map {
            Some(Ok(map)) if self.kept.rows > 0 => {
                let _ = writeln!(
                    html,
                    "<section class=\"map\">\n<h2>{} by district</h2>\n{}",
                    escape(&capitalised(&map.spec.to_string())),
                    map.svg()
                );
                let mut notes_ = map.notes();
                notes_.push(
                    "Each district is drawn at its headquarters; boundaries are not drawn."
                        .to_string(),
                );
                html.push_str(&notes(&notes_));
                html.push_str("</section>\n");
            }
            Some(Err(problem)) => {
                let _ = writeln!(
                    html,
                    "<section class=\"map\">\n<h2>By district</h2>\n<p class=\"note\">Map not drawn: {}.</p>\n</section>",
                    escape(problem)
                );
            }
            _ => {}
        }
        html.push_str(&self.table()?);
        if let Some(sql) = &page.sql {
            let _ = writeln!(
                html,
                "<section class=\"sql\">\n<h2>SQL</h2>\n<pre>{}</pre>\n</section>",
                escape(sql)
            );
        }
        let _ = writeln!(
            html,
            "<footer>Made by jaanch {} from the lake's data as it was when the query ran.</footer>\n</article>",
            env!("CARGO_PKG_VERSION")
        );
        Ok(html)
    }

    fn provenance(&self) -> String {
        let page = &self.page;
        let mut html = String::from("<section class=\"provenance\">\n<dl>\n");
        let mut fact = |what: &str, value: &str| {
            let _ = writeln!(html, "<dt>{}</dt><dd>{}</dd>", escape(what), escape(value));
        };
        if let Some(report) = &page.report {
            fact("Report", report);
        }
        for (what, value) in &page.facts {
            fact(what, value);
        }
        fact("Run at", &self.started);
        fact("Rows", &shape(self.kept.rows, self.schema.fields().len()));
        if !page.params.is_empty() {
            html.push_str("<dt>Parameters</dt><dd><table class=\"params\">\n");
            for (name, value) in &page.params {
                let _ = writeln!(
                    html,
                    "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                    escape(name),
                    escape(value)
                );
            }
            html.push_str("</table></dd>\n");
        }
        html.push_str("</dl>\n</section>\n");
        html
    }

    fn table(&self) -> Result<String, ArrowError> {
        let mut html = String::from(
            "<section class=\"rows\">\n<h2>Rows</h2>\n<div class=\"scroll\"><table class=\"result\">\n<thead><tr>",
        );
        for field in self.schema.fields() {
            let _ = write!(
                html,
                "<th scope=\"col\" title=\"{}\">{}</th>",
                escape(&field.data_type().to_string()),
                escape(field.name())
            );
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        let cells = CellText::new(&self.schema, &self.kept.batches)?;
        for row in &cells.rows {
            html.push_str("<tr>");
            for (cell, numeric) in row.iter().zip(&cells.numeric) {
                let class = if *numeric { " class=\"num\"" } else { "" };
                match cell {
                    Some(text) => {
                        let _ = write!(html, "<td{class}>{}</td>", escape(text));
                    }
                    None => {
                        let _ = write!(html, "<td{class}><span class=\"null\">NULL</span></td>");
                    }
                }
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody>\n</table></div>\n");
        let shown = self.kept.shown();
        if shown < self.kept.rows {
            let _ = writeln!(
                html,
                "<p class=\"note\">The first {} of {} rows are shown; the chart and map use every row.</p>",
                thousands(shown),
                thousands(self.kept.rows)
            );
        }
        html.push_str("</section>\n");
        Ok(html)
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn legend(keys: &[svg::Key]) -> String {
    if keys.is_empty() {
        return String::new();
    }
    let mut html = String::from("<ul class=\"legend\">");
    for key in keys {
        let dash = if key.dashed {
            " stroke-dasharray=\"4 2\""
        } else {
            ""
        };
        let _ = write!(
            html,
            "<li><svg width=\"18\" height=\"10\" viewBox=\"0 0 18 10\" aria-hidden=\"true\"><line x1=\"0\" y1=\"5\" x2=\"18\" y2=\"5\" stroke=\"{}\" stroke-width=\"6\"{dash}/></svg> {}</li>",
            key.colour,
            escape(&key.name)
        );
    }
    html.push_str("</ul>\n");
    html
}

fn notes(notes: &[String]) -> String {
    notes
        .iter()
        .map(|note| format!("<p class=\"note\">{}</p>\n", escape(note)))
        .collect()
}

/// The style sheet: screen and A4 print.
pub const CSS: &str = "\
.jaanch{font-family:system-ui,'Noto Sans','Noto Sans Devanagari',sans-serif;color:#111;max-width:60rem;margin:1.5rem auto;padding:0 1rem;line-height:1.4}
.jaanch h1{font-size:1.5rem;margin:0 0 .4rem}
.jaanch h2{font-size:1.1rem;margin:1.4rem 0 .5rem;border-bottom:1px solid #ccc}
.jaanch .description{margin:0 0 1rem;color:#333}
.jaanch dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
.jaanch dt{font-weight:600}
.jaanch dd{margin:0}
.jaanch table{border-collapse:collapse;font-size:.85rem}
.jaanch th,.jaanch td{border:1px solid #ccc;padding:.2rem .45rem;text-align:left;vertical-align:top}
.jaanch thead th{background:#f0f0f0}
.jaanch td.num{text-align:right;font-variant-numeric:tabular-nums}
.jaanch .params th{background:none;font-weight:normal;font-family:monospace}
.jaanch .null{color:#888;font-style:italic}
.jaanch .scroll{overflow-x:auto}
.jaanch svg.chart,.jaanch svg.map{width:100%;height:auto;display:block}
.jaanch svg.map{max-width:40rem}
.jaanch .legend{list-style:none;padding:0;margin:.4rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem}
.jaanch .note{color:#555;font-size:.85rem;margin:.3rem 0}
.jaanch pre{background:#f6f6f6;padding:.6rem;overflow-x:auto;font-size:.8rem;white-space:pre-wrap}
.jaanch footer{margin-top:1.5rem;color:#666;font-size:.8rem}
@page{size:A4;margin:14mm}
@media print{.jaanch{max-width:none;margin:0;padding:0}.jaanch .scroll{overflow:visible}.jaanch table.result{font-size:.7rem}.jaanch td,.jaanch th{overflow-wrap:anywhere}.jaanch section.chart,.jaanch section.map{break-inside:avoid}.jaanch tr{break-inside:avoid}.jaanch svg.map{max-height:230mm}}
";

/// The page's Content-Security-Policy: nothing may load or run; only [`CSS`] applies.
pub static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS.as_bytes()));
    format!("default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'")
});

/// A whole HTML document around `body`.
fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"jaanch {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        *CONTENT_SECURITY_POLICY,
        env!("CARGO_PKG_VERSION"),
        escape(title)
    )
}

/// The page's article without the document around it, for a notebook cell: its styles come
/// with it, scoped to the article.
pub fn fragment(
    page: &Arc<Page>,
    schema: SchemaRef,
    batches: &[RecordBatch],
    max_rows: usize,
) -> Result<String, ArrowError> {
    let options = PrintOptions {
        max_rows: Some(max_rows),
        page: Some(Arc::clone(page)),
        ..PrintOptions::new(super::OutputFormat::Html)
    };
    let mut writer = HtmlOut::new(&options, schema, Vec::new());
    for batch in batches {
        writer.write_batch(batch)?;
    }
    Ok(format!("<style>{CSS}</style>\n{}", writer.article()?))
}
