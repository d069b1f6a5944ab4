//! The documents pbstat writes for people's scripts and reads back: the
//! head of summary.json (its writer in `cmd::aggregate`, its readers in
//! `report`, the HTML summary and `--previous`), the 催报 list, and the
//! `--format json` documents of check, aggregate, template and schema list.
//!
//! One type per document, shared by writer and readers, so a key renamed
//! on one side cannot go unnoticed on the other, and a summary.json missing
//! a key fails at load, naming the key. Every document is rendered through
//! [`to_json`], which sorts keys as earlier pbstat versions wrote them.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use crate::diag::{Counts, Diagnostic};

/// A key that must be present even where its value may be null: serde
/// would otherwise read a missing `Option` as `None`.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// A document as pretty JSON with its keys sorted, ending in a newline.
pub fn to_json(doc: &impl Serialize) -> String {
    let v = serde_json::to_value(doc).expect("documents serialise");
    let mut s = serde_json::to_string_pretty(&v).expect("JSON values serialise");
    s.push('\n');
    s
}

/// A document's fields as a sorted map, for writers that stream more
/// fields beside them (summary.json's tables).
pub fn to_map(doc: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(doc).expect("documents serialise") {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// One requirement an organisation falls short of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Shortfall {
    pub code: String,
    pub name: String,
    pub level: String,
    /// Which requirement: a `[[target]]`'s key (audits.toml), or
    /// `meeting` for a meeting minimum.
    pub what: String,
    /// Only for meetings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_type: Option<String>,
    pub figure: i64,
    pub minimum: i64,
}

/// A submission left out of the tables, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Excluded {
    pub file: String,
    #[serde(deserialize_with = "present")]
    pub org_code: Option<String>,
    #[serde(deserialize_with = "present")]
    pub name: Option<String>,
    pub errors: usize,
    pub reasons: Vec<String>,
}

/// An organisation expected to submit that has not (the 催报 list).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MissingOrg {
    pub code: String,
    #[serde(deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(deserialize_with = "present")]
    pub level: Option<String>,
    /// The parent the registry names, even when the registry lacks it.
    #[serde(deserialize_with = "present")]
    pub parent_code: Option<String>,
    #[serde(deserialize_with = "present")]
    pub parent_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    pub code: String,
    pub name: String,
    pub level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GeneratedBy {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistryFile {
    pub file: String,
    pub sha256: String,
}

/// One input file of the run and what became of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputFile {
    pub file: String,
    pub sha256: String,
    #[serde(deserialize_with = "present")]
    pub org_code: Option<String>,
    /// accepted, excluded or unreadable.
    pub status: String,
}

/// One declared check's rows at one level (审核汇总).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleCount {
    /// The diagnostic code the check raises.
    pub rule: String,
    pub ledger: String,
    /// The ledger's sheet name and the field's header, for people.
    pub sheet: String,
    pub field: String,
    pub header: String,
    pub level: String,
    pub checked: usize,
    pub passed: usize,
    pub failed: usize,
}

/// summary.json without its tables (which are streamed beside it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryHead {
    pub period: String,
    pub period_name: String,
    pub scope: Scope,
    pub generated_by: GeneratedBy,
    #[serde(deserialize_with = "present")]
    pub registry: Option<RegistryFile>,
    pub inputs: Vec<InputFile>,
    pub excluded: Vec<Excluded>,
    pub missing: Vec<MissingOrg>,
    pub below_target: Vec<Shortfall>,
    /// Meetings required by type, summed over the accepted organisations.
    pub meeting_required: BTreeMap<String, u32>,
    pub registration_minimum: u32,
    /// Every declared check's rows by level, most-failed first.
    pub rules: Vec<RuleCount>,
    /// What the tables were built from: `submissions`, or `summaries`
    /// (county report workbooks rolled up). Outputs of earlier versions,
    /// which do not say, were built from submissions or summaries alike;
    /// they read as `submissions`.
    #[serde(default = "from_submissions")]
    pub built_from: String,
    /// A period roll-up's sub-periods and gaps (reports.md §5.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollup: Option<Rollup>,
    /// With `--history`: the headline figures over periods (§5.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
}

/// The headline indicators over several outputs (reports.md §5.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub scope: Scope,
    /// month, quarter or year.
    pub period_kind: String,
    pub periods: Vec<String>,
    pub gaps: Vec<String>,
    pub sources: Vec<HistorySource>,
    pub rows: Vec<HistoryRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistorySource {
    pub period: String,
    pub path: String,
    /// Blank for the run that writes the history into its own output.
    pub summary_sha256: String,
    pub built_from: String,
}

/// A row of the history table: an indicator of an organisation in a
/// period; blank where a period has no figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub indicator: String,
    pub table: String,
    pub period: String,
    pub level: String,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub value: Option<f64>,
    pub num: Option<f64>,
    pub den: Option<f64>,
}

/// How a period roll-up was built: its sub-periods' outputs, in period
/// order, and the months no input covered (with `--allow-gaps`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    pub from: Vec<RollupFrom>,
    pub gaps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollupFrom {
    pub period: String,
    pub path: String,
    pub summary_sha256: String,
}

fn from_submissions() -> String {
    "submissions".into()
}

/// One row of a report table as summary.json holds it: column key → value.
pub type Row = Map<String, Value>;

/// Why a summary.json could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// Not JSON at all (cut short, say).
    Damaged(String),
    /// JSON, but without this key: not a pbstat summary, or from a pbstat
    /// that wrote fewer keys.
    MissingKey(String),
    /// A key whose value has the wrong type.
    WrongValue(String),
}

impl LoadError {
    /// What is wrong, in the run's language.
    pub fn describe(&self) -> String {
        match self {
            LoadError::Damaged(e) => crate::lang::tr(
                format!("summary.json 已损坏（{e}）"),
                format!("summary.json is damaged ({e})"),
            ),
            LoadError::MissingKey(k) => crate::lang::tr(
                format!("summary.json 缺少 {k}，不是本版 pbstat aggregate 写出的汇总结果"),
                format!("summary.json has no {k}: it is not a summary this pbstat aggregate wrote"),
            ),
            LoadError::WrongValue(e) => crate::lang::tr(
                format!("summary.json 中有不符合格式的值（{e}）"),
                format!("summary.json holds a value of the wrong kind ({e})"),
            ),
        }
    }
}

/// summary.json as read back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    #[serde(flatten)]
    pub head: SummaryHead,
    /// Each table's rows by table id (t0, t1, …), the scope's row first.
    pub tables: BTreeMap<String, Vec<Row>>,
}

impl Summary {
    /// Whether this earlier output is of `period`'s length, so that flows
    /// compare too (reports.md §5.3). One of no known period counts as of
    /// the same length.
    pub fn same_length(&self, period: &crate::period::Period) -> bool {
        crate::period::Period::parse(&self.head.period).is_none_or(|p| p.kind == period.kind)
    }

    /// Read summary.json's text.
    pub fn parse(text: &str) -> Result<Summary, LoadError> {
        let v: Value = serde_json::from_str(text).map_err(|e| LoadError::Damaged(e.to_string()))?;
        serde_json::from_value(v).map_err(|e| {
            let m = e.to_string();
            match m
                .strip_prefix("missing field `")
                .and_then(|r| r.split_once('`'))
            {
                Some((key, _)) => LoadError::MissingKey(key.to_string()),
                None => LoadError::WrongValue(m),
            }
        })
    }

    /// A table's rows (none when the table is absent).
    pub fn rows(&self, table: &str) -> &[Row] {
        self.tables.get(table).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A table's first row: the scope's own.
    pub fn root(&self, table: &str) -> Option<&Row> {
        self.rows(table).first()
    }

    /// The row of an organisation in a table.
    pub fn row_of(&self, table: &str, code: &str) -> Option<&Row> {
        self.rows(table)
            .iter()
            .find(|r| r.get("code").and_then(Value::as_str) == Some(code))
    }
}

/// Diagnostic counts of a run, overall and by file.
#[derive(Debug, Serialize)]
pub struct FileCounts {
    pub file: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Serialize)]
pub struct DiagnosticCounts {
    pub files: usize,
    #[serde(flatten)]
    pub counts: Counts,
    pub files_with_errors: usize,
    pub by_file: Vec<FileCounts>,
}

impl DiagnosticCounts {
    pub fn of(diags: &[Diagnostic], files: usize) -> DiagnosticCounts {
        let mut by: BTreeMap<&str, Counts> = BTreeMap::new();
        for d in diags {
            by.entry(&d.file).or_default().add(d.severity);
        }
        DiagnosticCounts {
            files,
            counts: Counts::of(diags),
            files_with_errors: by.values().filter(|c| c.errors > 0).count(),
            by_file: by
                .into_iter()
                .map(|(f, c)| FileCounts {
                    file: f.to_string(),
                    counts: c,
                })
                .collect(),
        }
    }
}

/// `validate --format json`.
#[derive(Debug, Serialize)]
pub struct ValidateDoc<'a> {
    pub diagnostics: &'a [Diagnostic],
    pub summary: DiagnosticCounts,
}

/// `check --format json`.
#[derive(Debug, Serialize)]
pub struct CheckDoc<'a> {
    pub diagnostics: &'a [Diagnostic],
    pub summary: DiagnosticCounts,
    pub missing: &'a [MissingOrg],
    pub period: String,
    pub rules: &'a [RuleCount],
}

/// `aggregate --format json`: what the run wrote and what it found.
#[derive(Debug, Serialize)]
pub struct AggregateDoc<'a> {
    pub output: String,
    pub report: String,
    pub period: String,
    pub scope: Scope,
    pub files: usize,
    pub accepted: usize,
    pub excluded: &'a [Excluded],
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub missing: &'a [MissingOrg],
    pub exit_code: i32,
}

/// `template --format json`.
#[derive(Debug, Serialize)]
pub struct TemplateDoc<'a> {
    pub written: &'a [String],
}

/// One schema as `schema list --format json` shows it.
#[derive(Debug, Serialize)]
pub struct SchemaEntry {
    pub name: String,
    pub title: String,
    pub kind: String,
    pub required_for: Vec<String>,
    /// Levels that may carry the sheet (the optional forms).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub optional_for: Vec<String>,
    pub level: Option<String>,
    pub fields: usize,
}

/// `schema list --format json`.
#[derive(Debug, Serialize)]
pub struct SchemaListDoc {
    pub schemas: Vec<SchemaEntry>,
    pub source: String,
}

/// state/state.json (reports.md §5.5): what an output's state/ belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StateDoc {
    pub format: u32,
    pub scope: String,
    pub period: String,
    pub built_from: String,
    /// The first 16 hex digits of SHA-256 of the roster key: never the key.
    pub key_fingerprint: String,
}

/// A keyed hash of an ID number (HMAC-SHA256), held as its 32 bytes and
/// written as 64 lowercase hex digits: a province's roster is millions of
/// them. Byte order is the order of the hex text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IdHash(pub [u8; 32]);

impl IdHash {
    /// Its 64 hex digits into `out`.
    pub fn hex_into(&self, out: &mut String) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        // Formed on the stack and appended at once: a push per digit was
        // most of the roster file's hex (300,000 rows a county).
        let mut digits = [0u8; 64];
        for (pair, b) in digits.chunks_exact_mut(2).zip(self.0) {
            pair[0] = HEX[usize::from(b >> 4)];
            pair[1] = HEX[usize::from(b & 15)];
        }
        out.push_str(std::str::from_utf8(&digits).expect("hex digits are ASCII"));
    }

    /// From 64 hex digits (either case); None for anything else.
    pub fn from_hex(t: &str) -> Option<IdHash> {
        let b = t.as_bytes();
        if b.len() != 64 {
            return None;
        }
        let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            *o = nibble(b[2 * i])? << 4 | nibble(b[2 * i + 1])?;
        }
        Some(IdHash(out))
    }
}

impl std::fmt::Display for IdHash {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let mut s = String::with_capacity(64);
        self.hex_into(&mut s);
        f.write_str(&s)
    }
}

/// Where a file's roster rows stood: the ledger the key is of (`roster`),
/// the period, the file and the sheet, shared by all of its rows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RosterPlace {
    pub ledger: std::sync::Arc<str>,
    pub period: std::sync::Arc<str>,
    pub file: std::sync::Arc<str>,
    pub sheet: std::sync::Arc<str>,
}

/// A row of state/roster_ids.parquet: a roster row's keyed hash and where
/// it stood, never the ID number (reports.md §5.3). 72 bytes and nothing
/// on the heap of its own: a province holds millions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RosterRow {
    pub community_code: std::sync::Arc<str>,
    pub id_hash: IdHash,
    pub at: std::sync::Arc<RosterPlace>,
    /// As a person sees it (1-based).
    pub row: u32,
    /// The key's column (0 for A); None for a CSV ledger, which has no cell.
    pub col: Option<u32>,
}

impl RosterRow {
    /// The cell as Excel shows it (`C12`); None for CSV.
    pub fn cell(&self) -> Option<String> {
        let mut s = String::new();
        self.cell_into(&mut s).then_some(s)
    }

    /// The cell appended to `out`; false (nothing appended) for CSV.
    pub fn cell_into(&self, out: &mut String) -> bool {
        use std::fmt::Write;
        let Some(c) = self.col else { return false };
        crate::diag::col_letter_into(c, out);
        let _ = write!(out, "{}", self.row);
        true
    }
}

/// A row of state/own_counts.parquet (reports.md §5.5): an organisation's
/// own part of a count column (its row less its children's), or with
/// `table` = `requirements` a count its requirements were judged on.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub struct OwnRow {
    /// Shared, as the table, category and column: an organisation has
    /// dozens of rows, a province hundreds of thousands.
    pub code: std::sync::Arc<str>,
    pub table: std::sync::Arc<str>,
    /// The breakdown value (T3b's category), else blank.
    pub category: Option<std::sync::Arc<str>>,
    pub column: std::sync::Arc<str>,
    pub value: f64,
}

/// An output's state/ (reports.md §5.5): what the next period's run reads.
#[derive(Debug, Clone, PartialEq)]
pub struct RunState {
    pub doc: StateDoc,
    pub rows: Vec<RosterRow>,
    /// Whether the output keeps its organisations' own counts
    /// (own_counts.parquet): not one built from county summaries, which
    /// keeps nothing below the counties (a period roll-up cannot use it).
    /// They are made from the tables while the other files are written.
    pub own: bool,
}
