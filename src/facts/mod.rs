//! What aggregation keeps of a validated submission: its counts per
//! organisation, the ID numbers the cross-audits compare, and where each
//! stands. The workbook itself is dropped as soon as this is taken, so
//! memory holds counts, not workbooks.

use foldhash::HashSet;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::org::Level;
use crate::period::Period;
use crate::read::report::ReportInput;

pub mod measure;
use crate::schema::SchemaSet;
use crate::validate::explain::Explanation;
use crate::validate::submission::SubmissionKind;
use crate::validate::{Ledger, Record, Submission, Value};

/// An ID number in 64 bits: its 17 digits and the check character (X as
/// 10). Only ID numbers that passed every check reach the extracts, and the
/// cross-audits compare hundreds of thousands of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdKey(u64);

impl IdKey {
    /// The key of an ID number as read. A standard one is packed; anything
    /// else (possible only with a custom schema that reads ID numbers as
    /// plain text) gets a hash with the top bit set, which packed numbers
    /// never reach (11 × 10^17 < 2^63).
    pub fn of(id: &str) -> IdKey {
        IdKey::pack(id).unwrap_or_else(|| {
            let h = Sha256::digest(id.as_bytes());
            let mut b = [0u8; 8];
            b.copy_from_slice(&h[..8]);
            IdKey(u64::from_le_bytes(b) | 1 << 63)
        })
    }

    /// The ID number as messages may show it: masked (diag::mask_id).
    pub fn masked(&self) -> String {
        if self.0 >> 63 == 1 {
            return "*".repeat(18);
        }
        crate::diag::mask_id(&self.to_string())
    }

    /// Pack a valid ID number (17 digits and a digit or X); None otherwise.
    pub fn pack(id: &str) -> Option<IdKey> {
        let b = id.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let check = match b[17] {
            d @ b'0'..=b'9' => (d - b'0') as u64,
            b'X' => 10,
            _ => return None,
        };
        let digits = b[..17].iter().fold(0u64, |n, d| n * 10 + (d - b'0') as u64);
        Some(IdKey(digits * 11 + check))
    }
}

impl std::fmt::Display for IdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let check = match self.0 % 11 {
            10 => 'X',
            d => char::from(b'0' + d as u8),
        };
        write!(f, "{:017}{check}", self.0 / 11)
    }
}

/// Raw counts one file adds to one organisation: what the measures of
/// schemas/measures.toml counted (measure.rs).
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// By base count (MeasureSet::base order); missing ones are 0.
    pub base: Vec<f64>,
    /// The values a `distinct` measure met, by base count: the files of one
    /// organisation count each value once.
    pub sets: BTreeMap<usize, BTreeSet<String>>,
    /// The same for packed ID numbers, sorted and without repeats (a
    /// province's rosters hold hundreds of thousands).
    /// Shared: merging an organisation's counts from several files copies
    /// its members only when two files both list some.
    pub id_sets: BTreeMap<usize, Arc<Vec<u64>>>,
    /// Measures the requirements read that are no base count.
    pub aux: BTreeMap<String, f64>,
    /// The maxima (`max` measures), by base count: combined by max.
    pub maxes: BTreeMap<usize, f64>,
    /// The values a `distinct` measure the targets read (no base count) met.
    pub aux_sets: BTreeMap<String, BTreeSet<String>>,
    /// Per breakdown (categories, meeting_types …) and value: its measures,
    /// in the breakdown's order.
    pub breakdowns: BTreeMap<String, BTreeMap<String, Vec<f64>>>,
}

impl Counts {
    pub fn merge(&mut self, o: &Counts) {
        if self.base.len() < o.base.len() {
            self.base.resize(o.base.len(), 0.0);
        }
        for (a, b) in self.base.iter_mut().zip(&o.base) {
            *a += b;
        }
        for (k, v) in &o.sets {
            self.sets.entry(*k).or_default().extend(v.iter().cloned());
        }
        for (k, v) in &o.id_sets {
            match self.id_sets.get_mut(k) {
                None => {
                    self.id_sets.insert(*k, v.clone());
                }
                Some(mine) => {
                    let mine = Arc::make_mut(mine);
                    mine.extend_from_slice(v);
                    mine.sort_unstable();
                    mine.dedup();
                }
            }
        }
        for (k, v) in &o.aux {
            *self.aux.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.aux_sets {
            self.aux_sets
                .entry(k.clone())
                .or_default()
                .extend(v.iter().cloned());
        }
        for (k, v) in &o.maxes {
            let x = self.maxes.entry(*k).or_insert(*v);
            *x = x.max(*v);
        }
        for (k, groups) in &o.breakdowns {
            let mine = self.breakdowns.entry(k.clone()).or_default();
            for (g, v) in groups {
                let e = mine.entry(g.clone()).or_insert_with(|| vec![0.0; v.len()]);
                for (a, b) in e.iter_mut().zip(v) {
                    *a += b;
                }
            }
        }
    }

    /// A base count as the tables take it: a distinct measure's number of
    /// values, else the sum.
    pub fn value(&self, i: usize) -> f64 {
        if let Some(x) = self.maxes.get(&i) {
            return *x;
        }
        match (self.sets.get(&i), self.id_sets.get(&i)) {
            (Some(s), _) => s.len() as f64,
            (None, Some(s)) => s.len() as f64,
            (None, None) => self.base.get(i).copied().unwrap_or(0.0),
        }
    }

    /// Add to a base count.
    pub fn add(&mut self, i: usize, v: f64) {
        if self.base.len() <= i {
            self.base.resize(i + 1, 0.0);
        }
        self.base[i] += v;
    }

    pub fn aux(&self, key: &str) -> f64 {
        if let Some(s) = self.aux_sets.get(key) {
            return s.len() as f64;
        }
        self.aux.get(key).copied().unwrap_or(0.0)
    }

    /// One measure of a breakdown for one value (0 when absent).
    pub fn broken_down(&self, breakdown: &str, value: &str, at: usize) -> f64 {
        self.breakdowns
            .get(breakdown)
            .and_then(|b| b.get(value))
            .and_then(|v| v.get(at))
            .copied()
            .unwrap_or(0.0)
    }
}

/// A cell of a detail table's row as extraction takes it (the
/// organisation's code and name and the rates are the aggregation's).
#[derive(Debug, Clone, PartialEq)]
pub enum DetailCell {
    Text(Option<String>),
    Num(Option<f64>),
}

/// One row of a detail table: its organisation, the sheet row, the cells,
/// and (read back from a county's report) the organisation's name.
#[derive(Debug, Clone)]
pub struct DetailRow {
    pub org: String,
    pub row: u32,
    pub cells: Vec<DetailCell>,
    pub name: Option<String>,
}

/// A key as detail counts compare it: text folded and trimmed.
fn key_of(v: &Value) -> Option<String> {
    let t = match v {
        Value::Text(t) => t.to_string(),
        Value::Int(_) | Value::Dec(_) => crate::text::number_text(v.num()?),
        _ => return None,
    };
    Some(crate::read::cell::normalize_text(&t).into_owned())
}

/// The rows of every detail table this submission carries.
fn detail_rows(ledgers: &[Ledger], schemas: &SchemaSet, own: Option<&str>) -> Vec<Vec<DetailRow>> {
    use crate::schema::tables::Detail;
    schemas
        .tables
        .defs()
        .iter()
        .filter_map(|t| Some((t, t.detail.as_deref()?)))
        .map(|(t, ledger)| {
            let mut out = Vec::new();
            for l in ledgers.iter().filter(|l| l.schema == ledger) {
                for r in &l.records {
                    let Some(org) = r.org.as_deref().or(own) else {
                        continue;
                    };
                    let cells = t
                        .cols
                        .iter()
                        .map(|c| match &c.detail {
                            Some(Detail::Field(i)) => {
                                let v = r.values.get(*i).unwrap_or(&Value::Blank);
                                if c.kind == crate::schema::tables::Kind::Count {
                                    DetailCell::Num(v.num())
                                } else {
                                    DetailCell::Text(
                                        v.text()
                                            .map(str::to_string)
                                            .or_else(|| v.num().map(crate::text::number_text)),
                                    )
                                }
                            }
                            Some(Detail::Present(i, yes, no)) => {
                                let filled = r
                                    .values
                                    .get(*i)
                                    .is_some_and(|v| !v.is_blank() && *v != Value::Invalid);
                                DetailCell::Text(Some(if filled {
                                    yes.clone()
                                } else {
                                    no.clone()
                                }))
                            }
                            Some(Detail::Count(other, field, mine)) => {
                                let key = r.values.get(*mine).and_then(key_of);
                                let n = key.map_or(0, |k| {
                                    ledgers
                                        .iter()
                                        .filter(|o| &o.schema == other)
                                        .flat_map(|o| o.records.iter())
                                        .filter(|o| {
                                            o.values.get(*field).and_then(key_of).as_deref()
                                                == Some(k.as_str())
                                        })
                                        .count()
                                });
                                DetailCell::Num(Some(n as f64))
                            }
                            _ => DetailCell::Text(None),
                        })
                        .collect();
                    out.push(DetailRow {
                        org: org.to_string(),
                        row: r.row,
                        cells,
                        name: None,
                    });
                }
            }
            out
        })
        .collect()
}

/// A county report's detail rows (its `_rows_<table>` sheets), as rows of
/// this run's detail tables: listed again, not summed (forms.md §4.6).
fn report_rows(r: &ReportInput, schemas: &SchemaSet) -> Vec<Vec<DetailRow>> {
    use crate::schema::tables::{Detail, Kind};
    schemas
        .tables
        .defs()
        .iter()
        .filter(|t| t.detail.is_some())
        .map(|t| {
            let keys = |d: &Detail| {
                t.cols
                    .iter()
                    .find(|c| c.detail.as_ref() == Some(d))
                    .map(|c| c.key.clone())
            };
            let (code_key, name_key) = (keys(&Detail::OrgCode), keys(&Detail::OrgName));
            r.rows
                .get(&t.id)
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(k, m)| {
                    let org = m.get(code_key.as_deref()?)?.clone();
                    let cells = t
                        .cols
                        .iter()
                        .map(|c| {
                            let v = m.get(&c.key);
                            if c.kind == Kind::Count {
                                DetailCell::Num(Some(v.and_then(|x| x.parse().ok()).unwrap_or(0.0)))
                            } else {
                                DetailCell::Text(v.cloned())
                            }
                        })
                        .collect();
                    Some(DetailRow {
                        org,
                        row: k as u32,
                        cells,
                        name: name_key.as_deref().and_then(|n| m.get(n)).cloned(),
                    })
                })
                .collect()
        })
        .collect()
}

/// The counts of `org` in a map keyed by organisation, created on first use
/// (without allocating a key for every row that finds them).
fn counts_of<'a>(counts: &'a mut BTreeMap<String, Counts>, org: &str) -> &'a mut Counts {
    if !counts.contains_key(org) {
        counts.insert(org.to_string(), Counts::default());
    }
    counts.get_mut(org).expect("inserted above")
}

/// Where the keys of one ledger sheet stand, and the organisation they
/// belong to (the submitter) or that their row names: shared by its rows.
#[derive(Debug, Clone)]
pub struct IdSource {
    pub org: Arc<str>,
    pub sheet: Arc<str>,
    pub sheet_index: usize,
    pub col: Option<u32>,
}

/// A key's row, for the audits across submissions (audits.toml): 16
/// bytes, with its sheet and organisation in the extract's `id_sources` (a
/// province holds hundreds of thousands of these until the audits have
/// run).
#[derive(Debug, Clone, Copy)]
pub struct IdRef {
    pub id: IdKey,
    pub row: u32,
    /// Index into `Extract::id_sources`.
    pub src: u32,
}

pub struct Extract {
    pub file: String,
    pub path: PathBuf,
    pub sha256: String,
    pub kind: SubmissionKind,
    pub org: Option<String>,
    pub org_name: Option<String>,
    pub level: Option<Level>,
    pub period: Option<Period>,
    pub paired_community: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Counts by the organisation they belong to (filled by
    /// [`measure::measure`] from `rows`).
    pub counts: BTreeMap<String, Counts>,
    /// Data rows per ledger schema (the per-rule summary's rows checked).
    pub ledger_rows: BTreeMap<String, usize>,
    /// A file with no level of its own (a CSV export, each row naming its
    /// organisation): per ledger schema, each row's 0-based number and the
    /// level of the organisation it names, in row order, so that the
    /// per-rule summary counts its rows at their own levels.
    pub row_levels: BTreeMap<String, Vec<(u32, Level)>>,
    /// The rows of each measured ledger, until the measures have run.
    pub rows: BTreeMap<String, measure::Rows>,
    /// Per key list of audits.toml (`AuditSet::compiled.lists`): its rows.
    pub keys: Vec<Vec<IdRef>>,
    /// Per key list whose key is no ID number: each row's key as written,
    /// beside `keys` (an ID number is shown masked, from its packed form).
    pub key_texts: Vec<Vec<Box<str>>>,
    /// Where the keys stand.
    pub id_sources: Vec<IdSource>,
    /// A county report workbook read back for roll-up (forms.md §4.6).
    pub report: Option<ReportInput>,
    /// Per detail table (tables.toml `rows = …`, in the tables' order):
    /// its rows from this file, each with its organisation.
    pub details: Vec<Vec<DetailRow>>,
    /// Organisations whose ledger rows this file carries (a CSV ledger: many).
    pub ledger_orgs: BTreeSet<(String, String)>,
    /// The sheet each ledger was read from: schema name → (sheet, index).
    pub sheets: BTreeMap<String, (String, usize)>,
    /// The cover sheet, when the file has one (the per-rule summary's
    /// covers checked).
    pub cover_sheet: Option<String>,
    pub explanations: Vec<Explanation>,
}

impl Extract {
    /// Where an ID number of this file stands.
    pub fn source(&self, r: &IdRef) -> &IdSource {
        &self.id_sources[r.src as usize]
    }

    /// Whether the file goes into the tables: read, and without errors.
    /// check (for its trends) and aggregate decide alike through this.
    pub fn accepted(&self) -> bool {
        self.kind != SubmissionKind::Unreadable
            && !self
                .diagnostics
                .iter()
                .any(|d| d.severity == crate::diag::Severity::Error)
    }

    /// Apply the file's 上报说明 to its diagnostics, then put them in order.
    pub fn explain(&mut self, lang: crate::lang::Lang) {
        crate::validate::explain::apply(
            &mut self.diagnostics,
            &self.explanations,
            &self.file,
            self.org.as_deref(),
            lang,
        );
        crate::validate::sort_diagnostics(&mut self.diagnostics);
    }
}

impl Extract {
    /// Drop what only the tables read, once they are made: a province's
    /// extracts are most of its memory until the writing.
    pub fn release_counts(&mut self) {
        self.counts = BTreeMap::new();
        self.details = Vec::new();
        self.ledger_orgs = BTreeSet::new();
    }

    /// Drop the keys the audits and the rosters compared, once they have;
    /// what the diagnostics, the summary and the 跨期 warnings need stays.
    pub fn release_keys(&mut self) {
        self.keys = Vec::new();
        self.key_texts = Vec::new();
        self.id_sources = Vec::new();
    }

    /// Explanations applied again after more warnings were found (the
    /// 跨期 ones, which need the aggregation first): what was explained
    /// stays so, and an explanation unmatched before may match now.
    pub fn explain_again(&mut self, lang: crate::lang::Lang) {
        self.diagnostics
            .retain(|d| d.code != crate::diag::Code::ExplanationUnmatched);
        self.explain(lang);
    }
}

pub fn sha256_of(path: &std::path::Path) -> String {
    match std::fs::read(path) {
        Ok(b) => format!("{:x}", Sha256::digest(&b)),
        Err(_) => String::new(),
    }
}

/// The fields extraction reads, resolved once per ledger instead of by
/// name on every row (None where the ledger's schema lacks one).
struct Fields {
    code: Option<usize>,
    location: Option<usize>,
    text: Option<usize>,
}

impl Fields {
    fn of(schema: &crate::schema::Schema) -> Fields {
        let i = |k: &str| schema.field_index(k);
        Fields {
            code: i("code"),
            location: i("location"),
            text: i("text"),
        }
    }
}

fn text(r: &Record, i: Option<usize>) -> Option<&str> {
    r.values.get(i?).and_then(Value::text)
}

fn col_of(l: &Ledger, i: Option<usize>) -> Option<u32> {
    l.columns.get(i?).copied().flatten()
}

/// Take what aggregation needs from a validated submission.
pub fn extract(sub: Submission, schemas: &SchemaSet, period: Option<Period>) -> Extract {
    extract_with(sub, schemas, period, true)
}

/// What `validate` reports for one file: its diagnostics with its own
/// 上报说明 applied, without the per-row counting aggregation needs.
pub fn file_diagnostics(
    sub: Submission,
    schemas: &SchemaSet,
    period: Option<Period>,
    lang: crate::lang::Lang,
) -> Vec<Diagnostic> {
    let mut e = extract_with(sub, schemas, period, false);
    e.explain(lang);
    e.diagnostics
}

/// `counts: false` keeps only the diagnostics, explanations, who and where,
/// skipping the per-row counting.
fn extract_with(
    sub: Submission,
    schemas: &SchemaSet,
    period: Option<Period>,
    counts: bool,
) -> Extract {
    let _ = period;
    let mut ex = Extract {
        sha256: sub.sha256.clone().unwrap_or_default(),
        file: sub.file.clone(),
        path: sub.path.clone(),
        kind: sub.kind,
        org: sub.cover.org_code.clone(),
        org_name: sub.cover.org_name.clone(),
        level: sub.level,
        period: sub.cover.period,
        paired_community: sub
            .cover
            .values
            .get("paired_community")
            .and_then(Value::text)
            .map(str::to_string),
        diagnostics: sub.diagnostics,
        counts: BTreeMap::new(),
        rows: BTreeMap::new(),
        ledger_rows: sub.ledgers.iter().fold(BTreeMap::new(), |mut m, l| {
            *m.entry(l.schema.clone()).or_default() += l.records.len();
            m
        }),
        row_levels: BTreeMap::new(),
        keys: vec![Vec::new(); schemas.audits.compiled.lists.len()],
        key_texts: vec![Vec::new(); schemas.audits.compiled.lists.len()],
        id_sources: Vec::new(),
        report: None,
        details: Vec::new(),
        ledger_orgs: BTreeSet::new(),
        sheets: sub
            .ledgers
            .iter()
            .map(|l| (l.schema.clone(), (l.sheet.clone(), l.sheet_index)))
            .collect(),
        explanations: Vec::new(),
        cover_sheet: sub.cover.sheet.as_ref().map(|(s, _)| s.clone()),
    };
    let own: Option<Arc<str>> = ex.org.as_deref().map(Arc::from);
    if counts {
        ex.details = detail_rows(&sub.ledgers, schemas, ex.org.as_deref());
    }
    // Shared names: one per organisation code met in this file.
    let mut names = crate::text::Shared::default();
    let mut name_of = |code: &str| names.get(code);
    // Keys already kept, per key list and organisation, within this file.
    let mut seen: BTreeMap<(usize, Arc<str>), HashSet<IdKey>> = BTreeMap::new();
    let lists = &schemas.audits.compiled.lists;
    // Each (sheet, community) where ID numbers stand, once.
    let mut sources: Vec<IdSource> = Vec::new();
    let mut source_at: BTreeMap<(usize, Arc<str>), u32> = BTreeMap::new();
    let mut source_of = |org: &Arc<str>, sheet: &Arc<str>, sheet_index: usize, col| {
        let key = (sheet_index, org.clone());
        *source_at.entry(key).or_insert_with(|| {
            sources.push(IdSource {
                org: org.clone(),
                sheet: sheet.clone(),
                sheet_index,
                col,
            });
            (sources.len() - 1) as u32
        })
    };
    let measured = schemas.measures.ledgers();
    for l in sub
        .ledgers
        .iter()
        .filter(|l| counts || l.schema == "explanations")
    {
        let schema = schemas.get(&l.schema);
        let fl = Fields::of(schema);
        // The key lists of this ledger: (list, key field, `at` field).
        let kept: Vec<(usize, Option<usize>, Option<usize>)> = lists
            .iter()
            .enumerate()
            .filter(|(_, k)| k.ledger == l.schema)
            .map(|(i, k)| {
                (
                    i,
                    schema.field_index(&k.key),
                    k.at.as_deref().and_then(|a| schema.field_index(a)),
                )
            })
            .collect();
        let sheet: Arc<str> = Arc::from(l.sheet.as_str());
        let mut last_org: Option<Arc<str>> = None;
        // One set of rows per ledger and file, whatever its sheets: a
        // `unique` value repeats across them too.
        let mut rows = measured.contains(&l.schema.as_str()).then(|| {
            let mut rows = ex
                .rows
                .remove(&l.schema)
                .unwrap_or_else(|| measure::Rows::new(schemas, &l.schema));
            rows.reserve(l.records.len());
            rows
        });
        // An organisation with rows in a ledger counted at its submitter
        // has counts, even when no measure matched a row.
        let at_submitter = schemas.measures.counts_at_submitter(&l.schema);
        for r in &l.records {
            let org = match (&r.org, &own) {
                (Some(o), _) => name_of(o),
                (None, Some(o)) => o.clone(),
                (None, None) => continue,
            };
            if l.schema != "explanations" && last_org.as_deref() != Some(&*org) {
                ex.ledger_orgs.insert((org.to_string(), l.schema.clone()));
                last_org = Some(org.clone());
            }
            if ex.level.is_none() && l.schema != "explanations" {
                if let Ok(level) = crate::org::level_of_code(&org) {
                    ex.row_levels
                        .entry(l.schema.clone())
                        .or_default()
                        .push((r.row, level));
                }
            }
            if let Some(rows) = &mut rows {
                let level = if own.as_deref() == Some(&*org) {
                    ex.level
                } else {
                    crate::org::level_of_code(&org).ok()
                };
                rows.push(&org, level, r, &|_| None);
                if at_submitter {
                    counts_of(&mut ex.counts, &org);
                }
            }
            // The keys the audits across submissions compare (audits.toml).
            for &(i, key, at) in &kept {
                let Some(written) = text(r, key) else {
                    continue;
                };
                let stands = if lists[i].at.is_some() {
                    match text(r, at) {
                        Some(o) => name_of(o),
                        None => continue,
                    }
                } else {
                    org.clone()
                };
                let id = IdKey::of(written);
                if lists[i].once && !seen.entry((i, stands.clone())).or_default().insert(id) {
                    continue;
                }
                let src = source_of(&stands, &sheet, l.sheet_index, col_of(l, key));
                ex.keys[i].push(IdRef {
                    id,
                    row: r.row,
                    src,
                });
                if !lists[i].id {
                    ex.key_texts[i].push(written.into());
                }
            }
            if l.schema == "explanations" {
                let Some(code) = text(r, fl.code) else {
                    continue;
                };
                ex.explanations.push(Explanation {
                    code: code.trim().to_string(),
                    location: text(r, fl.location).map(str::to_string),
                    text: text(r, fl.text).unwrap_or("").to_string(),
                    at: (
                        l.sheet.clone(),
                        l.sheet_index,
                        r.row,
                        col_of(l, fl.code).unwrap_or(0),
                    ),
                });
            }
        }
        if let Some(rows) = rows {
            ex.rows.insert(l.schema.clone(), rows);
        }
    }

    // A cover the measures count (a community's 社区总人口 …): one row per
    // submission, with its figures of the submission's ledgers.
    if let (true, Some(o), SubmissionKind::Workbook) = (counts, &own, sub.kind) {
        let cover = schemas.cover_for(sub.level.unwrap_or(Level::Community));
        if measured.contains(&cover.name.as_str()) {
            let rec = Record {
                row: 0,
                values: cover
                    .fields
                    .iter()
                    .map(|f| {
                        sub.cover
                            .values
                            .get(&f.key)
                            .cloned()
                            .unwrap_or(Value::Blank)
                    })
                    .collect(),
                org: None,
            };
            let figure = |key: &str| -> Option<f64> {
                let (ledger, what) = key.split_once('.')?;
                let mine = sub.ledgers.iter().filter(|l| l.schema == ledger);
                if what == "rows" {
                    return Some(mine.map(|l| l.records.len() as f64).sum());
                }
                let i = schemas.get(ledger).field_index(what)?;
                Some(
                    mine.flat_map(|l| l.records.iter())
                        .filter_map(|r| r.values.get(i).and_then(Value::num))
                        .sum(),
                )
            };
            let mut rows = measure::Rows::new(schemas, &cover.name);
            rows.push(o, ex.level, &rec, &figure);
            ex.rows.insert(cover.name.clone(), rows);
        }
    }
    if let Some(r) = &sub.report {
        ex.details = report_rows(r, schemas);
    }
    ex.report = sub.report;
    ex.id_sources = sources;
    // Kept until the audits have run, for every file: no spare capacity.
    for k in &mut ex.keys {
        k.shrink_to_fit();
    }
    // A unit with no 共建活动 rows still counts as a unit.
    if let (Some(o), Some(Level::Unit)) = (&own, ex.level) {
        counts_of(&mut ex.counts, o);
    }
    ex
}
