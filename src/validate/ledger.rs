//! A ledger sheet: its header, every row's cells, the rules between cells,
//! repeated keys and 合计 rows.

use foldhash::{HashMap, HashMapExt};
use std::collections::hash_map::Entry as Slot;

use super::cells::{check_cell, Pos};
use super::{Ctx, Ledger, Record, Sink, Value};
use crate::diag::{col_letter, Code};
use crate::org::{id_is_male, normalize_org_code};
use crate::period::Period;
use crate::read::cell::{code_of, normalize_text, parse_number, text_of};
use crate::read::header::{ColumnKind, HeaderLayout};
use crate::read::table::{read_table, Entry, TotalKind};
use crate::read::Sheet;
use crate::schema::{FieldType, RowRule, Schema, Within};

/// Header diagnostics: unknown, duplicate and missing columns. Returns false
/// when the sheet cannot be read at all.
pub fn check_header(
    ctx: &Ctx,
    sink: &mut Sink,
    schema: &Schema,
    layout: &HeaderLayout,
    csv_org: bool,
) {
    let lang = ctx.lang;
    let mut seen: HashMap<ColumnKind, u32> = HashMap::new();
    for c in &layout.columns {
        match &c.kind {
            ColumnKind::Unknown(text) => {
                let m = lang.t(
                    format!(
                        "未知列“{}”，将被忽略（{}表认识的列：{}）",
                        text,
                        schema.title,
                        headers_list(schema)
                    ),
                    format!(
                        "unknown column \"{}\" is ignored (known columns of {}: {})",
                        text,
                        schema.title,
                        headers_list(schema)
                    ),
                );
                let d = sink
                    .at(Code::HeaderUnknownColumn, c.header_row, c.col, m)
                    .value(text.clone());
                sink.push(d);
            }
            ColumnKind::Ignored => {}
            k => {
                if let Some(&first) = seen.get(k) {
                    let name = match k {
                        ColumnKind::Field(i) => schema.fields[*i].header.clone(),
                        _ => "单位代码".to_string(),
                    };
                    let m = lang.t(
                        format!("列“{name}”重复出现（第一次在 {} 列），只读第一列", col_letter(first)),
                        format!("column \"{name}\" appears twice (first in column {}); only the first is read", col_letter(first)),
                    );
                    let mut d = sink.at(Code::HeaderDuplicateColumn, c.header_row, c.col, m);
                    if let ColumnKind::Field(i) = k {
                        d = d.field(&schema.fields[*i].key);
                    }
                    sink.push(d);
                } else {
                    seen.insert(k.clone(), c.col);
                }
            }
        }
    }
    for (i, f) in schema.required_fields() {
        if !seen.contains_key(&ColumnKind::Field(i)) {
            let m = lang.t(
                format!(
                    "缺少必填列“{}”（也可写作：{}）",
                    f.header,
                    alias_list(&f.aliases)
                ),
                format!(
                    "required column \"{}\" is missing (also accepted: {})",
                    f.header,
                    alias_list(&f.aliases)
                ),
            );
            let d = sink
                .make(Code::HeaderMissingColumn, m)
                .at_row(layout.bottom)
                .field(&f.key);
            sink.push(d);
        }
    }
    if csv_org && !seen.contains_key(&ColumnKind::OrgCode) {
        let m = lang.t(
            "CSV 台账缺少“单位代码”列：每行须注明填报单位",
            "the CSV ledger has no 单位代码 column: each row must name its submitter",
        );
        let d = sink
            .make(Code::HeaderMissingColumn, m)
            .at_row(layout.bottom)
            .field("org_code");
        sink.push(d);
    }
}

fn headers_list(schema: &Schema) -> String {
    schema
        .fields
        .iter()
        .map(|f| f.header.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

fn alias_list(aliases: &[String]) -> String {
    if aliases.is_empty() {
        "—".into()
    } else {
        aliases.join("、")
    }
}

/// Running sums of numeric columns for checking 合计/小计 rows.
#[derive(Default, Clone)]
struct Sums {
    all: f64,
    /// Only cells Excel's SUM would count (numbers, not numbers stored as text).
    excel: f64,
}

/// Read and check every row of a ledger sheet whose header was found.
pub fn read_ledger(
    ctx: &Ctx,
    sink: &mut Sink,
    schema: &Schema,
    sheet: &Sheet,
    layout: &HeaderLayout,
    period: Option<&Period>,
    csv_org: bool,
) -> Ledger {
    check_header(ctx, sink, schema, layout, csv_org);
    let table = read_table(sheet, layout);
    // First column for each field (later duplicates are ignored, already reported).
    let mut field_col: Vec<Option<u32>> = vec![None; schema.fields.len()];
    let mut org_col = None;
    for c in &layout.columns {
        match c.kind {
            ColumnKind::Field(i) if field_col[i].is_none() => field_col[i] = Some(c.col),
            ColumnKind::OrgCode if org_col.is_none() => org_col = Some(c.col),
            _ => {}
        }
    }
    let numeric: Vec<usize> = schema
        .fields
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            matches!(f.ty, FieldType::Integer | FieldType::Decimal) && field_col[*i].is_some()
        })
        .map(|(i, _)| i)
        .collect();
    let plan = rule_plan(schema);
    // Running sums per field (only numeric fields are ever added to).
    let mut grand: Vec<Sums> = vec![Sums::default(); schema.fields.len()];
    let mut sub: Vec<Sums> = vec![Sums::default(); schema.fields.len()];
    let mut records = Vec::new();
    let unique_fields = schema.fields.iter().filter(|f| f.unique).count();
    let mut firsts: HashMap<(usize, String), u32> =
        HashMap::with_capacity(table.entries.len() * unique_fields);

    for entry in &table.entries {
        match *entry {
            Entry::Data(r) => {
                // On a CSV ledger each row names its submitter: its diagnostics carry that code.
                let saved_org = org_col.map(|c| {
                    let saved = sink.org.clone();
                    sink.org = code_of(sheet.get(r, c))
                        .map(|c| normalize_org_code(&c))
                        .or(saved.clone());
                    saved
                });
                let mut values = Vec::with_capacity(schema.fields.len());
                for (i, f) in schema.fields.iter().enumerate() {
                    let v = match field_col[i] {
                        Some(c) => check_cell(
                            ctx,
                            sink,
                            schema,
                            f,
                            sheet.get(r, c),
                            Pos { row: r, col: c },
                            period,
                        ),
                        None => f.default.as_ref().map_or(Value::Blank, |d| match f.ty {
                            FieldType::Integer => {
                                Value::Int(d.parse::<f64>().unwrap_or(0.0) as i64)
                            }
                            FieldType::Decimal => Value::Dec(d.parse().unwrap_or(0.0)),
                            _ => Value::Text(d.clone().into()),
                        }),
                    };
                    values.push(v);
                }
                for &i in &numeric {
                    let c = field_col[i].expect("numeric fields have columns");
                    if let Ok(Some(n)) = parse_number(sheet.get(r, c)) {
                        for s in [&mut grand[i], &mut sub[i]] {
                            s.all += n.value;
                            if !n.from_text {
                                s.excel += n.value;
                            }
                        }
                    }
                }
                resolve_times(ctx, sink, schema, &field_col, r, &mut values, period);
                let org = org_col.map(|c| check_row_org(ctx, sink, sheet, r, c));
                let rec = Record {
                    row: r,
                    values,
                    org: org.flatten(),
                };
                check_rules(ctx, sink, schema, &plan, &field_col, &rec);
                check_unique(ctx, sink, schema, &field_col, &rec, &mut firsts);
                if let Some(saved) = saved_org {
                    sink.org = saved;
                }
                records.push(rec);
            }
            Entry::Total(r, kind) => {
                let sums = if kind == TotalKind::Grand {
                    &grand
                } else {
                    &sub
                };
                for &i in &numeric {
                    let c = field_col[i].expect("numeric fields have columns");
                    let Ok(Some(t)) = parse_number(sheet.get(r, c)) else {
                        continue;
                    };
                    let s = sums[i].clone();
                    if (t.value - s.all).abs() > 1e-6 {
                        let label = text_of(
                            sheet.get(
                                r,
                                (0..sheet.end_col())
                                    .find(|&cc| text_of(sheet.get(r, cc)).is_some())
                                    .unwrap_or(0),
                            ),
                        )
                        .unwrap_or_default();
                        let f = &schema.fields[i];
                        let mut m = ctx.lang.t(
                            format!(
                                "{label}行“{}”为 {}，上方各行之和为 {}",
                                f.header,
                                fmt_num(t.value),
                                fmt_num(s.all)
                            ),
                            format!(
                                "the {label} row's {} is {}, the rows above sum to {}",
                                f.header,
                                fmt_num(t.value),
                                fmt_num(s.all)
                            ),
                        );
                        if (t.value - s.excel).abs() <= 1e-6 {
                            m.push_str(&ctx.lang.t(
                                "；差额来自以文本形式存储的数字（Excel 的求和不计文本），请将这些单元格转为数字",
                                "; the difference comes from numbers stored as text, which Excel's SUM skips: convert those cells to numbers",
                            ));
                        }
                        let d = sink
                            .at(Code::TotalMismatch, r, c, m)
                            .field(&f.key)
                            .value(fmt_num(t.value));
                        sink.push(d);
                    }
                }
                sub.fill(Sums::default());
            }
        }
    }
    let (name, index) = (sheet.name.clone(), sheet.index);
    Ledger {
        schema: schema.name.clone(),
        sheet: name,
        sheet_index: index,
        records,
        columns: field_col,
    }
}

/// Where each time of a row stands (forms.md §4.10): a time with `date`
/// on the date it carries or the row's date field (one is needed; a date
/// of its own that differs is the field's `date_mismatch`); then a time
/// with `from` on the date it carries or that time's date, the next day
/// when a clock time before it comes out less than 12 hours after (the
/// field's `next_day` note).
fn resolve_times(
    ctx: &Ctx,
    sink: &mut Sink,
    schema: &Schema,
    cols: &[Option<u32>],
    row: u32,
    values: &mut [Value],
    period: Option<&Period>,
) {
    use chrono::Duration;
    let lang = ctx.lang;
    let at_cell = |sink: &Sink, i: usize, code: Code, m: String| {
        sink.at(code, row, cols[i].unwrap_or(0), m)
            .field(&schema.fields[i].key)
    };
    for (i, f) in schema.fields.iter().enumerate() {
        let Some(d) = f.date.as_deref().and_then(|d| schema.field_index(d)) else {
            continue;
        };
        let row_date = values[d].date();
        let date_is_bad = values[d] == Value::Invalid;
        let Value::Time(c) = &mut values[i] else {
            continue;
        };
        let on = match (c.own_date, row_date) {
            (Some(own), Some(day)) => {
                if own != day {
                    if let Some(code) = f.date_mismatch.as_deref().and_then(Code::parse) {
                        let m = lang.t(
                            format!(
                                "{}写的日期 {own} 与{} {day} 不一致",
                                f.header, schema.fields[d].header
                            ),
                            format!(
                                "{} carries the date {own}, the row's {} is {day}",
                                f.header, schema.fields[d].header
                            ),
                        );
                        sink.push(at_cell(sink, i, code, m).value(c.shown()));
                    }
                }
                Some(day)
            }
            (Some(own), None) => {
                // The date stands in the time cell: the date field's
                // period rule holds for it.
                let within = schema.fields[d].within;
                if let (Some(Within::Period), Some(p)) = (within, period) {
                    if !p.contains(own) && !date_is_bad {
                        let m = lang.t(
                            format!(
                                "{}的日期 {own} 不在报告期 {p}（{} 至 {}）内",
                                f.header,
                                p.start(),
                                p.end()
                            ),
                            format!(
                                "{}'s date {own} is outside the period {p} ({} to {})",
                                f.header,
                                p.start(),
                                p.end()
                            ),
                        );
                        sink.push(at_cell(sink, i, Code::DateOutOfPeriod, m).value(c.shown()));
                    }
                }
                Some(own)
            }
            (None, Some(day)) => Some(day),
            (None, None) => {
                if !date_is_bad {
                    let m = lang.t(
                        format!(
                            "{}为空，{}也未写日期：无法确定日期",
                            schema.fields[d].header, f.header
                        ),
                        format!(
                            "{} is blank and {} carries no date: the day is unknown",
                            schema.fields[d].header, f.header
                        ),
                    );
                    let col = cols[d].or(cols[i]).unwrap_or(0);
                    let diag = sink
                        .at(Code::CellRequired, row, col, m)
                        .field(&schema.fields[d].key);
                    sink.push(diag);
                }
                None
            }
        };
        c.at = on
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map(|t| t + Duration::seconds(c.secs as i64));
    }
    for (i, f) in schema.fields.iter().enumerate() {
        let Some(from) = f.from.as_deref().and_then(|k| schema.field_index(k)) else {
            continue;
        };
        let Some((start, start_shown)) = (match &values[from] {
            Value::Time(s) => s.at.map(|t| (t, s.shown())),
            _ => None,
        }) else {
            continue;
        };
        let Value::Time(c) = &mut values[i] else {
            continue;
        };
        if let Some(own) = c.own_date {
            c.at = own
                .and_hms_opt(0, 0, 0)
                .map(|t| t + Duration::seconds(c.secs as i64));
            continue;
        }
        let same = start
            .date()
            .and_hms_opt(0, 0, 0)
            .map(|t| t + Duration::seconds(c.secs as i64));
        let Some(same) = same else { continue };
        let next = same + Duration::days(1);
        if same < start && next - start < Duration::hours(12) {
            c.at = Some(next);
            if let Some(code) = f.next_day.as_deref().and_then(Code::parse) {
                let mins = (next - start).num_seconds() as f64 / 60.0;
                let m = lang.t(
                    format!(
                        "{} {} 早于{} {}，按次日计（相隔 {} 分钟）",
                        f.header,
                        c.shown(),
                        schema.fields[from].header,
                        start_shown,
                        fmt_num((mins * 10.0).round() / 10.0)
                    ),
                    format!(
                        "{} {} is earlier than {} {}: read as the next day ({} minutes later)",
                        f.header,
                        c.shown(),
                        schema.fields[from].header,
                        start_shown,
                        fmt_num((mins * 10.0).round() / 10.0)
                    ),
                );
                sink.push(at_cell(sink, i, code, m).value(c.shown()));
            }
        } else {
            c.at = Some(same);
        }
    }
}

pub(crate) fn fmt_num(v: f64) -> String {
    crate::read::cell::number_text((v * 1e6).round() / 1e6)
}

/// The submitter code on a CSV row: must be an organisation code, and in
/// the registry when one is given.
fn check_row_org(ctx: &Ctx, sink: &mut Sink, sheet: &Sheet, r: u32, c: u32) -> Option<String> {
    let lang = ctx.lang;
    let Some(code) = code_of(sheet.get(r, c)) else {
        let d = sink
            .at(
                Code::CellRequired,
                r,
                c,
                lang.t("“单位代码”为空", "单位代码 (submitter code) is blank"),
            )
            .field("org_code");
        sink.push(d);
        return None;
    };
    match super::cells::check_org_code(ctx, &code) {
        Err((cd, m)) => {
            let d = sink.at(cd, r, c, m).field("org_code").value(code);
            sink.push(d);
            None
        }
        Ok(_) => {
            let code = normalize_org_code(&code);
            if let Some(reg) = ctx.registry {
                if reg.get(&code).is_none() {
                    let m = lang.t(
                        format!("单位代码“{code}”不在名录中"),
                        format!("submitter code \"{code}\" is not in the registry"),
                    );
                    let d = sink
                        .at(Code::CoverUnknownOrg, r, c, m)
                        .field("org_code")
                        .value(code.clone());
                    sink.push(d);
                }
            }
            Some(code)
        }
    }
}

fn check_unique(
    ctx: &Ctx,
    sink: &mut Sink,
    schema: &Schema,
    field_col: &[Option<u32>],
    rec: &Record,
    firsts: &mut HashMap<(usize, String), u32>,
) {
    for (i, f) in schema.fields.iter().enumerate() {
        if !f.unique {
            continue;
        }
        let Some(key) = unique_key(&rec.values[i]) else {
            continue;
        };
        // A CSV ledger holds many submitters; keys repeat only within one.
        let scope_key = match &rec.org {
            Some(o) => format!("{o}\u{1}{key}"),
            None => key.into_owned(),
        };
        let first = match firsts.entry((i, scope_key)) {
            Slot::Vacant(v) => {
                v.insert(rec.row);
                continue;
            }
            Slot::Occupied(o) => *o.get(),
        };
        let col = field_col[i].expect("a value implies a column");
        let key = unique_key(&rec.values[i]).unwrap_or_default();
        let shown = if f.ty == FieldType::IdNumber {
            crate::diag::mask_id(&key)
        } else {
            key.into_owned()
        };
        let first_ref = if sink.csv {
            format!("{}", first + 1)
        } else {
            format!("{}{}", col_letter(col), first + 1)
        };
        let code = f
            .unique_code
            .as_deref()
            .and_then(Code::parse)
            .unwrap_or(Code::RowDuplicateKey);
        let m = ctx.lang.t(
            format!("{}“{shown}”重复，首次出现在 {first_ref}", f.header),
            format!(
                "{} \"{shown}\" repeats; it first appears at {first_ref}",
                f.header
            ),
        );
        let d = sink.at(code, rec.row, col, m).field(&f.key).value(shown);
        sink.push(d);
    }
}

/// A unique field's value as keys are compared: normalised text or the integer.
fn unique_key(v: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match v {
        Value::Text(t) => Some(normalize_text(t)),
        Value::Int(n) => Some(n.to_string().into()),
        _ => None,
    }
}

/// Each row rule's code and the indices of the two fields it compares,
/// resolved once per sheet instead of by name on every row.
fn rule_plan(schema: &Schema) -> Vec<(Code, usize, usize)> {
    schema
        .rules
        .iter()
        .map(|rule| {
            let code = Code::parse(rule.code()).expect("rule codes checked at load");
            let idx = |k: &str| schema.field_index(k).expect("rule fields checked at load");
            let f = rule.fields();
            (code, idx(f[0]), idx(f[1]))
        })
        .collect()
}

fn check_rules(
    ctx: &Ctx,
    sink: &mut Sink,
    schema: &Schema,
    plan: &[(Code, usize, usize)],
    field_col: &[Option<u32>],
    rec: &Record,
) {
    let lang = ctx.lang;
    let in_set = |v: &Value, set: &[String]| v.text().is_some_and(|t| set.iter().any(|s| s == t));
    for (rule, &(code, fi, oi)) in schema.rules.iter().zip(plan) {
        // `field` is the flagged cell, `other` the one it is compared with.
        let (field, other) = (&rec.values[fi], &rec.values[oi]);
        let (fh, oh) = (
            schema.fields[fi].header.as_str(),
            schema.fields[oi].header.as_str(),
        );
        let msg: Option<String> = match rule {
            RowRule::NotGreater { .. } => match (field.num(), other.num()) {
                (Some(a), Some(b)) if a > b => Some(lang.t(
                    format!("{}（{}）大于{}（{}）", fh, fmt_num(a), oh, fmt_num(b)),
                    format!("{} ({}) exceeds {} ({})", fh, fmt_num(a), oh, fmt_num(b)),
                )),
                _ => None,
            },
            RowRule::MaxRatio { ratio, .. } => match (field.num(), other.num()) {
                (Some(a), Some(b)) if a > ratio * b => Some(lang.t(
                    format!(
                        "{}为 {}，超过{} {} 的 {} 倍，请核实",
                        fh,
                        fmt_num(a),
                        oh,
                        fmt_num(b),
                        ratio
                    ),
                    format!(
                        "{} is {}, more than {} × {} {}; please check",
                        fh,
                        fmt_num(a),
                        ratio,
                        oh,
                        fmt_num(b)
                    ),
                )),
                _ => None,
            },
            RowRule::RequiredWhen { equals, .. } => (in_set(other, equals) && field.is_blank())
                .then(|| {
                    lang.t(
                        format!("{}为“{}”时必须填写{}", oh, equals.join("/"), fh),
                        format!("{} is required when {} is {}", fh, oh, equals.join("/")),
                    )
                }),
            RowRule::BlankUnless { equals, .. } => {
                let w = other;
                (w.text().is_some() && !in_set(w, equals) && !field.is_blank()).then(|| {
                    lang.t(
                        format!("{}为“{}”，{}应为空", oh, w.text().unwrap_or(""), fh),
                        format!(
                            "{} must be blank when {} is {}",
                            fh,
                            oh,
                            w.text().unwrap_or("")
                        ),
                    )
                })
            }
            RowRule::NotBefore { .. } => match (field.date(), other.date()) {
                (Some(a), Some(b)) if a < b => Some(lang.t(
                    format!("{} {a} 早于{} {b}", fh, oh),
                    format!("{} {a} is before {} {b}", fh, oh),
                )),
                _ => None,
            },
            RowRule::OnlyWhen {
                allowed, equals, ..
            } => {
                let w = other;
                let v = field;
                (w.text().is_some()
                    && !in_set(w, equals)
                    && v.text().is_some()
                    && !in_set(v, allowed))
                .then(|| {
                    lang.t(
                        format!(
                            "事项{}为“{}”，{}只能为“{}”（实为“{}”）",
                            oh,
                            w.text().unwrap_or(""),
                            fh,
                            allowed.join("/"),
                            v.text().unwrap_or("")
                        ),
                        format!(
                            "{} must be {} while {} is {} (found {})",
                            fh,
                            allowed.join("/"),
                            oh,
                            w.text().unwrap_or(""),
                            v.text().unwrap_or("")
                        ),
                    )
                })
            }
            RowRule::GenderMatchesId { male, female, .. } => {
                // The values that say male and female are the rule's (or
                // the field's first two), so that a county may spell them
                // its own way; a third value (未知) is not compared.
                let values = &schema.fields[fi].values;
                let m = male.as_deref().or(values.first().map(String::as_str));
                let f = female.as_deref().or(values.get(1).map(String::as_str));
                let says_male = field.text().and_then(|g| {
                    if Some(g) == m {
                        Some(true)
                    } else if Some(g) == f {
                        Some(false)
                    } else {
                        None
                    }
                });
                match (field.text(), says_male, other.text().and_then(id_is_male)) {
                    (Some(g), Some(says), Some(male)) if says != male => Some(lang.t(
                        format!(
                            "性别“{g}”与身份证号不符（身份证号第17位表示{}）",
                            (if male { m } else { f }).unwrap_or_default()
                        ),
                        format!(
                            "gender {g} contradicts the ID number (its 17th digit says {})",
                            if male { "male" } else { "female" }
                        ),
                    )),
                    _ => None,
                }
            }
        };
        if let Some(m) = msg {
            let key = &schema.fields[fi].key;
            let mut d = sink
                .at(code, rec.row, field_col[fi].unwrap_or(0), m)
                .field(key);
            if field_col[fi].is_none() {
                d.cell = None;
                d.column = None;
            }
            if let Some(t) = field.text() {
                d = d.value(t.to_string());
            } else if let Some(n) = field.num() {
                d = d.value(fmt_num(n));
            } else if let Some(dt) = field.date() {
                d = d.value(dt.to_string());
            }
            sink.push(d);
        }
    }
}
