//! The tables file (schemas/tables.toml, 报表表式): every report table —
//! its file stem, title, sheet, the levels with rows — and every column:
//! key, headers, definition, and what it shows (a base count of
//! measures.toml, a rate of two of them, the organisation's files, a
//! breakdown value). Checked against the measures when the schema set
//! loads, so that a misspelt measure or meeting type stops the run there.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use super::{MeasureSet, Schema};
use crate::org::Level;

/// report.xlsx's own sheets beside the tables' (write/ names them by
/// these): a table may not take one of their names.
pub const EXCLUDED_SHEET: &str = "未纳入汇总";
pub const RULES_SHEET: &str = "审核汇总";
pub const NOTES_SHEET: &str = "说明";
pub const CHARTS_SHEET: &str = "图表";
pub const HISTORY_SHEET: &str = "趋势";
/// The history table's id and file stem (tables/history.csv|parquet with
/// `--history`): a declared table may not take it, or one file would
/// overwrite the other.
pub const HISTORY_TABLE: &str = "history";
pub const REPORT_SHEETS: [&str; 5] = [
    EXCLUDED_SHEET,
    RULES_SHEET,
    NOTES_SHEET,
    CHARTS_SHEET,
    HISTORY_SHEET,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Level,
    Code,
    Name,
    Parent,
    Category,
    Count,
    Hours,
    Rate,
    /// A rate's numerator or denominator.
    Part,
    Text,
    /// Seconds shown as minutes to one decimal (`unit = "minutes"`): a
    /// count (a sum or a maximum), or a rate that is an average.
    Minutes,
}

impl Kind {
    /// Whether `--previous` puts `<key>_prev` and `<key>_change` beside a
    /// column of this kind in a table with `compare = true`.
    pub fn compared(self) -> bool {
        matches!(self, Kind::Count | Kind::Hours | Kind::Rate)
    }
}

/// What a column shows besides counts and rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Special {
    /// The organisation's own files, joined with `;`.
    Files,
    /// The breakdown value of a table with `by`.
    Category,
    /// A detail table's row: the submitting organisation's code, its name.
    OrgCode,
    OrgName,
}

/// What a detail table's column (`rows = "<ledger>"`) shows of its row.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// The submitting organisation's code or name.
    OrgCode,
    OrgName,
    /// A field of the row, as on the sheet (its index in the ledger).
    Field(usize),
    /// Whether the field is filled: the first text if so, else the second.
    Present(usize, String, String),
    /// Rows of another ledger of the same submission whose field equals
    /// this row's field of the same name: (ledger, its field, this field).
    Count(String, usize, usize),
    /// Two columns of the row (by key): numerator and denominator.
    Rate(String, String),
}

/// One column as tables.toml declares it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDecl {
    pub key: String,
    pub header: String,
    pub en: String,
    pub def: String,
    /// The base count a count column shows (default: its key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    /// [numerator, denominator]: base counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<[String; 2]>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub parts: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Special>,
    /// The meeting type whose minimum the meetings chart sets beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// `"minutes"`: the count or rate is seconds, shown as minutes to one
    /// decimal (a rate then is an average, not a percentage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// A detail table's column: a field of its row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `field`: the two texts shown for a filled and a blank field
    /// (the field itself is not written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<[String; 2]>,
    /// A detail table's column: `<ledger>.<field>`, the rows of that ledger
    /// in the same submission whose field equals this row's field of the
    /// same name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<String>,
    /// The header in a period roll-up, where the column counts something
    /// else (T0: returns over the sub-periods, reports.md §5.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_periods: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TableDecl {
    pub id: String,
    pub file: String,
    pub title: String,
    pub title_en: String,
    pub sheet: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<Level>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub compare: bool,
    /// The optional form (ledger) the table counts: when no aggregated
    /// submission carries it, the 说明 sheet says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// A detail table: one row per row of this ledger in the aggregated
    /// submissions (organisations in code order, then the sheet's order),
    /// not summed up the tree (T6b).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<String>,
    #[serde(rename = "column")]
    pub columns: Vec<ColumnDecl>,
}

/// A headline figure of `report` and the HTML summary.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Headline {
    pub table: String,
    pub column: String,
    pub zh: String,
    pub en: String,
    /// Shown only when the figure has a value (an optional form's rate,
    /// blank where nobody carries the form).
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_any: bool,
}

/// Indicators of the history (reports.md §5.2): columns of one table, or
/// with `rates = true` every rate of it, in the table's order.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrendDecl {
    pub table: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub rates: bool,
}

/// A chart of the 图表 sheet of report.xlsx and of the HTML summary: some
/// columns of one table as bars, for the rows under the scope
/// (`rows = "children"`: streets, or counties in a roll-up) or for the rows
/// of a level, with an optional line at a number of requirements.toml.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChartDecl {
    pub table: String,
    pub rows: String,
    pub columns: Vec<String>,
    /// A number of requirements.toml drawn as a line (考核要求).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// `{by}` (what the rows are: 街道, 社区 …), `{scope}`, `{<column>}`
    /// (the scope's own figure) and `{<requirement>}`.
    pub title: String,
}

/// The rows a chart shows: under the scope, else a level.
pub const CHILDREN: &str = "children";

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TableSet {
    #[serde(rename = "table")]
    pub tables: Vec<TableDecl>,
    #[serde(default, rename = "headline")]
    pub headline: Vec<Headline>,
    #[serde(default, rename = "chart", skip_serializing_if = "Vec::is_empty")]
    pub charts: Vec<ChartDecl>,
    /// The indicators of the history (多期对比, reports.md §5.2), in order.
    #[serde(default, rename = "trend", skip_serializing_if = "Vec::is_empty")]
    pub trends: Vec<TrendDecl>,
    /// The tables as the stages use them (built at load).
    #[serde(skip)]
    defs: Vec<TableDef>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A column as the stages use it.
#[derive(Debug, Clone)]
pub struct Col {
    pub key: String,
    pub header: String,
    pub kind: Kind,
    pub def: String,
    /// The base count a count column shows.
    pub measure: Option<String>,
    /// A rate's numerator and denominator (base counts).
    pub rate: Option<(String, String)>,
    pub requirement: Option<String>,
    /// A detail table's column.
    pub detail: Option<Detail>,
    /// The header in a period roll-up (tables.toml `header_periods`).
    pub header_periods: Option<String>,
    /// `value = "files"`: the organisation's own files.
    pub files: bool,
}

impl Col {
    pub fn plain(key: &str, header: &str, kind: Kind, def: &str) -> Col {
        Col {
            key: key.into(),
            header: header.into(),
            kind,
            def: def.into(),
            measure: None,
            rate: None,
            requirement: None,
            detail: None,
            header_periods: None,
            files: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TableDef {
    /// t0 … t4, t3b
    pub id: String,
    /// File stem: t1_registrations
    pub file: String,
    pub title: String,
    pub sheet: String,
    /// The organisation levels with rows; None: every level.
    pub levels: Option<Vec<Level>>,
    /// The breakdown of measures.toml a row is per value of.
    pub by: Option<String>,
    /// `_prev`/`_change` columns with `--previous` (reports.md §3).
    pub compare: bool,
    /// The optional form it counts (its ledger), if any.
    pub form: Option<String>,
    /// A detail table's ledger: a row per row of it.
    pub detail: Option<String>,
    pub cols: Vec<Col>,
}

impl TableDef {
    /// Whether an organisation of this level (tree level text) has a row.
    pub fn has_level(&self, level: &str) -> bool {
        match (&self.levels, Level::parse(level)) {
            (Some(ls), Some(l)) => ls.contains(&l),
            _ => true,
        }
    }
}

/// The four columns every row starts with (reports.md §1).
fn keys() -> Vec<Col> {
    vec![
        Col::plain(
            "level",
            "级别",
            Kind::Level,
            "区县、街道、社区、驻区单位（逐级汇总时另有市、省、全部）",
        ),
        Col::plain("code", "代码", Kind::Code, "组织代码或统一社会信用代码"),
        Col::plain("name", "名称", Kind::Name, "名录中的名称；无名录时取封面"),
        Col::plain(
            "parent_code",
            "上级代码",
            Kind::Parent,
            "上级组织的代码；根行为空",
        ),
    ]
}

/// The line where a text first stands in a file, for errors after parsing.
fn is_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl TableSet {
    /// The history's indicators (reports.md §5.2): (table, column), in
    /// order.
    pub fn trend_indicators(&self) -> Vec<(&TableDef, &Col)> {
        let mut out: Vec<(&TableDef, &Col)> = Vec::new();
        for tr in &self.trends {
            let Some(d) = self.def(&tr.table) else {
                continue;
            };
            let picked: Vec<&Col> = if tr.rates {
                d.cols.iter().filter(|c| c.kind == Kind::Rate).collect()
            } else {
                tr.columns
                    .iter()
                    .filter_map(|k| d.cols.iter().find(|c| &c.key == k))
                    .collect()
            };
            for c in picked {
                if !out.iter().any(|(t, x)| t.id == d.id && x.key == c.key) {
                    out.push((d, c));
                }
            }
        }
        out
    }

    /// The tables, in the file's order.
    pub fn defs(&self) -> &[TableDef] {
        &self.defs
    }

    pub fn def(&self, id: &str) -> Option<&TableDef> {
        self.defs.iter().find(|t| t.id == id)
    }

    /// The first count column of this key in a table with a row per
    /// organisation, with its table: what the 跨期 rules compare.
    pub fn count_column(&self, key: &str) -> Option<(&TableDef, &Col)> {
        self.columns().find(|(t, c)| {
            t.by.is_none() && c.key == key && matches!(c.kind, Kind::Count | Kind::Hours)
        })
    }

    /// The column that shows each organisation's own files (T0's 文件),
    /// if a table has one: a period roll-up reads the months' files there.
    pub fn files_column(&self) -> Option<(&TableDef, &Col)> {
        self.columns().find(|(_, c)| c.files)
    }

    /// Every column of every table, with its table.
    pub fn columns(&self) -> impl Iterator<Item = (&TableDef, &Col)> {
        self.defs
            .iter()
            .flat_map(|t| t.cols.iter().map(move |c| (t, c)))
    }

    /// Check every name against the measures and forms, and build the
    /// tables the stages use.
    pub fn prepare(
        &mut self,
        measures: &MeasureSet,
        schemas: &[Schema],
        reqs: &super::Requirements,
        file: &str,
        text: &str,
    ) -> Result<()> {
        let fail = |zh: String, en: String, needle: &str| -> anyhow::Error {
            super::file_error(
                super::TABLES_FILE,
                file,
                super::line_after(text, needle),
                zh,
                en,
            )
        };
        // The values the meeting minimums name (requirements.toml): those of
        // the field the `meeting_types` breakdown groups by.
        let meeting_types: Vec<String> = measures
            .grouped_by("meeting_types")
            .and_then(|(ledger, keys)| {
                let s = schemas.iter().find(|s| s.name == ledger)?;
                Some(
                    keys.iter()
                        .filter_map(|k| s.field(k))
                        .flat_map(|f| f.values.clone())
                        .collect(),
                )
            })
            .unwrap_or_default();
        let mut defs = Vec::new();
        for t in &self.tables {
            let id_line = format!("id = \"{}\"", t.id);
            if !is_key(&t.id) || !is_key(&t.file) {
                bail!(fail(
                    format!("表 `{}`（文件 `{}`）：表名和文件名只能由小写字母、数字和下划线组成", t.id, t.file),
                    format!("table `{}` (file `{}`): ids and file stems take lower-case letters, digits and underscores only", t.id, t.file),
                    &id_line,
                ));
            }
            if t.id == HISTORY_TABLE || t.file == HISTORY_TABLE {
                bail!(fail(
                    format!("表 `{}`（文件 `{}`）：`{HISTORY_TABLE}` 是 --history 写出的趋势表（tables/{HISTORY_TABLE}.csv）自用的名字，请另取一个", t.id, t.file),
                    format!("table `{}` (file `{}`): `{HISTORY_TABLE}` is the name of the trend table --history writes (tables/{HISTORY_TABLE}.csv): name it otherwise", t.id, t.file),
                    &id_line,
                ));
            }
            for (what, same) in [
                ("id", defs.iter().any(|d: &TableDef| d.id == t.id)),
                ("file", defs.iter().any(|d: &TableDef| d.file == t.file)),
                // Excel tells sheet names apart regardless of case.
                (
                    "sheet",
                    defs.iter()
                        .any(|d: &TableDef| d.sheet.to_lowercase() == t.sheet.to_lowercase()),
                ),
            ] {
                if same {
                    bail!(fail(
                        format!("表 `{}` 的 {what} 与前面的表重复", t.id),
                        format!("table `{}`: its {what} repeats an earlier table's", t.id),
                        &id_line,
                    ));
                }
            }
            if let Some(fixed) = REPORT_SHEETS
                .iter()
                .find(|f| f.to_lowercase() == t.sheet.to_lowercase())
            {
                bail!(fail(
                    format!(
                        "表 `{}` 的工作表名 `{}` 是 report.xlsx 自有的工作表（{}），请另取一个",
                        t.id,
                        t.sheet,
                        REPORT_SHEETS.join("、")
                    ),
                    format!(
                        "table `{}`: `{}` is a sheet of report.xlsx's own ({}): name it otherwise",
                        t.id,
                        fixed,
                        REPORT_SHEETS.join(", ")
                    ),
                    &id_line,
                ));
            }
            // Excel's rules, and pbstat's own `_` sheets.
            let sheet_ok = super::excel_sheet_name_ok(&t.sheet) && !t.sheet.starts_with('_');
            if !sheet_ok {
                bail!(fail(
                    format!("表 `{}` 的工作表名 `{}` 不能用（至多 31 个字符，不含 []:*?/\\，不以 _ 开头，首尾不是 '，不是 History）", t.id, t.sheet),
                    format!("table `{}`: `{}` cannot be a sheet name (at most 31 characters, none of []:*?/\\, not starting with _, no ' first or last, not History)", t.id, t.sheet),
                    &format!("{id_line}\nsheet = "),
                ));
            }
            if let Some(b) = &t.by {
                // Its counts go to the hidden sheet `_data_<by>` of report.xlsx.
                if !is_key(b) || b.chars().count() + 6 > 31 || b == "base" {
                    bail!(fail(
                        format!("表 `{}` 的 by = `{b}`：分组名只能由小写字母、数字和下划线组成，至多 25 个字符，且不能是 base", t.id),
                        format!("table `{}`: by = `{b}`: a breakdown key takes lower-case letters, digits and underscores, at most 25 of them, and is not `base`", t.id),
                        &format!("by = \"{b}\""),
                    ));
                }
            }
            let breakdown = match &t.by {
                Some(b) => Some(measures.breakdown(b).ok_or_else(|| {
                    fail(
                        format!(
                            "表 `{}` 的 by = `{b}` 不是取数公式中的分组（breakdown）",
                            t.id
                        ),
                        format!(
                            "table `{}`: by = `{b}` is no breakdown of the measures file",
                            t.id
                        ),
                        &format!("by = \"{b}\""),
                    )
                })?),
                None => None,
            };
            // A base count a column may show: of the breakdown when the
            // table has one, else any base count.
            let count_ok = |m: &str| match breakdown {
                Some(b) => b.measures.iter().any(|x| x == m),
                None => measures.index(m).is_some(),
            };
            let unknown = |k: &str, m: &str| {
                let zh_where = match &t.by {
                    Some(b) => format!("分组 `{b}` 的计数"),
                    None => "取数公式中的基础计数".to_string(),
                };
                let en_where = match &t.by {
                    Some(b) => format!("a measure of the breakdown `{b}`"),
                    None => "a base count of the measures file".to_string(),
                };
                let (near_zh, near_en) = match breakdown {
                    Some(b) => super::did_you_mean(m, b.measures.iter().map(String::as_str)),
                    None => super::did_you_mean(m, measures.base().map(|x| x.key.as_str())),
                };
                fail(
                    format!(
                        "表 `{}` 的列 `{k}` 引用的 `{m}` 不是{zh_where}{near_zh}",
                        t.id
                    ),
                    format!(
                        "table `{}`, column `{k}`: `{m}` is not {en_where}{near_en}",
                        t.id
                    ),
                    &format!("\"{m}\""),
                )
            };
            if let Some(f) = &t.form {
                if !schemas
                    .iter()
                    .any(|s| s.kind == super::FormKind::Ledger && &s.name == f)
                {
                    bail!(fail(
                        format!("表 `{}` 的 form = \"{f}\" 不是台账", t.id),
                        format!("table `{}`: form = \"{f}\" is not a ledger", t.id),
                        &id_line,
                    ));
                }
            }
            if let Some(ledger) = &t.rows {
                let cols = detail_columns(t, ledger, schemas, &fail)?;
                defs.push(TableDef {
                    id: t.id.clone(),
                    file: t.file.clone(),
                    title: t.title.clone(),
                    sheet: t.sheet.clone(),
                    levels: None,
                    by: None,
                    compare: false,
                    form: t.form.clone(),
                    detail: Some(ledger.clone()),
                    cols,
                });
                continue;
            }
            let mut cols = keys();
            for c in &t.columns {
                let key_line = column_line(t, c);
                // A header may name a number of the requirements (T7's limits).
                let header = super::checks::with_fixed_requirements(&c.header, reqs)
                    .map_err(|(zh, en)| fail(zh, en, &key_line))?;
                // A header names numbers of the requirements only: any other
                // `{…}` would stand in the table as written.
                if let Some(n) = super::checks::placeholders(&header).first() {
                    let (near_zh, near_en) =
                        super::did_you_mean(n.trim_end_matches('%'), reqs.param_names());
                    bail!(fail(
                        format!("表 `{}` 的列 `{}`：表头中的 `{{{n}}}` 不是考核要求（requirements.toml）中各期相同的数值{near_zh}", t.id, c.key),
                        format!("table `{}`, column `{}`: `{{{n}}}` in the header is no number of the requirements file the same for every period{near_en}", t.id, c.key),
                        &key_line,
                    ));
                }
                let c = &ColumnDecl {
                    header,
                    ..c.clone()
                };
                if !is_key(&c.key) || cols.iter().any(|o| o.key == c.key) {
                    bail!(fail(
                        format!("表 `{}` 的列名 `{}` 重复或不合规（只能由小写字母、数字和下划线组成，且不能是 level、code、name、parent_code）", t.id, c.key),
                        format!("table `{}`: the column key `{}` repeats another or is not a key (lower-case letters, digits, underscores; not level, code, name or parent_code)", t.id, c.key),
                        &key_line,
                    ));
                }
                if c.field.is_some() || c.count.is_some() || c.present.is_some() {
                    bail!(fail(
                        format!("表 `{}` 的列 `{}`：field、count、present 只用于明细表（rows = …）", t.id, c.key),
                        format!("table `{}`, column `{}`: field, count and present go with a detail table (rows = …)", t.id, c.key),
                        &key_line,
                    ));
                }
                let kinds = [c.rate.is_some(), c.value.is_some(), c.measure.is_some()]
                    .iter()
                    .filter(|x| **x)
                    .count();
                if kinds > 1 || (c.parts && c.rate.is_none()) {
                    bail!(fail(
                        format!("表 `{}` 的列 `{}`：measure、rate、value 只能写一个，parts 只用于比率", t.id, c.key),
                        format!("table `{}`, column `{}`: give one of measure, rate and value; parts goes with a rate", t.id, c.key),
                        &key_line,
                    ));
                }
                let mut col = Col::plain(&c.key, &c.header, Kind::Count, &c.def);
                col.header_periods = c.header_periods.clone();
                match (&c.rate, c.value) {
                    (Some([n, d]), _) => {
                        for m in [n, d] {
                            if !count_ok(m) {
                                return Err(unknown(&c.key, m));
                            }
                        }
                        col.kind = Kind::Rate;
                        col.rate = Some((n.clone(), d.clone()));
                    }
                    (None, Some(Special::Files)) => {
                        if t.by.is_some() {
                            bail!(fail(
                                format!("表 `{}` 按分组列行，不能有 files 列", t.id),
                                format!("table `{}` has a row per breakdown value: it cannot show files", t.id),
                                &key_line,
                            ));
                        }
                        col.kind = Kind::Text;
                        col.files = true;
                    }
                    (None, Some(Special::OrgCode | Special::OrgName)) => {
                        bail!(fail(
                            format!("表 `{}` 的列 `{}`：org_code、org_name 只用于明细表（rows = …）", t.id, c.key),
                            format!("table `{}`, column `{}`: org_code and org_name go with a detail table (rows = …)", t.id, c.key),
                            &key_line,
                        ));
                    }
                    (None, Some(Special::Category)) => {
                        if t.by.is_none() {
                            bail!(fail(
                                format!("表 `{}` 没有 by，不能有 category 列", t.id),
                                format!("table `{}` has no by: it cannot show a category", t.id),
                                &key_line,
                            ));
                        }
                        col.kind = Kind::Category;
                    }
                    (None, None) => {
                        let m = c.measure.clone().unwrap_or_else(|| c.key.clone());
                        if !count_ok(&m) {
                            return Err(unknown(&c.key, &m));
                        }
                        if measures.measure(&m).is_some_and(|x| x.decimal) {
                            col.kind = Kind::Hours;
                        }
                        col.measure = Some(m);
                    }
                }
                match c.unit.as_deref() {
                    None => {}
                    Some("minutes") if matches!(col.kind, Kind::Count | Kind::Hours | Kind::Rate) => {
                        col.kind = Kind::Minutes;
                    }
                    Some(u) => bail!(fail(
                        format!("表 `{}` 的列 `{}`：unit = \"{u}\" 只能是 minutes，且只用于计数或比率列", t.id, c.key),
                        format!("table `{}`, column `{}`: unit = \"{u}\" must be minutes, on a count or rate", t.id, c.key),
                        &key_line,
                    )),
                }
                if let Some(r) = &c.requirement {
                    if !meeting_types.contains(r) {
                        bail!(fail(
                            format!("表 `{}` 的列 `{}`：`{r}` 不是会议活动台账的会议类型（可用：{}）", t.id, c.key, meeting_types.join("、")),
                            format!("table `{}`, column `{}`: `{r}` is not a meeting type of the meetings ledger (its types: {})", t.id, c.key, meeting_types.join(", ")),
                            &format!("requirement = \"{r}\""),
                        ));
                    }
                    col.requirement = Some(r.clone());
                }
                let parts = c.parts;
                let (key, header) = (c.key.clone(), c.header.clone());
                cols.push(col);
                if parts {
                    for (suffix, zh) in [("num", "分子"), ("den", "分母")] {
                        let k = format!("{key}_{suffix}");
                        if t.columns.iter().any(|o| o.key == k) {
                            bail!(fail(
                                format!("表 `{}` 的列 `{k}` 与比率 `{key}` 的分子分母列重名", t.id),
                                format!("table `{}`: the column `{k}` collides with the rate `{key}`'s part", t.id),
                                &format!("key = \"{k}\""),
                            ));
                        }
                        cols.push(Col::plain(
                            &k,
                            &format!("{header}{zh}"),
                            Kind::Part,
                            &format!("{header}的{zh}"),
                        ));
                    }
                }
            }
            // `--previous` adds `<key>_prev` and `<key>_change` beside each
            // compared column: a declared column of that name would stop
            // the run only then, in polars' words.
            if t.compare {
                for c in &cols {
                    let Some(of) = cols.iter().find(|o| {
                        o.kind.compared()
                            && [format!("{}_prev", o.key), format!("{}_change", o.key)]
                                .contains(&c.key)
                    }) else {
                        continue;
                    };
                    bail!(fail(
                        format!("表 `{}` 的列 `{}` 与 --previous 给列 `{}` 添加的上期列重名（该表 compare = true），请另取一个列名", t.id, c.key, of.key),
                        format!("table `{}`: the column `{}` collides with the earlier period's column --previous adds beside `{}` (the table has compare = true): name it otherwise", t.id, c.key, of.key),
                        &format!("id = \"{}\"\nkey = \"{}\"", t.id, c.key),
                    ));
                }
            }
            if t.by.is_some() && !cols.iter().any(|c| c.kind == Kind::Category) {
                bail!(fail(
                    format!("表 `{}` 按分组列行，须有一列 value = \"category\"", t.id),
                    format!("table `{}` has a row per breakdown value: it needs a column with value = \"category\"", t.id),
                    &id_line,
                ));
            }
            defs.push(TableDef {
                id: t.id.clone(),
                file: t.file.clone(),
                title: t.title.clone(),
                sheet: t.sheet.clone(),
                levels: t.levels.clone(),
                by: t.by.clone(),
                compare: t.compare,
                form: t.form.clone(),
                detail: t.rows.clone(),
                cols,
            });
        }
        if defs.is_empty() {
            bail!(fail(
                "没有声明任何表".into(),
                "no table is declared".into(),
                "[[table]]"
            ));
        }
        // A trend, headline or chart naming a table or a column no longer
        // declared (a county that dropped one): said as such, with every
        // line naming it, rather than one line at a time as the wrong kind.
        // What is missing, then every line still naming it.
        let still_named = |lines: Vec<usize>, zh: String, en: String, what: (&str, &str)| {
            let list = |sep: &str| {
                lines
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            super::file_error(
                super::TABLES_FILE,
                file,
                lines.first().copied(),
                format!(
                    "{zh}；第 {} 行的趋势指标、主要指标或图表引用了它：删去{}时，也删去引用它的这些",
                    list("、"),
                    what.0
                ),
                format!(
                    "{en}; the trends, headlines or charts at lines {} name it: {} dropped, drop them too",
                    list(", "),
                    what.1
                ),
            )
        };
        let tables_named = (self.trends.iter().map(|t| &t.table))
            .chain(self.headline.iter().map(|h| &h.table))
            .chain(self.charts.iter().map(|c| &c.table));
        for id in tables_named {
            if defs.iter().any(|d| &d.id == id) {
                continue;
            }
            let ids: Vec<&str> = defs.iter().map(|d| d.id.as_str()).collect();
            return Err(still_named(
                naming_lines(text, id, None),
                format!("没有表 `{id}`（声明了的表：{}）", ids.join("、")),
                format!(
                    "there is no table `{id}` (the tables are {})",
                    ids.join(", ")
                ),
                ("一张表", "a table"),
            ));
        }
        let columns_named = (self.trends.iter())
            .flat_map(|t| t.columns.iter().map(move |c| (&t.table, c)))
            .chain(self.headline.iter().map(|h| (&h.table, &h.column)))
            .chain(
                (self.charts.iter()).flat_map(|ch| ch.columns.iter().map(move |c| (&ch.table, c))),
            );
        for (id, key) in columns_named {
            let Some(d) = defs.iter().find(|d| &d.id == id) else {
                continue;
            };
            if d.cols.iter().any(|c| &c.key == key) {
                continue;
            }
            let (near_zh, near_en) =
                super::did_you_mean(key, d.cols.iter().map(|c| c.key.as_str()));
            return Err(still_named(
                naming_lines(text, id, Some(key)),
                format!("表 `{id}` 没有列 `{key}`{near_zh}"),
                format!("table `{id}` has no column `{key}`{near_en}"),
                ("一列", "a column"),
            ));
        }
        for tr in &self.trends {
            let Some(d) = defs
                .iter()
                .find(|d| d.id == tr.table && d.by.is_none() && d.detail.is_none())
            else {
                bail!(fail(
                    format!("趋势指标的表 `{}` 不是按单位列行的表", tr.table),
                    format!(
                        "the trend's table `{}` is no table with a row per organisation",
                        tr.table
                    ),
                    &format!("table = \"{}\"", tr.table),
                ));
            };
            for c in &tr.columns {
                if !d.cols.iter().any(|x| {
                    &x.key == c
                        && matches!(
                            x.kind,
                            Kind::Count | Kind::Hours | Kind::Rate | Kind::Minutes
                        )
                }) {
                    bail!(fail(
                        format!("趋势指标 `{}.{c}` 不是该表的计数或比率列", tr.table),
                        format!(
                            "the trend indicator `{}.{c}` is no count or rate column of that table",
                            tr.table
                        ),
                        &format!("\"{c}\""),
                    ));
                }
            }
        }
        for h in &self.headline {
            let ok = defs
                .iter()
                .find(|d| d.id == h.table)
                .is_some_and(|d| d.by.is_none() && d.cols.iter().any(|c| c.key == h.column));
            if !ok {
                bail!(fail(
                    format!(
                        "主要指标 `{}.{}` 不是某张表（不按分组列行）的列",
                        h.table, h.column
                    ),
                    format!(
                        "the headline `{}.{}` is no column of a table (without by)",
                        h.table, h.column
                    ),
                    &format!("column = \"{}\"", h.column),
                ));
            }
        }
        // `rows = "社区"` is the level `community`: the rows are picked by
        // the tables' level column, which holds the English name.
        for ch in &mut self.charts {
            if let Some(l) = Level::parse(&ch.rows) {
                ch.rows = l.as_str().to_string();
            }
        }
        for ch in &self.charts {
            let needle = format!("title = \"{}\"", ch.title);
            let Some(d) = defs.iter().find(|d| d.id == ch.table && d.by.is_none()) else {
                bail!(fail(
                    format!("图表的表 `{}` 不是按单位列行的表", ch.table),
                    format!(
                        "the chart's table `{}` is no table with a row per organisation",
                        ch.table
                    ),
                    &needle,
                ));
            };
            if ch.rows != CHILDREN && Level::parse(&ch.rows).is_none() {
                bail!(fail(
                    format!("图表的 rows = \"{}\" 应为 children 或单位级别（county、street、community、unit）", ch.rows),
                    format!("the chart's rows = \"{}\" must be children or a level (county, street, community, unit)", ch.rows),
                    &needle,
                ));
            }
            // A chart of rows its table has none of was left out of the
            // workbook and the summary with no word.
            if ch.rows != CHILDREN && !d.has_level(&ch.rows) {
                let levels: Vec<&str> = d.levels.iter().flatten().map(|l| l.as_str()).collect();
                bail!(fail(
                    format!(
                        "图表的 rows = \"{}\"，而表 `{}` 没有这一级的行（levels = [{}]）：在该表的 levels 中加上它，或改画表中有的一级",
                        ch.rows,
                        ch.table,
                        levels.join(", ")
                    ),
                    format!(
                        "the chart's rows = \"{}\", but table `{}` has no rows of that level (levels = [{}]): add it to the table's levels, or chart a level the table has",
                        ch.rows,
                        ch.table,
                        levels.join(", ")
                    ),
                    &needle,
                ));
            }
            let numeric = |k: &str| {
                d.cols
                    .iter()
                    .find(|c| c.key == k)
                    .is_some_and(|c| matches!(c.kind, Kind::Count | Kind::Hours | Kind::Rate))
            };
            if ch.columns.is_empty() || ch.columns.iter().any(|k| !numeric(k)) {
                bail!(fail(
                    format!(
                        "图表的列 {:?} 须是表 `{}` 的计数或比率列",
                        ch.columns, ch.table
                    ),
                    format!(
                        "the chart's columns {:?} must be counts or rates of `{}`",
                        ch.columns, ch.table
                    ),
                    &needle,
                ));
            }
            let rates = ch
                .columns
                .iter()
                .filter(|k| d.cols.iter().any(|c| &c.key == *k && c.kind == Kind::Rate))
                .count();
            if rates != 0 && rates != ch.columns.len() {
                bail!(fail(
                    "一张图表不能同时画比率和计数".into(),
                    "a chart draws rates or counts, not both".into(),
                    &needle,
                ));
            }
            for p in super::checks::placeholders(&ch.title) {
                let ok = ["by", "scope"].contains(&p)
                    || d.cols.iter().any(|c| c.key == p)
                    || ch.line.as_deref() == Some(p);
                if !ok {
                    bail!(fail(
                        format!("图表标题中的 `{{{p}}}` 不是 by、scope、表 `{}` 的列或本图的 line", ch.table),
                        format!("`{{{p}}}` in the chart's title is neither by, scope, a column of `{}` nor the chart's line", ch.table),
                        &needle,
                    ));
                }
            }
        }
        self.defs = defs;
        Ok(())
    }

    /// Whether a chart draws rates (else counts).
    pub fn chart_is_rate(&self, ch: &ChartDecl) -> bool {
        self.def(&ch.table).is_some_and(|d| {
            d.cols
                .iter()
                .any(|c| c.key == ch.columns[0] && c.kind == Kind::Rate)
        })
    }
}

/// The lines of tables.toml's trends, headlines and charts that name the
/// table `id` (their `table = ` line), or with `key` its column `key`.
fn naming_lines(text: &str, id: &str, key: Option<&str>) -> Vec<usize> {
    let table = format!("table = \"{id}\"");
    let quoted = key.map(|k| format!("\"{k}\""));
    let mut out = Vec::new();
    // The current block's lines naming it, and whether it is of `id`.
    let mut block: Option<(Vec<usize>, bool)> = None;
    let mut flush = |b: &mut Option<(Vec<usize>, bool)>| {
        if let Some((lines, true)) = b.take() {
            out.extend(lines);
        }
    };
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.starts_with('[') && !l.starts_with("[\"") {
            flush(&mut block);
            block = ["[[trend]]", "[[headline]]", "[[chart]]"]
                .iter()
                .any(|h| l.starts_with(h))
                .then(|| (Vec::new(), false));
            continue;
        }
        let Some((lines, of_id)) = &mut block else {
            continue;
        };
        if l == table {
            *of_id = true;
            if quoted.is_none() {
                lines.push(i + 1);
            }
        }
        let value = !["table", "title", "line", "rows", "zh", "en"]
            .iter()
            .any(|k| l.starts_with(k));
        if let Some(q) = &quoted {
            if value && l.contains(q.as_str()) {
                lines.push(i + 1);
            }
        }
    }
    flush(&mut block);
    out
}

/// The needle of a column's line ([`super::line_after`]): its key within
/// its own table; a repeated key, at the repetition.
fn column_line(t: &TableDecl, c: &ColumnDecl) -> String {
    let line = format!("id = \"{}\"\nkey = \"{}\"", t.id, c.key);
    let repeated = t
        .columns
        .iter()
        .take_while(|o| !std::ptr::eq(*o, c))
        .any(|o| o.key == c.key);
    if repeated {
        format!("{line}\nkey = \"{}\"", c.key)
    } else {
        line
    }
}

/// A detail table's columns (`rows = "<ledger>"`), checked against the ledger.
fn detail_columns(
    t: &TableDecl,
    ledger: &str,
    schemas: &[Schema],
    fail: &dyn Fn(String, String, &str) -> anyhow::Error,
) -> Result<Vec<Col>> {
    let id_line = format!("id = \"{}\"", t.id);
    let Some(schema) = schemas
        .iter()
        .find(|s| s.kind == super::FormKind::Ledger && s.name == ledger)
    else {
        let (near_zh, near_en) = super::did_you_mean(
            ledger,
            schemas
                .iter()
                .filter(|s| s.kind == super::FormKind::Ledger)
                .map(|s| s.name.as_str()),
        );
        bail!(fail(
            format!("表 `{}` 的 rows = \"{ledger}\" 不是台账{near_zh}", t.id),
            format!(
                "table `{}`: rows = \"{ledger}\" is not a ledger{near_en}",
                t.id
            ),
            &format!("{id_line}\nrows = "),
        ));
    };
    let mut cols: Vec<Col> = Vec::new();
    for c in &t.columns {
        let key_line = column_line(t, c);
        let bad = |zh: String, en: String| fail(zh, en, &key_line);
        if !is_key(&c.key) || cols.iter().any(|o| o.key == c.key) {
            bail!(bad(
                format!("表 `{}` 的列名 `{}` 重复或不合规", t.id, c.key),
                format!(
                    "table `{}`: the column key `{}` repeats another or is not a key",
                    t.id, c.key
                ),
            ));
        }
        let field_of = |k: &str| -> Result<usize> {
            schema.field_index(k).ok_or_else(|| {
                let (near_zh, near_en) = super::field_hint(k, schema, &[]);
                bad(
                    format!("`{k}` 不是台账 `{ledger}` 的字段{near_zh}"),
                    format!("`{k}` is not a field of `{ledger}`{near_en}"),
                )
            })
        };
        let mut col = Col::plain(&c.key, &c.header, Kind::Text, &c.def);
        let detail = match (&c.value, &c.field, &c.count, &c.rate) {
            (Some(Special::OrgCode), None, None, None) => {
                col.kind = Kind::Code;
                Detail::OrgCode
            }
            (Some(Special::OrgName), None, None, None) => Detail::OrgName,
            (None, Some(f), None, None) => {
                let i = field_of(f)?;
                match &c.present {
                    Some([yes, no]) => Detail::Present(i, yes.clone(), no.clone()),
                    None => {
                        let ty = schema.fields[i].ty;
                        if matches!(ty, super::FieldType::Integer | super::FieldType::Decimal) {
                            col.kind = Kind::Count;
                        }
                        Detail::Field(i)
                    }
                }
            }
            (None, None, Some(spec), None) => {
                let target = spec.split_once('.').and_then(|(l, f)| {
                    let s = schemas
                        .iter()
                        .find(|s| s.kind == super::FormKind::Ledger && s.name == l)?;
                    Some((l.to_string(), s.field_index(f)?, f.to_string()))
                });
                let Some((l, other, f)) = target else {
                    bail!(bad(
                        format!("count = \"{spec}\" 应写作 台账.字段，且二者都存在"),
                        format!("count = \"{spec}\" must be <ledger>.<field> of an existing ledger"),
                    ));
                };
                col.kind = Kind::Count;
                Detail::Count(l, other, field_of(&f)?)
            }
            (None, None, None, Some([n, d])) => {
                for k in [n, d] {
                    if !cols.iter().any(|o| &o.key == k && o.kind == Kind::Count) {
                        bail!(bad(
                            format!("比率引用的 `{k}` 不是本表前面的数字列"),
                            format!("the rate names `{k}`, which is no number column before it"),
                        ));
                    }
                }
                col.kind = Kind::Rate;
                col.rate = Some((n.clone(), d.clone()));
                Detail::Rate(n.clone(), d.clone())
            }
            _ => bail!(bad(
                format!("明细表 `{}` 的列 `{}` 须写且只写 value（org_code、org_name）、field、count、rate 之一", t.id, c.key),
                format!("detail table `{}`, column `{}`: give exactly one of value (org_code, org_name), field, count and rate", t.id, c.key),
            )),
        };
        col.detail = Some(detail);
        cols.push(col);
    }
    Ok(cols)
}
