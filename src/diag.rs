//! Diagnostics: the one place where every code of rules.md is defined.
//!
//! Scripts match on codes, so the string of each code and its severity live
//! here and nowhere else; callers build messages, never codes.

use serde::Serialize;
use std::fmt;

use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Severity::Error, Lang::Zh) => "错误",
            (Severity::Warning, Lang::Zh) => "警告",
            (Severity::Note, Lang::Zh) => "提示",
            (Severity::Error, Lang::En) => "error",
            (Severity::Warning, Lang::En) => "warning",
            (Severity::Note, Lang::En) => "note",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident; )*) => {
        /// Every diagnostic code pbstat emits (rules.md), with its default severity.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( $variant, )* }

        impl Code {
            #[cfg(test)]
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }
            pub fn parse(s: &str) -> Option<Code> {
                match s { $( $code => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    FileUnreadable = "file.unreadable", Error;
    FileUnsupported = "file.unsupported", Error;
    FileTooLarge = "file.too_large", Error;
    FileEncoding = "file.encoding", Error;
    FileDuplicateSubmission = "file.duplicate_submission", Error;
    SheetMissing = "sheet.missing", Error;
    SheetUnknown = "sheet.unknown", Note;
    SheetMatchedByHeader = "sheet.matched_by_header", Note;
    SheetEmpty = "sheet.empty", Warning;
    HeaderNotFound = "header.not_found", Error;
    HeaderMissingColumn = "header.missing_column", Error;
    HeaderDuplicateColumn = "header.duplicate_column", Error;
    HeaderUnknownColumn = "header.unknown_column", Warning;
    CoverMissingField = "cover.missing_field", Error;
    CoverPeriodMismatch = "cover.period_mismatch", Error;
    CoverUnknownOrg = "cover.unknown_org", Error;
    CoverNameMismatch = "cover.name_mismatch", Warning;
    CoverKindMismatch = "cover.kind_mismatch", Error;
    CellRequired = "cell.required", Error;
    CellType = "cell.type", Error;
    CellEnum = "cell.enum", Error;
    CellRange = "cell.range", Error;
    CellFormulaError = "cell.formula_error", Error;
    IdChecksum = "id.checksum", Error;
    IdFormat = "id.format", Error;
    IdBirthdate = "id.birthdate", Error;
    IdGenderMismatch = "id.gender_mismatch", Warning;
    UsccChecksum = "uscc.checksum", Error;
    UsccFormat = "uscc.format", Error;
    CodeFormat = "code.format", Error;
    CodeHierarchy = "code.hierarchy", Error;
    DateOutOfPeriod = "date.out_of_period", Error;
    DateAfterPeriod = "date.after_period", Error;
    RowDuplicateKey = "row.duplicate_key", Error;
    MeetingAttendanceExceedsExpected = "meeting.attendance_exceeds_expected", Error;
    IssueResolvedDateMissing = "issue.resolved_date_missing", Error;
    IssueResolvedDateUnexpected = "issue.resolved_date_unexpected", Error;
    IssueResolvedBeforeReceived = "issue.resolved_before_received", Error;
    IssueRatingUnresolved = "issue.rating_unresolved", Error;
    RosterHoursImplausible = "roster.hours_implausible", Warning;
    TotalMismatch = "total.mismatch", Error;
    RegistryDuplicateCode = "registry.duplicate_code", Error;
    RegistryUnknownParent = "registry.unknown_parent", Error;
    RegistryKindMismatch = "registry.kind_mismatch", Error;
    CrossDuplicateRegistration = "cross.duplicate_registration", Error;
    CrossUnitMemberNotOnRoster = "cross.unit_member_not_on_roster", Warning;
    CrossUnknownCommunity = "cross.unknown_community", Error;
    CrossPairedUnitsMismatch = "cross.paired_units_mismatch", Warning;
    SubmissionMissing = "submission.missing", Note;
    TargetRegistrationBelow = "target.registration_below", Warning;
    TargetMeetingShortfall = "target.meeting_shortfall", Warning;
    TargetUnitInactive = "target.unit_inactive", Warning;
    TrendAbnormalChange = "trend.abnormal_change", Warning;
    ExplanationUnmatched = "explanation.unmatched", Warning;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One problem, located as a person sees it in Excel.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub message: String,
    /// Set when a 上报说明 turned this warning into a note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Position of the sheet in its workbook, to keep output in workbook order.
    #[serde(skip)]
    pub sheet_index: usize,
}

impl Diagnostic {
    pub fn new(code: Code, file: &str, message: String) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            file: file.to_string(),
            sheet: None,
            cell: None,
            row: None,
            column: None,
            field: None,
            org_code: None,
            value: None,
            message,
            explanation: None,
            sheet_index: 0,
        }
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    pub fn sheet(mut self, name: &str, index: usize) -> Self {
        self.sheet = Some(name.to_string());
        self.sheet_index = index;
        self
    }

    /// Locate at a 0-based (row, col) of a workbook sheet.
    pub fn at(mut self, row0: u32, col0: u32) -> Self {
        let col = col_letter(col0);
        self.cell = Some(format!("{}{}", col, row0 + 1));
        self.row = Some(row0 + 1);
        self.column = Some(col);
        self
    }

    /// Locate at a row only (a row-level problem, or a CSV line).
    pub fn at_row(mut self, row0: u32) -> Self {
        self.row = Some(row0 + 1);
        self
    }

    pub fn field(mut self, f: &str) -> Self {
        self.field = Some(f.to_string());
        self
    }

    pub fn org(mut self, code: Option<&str>) -> Self {
        self.org_code = code.filter(|c| !c.is_empty()).map(str::to_string);
        self
    }

    /// The offending value, already masked by the caller where it may hold an ID number.
    pub fn value(mut self, v: impl Into<String>) -> Self {
        let v = v.into();
        if !v.is_empty() {
            self.value = Some(v);
        }
        self
    }

    /// Sort key: file, sheet in workbook order, row, column.
    pub fn sort_key(&self) -> (String, usize, u32, u32, &'static str) {
        let col = self.column.as_deref().map(col_number).unwrap_or(0);
        (
            self.file.clone(),
            self.sheet_index,
            self.row.unwrap_or(0),
            col,
            self.code.as_str(),
        )
    }
}

/// 0-based column index → Excel letters (0 → A, 26 → AA).
pub fn col_letter(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

fn col_number(s: &str) -> u32 {
    s.bytes()
        .fold(0u32, |n, b| n * 26 + (b.saturating_sub(b'A') as u32 + 1))
}

/// Show an ID number as its first 6 and last 4 characters; pbstat never
/// writes a whole one. Anything too short to keep both ends is hidden whole.
pub fn mask_id(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{}{}{}", head, "*".repeat(chars.len() - 10), tail)
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Counts {
    pub fn add(&mut self, s: Severity) {
        match s {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Note => self.notes += 1,
        }
    }
    pub fn of<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>) -> Counts {
        let mut c = Counts::default();
        for d in diags {
            c.add(d.severity);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_round_trip() {
        for (i, s) in [
            (0, "A"),
            (2, "C"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (701, "ZZ"),
            (702, "AAA"),
        ] {
            assert_eq!(col_letter(i), s);
            assert_eq!(col_number(s), i + 1);
        }
    }

    #[test]
    fn masking_keeps_only_ends() {
        assert_eq!(mask_id("42092319900101123X"), "420923********123X");
        assert_eq!(mask_id("12345"), "*****");
    }

    #[test]
    fn every_code_parses_back() {
        for c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(*c));
        }
    }
}
