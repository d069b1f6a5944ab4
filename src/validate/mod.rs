//! Per-submission validation: every rule of rules.md that one workbook can
//! break on its own (and against the registry, when one is given).

use chrono::NaiveDate;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::lang::Lang;
use crate::period::Period;
use crate::read::Limits;
use crate::schema::SchemaSet;

pub mod cells;
pub mod checks;
pub mod cover;
pub mod explain;
pub mod ledger;
pub mod registry;
pub mod submission;

pub use registry::Registry;
pub use submission::{validate_file, Submission};

/// What every check needs to know about the run.
#[derive(Clone)]
pub struct Ctx<'a> {
    pub schemas: &'a SchemaSet,
    pub registry: Option<&'a Registry>,
    /// `--period`: the period being processed. Without it, each file is
    /// judged against the period on its own cover.
    pub period: Option<Period>,
    pub lang: Lang,
    pub limits: Limits,
    /// `--form`: which ledger a CSV file holds.
    pub form: Option<String>,
    /// Hash each file's bytes as they are read (aggregate's summary.json
    /// lists every input with its SHA-256).
    pub hash: bool,
    /// check and aggregate: also the checks that are requirements
    /// (`audit = true`), which validate leaves to them.
    pub audits: bool,
}

/// A time cell (forms.md §4.10): what it says, then where it stands once
/// its row is read (on the row's date, or on the date of the time it is
/// measured from, maybe the next day).
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    /// The date the cell carries, if any.
    pub own_date: Option<NaiveDate>,
    /// Seconds since that day's midnight.
    pub secs: u32,
    pub at: Option<chrono::NaiveDateTime>,
}

impl Clock {
    /// As the cell said it: `09:05`, `09:05:30`, `2026-07-15 09:05`.
    pub fn shown(&self) -> String {
        let (h, m, s) = (self.secs / 3600, self.secs / 60 % 60, self.secs % 60);
        let t = if s == 0 {
            format!("{h:02}:{m:02}")
        } else {
            format!("{h:02}:{m:02}:{s:02}")
        };
        match self.own_date {
            Some(d) => format!("{d} {t}"),
            None => t,
        }
    }

    /// Where it stands, in seconds since 1970-01-01 00:00 (conditions
    /// subtract two to get a duration).
    pub fn seconds(&self) -> Option<f64> {
        self.at.map(|t| t.and_utc().timestamp() as f64)
    }
}

/// A cell's value after coercion.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Blank,
    /// Non-blank but unreadable for its type; already diagnosed.
    Invalid,
    /// Text as read, or an enum's canonical value (borrowed, not copied).
    Text(Cow<'static, str>),
    Int(i64),
    Dec(f64),
    Date(NaiveDate),
    /// Boxed: times are rare, and every cell of every row is a Value.
    Time(Box<Clock>),
}

impl Value {
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn num(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Dec(f) => Some(*f),
            Value::Time(c) => c.seconds(),
            _ => None,
        }
    }
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
    pub fn is_blank(&self) -> bool {
        matches!(self, Value::Blank)
    }
}

/// One data row of a ledger, values in the schema's field order.
#[derive(Debug, Clone)]
pub struct Record {
    /// 0-based sheet row (CSV: line − 1).
    pub row: u32,
    pub values: Vec<Value>,
    /// The submitter, for CSV ledgers that carry it per row.
    pub org: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Ledger {
    pub schema: String,
    pub sheet: String,
    pub sheet_index: usize,
    pub records: Vec<Record>,
    /// The column each schema field was read from.
    pub columns: Vec<Option<u32>>,
}

impl Ledger {
    pub fn get<'a>(&self, schemas: &'a SchemaSet, rec: &'a Record, key: &str) -> &'a Value {
        static BLANK: Value = Value::Blank;
        schemas
            .get(&self.schema)
            .field_index(key)
            .and_then(|i| rec.values.get(i))
            .unwrap_or(&BLANK)
    }
}

/// Collects one file's diagnostics, stamping each with its file, sheet and org.
pub struct Sink {
    pub file: String,
    pub org: Option<String>,
    /// The submitter's level, once known (a check may apply to some only).
    pub level: Option<crate::org::Level>,
    pub csv: bool,
    pub sheet: Option<(String, usize)>,
    pub diags: Vec<Diagnostic>,
}

impl Sink {
    pub fn new(file: &str, csv: bool) -> Sink {
        Sink {
            file: file.to_string(),
            org: None,
            level: None,
            csv,
            sheet: None,
            diags: Vec::new(),
        }
    }

    pub fn on_sheet(&mut self, name: &str, index: usize) {
        self.sheet = Some((name.to_string(), index));
    }

    /// Start a diagnostic on the current sheet.
    pub fn make(&self, code: Code, message: String) -> Diagnostic {
        let mut d = Diagnostic::new(code, &self.file, message);
        if let Some((s, i)) = &self.sheet {
            if !self.csv {
                d = d.sheet(s, *i);
            } else {
                d.sheet_index = *i;
            }
        }
        d
    }

    /// A diagnostic at a cell; for CSV only the line is given.
    pub fn at(&self, code: Code, row: u32, col: u32, message: String) -> Diagnostic {
        let d = self.make(code, message);
        if self.csv {
            d.at_row(row)
        } else {
            d.at(row, col)
        }
    }

    pub fn push(&mut self, d: Diagnostic) {
        let org = d.org_code.clone().or_else(|| self.org.clone());
        let mut d = d;
        d.org_code = org;
        self.diags.push(d);
    }

    pub fn file_level(&mut self, code: Code, message: String) {
        let d = Diagnostic::new(code, &self.file, message);
        self.push(d);
    }
}

/// One input file: where it is, how it is shown, and its path relative to
/// the PATH it was found under (annotated copies keep that layout).
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    pub display: String,
    pub rel: PathBuf,
}

/// Everything found under the given paths, in a stable order.
/// `skip_dir` is the folder this run writes (`-o`): never read back.
pub fn collect_inputs(
    paths: &[PathBuf],
    skip: &[PathBuf],
    skip_dir: Option<&Path>,
) -> anyhow::Result<Vec<Input>> {
    let skip: Vec<PathBuf> = skip.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let skip_dir = skip_dir.and_then(|d| d.canonicalize().ok());
    let mut out = Vec::new();
    // Files that may be another name for a file found elsewhere: links, and
    // anything under a second PATH. Only these are resolved (resolving a
    // path costs a system call per folder in it; a province has thousands).
    let mut aliases = paths.len() > 1;
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| crate::lang::io_error(p, &e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            aliases |= walk(p, &mut found, skip_dir.as_deref())?;
            found.sort();
            for f in found {
                let rel = f
                    .strip_prefix(p)
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|_| f.clone());
                out.push(Input {
                    display: f.display().to_string(),
                    rel,
                    path: f,
                });
            }
        } else {
            let rel = PathBuf::from(p.file_name().unwrap_or(p.as_os_str()));
            out.push(Input {
                path: p.clone(),
                display: p.display().to_string(),
                rel,
            });
        }
    }
    // The registry is not a submission, whatever it is called here.
    let skip_names: Vec<&std::ffi::OsStr> = skip.iter().filter_map(|p| p.file_name()).collect();
    out.retain(|i| {
        let maybe = !skip.is_empty()
            && (aliases || i.path.file_name().is_some_and(|n| skip_names.contains(&n)));
        !(maybe && i.path.canonicalize().is_ok_and(|c| skip.contains(&c)))
    });
    if aliases {
        let mut seen = std::collections::HashSet::new();
        out.retain(|i| seen.insert(i.path.canonicalize().unwrap_or_else(|_| i.path.clone())));
    }
    Ok(out)
}

fn is_hidden_or_lock(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("~$")
}

/// Whether any file found is a link (and so maybe another name for one
/// found elsewhere).
fn walk(dir: &Path, out: &mut Vec<PathBuf>, skip_dir: Option<&Path>) -> anyhow::Result<bool> {
    // An aggregate output is read as that output (its report workbook),
    // never file by file: its tables/*.csv are not submissions (cli.md).
    if crate::read::report::is_output_dir(dir) {
        let book = dir.join("report.xlsx");
        if book.is_file() {
            out.push(book);
        }
        return Ok(false);
    }
    let rd = std::fs::read_dir(dir).map_err(|e| crate::lang::io_error(dir, &e))?;
    let ignored = ignore_list(dir);
    let mut links = false;
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if is_hidden_or_lock(&name) || ignored.contains(&name) {
            continue;
        }
        let path = e.path();
        let ft = match e.file_type() {
            Ok(t) => t,
            Err(_) => continue,
        };
        let before = out.len();
        if ft.is_dir() {
            if skip_dir.is_some_and(|s| {
                s.file_name() == path.file_name() && path.canonicalize().is_ok_and(|c| c == s)
            }) {
                continue;
            }
            links |= walk(&path, out, skip_dir)?;
        } else if crate::read::EXTENSIONS.contains(&crate::read::extension_of(&path).as_str()) {
            out.push(path);
        } else if ft.is_file() && looks_like_misnamed_workbook(&path) {
            // Kept so that a submission saved without or with a wrong
            // extension is reported, not silently skipped.
            out.push(path);
        }
        links |= ft.is_symlink() && out.len() > before;
    }
    Ok(links)
}

/// Names listed in a folder's `.pbstatignore` (one per line, `#` comments):
/// skipped when that folder is searched, still read when named as a PATH.
fn ignore_list(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(".pbstatignore"))
        .map(|t| {
            t.lines()
                .map(|l| l.trim().trim_end_matches('/').to_string())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect()
        })
        .unwrap_or_default()
}

/// Files in a submission folder whose extension pbstat does not read but
/// which a clerk would expect to be looked at (.xlsb, .et, .wps, .numbers).
fn looks_like_misnamed_workbook(path: &Path) -> bool {
    matches!(
        crate::read::extension_of(path).as_str(),
        "xlsb" | "et" | "numbers" | "xltx" | "xlt"
    )
}

/// Every diagnostic of a run in one sorted list: the registry's, each
/// file's, and those about no file (the 催报 notes). validate, check and
/// aggregate all report through this.
pub fn run_diagnostics<'a>(
    registry: Option<&Registry>,
    files: impl IntoIterator<Item = &'a [Diagnostic]>,
    about_no_file: &[Diagnostic],
) -> Vec<Diagnostic> {
    let mut all: Vec<Diagnostic> = registry.map(|r| r.diagnostics.clone()).unwrap_or_default();
    for f in files {
        all.extend_from_slice(f);
    }
    all.extend_from_slice(about_no_file);
    sort_diagnostics(&mut all);
    all
}

/// Sorted diagnostics of a whole run (stable across runs and thread counts).
pub fn sort_diagnostics(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}
