//! Aggregate outputs read back as the inputs of a period roll-up (reports.md
//! §5.1): summary.json, diagnostics.json and state/.

use anyhow::{anyhow, Result};
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::lang::{io_reason, tr};
use crate::period::Period;
use crate::summary::{OwnRow, RosterRow, StateDoc, Summary};

/// One earlier output.
pub struct Output {
    pub dir: PathBuf,
    /// The folder as the user named it.
    pub shown: String,
    pub summary: Summary,
    pub summary_sha256: String,
    /// None when summary.json names no period pbstat knows.
    pub period: Option<Period>,
    pub state: Option<StateDoc>,
    pub rosters: Vec<RosterRow>,
    /// None without state/own_counts.parquet.
    pub own: Option<Vec<OwnRow>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether `path` is an aggregate output folder.
pub fn is_output(path: &Path) -> bool {
    path.is_dir() && path.join("summary.json").is_file()
}

/// The summary.json of an output folder, read only as far as its period.
pub fn period_of(dir: &Path) -> Option<Period> {
    let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Period::parse(v.get("period")?.as_str()?)
}

pub fn load(dir: &Path) -> Result<Output> {
    let shown = dir.display().to_string();
    let p = dir.join("summary.json");
    let bytes = std::fs::read(&p).map_err(|e| {
        anyhow!(tr(
            format!("{shown}：读不到 summary.json（{}）", io_reason(&e)),
            format!("{shown}: cannot read summary.json ({})", io_reason(&e)),
        ))
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let summary = Summary::parse(&text).map_err(|e| {
        let why = e.describe();
        anyhow!(tr(format!("{shown}：{why}"), format!("{shown}: {why}")))
    })?;
    let period = Period::parse(&summary.head.period);
    // The rows moved, not copied: a province's roster is millions of them.
    let (state, rosters) = match super::state::load(dir) {
        Some(s) => (Some(s.doc), s.rows),
        None => (None, Vec::new()),
    };
    let diagnostics = std::fs::read_to_string(dir.join("diagnostics.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            v.get("diagnostics")?
                .as_array()
                .map(|a| a.iter().filter_map(Diagnostic::from_json).collect())
        })
        .unwrap_or_default();
    Ok(Output {
        dir: dir.to_path_buf(),
        shown,
        summary_sha256: {
            use sha2::Digest;
            format!("{:x}", sha2::Sha256::digest(&bytes))
        },
        summary,
        period,
        own: super::state::load_own(dir),
        rosters,
        state,
        diagnostics,
    })
}

/// The outputs a `--history` DIR names: DIR itself when it is one, else
/// every folder under it holding a summary.json, in path order.
pub fn find(dir: &Path) -> Vec<PathBuf> {
    if is_output(dir) {
        return vec![dir.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut subs: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_dir()
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        subs.sort();
        for s in subs.into_iter().rev() {
            if is_output(&s) {
                out.push(s);
            } else {
                stack.push(s);
            }
        }
    }
    out.sort();
    out
}

/// The summary.json of an output, with its SHA-256.
pub fn summary_of(dir: &Path) -> Result<(Summary, String)> {
    let shown = dir.display().to_string();
    let bytes = std::fs::read(dir.join("summary.json")).map_err(|e| {
        anyhow!(tr(
            format!("{shown}：读不到 summary.json（{}）", io_reason(&e)),
            format!("{shown}: cannot read summary.json ({})", io_reason(&e)),
        ))
    })?;
    let summary = Summary::parse(&String::from_utf8_lossy(&bytes)).map_err(|e| {
        let why = e.describe();
        anyhow!(tr(format!("{shown}：{why}"), format!("{shown}: {why}")))
    })?;
    use sha2::Digest;
    Ok((summary, format!("{:x}", sha2::Sha256::digest(&bytes))))
}
