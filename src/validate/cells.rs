//! One cell against its field: coercion by type, then the field's own rules
//! (required, enum, range, period, code checks). Every message says what
//! would be right.

use calamine::Data;

use super::{Ctx, Sink, Value};
use crate::diag::{mask_id, Code};
use crate::org::{
    check_id, check_uscc, level_of_code, normalize_org_code, IdProblem, Level, UsccProblem,
};
use crate::period::Period;
use crate::read::cell::{
    code_of, error_of, is_blank, is_integer, parse_date, parse_number, parse_time, text_of,
    text_ref,
};
use crate::schema::{Field, FieldType, Schema, Within};

/// Where a cell stands, for diagnostics.
#[derive(Clone, Copy)]
pub struct Pos {
    pub row: u32,
    pub col: u32,
}

/// Coerce and check one cell. `period` is the period dates are judged against.
pub fn check_cell(
    ctx: &Ctx,
    sink: &mut Sink,
    schema: &Schema,
    field: &Field,
    d: &Data,
    pos: Pos,
    period: Option<&Period>,
) -> Value {
    let lang = ctx.lang;
    let at = |sink: &Sink, code: Code, msg: String| {
        sink.at(code, pos.row, pos.col, msg).field(&field.key)
    };
    if let Some(e) = error_of(d) {
        let m = lang.t(
            format!("{}单元格为错误值 {e}，请修正公式或填写数值", field.header),
            format!(
                "{} holds the error value {e}; fix the formula or enter a value",
                field.header
            ),
        );
        sink.push(at(sink, Code::CellFormulaError, m).value(e));
        return Value::Invalid;
    }
    // A blank marker an enum declares as a value or alias (网格党组织's 无)
    // is that value, not a blank (forms.md §6).
    if field.ty == FieldType::Enum {
        if let Data::String(raw) = d {
            let t = crate::read::cell::normalize_text(raw);
            if !t.is_empty() && crate::read::cell::is_blank_marker(&t) {
                if let Some(v) = schema.enum_value(field, &t) {
                    return Value::Text(v.into());
                }
            }
        }
    }
    if is_blank(d) {
        if let Some(def) = &field.default {
            return default_value(field, def);
        }
        if field.required {
            let m = lang.t(
                format!("必填项“{}”为空", field.header),
                format!("required cell {} is blank", field.header),
            );
            sink.push(at(sink, Code::CellRequired, m));
        }
        return Value::Blank;
    }
    // What the cell shows, for messages: only built when there is one.
    let shown = || text_of(d).unwrap_or_default();
    match field.ty {
        FieldType::Text => Value::Text(shown().into()),
        FieldType::Integer | FieldType::Decimal => {
            let int = field.ty == FieldType::Integer;
            let n = match parse_number(d) {
                Ok(Some(n)) => n.value,
                _ => {
                    let want = if int {
                        lang.t("整数", "a whole number")
                    } else {
                        lang.t("数字", "a number")
                    };
                    let shown = shown();
                    let m = lang.t(
                        format!("“{shown}”不是{want}（{}）", field.header),
                        format!("\"{shown}\" is not {want} ({})", field.header),
                    );
                    sink.push(at(sink, Code::CellType, m).value(shown));
                    return Value::Invalid;
                }
            };
            if int && !is_integer(n) {
                let shown = shown();
                let m = lang.t(
                    format!("{}应为整数，实为 {shown}", field.header),
                    format!("{} must be a whole number, found {shown}", field.header),
                );
                sink.push(at(sink, Code::CellType, m).value(shown));
                return Value::Invalid;
            }
            if let Some(m) = range_problem(ctx, field, n) {
                sink.push(at(sink, Code::CellRange, m).value(shown()));
                return Value::Invalid;
            }
            if int {
                Value::Int(n as i64)
            } else {
                Value::Dec(n)
            }
        }
        FieldType::Date => {
            let Ok(Some(date)) = parse_date(d) else {
                let shown = shown();
                let m = lang.t(
                    format!(
                        "“{shown}”不是有效日期（{}），请写作 2026-07-15",
                        field.header
                    ),
                    format!(
                        "\"{shown}\" is not a valid date ({}); write it as 2026-07-15",
                        field.header
                    ),
                );
                sink.push(at(sink, Code::CellType, m).value(shown));
                return Value::Invalid;
            };
            if let (Some(w), Some(p)) = (field.within, period) {
                match w {
                    Within::Period if !p.contains(date) => {
                        let m = lang.t(
                            format!(
                                "{}{}不在报告期 {}（{} 至 {}）内",
                                field.header,
                                date,
                                p,
                                p.start(),
                                p.end()
                            ),
                            format!(
                                "{} {} is outside the period {} ({} to {})",
                                field.header,
                                date,
                                p,
                                p.start(),
                                p.end()
                            ),
                        );
                        sink.push(at(sink, Code::DateOutOfPeriod, m).value(date.to_string()));
                        return Value::Invalid;
                    }
                    Within::NotAfterPeriod if date > p.end() => {
                        let m = lang.t(
                            format!("{}{}晚于报告期末 {}", field.header, date, p.end()),
                            format!(
                                "{} {} is after the period end {}",
                                field.header,
                                date,
                                p.end()
                            ),
                        );
                        sink.push(at(sink, Code::DateAfterPeriod, m).value(date.to_string()));
                        return Value::Invalid;
                    }
                    _ => {}
                }
            }
            Value::Date(date)
        }
        FieldType::Enum => match schema.enum_value(field, &text_ref(d).unwrap_or_default()) {
            Some(v) => Value::Text(v.into()),
            None => {
                let shown = shown();
                let m = lang.t(
                    format!(
                        "“{shown}”不是{}的有效取值，应为：{}",
                        field.header,
                        field.values.join("、")
                    ),
                    format!(
                        "\"{shown}\" is not a valid {}; allowed: {}",
                        field.header,
                        field.values.join(", ")
                    ),
                );
                sink.push(at(sink, Code::CellEnum, m).value(shown));
                Value::Invalid
            }
        },
        FieldType::Time => match parse_time(d) {
            Ok(Some((own_date, secs))) => Value::Time(Box::new(super::Clock {
                own_date,
                secs,
                at: None,
            })),
            Ok(None) => Value::Blank,
            Err(()) => {
                let shown = shown();
                let m = lang.t(
                    format!(
                        "“{shown}”不是有效时间（{}），请写作 9:05 或 2026-07-15 9:05",
                        field.header
                    ),
                    format!(
                        "\"{shown}\" is not a valid time ({}); write it as 9:05 or 2026-07-15 9:05",
                        field.header
                    ),
                );
                sink.push(at(sink, Code::CellType, m).value(shown));
                Value::Invalid
            }
        },
        FieldType::Period => match Period::parse(&shown()) {
            Some(p) => Value::Text(p.to_string().into()),
            None => {
                let shown = shown();
                let m = lang.t(
                    format!("无法识别报告期“{shown}”，请写作 2026Q3、2026年第三季度或 2026-09"),
                    format!("cannot read the period \"{shown}\"; write 2026Q3, 2026年第三季度 or 2026-09"),
                );
                sink.push(at(sink, Code::CellType, m).value(shown));
                Value::Invalid
            }
        },
        FieldType::IdNumber => check_id_cell(ctx, sink, field, d, pos, period),
        FieldType::Uscc => {
            let code = code_of(d).unwrap_or_default();
            match check_uscc(&code) {
                None => Value::Text(code.into()),
                Some(p) => {
                    sink.push(uscc_diag(ctx, sink, field, &code, p, pos));
                    Value::Invalid
                }
            }
        }
        FieldType::CommunityCode => {
            let code = code_of(d).unwrap_or_default();
            if level_of_code(&code) != Ok(Level::Community) {
                let m = lang.t(
                    format!("{}“{code}”不是社区代码（12位，形如 CCCCCCSSSNNN，NNN 为 001–199）", field.header),
                    format!("{} \"{code}\" is not a community code (12 digits CCCCCCSSSNNN, NNN 001–199)", field.header),
                );
                sink.push(at(sink, Code::CodeFormat, m).value(code));
                return Value::Invalid;
            }
            if let Some(reg) = ctx.registry {
                if reg.get(&code).map(|e| e.level) != Some(Level::Community) {
                    // The community the registry pairs the submitting unit
                    // with: where a typo in either place shows.
                    let paired = sink
                        .org
                        .as_deref()
                        .and_then(|o| reg.get(o))
                        .and_then(|u| u.parent.as_deref())
                        .and_then(|p| reg.get(p))
                        .filter(|e| e.level == Level::Community && e.code != code);
                    let m = match paired {
                        Some(e) => lang.t(
                            format!("{}“{code}”不是名录中的社区；名录中本单位结对的社区是“{}”（{}），是这里还是名录中的代码写错了？", field.header, e.name, e.code),
                            format!("{} \"{code}\" is not a community in the registry; the registry pairs this unit with \"{}\" ({}): is the code wrong here or in the registry?", field.header, e.name, e.code),
                        ),
                        None => lang.t(
                            format!("{}“{code}”不是名录中的社区", field.header),
                            format!(
                                "{} \"{code}\" is not a community in the registry",
                                field.header
                            ),
                        ),
                    };
                    sink.push(at(sink, Code::CrossUnknownCommunity, m).value(code.clone()));
                    return Value::Invalid;
                }
            }
            Value::Text(code.into())
        }
        FieldType::OrgCode => {
            let code = code_of(d).unwrap_or_default();
            match check_org_code(ctx, &code) {
                Ok(_) => Value::Text(normalize_org_code(&code).into()),
                Err((c, m)) => {
                    sink.push(at(sink, c, format!("{}：{m}", field.header)).value(code));
                    Value::Invalid
                }
            }
        }
    }
}

fn default_value(field: &Field, def: &str) -> Value {
    match field.ty {
        FieldType::Integer => Value::Int(def.parse::<f64>().unwrap_or(0.0) as i64),
        FieldType::Decimal => Value::Dec(def.parse().unwrap_or(0.0)),
        _ => Value::Text(def.to_string().into()),
    }
}

fn range_problem(ctx: &Ctx, field: &Field, n: f64) -> Option<String> {
    let lo = field.min.filter(|lo| n < *lo);
    let hi = field.max.filter(|hi| n > *hi);
    if lo.is_none() && hi.is_none() {
        return None;
    }
    let bound = match (field.min, field.max) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        (Some(a), None) => ctx.lang.t(format!("不小于 {a}"), format!("at least {a}")),
        (None, Some(b)) => ctx.lang.t(format!("不大于 {b}"), format!("at most {b}")),
        _ => unreachable!("a bound was crossed"),
    };
    Some(ctx.lang.t(
        format!("{}为 {n}，应{bound}", field.header),
        format!("{} is {n}; it must be {bound}", field.header),
    ))
}

fn check_id_cell(
    ctx: &Ctx,
    sink: &mut Sink,
    field: &Field,
    d: &Data,
    pos: Pos,
    period: Option<&Period>,
) -> Value {
    let lang = ctx.lang;
    let at = |sink: &Sink, code: Code, msg: String| {
        sink.at(code, pos.row, pos.col, msg).field(&field.key)
    };
    if matches!(d, Data::Float(_) | Data::Int(_)) {
        let shown = text_of(d).unwrap_or_default();
        let m = lang.t(
            "身份证号以数字格式存储，Excel 只保留 15 位有效数字，末尾几位已丢失；请将该列设为文本格式后重新录入",
            "the ID number is stored as a number: Excel keeps only 15 significant digits, so its last digits are lost; format the column as text and type it again",
        );
        sink.push(at(sink, Code::IdFormat, m).value(mask_id(&shown)));
        return Value::Invalid;
    }
    // code_of folds full-width forms and upper-cases, as normalize_id would.
    let id = code_of(d).unwrap_or_default();
    let (birth, problem) = check_id(&id);
    let diag = match problem {
        Some(IdProblem::Format) => Some((
            Code::IdFormat,
            lang.t(
                format!(
                    "身份证号应为18位（17位数字加1位数字或X），实为{}位",
                    id.chars().count()
                ),
                format!(
                    "an ID number has 18 characters (17 digits and a digit or X); this has {}",
                    id.chars().count()
                ),
            ),
        )),
        Some(IdProblem::Birthdate) => Some((
            Code::IdBirthdate,
            lang.t(
                "身份证号中的出生日期（第7–14位）不是有效日期",
                "the birth date in the ID number (characters 7–14) is not a real date",
            ),
        )),
        Some(IdProblem::Checksum(want)) => Some((
            Code::IdChecksum,
            lang.t(
                format!("身份证号校验位错误：应为 {want}"),
                format!("wrong ID number check character: it should be {want}"),
            ),
        )),
        None => match (birth, period) {
            (Some(b), Some(p)) if b > p.end() => Some((
                Code::IdBirthdate,
                lang.t(
                    format!("身份证号中的出生日期 {b} 晚于报告期末 {}", p.end()),
                    format!(
                        "the birth date {b} in the ID number is after the period end {}",
                        p.end()
                    ),
                ),
            )),
            _ => None,
        },
    };
    match diag {
        Some((code, m)) => {
            sink.push(at(sink, code, m).value(mask_id(&id)));
            Value::Invalid
        }
        None => Value::Text(id.into()),
    }
}

fn uscc_diag(
    ctx: &Ctx,
    sink: &Sink,
    field: &Field,
    code: &str,
    p: UsccProblem,
    pos: Pos,
) -> crate::diag::Diagnostic {
    let lang = ctx.lang;
    let (c, m) = match p {
        UsccProblem::Format => (
            Code::UsccFormat,
            lang.t(
                format!(
                    "{}“{code}”不是18位统一社会信用代码（数字及除 I、O、Z、S、V 外的大写字母）",
                    field.header
                ),
                format!(
                    "{} \"{code}\" is not an 18-character unified social credit code",
                    field.header
                ),
            ),
        ),
        UsccProblem::Checksum(w) => (
            Code::UsccChecksum,
            lang.t(
                format!("{}“{code}”校验位错误：应为 {w}", field.header),
                format!(
                    "{} \"{code}\": wrong check character, it should be {w}",
                    field.header
                ),
            ),
        ),
    };
    sink.at(c, pos.row, pos.col, m)
        .field(&field.key)
        .value(code.to_string())
}

/// Any organisation's code: its shape, and a unit's USCC checksum.
pub fn check_org_code(ctx: &Ctx, code: &str) -> Result<Level, (Code, String)> {
    let lang = ctx.lang;
    match level_of_code(code) {
        Ok(Level::Unit) => match check_uscc(code) {
            Some(UsccProblem::Checksum(w)) => Err((
                Code::UsccChecksum,
                lang.t(format!("统一社会信用代码“{code}”校验位错误：应为 {w}"), format!("unified social credit code \"{code}\": check character should be {w}")),
            )),
            Some(UsccProblem::Format) => Err((Code::UsccFormat, lang.t("统一社会信用代码格式错误", "malformed unified social credit code"))),
            None => Ok(Level::Unit),
        },
        Ok(l) => Ok(l),
        Err(why) => Err((
            Code::CodeFormat,
            lang.t(
                format!("代码“{code}”格式错误（{}）：区县为6位或12位，街道、社区为12位，驻区单位为18位统一社会信用代码", why.describe(lang)),
                format!("code \"{code}\" has the wrong shape ({}): a county has 6 or 12 digits, a street or community 12, a resident unit an 18-character credit code", why.describe(lang)),
            ),
        )),
    }
}
