//! Schemas: every form of forms.md declared as data (schemas/*.toml), embedded
//! in the binary and replaceable with `--schemas DIR`. Nothing about a form's
//! columns lives in code; this module only gives the files a type and checks
//! them so that a broken schema stops the run with its file and problem named.

use crate::lang::tr;
use anyhow::{anyhow, bail, Result};
use foldhash::{HashMap, HashMapExt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::{Code, Severity};
use crate::org::Level;
use crate::text::normalize_header;

pub mod audits;
pub mod checks;
pub mod measures;
pub mod requirements;
pub mod tables;
pub use audits::AuditSet;
pub use checks::Check;
pub use measures::MeasureSet;
pub use requirements::Requirements;
pub use tables::TableSet;

/// The embedded defaults, in the order `schema list` shows them.
/// How a file of the embedded set stands in a folder's set that lacks it.
const FALLBACK: &str = " (embedded)";

pub const EMBEDDED: &[(&str, &str)] = &[
    ("registry", include_str!("../../schemas/registry.toml")),
    (
        "cover_county",
        include_str!("../../schemas/cover_county.toml"),
    ),
    (
        "cover_street",
        include_str!("../../schemas/cover_street.toml"),
    ),
    (
        "cover_community",
        include_str!("../../schemas/cover_community.toml"),
    ),
    ("cover_unit", include_str!("../../schemas/cover_unit.toml")),
    ("roster", include_str!("../../schemas/roster.toml")),
    ("meetings", include_str!("../../schemas/meetings.toml")),
    ("issues", include_str!("../../schemas/issues.toml")),
    (
        "unit_members",
        include_str!("../../schemas/unit_members.toml"),
    ),
    (
        "unit_activities",
        include_str!("../../schemas/unit_activities.toml"),
    ),
    (
        "unit_projects",
        include_str!("../../schemas/unit_projects.toml"),
    ),
    ("part_time", include_str!("../../schemas/part_time.toml")),
    ("grid", include_str!("../../schemas/grid.toml")),
    ("requests", include_str!("../../schemas/requests.toml")),
    (
        "representatives",
        include_str!("../../schemas/representatives.toml"),
    ),
    (
        "member_groups",
        include_str!("../../schemas/member_groups.toml"),
    ),
    ("needs", include_str!("../../schemas/needs.toml")),
    (
        "explanations",
        include_str!("../../schemas/explanations.toml"),
    ),
    (
        "requirements",
        include_str!("../../schemas/requirements.toml"),
    ),
    ("measures", include_str!("../../schemas/measures.toml")),
    ("tables", include_str!("../../schemas/tables.toml")),
    ("audits", include_str!("../../schemas/audits.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FormKind {
    Registry,
    Cover,
    Ledger,
    /// The 上报说明 sheet: read like a ledger, never required.
    Explanations,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    // The Chinese names too, as a statistician names a column's kind.
    #[serde(alias = "文本")]
    Text,
    #[serde(alias = "整数")]
    Integer,
    #[serde(alias = "小数")]
    Decimal,
    #[serde(alias = "日期")]
    Date,
    #[serde(alias = "选项")]
    Enum,
    #[serde(alias = "身份证号")]
    IdNumber,
    #[serde(alias = "统一社会信用代码")]
    Uscc,
    /// A community's 12-digit code.
    #[serde(alias = "社区代码")]
    CommunityCode,
    /// Any organisation's code: county, street, community or resident unit.
    #[serde(alias = "单位代码")]
    OrgCode,
    #[serde(alias = "报告期")]
    Period,
    /// A clock time, or a date with a time (forms.md §4.10). In conditions
    /// it is the number of seconds since 1970-01-01 00:00 of the date it
    /// stands on, so that the difference of two is a duration in seconds.
    #[serde(alias = "时间")]
    Time,
}

impl FieldType {
    /// The type as a form file spells it (`type = "integer"`).
    pub fn name(self) -> String {
        toml::Value::try_from(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Within {
    /// Must lie inside the period (`date.out_of_period`).
    Period,
    /// Must not be later than the period end (`date.after_period`).
    NotAfterPeriod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MissingSeverity {
    #[default]
    Error,
    Warning,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub key: String,
    pub header: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(rename = "type", default = "default_type")]
    pub ty: FieldType,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// For cover fields: how loud a blank required field is.
    #[serde(default, skip_serializing_if = "is_default")]
    pub missing: MissingSeverity,
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// The code a repeated value raises (default `row.duplicate_key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// What a blank cell means (`blank = 0` in forms.md), written as cell text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Other spellings of enum values: alias → value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub value_aliases: BTreeMap<String, String>,
    /// An enum naming kinds of organisation (the registry's 类型): the
    /// level each value stands for, so that no value is spelt in code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub levels: BTreeMap<String, Level>,
    /// A yes/no enum (the registry's 应报): the value that means yes;
    /// without it, the first of `values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Within>,
    /// Input hint shown by templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// A time: the date field of the row it stands on when it carries no
    /// date of its own (one of the two is needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// With `date`: the code raised when the time carries a date other
    /// than that field's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_mismatch: Option<String>,
    /// A time measured from another time field of the row: a clock time
    /// stands on that time's date, and one earlier than it is read as the
    /// next day when that puts it less than 12 hours after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// With `from`: the code (a note) saying a time was read as the next day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_day: Option<String>,
    /// `values`, interned: enum cells hold these without allocating.
    #[serde(skip)]
    pub choices: Vec<&'static str>,
}

impl Field {
    /// A yes/no enum's value that means yes: `yes`, else the first value.
    pub fn yes_value(&self) -> Option<&str> {
        self.yes
            .as_deref()
            .or(self.values.first().map(String::as_str))
    }

    /// The level a kind-of-organisation value stands for: by `levels`;
    /// a field without them (a file written before they were) by the
    /// level's own name.
    pub fn level_of(&self, value: &str) -> Option<Level> {
        if self.levels.is_empty() {
            Level::parse(value)
        } else {
            self.levels.get(value).copied()
        }
    }
}

/// A process-wide copy of a string, kept for the life of the process. Used
/// for the few enum values of the schemas, which every enum cell refers to;
/// the set only grows by values not seen before, so loading schemas again
/// costs nothing.
pub fn intern(s: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static SET: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = SET
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(&v) = set.get(s) {
        return v;
    }
    let v: &'static str = Box::leak(s.to_string().into_boxed_str());
    set.insert(v);
    v
}

fn default_type() -> FieldType {
    FieldType::Text
}
fn is_false(b: &bool) -> bool {
    !*b
}
fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// The name among `names` a misspelt `name` most likely meant (one or two
/// letters off), said after the error as " (是不是 `x`？)".
pub(crate) fn nearest<'a>(name: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let most = (name.chars().count() / 3).clamp(1, 2);
    names
        .into_iter()
        .map(|n| (strsim::damerau_levenshtein(name, n), n))
        .filter(|(d, _)| *d <= most)
        .min_by_key(|(d, n)| (*d, *n))
        .map(|(_, n)| n)
}

/// [`nearest`] as the words after an error, in both languages.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> (String, String) {
    match nearest(name, names) {
        Some(n) => (
            format!("（是不是 `{n}`？）"),
            format!(" (did you mean `{n}`?)"),
        ),
        None => (String::new(), String::new()),
    }
}

/// What to say beside a name that is no field of `schema` (nor one of
/// `params`): the field it likely misspells, else every field there is,
/// so that a key renamed in the form (`attended` → `present`) shows the
/// new name where the old one still stands.
pub(crate) fn field_hint(name: &str, schema: &Schema, params: &[&str]) -> (String, String) {
    let keys = || (schema.fields.iter().map(|f| f.key.as_str())).chain(params.iter().copied());
    let near = did_you_mean(name, keys());
    if !near.0.is_empty() {
        return near;
    }
    let all: Vec<&str> = schema.fields.iter().map(|f| f.key.as_str()).collect();
    (
        format!("（`{}` 的字段：{}）", schema.name, all.join("、")),
        format!(" (the fields of `{}`: {})", schema.name, all.join(", ")),
    )
}

/// The built-in code `code` most likely misspells, as [`did_you_mean`].
fn code_near(code: &str) -> (String, String) {
    did_you_mean(code, Code::ALL.iter().map(|c| c.as_str()))
}

/// A code that is neither built-in nor `local.…`, said with the built-in
/// one it most likely misspells.
pub(crate) fn not_a_code(code: &str) -> (String, String) {
    let (near_zh, near_en) = code_near(code);
    (
        format!("不是内置的诊断代码{near_zh}；自定义代码以 local. 开头"),
        format!("not a built-in code{near_en}; a county's own codes start with local."),
    )
}

/// The schema set's files as their errors name them, in Chinese and English.
pub(crate) const FORM_FILE: (&str, &str) = ("表样文件", "schema file");
pub(crate) const MEASURES_FILE: (&str, &str) = ("取数公式文件", "measures file");
pub(crate) const TABLES_FILE: (&str, &str) = ("报表表式文件", "tables file");
pub(crate) const AUDITS_FILE: (&str, &str) = ("审核规则文件", "audits file");
pub(crate) const REQUIREMENTS_FILE: (&str, &str) = ("考核要求文件", "requirements file");

/// An error in one of those files, at its line when known: "表样文件 F 第 N
/// 行 有误：…", "invalid schema file F (line N): …". Every file's errors
/// are said alike through it.
pub(crate) fn file_error(
    (kind_zh, kind_en): (&str, &str),
    file: &str,
    at: Option<usize>,
    zh: impl std::fmt::Display,
    en: impl std::fmt::Display,
) -> anyhow::Error {
    anyhow!(tr(
        format!(
            "{kind_zh} {file}{} 有误：{zh}",
            at.map(|l| format!(" 第 {l} 行")).unwrap_or_default()
        ),
        format!(
            "invalid {kind_en} {file}{}: {en}",
            at.map(|l| format!(" (line {l})")).unwrap_or_default()
        ),
    ))
}

/// Whether Excel takes `name` as a sheet's name. An apostrophe at either
/// end and History (which Excel keeps for itself) were refused only when
/// a workbook was written, in rust_xlsxwriter's English.
pub(crate) fn excel_sheet_name_ok(name: &str) -> bool {
    !name.trim().is_empty()
        && name.chars().count() <= 31
        && !name.starts_with('\'')
        && !name.ends_with('\'')
        && !name.eq_ignore_ascii_case("history")
        && !name.contains(['[', ']', ':', '*', '?', '/', '\\'])
}

/// The line of a file where `needle` stands; a needle of several lines,
/// each after the one before (a table's `id`, then a column's `key`: the
/// column of that table, not the same key of an earlier one).
pub(crate) fn line_after(text: &str, needle: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    let mut at = None;
    for part in needle.split('\n') {
        let i = from + lines[from..].iter().position(|l| l.contains(part))?;
        at = Some(i + 1);
        from = i + 1;
    }
    at
}

/// The line of a TOML text where a quoted value first stands, for errors
/// found after parsing.
fn line_of(text: &str, value: &str) -> Option<usize> {
    line_after(text, &format!("\"{value}\""))
}

/// The requirements name meeting types and satisfaction levels: each must
/// be a value of the fields measures.toml compares them with (the field
/// `meeting_types` groups by; those compared with `{satisfied_levels}`),
/// or every community would silently fall short (a type nobody holds) or
/// nobody count as satisfied.
fn check_requirement_values(
    r: &Requirements,
    schemas: &[Schema],
    measures: &MeasureSet,
    file: &str,
    text: &str,
) -> Result<()> {
    let values_of = |ledger: &str, keys: &[String]| -> (String, Vec<String>) {
        let s = schemas.iter().find(|s| s.name == ledger);
        let fields: Vec<&Field> = keys
            .iter()
            .filter_map(|k| s.and_then(|s| s.field(k)))
            .filter(|f| f.ty == FieldType::Enum)
            .collect();
        let name = fields
            .iter()
            .map(|f| format!("{ledger}.{}", f.key))
            .collect::<Vec<_>>()
            .join("/");
        (name, fields.iter().flat_map(|f| f.values.clone()).collect())
    };
    let mut named: Vec<(&String, (String, Vec<String>))> = Vec::new();
    if let Some((ledger, keys)) = measures.grouped_by("meeting_types") {
        let allowed = values_of(ledger, &keys);
        named.extend(
            r.meetings
                .iter()
                .map(|m| (&m.meeting_type, allowed.clone())),
        );
    }
    for (ledger, keys) in measures.satisfied_fields() {
        let allowed = values_of(ledger, &keys);
        named.extend(r.satisfied_levels.iter().map(|l| (l, allowed.clone())));
    }
    for (v, (field, allowed)) in named {
        if !allowed.is_empty() && !allowed.contains(v) {
            bail!(file_error(
                REQUIREMENTS_FILE,
                file,
                line_of(text, v),
                format!(
                    "`{v}` 不是 {field} 的可选值（可选值：{}）",
                    allowed.join("、")
                ),
                format!(
                    "`{v}` is not a value of {field} (its values: {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A rule between two cells of a row; each names the diagnostic it raises.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum RowRule {
    /// `field` must not exceed `than`.
    NotGreater {
        field: String,
        than: String,
        code: String,
    },
    /// `field` must not exceed `ratio` × `per`.
    MaxRatio {
        field: String,
        per: String,
        ratio: f64,
        code: String,
    },
    /// `field` must be filled when `when` is one of `equals`.
    RequiredWhen {
        field: String,
        when: String,
        equals: Vec<String>,
        code: String,
    },
    /// `field` must be blank unless `when` is one of `equals`.
    BlankUnless {
        field: String,
        when: String,
        equals: Vec<String>,
        code: String,
    },
    /// The date `field` must not be earlier than the date `than`.
    NotBefore {
        field: String,
        than: String,
        code: String,
    },
    /// Unless `when` is one of `equals`, `field` may only hold `allowed`.
    OnlyWhen {
        field: String,
        allowed: Vec<String>,
        when: String,
        equals: Vec<String>,
        code: String,
    },
    /// The gender in `field` must agree with the ID number in `id`;
    /// `male` and `female` are the values of `field` that say which
    /// (without them, its first and second values).
    GenderMatchesId {
        field: String,
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        male: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        female: Option<String>,
        code: String,
    },
}

impl RowRule {
    pub fn code(&self) -> &str {
        match self {
            RowRule::NotGreater { code, .. }
            | RowRule::MaxRatio { code, .. }
            | RowRule::RequiredWhen { code, .. }
            | RowRule::BlankUnless { code, .. }
            | RowRule::NotBefore { code, .. }
            | RowRule::OnlyWhen { code, .. }
            | RowRule::GenderMatchesId { code, .. } => code,
        }
    }
    /// The two fields a rule compares: the one it flags, then the other.
    /// The enum values the rule names, with the field they must belong to:
    /// (field key, values).
    pub fn values(&self) -> Vec<(&str, &[String])> {
        match self {
            RowRule::RequiredWhen { when, equals, .. }
            | RowRule::BlankUnless { when, equals, .. } => {
                vec![(when, equals)]
            }
            RowRule::OnlyWhen {
                field,
                allowed,
                when,
                equals,
                ..
            } => vec![(field, allowed), (when, equals)],
            RowRule::GenderMatchesId {
                field,
                male,
                female,
                ..
            } => vec![(field, male.as_slice()), (field, female.as_slice())],
            _ => Vec::new(),
        }
    }

    pub fn fields(&self) -> Vec<&str> {
        match self {
            RowRule::NotGreater { field, than, .. } | RowRule::NotBefore { field, than, .. } => {
                vec![field, than]
            }
            RowRule::MaxRatio { field, per, .. } => vec![field, per],
            RowRule::RequiredWhen { field, when, .. }
            | RowRule::BlankUnless { field, when, .. }
            | RowRule::OnlyWhen { field, when, .. } => vec![field, when],
            RowRule::GenderMatchesId { field, id, .. } => vec![field, id],
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    pub name: String,
    /// The sheet's standard name (a ledger) or the form's title.
    pub title: String,
    pub kind: FormKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Levels whose submissions must carry this sheet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_for: Vec<Level>,
    /// Levels whose submissions may carry it (forms.md §4.8–§4.13): read
    /// when present with rows; a sheet with headers and no rows is absent;
    /// from another level it is not read (`sheet.unknown`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optional_for: Vec<Level>,
    /// For covers: the level this cover belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Headers every ledger knows and ignores (序号, 备注).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_columns: Vec<String>,
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RowRule>,
    /// Checks over each row in SQL (checks.rs), with their own codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Keys of a row that must stand on another ledger of the same
    /// submission, when it has one (checks.rs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listed: Vec<checks::Listed>,
    /// A cover's checks: the ledgers and registry they read.
    #[serde(skip)]
    pub cover_frame: checks::CoverFrame,
    #[serde(skip)]
    lookup: HashMap<String, usize>,
    #[serde(skip)]
    ignored: Vec<String>,
    /// Per field: normalised value or alias → the canonical value.
    #[serde(skip)]
    enum_lookup: Vec<HashMap<String, String>>,
    /// The title and aliases, normalised, for matching sheet names.
    #[serde(skip)]
    names: Vec<String>,
}

/// What a normalised header text means to a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderMatch {
    Field(usize),
    Ignored,
}

impl Schema {
    pub fn field_index(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.key == key)
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Match a header (or cover label) text after normalisation.
    pub fn match_header(&self, text: &str) -> Option<HeaderMatch> {
        self.match_normalized(&normalize_header(text))
    }

    /// Match a text already passed through `normalize_header`.
    pub fn match_normalized(&self, n: &str) -> Option<HeaderMatch> {
        if n.is_empty() {
            return None;
        }
        if let Some(&i) = self.lookup.get(n) {
            return Some(HeaderMatch::Field(i));
        }
        self.ignored
            .iter()
            .any(|x| x == n)
            .then_some(HeaderMatch::Ignored)
    }

    /// Whether a sheet name is this form's, after normalisation.
    pub fn matches_sheet_name(&self, sheet: &str) -> bool {
        let n = normalize_header(sheet);
        !n.is_empty() && self.names.contains(&n)
    }

    pub fn required_fields(&self) -> impl Iterator<Item = (usize, &Field)> {
        self.fields.iter().enumerate().filter(|(_, f)| f.required)
    }

    /// Resolve an enum cell text to its canonical value.
    pub fn enum_value(&self, field: &Field, text: &str) -> Option<&'static str> {
        // Most cells hold a value exactly as the template spells it.
        if let Some(i) = field.values.iter().position(|v| v == text) {
            return field.choices.get(i).copied();
        }
        let i = self.field_index(&field.key)?;
        let canonical = self.enum_lookup.get(i)?.get(&normalize_header(text))?;
        let j = field.values.iter().position(|v| v == canonical)?;
        field.choices.get(j).copied()
    }

    /// Every enum value a row rule or a field's `levels` and `yes` name
    /// must be a value of its field: a misspelt 已办结 would make the rule
    /// silently never apply.
    fn check_rule_values(&self, file: &str, text: &str) -> Result<()> {
        for f in &self.fields {
            let named = f.levels.keys().chain(&f.yes);
            if let Some(v) = named.into_iter().find(|v| !f.values.contains(v)) {
                bail!(file_error(
                    FORM_FILE,
                    file,
                    line_of(text, v),
                    format!(
                        "字段 `{}` 的 levels 或 yes 写的 `{v}` 不是它的可选值（可选值：{}）",
                        f.key,
                        f.values.join("、")
                    ),
                    format!(
                        "`levels` or `yes` of `{}` names `{v}`, which is not one of its values (its values: {})",
                        f.key,
                        f.values.join(", ")
                    ),
                ));
            }
        }
        for r in &self.rules {
            for (key, values) in r.values() {
                let Some(f) = self.fields.iter().find(|f| f.key == key) else {
                    continue;
                };
                for v in values {
                    if !f.values.contains(v) {
                        bail!(file_error(
                            FORM_FILE,
                            file,
                            line_of(text, v),
                            format!(
                                "规则 `{}` 写的 `{v}` 不是字段 `{key}` 的可选值（可选值：{}）",
                                r.code(),
                                f.values.join("、")
                            ),
                            format!(
                                "rule `{}` names `{v}`, which is not a value of `{key}` (its values: {})",
                                r.code(),
                                f.values.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn prepare(&mut self, file: &str, text: &str) -> Result<()> {
        // An error at its line: `needle` after its field's `key = "…"`
        // (else that line), or anywhere for a form-wide one.
        let fail = |key: Option<&str>, needle: &str, zh: String, en: String| -> anyhow::Error {
            let at = match key {
                Some(k) => {
                    let own = format!("key = \"{k}\"");
                    line_after(text, &format!("{own}\n{needle}")).or_else(|| line_after(text, &own))
                }
                None => line_after(text, needle),
            };
            file_error(FORM_FILE, file, at, zh, en)
        };
        // The template's sheet bears the title.
        if !excel_sheet_name_ok(&self.title) {
            return Err(fail(
                None,
                "title = ",
                format!(
                    "标题 `{}` 不能作工作表名（模板的工作表以它为名）：至多 31 个字符，不含 []:*?/\\，首尾不是 '，不是 History",
                    self.title
                ),
                format!(
                    "the title `{}` cannot name a sheet (the template's sheet bears it): at most 31 characters, none of []:*?/\\, no ' first or last, not History",
                    self.title
                ),
            ));
        }
        let mut lookup: HashMap<String, usize> = HashMap::new();
        for (i, f) in self.fields.iter().enumerate() {
            let key = Some(f.key.as_str());
            if self.fields[..i].iter().any(|g| g.key == f.key) {
                let own = format!("key = \"{}\"", f.key);
                return Err(fail(
                    None,
                    &format!("{own}\n{own}"),
                    format!("字段键 `{}` 声明了两次", f.key),
                    format!("field key `{}` is declared twice", f.key),
                ));
            }
            for h in std::iter::once(&f.header).chain(&f.aliases) {
                let n = normalize_header(h);
                if n.is_empty() {
                    return Err(fail(
                        key,
                        &format!("\"{h}\""),
                        format!("字段 `{}` 的表头或别名为空", f.key),
                        format!("field `{}` has an empty header or alias", f.key),
                    ));
                }
                if let Some(&j) = lookup.get(&n) {
                    if j != i {
                        return Err(fail(
                            key,
                            &format!("\"{h}\""),
                            format!(
                                "表头 `{h}` 会同时匹配 `{}` 和 `{}`",
                                self.fields[j].key, f.key
                            ),
                            format!(
                                "header `{h}` would match both `{}` and `{}`",
                                self.fields[j].key, f.key
                            ),
                        ));
                    }
                }
                lookup.insert(n, i);
            }
            if f.ty == FieldType::Enum && f.values.is_empty() {
                return Err(fail(
                    key,
                    "type",
                    format!("枚举字段 `{}` 没有列出可选值（values）", f.key),
                    format!("enum field `{}` lists no values", f.key),
                ));
            }
            if f.ty != FieldType::Enum && !f.values.is_empty() {
                return Err(fail(
                    key,
                    "values",
                    format!("字段 `{}` 列出了可选值，但类型不是 enum", f.key),
                    format!("field `{}` lists values but its type is not enum", f.key),
                ));
            }
            if let Some(v) = f
                .values
                .iter()
                .enumerate()
                .find(|(k, v)| f.values[..*k].contains(v))
                .map(|(_, v)| v)
            {
                // A breakdown by the field would have two rows of it.
                return Err(fail(
                    key,
                    "values",
                    format!("字段 `{}` 的可选值 `{v}` 写了两次", f.key),
                    format!("the value `{v}` of `{}` is listed twice", f.key),
                ));
            }
            for (a, v) in &f.value_aliases {
                if !f.values.contains(v) {
                    return Err(fail(
                        key,
                        "value_aliases",
                        format!("字段 `{}` 的取值别名 `{a}` 指向 `{v}`，但它不是该字段的可选值", f.key),
                        format!("value alias `{a}` of `{}` points to `{v}`, which is not one of its values", f.key),
                    ));
                }
                if f.values.contains(a) {
                    // A cell's text is read as a value before any alias:
                    // the county's merge of `a` into `v` would do nothing.
                    return Err(fail(
                        key,
                        "value_aliases",
                        format!("字段 `{}` 的取值别名 `{a}` 本身是该字段的可选值：写 `{a}` 的单元格仍读作 `{a}`，这个别名不起作用；要把 `{a}` 并入 `{v}`，请从 values 中删去 `{a}`", f.key),
                        format!("value alias `{a}` of `{}` is itself one of its values: cells of `{a}` still read as `{a}`, and the alias does nothing; to fold `{a}` into `{v}`, take `{a}` out of values", f.key),
                    ));
                }
            }
            if let Some(c) = &f.unique_code {
                if Code::parse(c).is_none() {
                    let (near_zh, near_en) = code_near(c);
                    return Err(fail(
                        key,
                        &format!("\"{c}\""),
                        format!(
                            "字段 `{}` 使用了未知的诊断代码 `{c}`{near_zh}（代码见 docs/codes.md）",
                            f.key
                        ),
                        format!(
                            "field `{}` uses unknown diagnostic code `{c}`{near_en}",
                            f.key
                        ),
                    ));
                }
            }
            let field_of = |k: &str| self.fields.iter().find(|g| g.key == k);
            let codes = [&f.date_mismatch, &f.next_day];
            for c in codes.into_iter().flatten() {
                if Code::parse(c).is_none() {
                    let (near_zh, near_en) = code_near(c);
                    return Err(fail(
                        key,
                        &format!("\"{c}\""),
                        format!("字段 `{}` 使用了未知的诊断代码 `{c}`{near_zh}", f.key),
                        format!(
                            "field `{}` uses unknown diagnostic code `{c}`{near_en}",
                            f.key
                        ),
                    ));
                }
            }
            let wrong = match (&f.date, &f.from) {
                _ if f.ty != FieldType::Time
                    && (f.date.is_some()
                        || f.from.is_some()
                        || f.date_mismatch.is_some()
                        || f.next_day.is_some()) =>
                {
                    Some("date、from、date_mismatch 和 next_day 只用于 time 字段".to_string())
                }
                (Some(d), _) if field_of(d).is_none_or(|g| g.ty != FieldType::Date) => {
                    Some(format!("date = \"{d}\" 不是本表的日期字段"))
                }
                (_, Some(t))
                    if field_of(t).is_none_or(|g| g.ty != FieldType::Time || g.from.is_some()) =>
                {
                    Some(format!("from = \"{t}\" 不是本表不带 from 的时间字段"))
                }
                (Some(_), Some(_)) => Some("date 与 from 只能写一个".to_string()),
                (None, None) if f.ty == FieldType::Time => {
                    Some("时间字段须写 date（所在日期的字段）或 from（从哪个时间算起）".to_string())
                }
                _ => None,
            };
            if let Some(why) = wrong {
                return Err(fail(
                    key,
                    "type",
                    format!("字段 `{}`：{why}", f.key),
                    format!("field `{}`: a time takes `date` (its row's date field) or `from` (a time field without from); the others go with time fields only", f.key),
                ));
            }
            // `min = 5` on a date, `within` on a number: read by nothing,
            // so the county's bound would hold no cell.
            let number = matches!(f.ty, FieldType::Integer | FieldType::Decimal);
            let of_type = |kind_zh: &str, kind_en: &str| {
                (
                    format!("只用于{kind_zh}字段，而它的类型是 {}；请删去这一项或改换类型", f.ty.name()),
                    format!("applies to {kind_en} fields only, and its type is {}: take it out or change the type", f.ty.name()),
                )
            };
            let checks: [(bool, &str, bool, (String, String)); 7] = [
                (
                    f.min.is_some(),
                    "min",
                    number,
                    of_type("数字（integer、decimal）", "number"),
                ),
                (
                    f.max.is_some(),
                    "max",
                    number,
                    of_type("数字（integer、decimal）", "number"),
                ),
                (
                    f.within.is_some(),
                    "within",
                    f.ty == FieldType::Date,
                    of_type("日期（date）", "date"),
                ),
                (
                    f.yes.is_some() || !f.levels.is_empty(),
                    if f.yes.is_some() { "yes" } else { "levels" },
                    f.ty == FieldType::Enum,
                    of_type("选项（enum）", "enum"),
                ),
                // A blank date read as a text would be no date at all.
                (
                    f.default.is_some(),
                    "default",
                    matches!(f.ty, FieldType::Text | FieldType::Enum) || number,
                    of_type(
                        "文字、选项或数字（text、enum、integer、decimal）",
                        "text, enum or number",
                    ),
                ),
                (
                    f.unique_code.is_some(),
                    "unique_code",
                    f.unique,
                    (
                        "只在 unique = true 时起作用；请删去这一项或加上 unique = true".to_string(),
                        "applies only with unique = true: take it out or add unique = true"
                            .to_string(),
                    ),
                ),
                // How loud a blank is, said only of a cover's fields.
                (
                    f.missing != MissingSeverity::default(),
                    "missing",
                    self.kind == FormKind::Cover,
                    (
                        "只用于封面（kind = \"cover\"）的字段，本表样不是封面；请删去这一项"
                            .to_string(),
                        "applies to a cover's fields only, and this form is no cover: take it out"
                            .to_string(),
                    ),
                ),
            ];
            // Read by nothing on this field: the county's setting would
            // hold no cell.
            if let Some((_, name, _, (zh, en))) =
                checks.iter().find(|(set, _, fits, _)| *set && !fits)
            {
                return Err(fail(
                    key,
                    name,
                    format!("字段 `{}` 的 {name} {zh}", f.key),
                    format!("`{name}` of `{}` {en}", f.key),
                ));
            }
            if let (Some(lo), Some(hi)) = (f.min, f.max) {
                if lo > hi {
                    return Err(fail(
                        key,
                        "max",
                        format!("字段 `{}` 的最小值 {lo} 大于最大值 {hi}", f.key),
                        format!("field `{}` has min {lo} above max {hi}", f.key),
                    ));
                }
            }
            if let Some(d) = &f.default {
                if f.ty == FieldType::Enum && !f.values.contains(d) {
                    return Err(fail(
                        key,
                        "default",
                        format!("字段 `{}` 的默认值 `{d}` 不是它的可选值", f.key),
                        format!("default `{d}` of `{}` is not one of its values", f.key),
                    ));
                }
                if matches!(f.ty, FieldType::Integer | FieldType::Decimal) {
                    let Ok(x) = d.parse::<f64>() else {
                        return Err(fail(
                            key,
                            "default",
                            format!("字段 `{}` 的默认值 `{d}` 不是数字", f.key),
                            format!("default `{d}` of `{}` is not a number", f.key),
                        ));
                    };
                    // A blank cell read as the default would break the
                    // field's own range in every submission.
                    if f.min.is_some_and(|lo| x < lo) || f.max.is_some_and(|hi| x > hi) {
                        return Err(fail(
                            key,
                            "default",
                            format!("字段 `{}` 的默认值 {d} 不在它的 min、max 范围内", f.key),
                            format!("default {d} of `{}` is outside its own min and max", f.key),
                        ));
                    }
                }
            }
        }
        for r in &self.rules {
            let code = r.code();
            if Code::parse(code).is_none() {
                let (near_zh, near_en) = code_near(code);
                return Err(fail(
                    None,
                    &format!("\"{code}\""),
                    format!("规则使用了未知的诊断代码 `{code}`{near_zh}"),
                    format!("rule uses unknown diagnostic code `{code}`{near_en}"),
                ));
            }
            for k in r.fields() {
                if !self.fields.iter().any(|f| f.key == k) {
                    let (near_zh, near_en) =
                        did_you_mean(k, self.fields.iter().map(|f| f.key.as_str()));
                    return Err(fail(
                        None,
                        &format!("\"{code}\""),
                        format!("规则 `{code}` 引用的字段 `{k}` 在表样中没有声明{near_zh}"),
                        format!("rule `{code}` names field `{k}`, which the schema does not declare{near_en}"),
                    ));
                }
            }
        }
        self.ignored = self
            .ignored_columns
            .iter()
            .map(|c| normalize_header(c))
            .collect();
        self.lookup = lookup;
        self.names = std::iter::once(&self.title)
            .chain(&self.aliases)
            .map(|a| normalize_header(a))
            .collect();
        for f in &mut self.fields {
            f.choices = f.values.iter().map(|v| intern(v)).collect();
        }
        self.enum_lookup = self
            .fields
            .iter()
            .map(|f| {
                let mut m: HashMap<String, String> = f
                    .values
                    .iter()
                    .map(|v| (normalize_header(v), v.clone()))
                    .collect();
                for (a, v) in &f.value_aliases {
                    m.entry(normalize_header(a)).or_insert_with(|| v.clone());
                }
                m
            })
            .collect();
        Ok(())
    }
}

/// The schema names pbstat's own code relies on; a replacement set must
/// declare each of them. (The ledgers are the measures', tables' and
/// audits' business: those files name them and are checked against them.)
const NEEDED: &[&str] = &[
    "registry",
    "cover_county",
    "cover_street",
    "cover_community",
    "cover_unit",
    "explanations",
];

/// Keys the pipeline reads by name, per schema; a replacement schema may add
/// columns freely but must keep these.
const NEEDED_KEYS: &[(&str, &[&str])] = &[
    (
        "registry",
        &["code", "name", "kind", "parent_code", "expected"],
    ),
    ("cover_county", &["org_name", "org_code", "period"]),
    ("cover_street", &["org_name", "org_code", "period"]),
    ("cover_community", &["org_name", "org_code", "period"]),
    ("cover_unit", &["org_name", "org_code", "period"]),
    ("explanations", &["code", "location", "text"]),
];

/// One file of a kind (measures, tables, audits, requirements) per folder:
/// a second one, a copy Windows made beside it ("measures - 副本.toml"),
/// silently replaced the county's edited file. The embedded fallback for a
/// folder without one is replaced, as a form's is.
fn only_one<T>(had: &Option<(T, String, String)>, file: &str, zh: &str, en: &str) -> Result<()> {
    match had {
        Some((_, other, _)) if !other.ends_with(FALLBACK) => bail!(tr(
            format!("{file} 有误：{zh}已由 {other} 给出；每种只能有一个文件，请删去或改名其中一个"),
            format!("{file}: the {en} are already given by {other}; keep one file of each kind"),
        )),
        _ => Ok(()),
    }
}

/// A TOML file parsed into `T`; an error names the file and line (also
/// pbstat.toml's, read by config).
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
    (zh, en): (&str, &str),
) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        // Newlines before the span, plus one: `lines()` on the text before
        // it counted one short when the span began a line (an unknown key).
        let at = e
            .span()
            .map(|sp| text[..sp.start].matches('\n').count() + 1);
        file_error(
            (zh, en),
            file,
            at,
            crate::lang::toml_reason_zh(e.message()),
            e.message(),
        )
    })
}

#[derive(Debug, Clone)]
pub struct SchemaSet {
    pub schemas: Vec<Schema>,
    pub requirements: Requirements,
    /// What the report tables count (取数公式).
    pub measures: MeasureSet,
    /// The report tables and their columns (报表表式).
    pub tables: TableSet,
    /// The rules across submissions and periods (表间与跨期审核).
    pub audits: AuditSet,
    /// Where they came from, for messages: "embedded" or a folder.
    pub source: String,
    /// Each schema's file as it was read (its name → text): `schema show`
    /// and `schema export` give a county's own files back with their
    /// comments and layout, not re-serialised.
    pub texts: BTreeMap<String, String>,
}

impl SchemaSet {
    /// Whether a column compares with `--previous` of another period
    /// length (a quarter against the month before it): a stock, the state
    /// at the period's end, or a rate (reports.md §5.3).
    pub fn compares_across_lengths(&self, c: &tables::Col) -> bool {
        c.kind == tables::Kind::Rate
            || c.measure
                .as_deref()
                .and_then(|m| self.measures.measure(m))
                .is_some_and(|m| m.period == measures::Behaviour::Stock)
    }

    pub fn embedded() -> Result<SchemaSet> {
        let files: Vec<(String, String)> = EMBEDDED
            .iter()
            .map(|(n, t)| (format!("{n}.toml"), t.to_string()))
            .collect();
        Self::from_texts(files, "embedded".into())
    }

    /// A schema as TOML: its file as it was read, comments and all (the
    /// embedded file, or a county's own).
    pub fn text_of(&self, name: &str) -> Result<String> {
        if let Some(t) = self.texts.get(name) {
            return Ok(t.clone());
        }
        // A form by the sheet name a statistician knows it by (会议活动), when
        // one form alone bears it (the covers share 封面).
        let wanted = crate::text::normalize_header(name);
        let titled: Vec<&Schema> = self
            .schemas
            .iter()
            .filter(|s| {
                std::iter::once(&s.title)
                    .chain(&s.aliases)
                    .any(|t| crate::text::normalize_header(t) == wanted)
            })
            .collect();
        if let [one] = titled[..] {
            if let Some(t) = self.texts.get(&one.name) {
                return Ok(t.clone());
            }
        }
        if titled.len() > 1 {
            let which: Vec<&str> = titled.iter().map(|s| s.name.as_str()).collect();
            bail!(tr(
                format!(
                    "工作表名 {name} 属于多张表样：{}；请写其中一个",
                    which.join("、")
                ),
                format!(
                    "the sheet name {name} belongs to several schemas: {}; name one",
                    which.join(", ")
                ),
            ));
        }
        let names: Vec<&str> = self.schemas.iter().map(|s| s.name.as_str()).collect();
        bail!(tr(
            format!(
                "没有名为 {name} 的表样；可用的有：{}、requirements、measures、tables、audits",
                names.join("、")
            ),
            format!(
                "no schema named {name}; the schemas are: {}, requirements, measures, tables, audits",
                names.join(", ")
            ),
        ))
    }

    pub fn load(dir: Option<&Path>) -> Result<SchemaSet> {
        match dir {
            None => Self::embedded(),
            Some(d) => Self::from_dir(d),
        }
    }

    /// Read every `*.toml` of a folder; files it lacks fall back to the
    /// embedded defaults, so a user may replace only the forms they change.
    pub fn from_dir(dir: &Path) -> Result<SchemaSet> {
        let rd = std::fs::read_dir(dir).map_err(|e| {
            anyhow!(tr(
                format!(
                    "无法读取表样文件夹 {}：{}",
                    dir.display(),
                    crate::lang::io_reason(&e)
                ),
                format!(
                    "cannot read schema folder {}: {}",
                    dir.display(),
                    crate::lang::io_reason(&e)
                ),
            ))
        })?;
        let mut given: BTreeMap<String, String> = BTreeMap::new();
        for e in rd {
            let p = e?.path();
            if p.extension().and_then(|e| e.to_str()) == Some("toml") {
                let text = crate::text::read_file(&p)?;
                given.insert(p.display().to_string(), text);
            }
        }
        if given.is_empty() {
            bail!(tr(
                format!("表样文件夹 {} 中没有 .toml 文件", dir.display()),
                format!("schema folder {} holds no .toml files", dir.display())
            ));
        }
        let mut files: Vec<(String, String)> = Vec::new();
        for (name, text) in EMBEDDED {
            let own = dir.join(format!("{name}.toml"));
            let key = own.display().to_string();
            match given.remove(&key) {
                Some(t) => files.push((key, t)),
                None => files.push((format!("{name}.toml{FALLBACK}"), text.to_string())),
            }
        }
        files.extend(given);
        Self::from_texts(files, dir.display().to_string())
    }

    fn from_texts(files: Vec<(String, String)>, source: String) -> Result<SchemaSet> {
        let mut schemas: Vec<Schema> = Vec::new();
        let mut requirements: Option<(Requirements, String, String)> = None;
        let mut measures: Option<(MeasureSet, String, String)> = None;
        let mut tables: Option<(TableSet, String, String)> = None;
        let mut audits: Option<(AuditSet, String, String)> = None;
        // Checks read the requirements, and covers' checks the ledgers:
        // compiled once all are known.
        let mut texts: Vec<(usize, String, String)> = Vec::new();
        let mut read: BTreeMap<String, String> = BTreeMap::new();
        // A set from a folder, a county's own: its conditions are also
        // tried over no rows of their columns' types at load.
        let from_folder = source != "embedded";
        for (file, text) in files {
            let stem = Path::new(&file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            if stem.starts_with("measures") {
                let m: MeasureSet = parse_toml(&text, &file, MEASURES_FILE)?;
                only_one(&measures, &file, "取数公式", "measures")?;
                measures = Some((m, file, text));
                continue;
            }
            if stem.starts_with("audits") {
                let a: AuditSet = parse_toml(&text, &file, AUDITS_FILE)?;
                only_one(&audits, &file, "审核规则", "audit rules")?;
                audits = Some((a, file, text));
                continue;
            }
            if stem.starts_with("tables") {
                let t: TableSet = parse_toml(&text, &file, TABLES_FILE)?;
                only_one(&tables, &file, "报表表式", "report tables")?;
                tables = Some((t, file, text));
                continue;
            }
            let is_req = Path::new(&file)
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.starts_with("requirements"));
            if is_req {
                let r = Requirements::parse(&text, &file)?;
                r.check(&file, &text)?;
                only_one(&requirements, &file, "考核要求", "requirements")?;
                requirements = Some((r, file, text));
                continue;
            }
            // A .toml that is no form at all (a county's notes kept in the
            // folder) is said so, rather than "`name` is missing"; looked
            // at only when the file does not read as a form.
            let mut s: Schema = parse_toml(&text, &file, FORM_FILE).map_err(|e| {
                let no_form = text
                    .parse::<toml::Table>()
                    .is_ok_and(|t| !t.contains_key("name") && !t.contains_key("fields"));
                if !no_form {
                    return e;
                }
                anyhow!(tr(
                    format!("{file} 不是表样文件（没有 name 和 fields）：--schemas 文件夹中的每个 .toml 文件都按表样、取数公式、报表表式、审核规则或考核要求读取，请把它移出这个文件夹"),
                    format!("{file} is no schema file (it has neither name nor fields): every .toml file of the --schemas folder is read as a form, measures, tables, audits or requirements; move it out of the folder"),
                ))
            })?;
            s.prepare(&file, &text)?;
            s.check_rule_values(&file, &text)?;
            if let Some(j) = schemas.iter().position(|o| o.name == s.name) {
                // A folder's file of a form it names otherwise (在职党员报到.toml
                // for roster) replaces the embedded one its file name did not.
                let fallback = texts
                    .iter()
                    .any(|(i, f, _)| *i == j && f.ends_with(FALLBACK));
                if fallback && !file.ends_with(FALLBACK) {
                    texts.retain(|(i, _, _)| *i != j);
                    texts.push((j, file.clone(), text.clone()));
                    read.insert(s.name.clone(), text.clone());
                    schemas[j] = s;
                    continue;
                }
            }
            if let Some(j) = schemas.iter().position(|o| o.name == s.name) {
                // Named with the file that declared it first: a copy Windows
                // made beside it ("meetings - 副本.toml") is the usual cause.
                let other = texts
                    .iter()
                    .find(|(i, _, _)| *i == j)
                    .map(|(_, f, _)| f.trim_end_matches(FALLBACK).to_string())
                    .unwrap_or_default();
                bail!(tr(
                    format!(
                        "表样文件 {file} 有误：名为 `{}` 的表样已由 {other} 声明；一个表样只能有一个文件，请删去或改名其中一个",
                        s.name
                    ),
                    format!(
                        "invalid schema file {file}: a schema named `{}` is declared twice, already by {other}; keep one file per schema",
                        s.name
                    )
                ));
            }
            texts.push((schemas.len(), file.clone(), text.clone()));
            read.insert(s.name.clone(), text.clone());
            schemas.push(s);
        }
        let reqs = &requirements
            .as_ref()
            .ok_or_else(|| {
                anyhow!(tr(
                    "缺少考核要求文件 requirements.toml",
                    "the requirements file is missing"
                ))
            })?
            .0;
        for (i, file, text) in &texts {
            let (i, file, text) = (*i, file.clone(), text.as_str());
            let view = schemas[i].clone();
            let mut frame = checks::CoverFrame::default();
            let mut prepared = std::mem::take(&mut schemas[i].checks);
            for c in &mut prepared {
                if view.kind == FormKind::Cover {
                    c.prepare_cover(&view, &schemas, &mut frame, &file, text)?;
                } else {
                    c.prepare(&view, reqs, &file, text)?;
                }
            }
            schemas[i].checks = prepared;
            schemas[i].cover_frame = frame;
            // A county's own checks (the embedded ones pass:
            // schema::measures::tests::embedded_conditions_fit_their_fields_types).
            if from_folder && view.kind == FormKind::Ledger {
                checks::typecheck(&schemas[i], &file, text)?;
            }
            let mut listed = std::mem::take(&mut schemas[i].listed);
            for l in &mut listed {
                l.prepare(&view, &schemas, &file, text)?;
            }
            schemas[i].listed = listed;
        }
        let mut own: BTreeMap<&str, (Severity, &str)> = BTreeMap::new();
        for (i, file, text) in &texts {
            let s = &schemas[*i];
            for c in &s.checks {
                let sev = c.compiled.as_ref().expect("prepared").code.severity();
                match own.get(c.code.as_str()) {
                    Some((other, first)) if *other != sev => {
                        let at = line_after(text, &format!("code = \"{}\"", c.code));
                        let (code, sev, other) = (&c.code, sev.as_str(), other.as_str());
                        bail!(file_error(
                            FORM_FILE,
                            file,
                            at,
                            format!("代码 `{code}` 的严重程度（severity = \"{sev}\"）与表样 `{first}` 中的（\"{other}\"）不同；同一代码在各表样中的严重程度须相同"),
                            format!("the code `{code}` has severity = \"{sev}\" here and \"{other}\" in `{first}`; a code has one severity in every form"),
                        ))
                    }
                    _ => {
                        own.insert(&c.code, (sev, &s.name));
                    }
                }
            }
        }
        for n in NEEDED {
            if !schemas.iter().any(|s| s.name == *n) {
                bail!(tr(
                    format!("缺少表样 `{n}`"),
                    format!("schema `{n}` is missing from the schema set")
                ));
            }
        }
        for (n, keys) in NEEDED_KEYS {
            let s = schemas
                .iter()
                .find(|s| s.name == *n)
                .expect("checked above");
            for k in *keys {
                if s.field(k).is_none() {
                    bail!(tr(
                        format!("表样 `{n}` 必须声明字段 `{k}`"),
                        format!("schema `{n}` must declare the field `{k}`")
                    ));
                }
            }
        }
        let (requirements, req_file, req_text) = requirements.ok_or_else(|| {
            anyhow!(tr(
                "缺少考核要求文件 requirements.toml",
                "the requirements file is missing"
            ))
        })?;
        let (mut measures, m_file, m_text) = measures.ok_or_else(|| {
            anyhow!(tr(
                "缺少取数公式文件 measures.toml",
                "the measures file is missing"
            ))
        })?;
        // A county's own measures are run over no rows at load, to find a
        // condition that does not fit its fields' types (the embedded file
        // passes: schema::measures::tests::embedded_conditions_fit_their_fields_types).
        measures.prepare(&schemas, &requirements, &m_file, &m_text, from_folder)?;
        check_requirement_values(&requirements, &schemas, &measures, &req_file, &req_text)?;
        let (mut tables, t_file, t_text) = tables.ok_or_else(|| {
            anyhow!(tr(
                "缺少报表表式文件 tables.toml",
                "the tables file is missing"
            ))
        })?;
        tables.prepare(&measures, &schemas, &requirements, &t_file, &t_text)?;
        let year = crate::period::Period::parse("2026").expect("a year");
        for c in &tables.charts {
            if let Some(l) = c
                .line
                .as_deref()
                .filter(|l| requirements.param(l, &year).is_none())
            {
                bail!(tr(
                    format!("报表表式文件 {t_file} 有误：图表的 line = \"{l}\" 不是考核要求（requirements.toml）中的数值"),
                    format!("invalid tables file {t_file}: the chart's line = \"{l}\" is not a number of the requirements file"),
                ));
            }
        }
        let (mut audits, a_file, a_text) = audits.ok_or_else(|| {
            anyhow!(tr(
                "缺少审核规则文件 audits.toml",
                "the audits file is missing"
            ))
        })?;
        audits.prepare(
            &schemas,
            (&measures, &m_file, &m_text),
            &tables,
            &requirements,
            &a_file,
            &a_text,
        )?;
        read.insert("requirements".into(), req_text);
        read.insert("measures".into(), m_text);
        read.insert("tables".into(), t_text);
        read.insert("audits".into(), a_text);
        Ok(SchemaSet {
            schemas,
            requirements,
            measures,
            tables,
            audits,
            source,
            texts: read,
        })
    }

    pub fn get(&self, name: &str) -> &Schema {
        self.schemas
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("schema {name} checked at load"))
    }

    pub fn cover_for(&self, level: Level) -> &Schema {
        self.schemas
            .iter()
            .find(|s| s.kind == FormKind::Cover && s.level == Some(level))
            .unwrap_or_else(|| self.get("cover_community"))
    }

    pub fn covers(&self) -> impl Iterator<Item = &Schema> {
        self.schemas.iter().filter(|s| s.kind == FormKind::Cover)
    }

    pub fn ledgers(&self) -> impl Iterator<Item = &Schema> {
        self.schemas.iter().filter(|s| s.kind == FormKind::Ledger)
    }

    /// Ledgers a submission of this level must carry.
    pub fn required_ledgers(&self, level: Level) -> Vec<&Schema> {
        self.ledgers()
            .filter(|s| s.required_for.contains(&level))
            .collect()
    }

    /// Ledgers a submission of this level may carry besides those.
    pub fn optional_ledgers(&self, level: Level) -> Vec<&Schema> {
        self.ledgers()
            .filter(|s| s.optional_for.contains(&level) && !s.required_for.contains(&level))
            .collect()
    }
}
