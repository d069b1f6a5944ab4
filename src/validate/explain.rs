//! 上报说明 (rules.md "Severities"): a 说明 sheet in a submission (代码, 位置,
//! 说明) turns the warnings it names into explained notes. An explanation
//! never silences an error, and one that matches nothing is itself a warning.

use crate::diag::{Code, Diagnostic, Severity};
use crate::lang::Lang;
use crate::text::normalize_header;

#[derive(Debug, Clone)]
pub struct Explanation {
    pub code: String,
    /// Blank (every warning of the code in this file), a cell (`C7`), a
    /// sheet (`在职党员报到`) or both (`在职党员报到!C7`).
    pub location: Option<String>,
    pub text: String,
    /// Where the explanation itself stands: sheet, sheet index, row, column.
    pub at: (String, usize, u32, u32),
}

impl Explanation {
    fn matches(&self, d: &Diagnostic) -> bool {
        if d.code.as_str() != self.code {
            return false;
        }
        let Some(loc) = self
            .location
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        else {
            return true;
        };
        let (sheet, cell) = match loc.rsplit_once('!') {
            Some((s, c)) => (Some(s.trim_matches('\'')), Some(c)),
            None if loc.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && loc.chars().any(|c| c.is_ascii_digit()) =>
            {
                (None, Some(loc))
            }
            None => (Some(loc), None),
        };
        // A warning about an earlier period's roster (roster.member_dropped)
        // is placed by the earlier cell its message names.
        let earlier = d.previous.as_ref();
        let sheets = [d.sheet.as_deref(), earlier.map(|p| p.sheet.as_str())];
        let cells = [d.cell.as_deref(), earlier.and_then(|p| p.cell.as_deref())];
        let sheet_ok = sheet.is_none_or(|s| {
            sheets
                .iter()
                .flatten()
                .any(|ds| normalize_header(ds) == normalize_header(s))
        });
        let cell_ok = cell.is_none_or(|c| {
            cells.iter().flatten().any(|dc| {
                dc.eq_ignore_ascii_case(c.trim().trim_start_matches('$').replace('$', "").as_str())
            })
        });
        sheet_ok && cell_ok
    }
}

/// Apply a file's explanations to its diagnostics.
pub fn apply(
    diags: &mut Vec<Diagnostic>,
    expls: &[Explanation],
    file: &str,
    org: Option<&str>,
    lang: Lang,
) {
    let mut added = Vec::new();
    for e in expls {
        let known = Code::parse(&e.code);
        let mut matched_warning = false;
        let mut matched_error = false;
        for d in diags.iter_mut().filter(|d| e.matches(d)) {
            match d.severity {
                Severity::Error => matched_error = true,
                Severity::Warning => {
                    d.severity = Severity::Note;
                    d.explanation = Some(e.text.clone());
                    matched_warning = true;
                }
                Severity::Note => matched_warning |= d.explanation.is_some(),
            }
        }
        if matched_warning {
            continue;
        }
        let msg = if known.is_none() {
            lang.t(format!("上报说明中的代码“{}”不是 pbstat 的诊断代码，此说明未起作用", e.code), format!("the explanation names \"{}\", which is not a pbstat diagnostic code; it has no effect", e.code))
        } else if matched_error || known.is_some_and(|c| c.severity() == Severity::Error) {
            lang.t(
                format!("“{}”是错误，错误不能以说明代替修正，请修改数据", e.code),
                format!(
                    "{} is an error: errors cannot be explained away, fix the data",
                    e.code
                ),
            )
        } else {
            lang.t(
                format!(
                    "上报说明“{}{}”没有对应的警告，请核对代码和位置",
                    e.code,
                    e.location
                        .as_deref()
                        .map(|l| format!(" {l}"))
                        .unwrap_or_default()
                ),
                format!(
                    "the explanation for {}{} matches no warning; check its code and location",
                    e.code,
                    e.location
                        .as_deref()
                        .map(|l| format!(" at {l}"))
                        .unwrap_or_default()
                ),
            )
        };
        let d = Diagnostic::new(Code::ExplanationUnmatched, file, msg)
            .sheet(&e.at.0, e.at.1)
            .at(e.at.2, e.at.3)
            .field("code")
            .org(org)
            .value(e.code.clone());
        added.push(d);
    }
    diags.extend(added);
}
