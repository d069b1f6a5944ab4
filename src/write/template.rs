//! Blank fill-in workbooks generated from the schemas (`pbstat template`):
//! a schema change changes the template. Cover labels, ledger headers
//! (required ones marked `*`), drop-down lists on enum columns, input hints
//! and validation on dates, numbers, codes and ID numbers, text format on
//! code columns (so Excel keeps every digit), frozen headers, widths.

use anyhow::Result;
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties, ExcelDateTime,
    Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};

use crate::org::Level;
use crate::period::Period;
use crate::schema::{Field, FieldType, Schema, SchemaSet};
use crate::validate::registry::RegEntry as RegistryEntry;

/// Rows of each ledger that carry the validations.
const ROWS: u32 = 1000;

fn xerr(e: rust_xlsxwriter::XlsxError) -> anyhow::Error {
    anyhow::anyhow!("cannot write the template: {e}")
}

/// What a template is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    Community,
    Unit,
    /// A street's or county's own meetings.
    Meetings,
    Registry,
}

impl TemplateKind {
    pub fn level(self) -> Option<Level> {
        match self {
            TemplateKind::Community => Some(Level::Community),
            TemplateKind::Unit => Some(Level::Unit),
            TemplateKind::Meetings => Some(Level::Street),
            TemplateKind::Registry => None,
        }
    }
    pub fn of_level(l: Level) -> TemplateKind {
        match l {
            Level::Community => TemplateKind::Community,
            Level::Unit => TemplateKind::Unit,
            Level::Street | Level::County => TemplateKind::Meetings,
        }
    }
}

/// Values to put in a pre-filled cover: field key → text.
pub type Prefill = Vec<(String, String)>;

/// The cover fields a registry entry fills in: who, when, and for a unit
/// the community it is paired with.
pub fn prefill_of(e: &RegistryEntry, period: &Period) -> Prefill {
    let mut prefill: Prefill = vec![
        ("org_name".into(), e.name.clone()),
        ("org_code".into(), e.code.clone()),
        ("period".into(), period.to_string()),
    ];
    if e.level == Level::Unit {
        if let Some(p) = &e.parent {
            prefill.push(("paired_community".into(), p.clone()));
        }
    }
    prefill
}

impl TemplateKind {
    /// The file a blank template is written to without `-o`.
    pub fn default_file_name(self) -> String {
        let name = match self {
            TemplateKind::Community => "社区报表",
            TemplateKind::Unit => "驻区单位报表",
            TemplateKind::Meetings => "街道会议报表",
            TemplateKind::Registry => "报送单位名录",
        };
        format!("{name}模板.xlsx")
    }
}

fn label(f: &Field) -> String {
    if f.required {
        format!("*{}", f.header)
    } else {
        f.header.clone()
    }
}

fn hint(f: &Field) -> Option<(String, String)> {
    let t = match f.ty {
        FieldType::Date => "日期，如 2026-07-15".to_string(),
        FieldType::IdNumber => {
            "18位公民身份号码，末位可为X；本列为文本格式，请勿改为数字".to_string()
        }
        FieldType::Uscc => "18位统一社会信用代码".to_string(),
        FieldType::CommunityCode => "12位社区代码，如 429901001001".to_string(),
        FieldType::OrgCode => {
            "社区、街道为12位代码，区县为6位或12位，驻区单位为18位统一社会信用代码".to_string()
        }
        FieldType::Period => "如 2026Q3、2026年第三季度、2026-09".to_string(),
        FieldType::Integer => format!(
            "整数{}",
            f.min.map(|m| format!("，不小于 {m}")).unwrap_or_default()
        ),
        FieldType::Decimal => format!(
            "数字{}",
            f.min.map(|m| format!("，不小于 {m}")).unwrap_or_default()
        ),
        FieldType::Enum => format!("请从下拉列表中选择：{}", f.values.join("、")),
        FieldType::Time => "时间，如 9:05；跨日时可写 2026-07-15 9:05".to_string(),
        FieldType::Text => return f.hint.clone().map(|h| (f.header.clone(), h)),
    };
    let t = match &f.hint {
        Some(h) if f.ty != FieldType::IdNumber => h.clone(),
        _ => t,
    };
    let mut title: String = f.header.chars().take(30).collect();
    if title.is_empty() {
        title = "填写说明".into();
    }
    Some((title, t.chars().take(250).collect()))
}

fn validation(f: &Field) -> Result<Option<DataValidation>> {
    let dv = match f.ty {
        FieldType::Enum => {
            let joined: usize = f.values.iter().map(|v| v.chars().count() + 1).sum();
            if joined > 250 {
                DataValidation::new().allow_any_value()
            } else {
                DataValidation::new()
                    .allow_list_strings(&f.values)
                    .map_err(xerr)?
            }
        }
        FieldType::Integer => DataValidation::new().allow_whole_number(
            DataValidationRule::GreaterThanOrEqualTo(f.min.unwrap_or(0.0) as i32),
        ),
        FieldType::Decimal => DataValidation::new().allow_decimal_number(
            DataValidationRule::GreaterThanOrEqualTo(f.min.unwrap_or(0.0)),
        ),
        FieldType::Date => {
            let lo = ExcelDateTime::from_ymd(1900, 1, 1).map_err(xerr)?;
            let hi = ExcelDateTime::from_ymd(2099, 12, 31).map_err(xerr)?;
            DataValidation::new().allow_date(DataValidationRule::Between(lo, hi))
        }
        FieldType::IdNumber | FieldType::Uscc => {
            DataValidation::new().allow_text_length(DataValidationRule::EqualTo(18))
        }
        FieldType::CommunityCode => {
            DataValidation::new().allow_text_length(DataValidationRule::EqualTo(12))
        }
        FieldType::OrgCode => {
            DataValidation::new().allow_text_length(DataValidationRule::Between(6, 18))
        }
        FieldType::Period | FieldType::Text | FieldType::Time => match hint(f) {
            Some(_) => DataValidation::new().allow_any_value(),
            None => return Ok(None),
        },
    };
    let mut dv = dv.set_error_style(DataValidationErrorStyle::Warning);
    if let Some((title, msg)) = hint(f) {
        dv = dv
            .set_input_title(title)
            .map_err(xerr)?
            .set_input_message(msg)
            .map_err(xerr)?;
        dv = dv
            .set_error_title("格式不符")
            .map_err(xerr)?
            .set_error_message(
                format!("{}：{}", f.header, hint(f).map(|h| h.1).unwrap_or_default())
                    .chars()
                    .take(250)
                    .collect::<String>(),
            )
            .map_err(xerr)?;
    }
    Ok(Some(dv))
}

fn column_width(f: &Field) -> f64 {
    let w = match f.ty {
        FieldType::IdNumber | FieldType::Uscc => 22.0,
        FieldType::CommunityCode | FieldType::OrgCode => 16.0,
        FieldType::Date => 12.0,
        FieldType::Time => 10.0,
        FieldType::Enum => f
            .values
            .iter()
            .map(|v| v.chars().count() as f64 * 2.0 + 2.0)
            .fold(8.0, f64::max),
        FieldType::Integer | FieldType::Decimal => 10.0,
        FieldType::Text | FieldType::Period => 16.0,
    };
    w.max(f.header.chars().count() as f64 * 2.0 + 3.0)
}

fn cell_format(f: &Field) -> Format {
    match f.ty {
        FieldType::IdNumber
        | FieldType::Uscc
        | FieldType::CommunityCode
        | FieldType::OrgCode
        | FieldType::Period => Format::new().set_num_format("@"),
        FieldType::Date => Format::new().set_num_format("yyyy-mm-dd"),
        FieldType::Time => Format::new().set_num_format("hh:mm"),
        FieldType::Decimal => Format::new().set_num_format("0.0#"),
        _ => Format::new(),
    }
}

struct Styles {
    title: Format,
    header: Format,
    required: Format,
    note: Format,
    label: Format,
}

fn styles() -> Styles {
    let h = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#D9E1F2")
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    Styles {
        title: Format::new()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Center),
        required: h.clone().set_font_color("#C00000"),
        header: h,
        note: Format::new().set_font_color("#595959").set_font_size(9),
        label: Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_background_color("#F2F2F2"),
    }
}

fn cover_sheet(
    ws: &mut Worksheet,
    schema: &Schema,
    level_zh: &str,
    prefill: &Prefill,
    st: &Styles,
) -> Result<()> {
    ws.set_name(&schema.title).map_err(xerr)?;
    ws.merge_range(
        0,
        0,
        0,
        1,
        &format!("城市基层党建统计报表（{level_zh}）"),
        &st.title,
    )
    .map_err(xerr)?;
    ws.write_string_with_format(
        1,
        0,
        "带 * 的为必填项；请在右侧单元格填写，勿改动左侧标签。",
        &st.note,
    )
    .map_err(xerr)?;
    let value_fmt = Format::new().set_border(FormatBorder::Thin);
    for (i, f) in schema.fields.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_string_with_format(r, 0, label(f), &st.label)
            .map_err(xerr)?;
        let fmt = cell_format(f).set_border(FormatBorder::Thin);
        match prefill.iter().find(|(k, _)| *k == f.key) {
            Some((_, v)) => ws.write_string_with_format(r, 1, v, &fmt).map_err(xerr)?,
            None => ws.write_blank(r, 1, &fmt).map_err(xerr)?,
        };
        let _ = &value_fmt;
        if let Some(dv) = validation(f)? {
            ws.add_data_validation(r, 1, r, 1, &dv).map_err(xerr)?;
        }
    }
    ws.set_column_width(0, 20).map_err(xerr)?;
    ws.set_column_width(1, 36).map_err(xerr)?;
    Ok(())
}

/// A ledger's sheet: a title row, then the header. An optional form's title
/// says 选填 (`网格（选填）`): a community that does not keep it leaves the
/// sheet as it is, and a blank optional sheet counts as absent.
fn ledger_sheet(ws: &mut Worksheet, schema: &Schema, optional: bool, st: &Styles) -> Result<()> {
    ws.set_name(&schema.title).map_err(xerr)?;
    let n = schema.fields.len() as u16;
    let title = if optional {
        format!("{}（选填）", schema.title)
    } else {
        format!("{}表", schema.title.trim_end_matches('表'))
    };
    ws.merge_range(0, 0, 0, n, &title, &st.title)
        .map_err(xerr)?;
    ws.write_string_with_format(1, 0, "序号", &st.header)
        .map_err(xerr)?;
    ws.set_column_width(0, 6).map_err(xerr)?;
    for (j, f) in schema.fields.iter().enumerate() {
        let c = 1 + j as u16;
        ws.write_string_with_format(
            1,
            c,
            label(f),
            if f.required { &st.required } else { &st.header },
        )
        .map_err(xerr)?;
        ws.set_column_width(c, column_width(f)).map_err(xerr)?;
        ws.set_column_format(c, &cell_format(f)).map_err(xerr)?;
        if let Some(dv) = validation(f)? {
            ws.add_data_validation(2, c, 1 + ROWS, c, &dv)
                .map_err(xerr)?;
        }
    }
    ws.set_row_height(1, 30).map_err(xerr)?;
    ws.set_freeze_panes(2, 0).map_err(xerr)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// A blank (or cover-prefilled) workbook of one kind.
pub fn template_bytes(
    schemas: &SchemaSet,
    kind: TemplateKind,
    prefill: &Prefill,
) -> Result<Vec<u8>> {
    let st = styles();
    let mut wb = Workbook::new();
    let when = ExcelDateTime::from_ymd(2026, 1, 1).map_err(xerr)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&when)
            .set_author("pbstat"),
    );
    match kind.level() {
        None => {
            let reg = schemas.get("registry");
            ledger_sheet(wb.add_worksheet(), reg, false, &st)?;
        }
        Some(level) => {
            let cover = schemas.cover_for(level);
            cover_sheet(
                wb.add_worksheet(),
                cover,
                if kind == TemplateKind::Meetings {
                    "街道/区县"
                } else {
                    level.zh()
                },
                prefill,
                &st,
            )?;
            for l in schemas.required_ledgers(level) {
                ledger_sheet(wb.add_worksheet(), l, false, &st)?;
            }
            // The optional forms the level may keep, after the required
            // ones, each under its own name (forms.md §4).
            for l in schemas.optional_ledgers(level) {
                ledger_sheet(wb.add_worksheet(), l, true, &st)?;
            }
            // An empty 说明 sheet: where warnings are explained before submitting.
            let ex = schemas.get("explanations");
            let ws = wb.add_worksheet();
            ledger_sheet(ws, ex, false, &st)?;
            ws.write_string_with_format(
                ROWS + 3,
                0,
                "说明：对警告作出解释时填写本表（代码、位置、说明）；错误不能以说明代替修改。",
                &st.note,
            )
            .map_err(xerr)?;
        }
    }
    wb.save_to_buffer().map_err(xerr)
}

/// A file name safe on every system, from an organisation's code and name.
pub fn safe_file_name(code: &str, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect::<String>()
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .chars()
        .take(60)
        .collect();
    let code: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("{code}_{clean}.xlsx")
}
