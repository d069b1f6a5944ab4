//! The cover (封面): label/value pairs in any order (forms.md §4.1).

use calamine::Data;
use std::collections::{BTreeMap, HashMap};

use super::cells::{check_cell, Pos};
use super::{Ctx, Sink, Value};
use crate::diag::Code;
use crate::period::Period;
use crate::read::cell::text_of;
use crate::read::Sheet;
use crate::schema::{HeaderMatch, MissingSeverity, Schema, SchemaSet};
use crate::text::normalize_header;

#[derive(Debug, Clone)]
pub struct CoverEntry {
    pub value: Data,
    /// Where the value stands, or where it should stand when blank.
    pub at: (u32, u32),
}

/// Which cover field key a label names, across every level's cover.
fn label_key(schemas: &SchemaSet, text: &str) -> Option<String> {
    let n = normalize_header(text);
    schemas
        .covers()
        .find_map(|s| match s.match_normalized(&n)? {
            HeaderMatch::Field(i) => Some(s.fields[i].key.clone()),
            HeaderMatch::Ignored => None,
        })
}

/// Split `标签：值` (either colon) into its label and value.
fn split_label(t: &str) -> Option<(&str, &str)> {
    let i = t.find([':', '：'])?;
    let colon_len = t[i..].chars().next().map(char::len_utf8).unwrap_or(1);
    Some((&t[..i], t[i + colon_len..].trim()))
}

/// Read every label/value pair of a cover sheet; the first of a repeated label wins.
pub fn read_pairs(schemas: &SchemaSet, sheet: &Sheet) -> HashMap<String, CoverEntry> {
    let mut out: HashMap<String, CoverEntry> = HashMap::new();
    let width = sheet.end_col();
    for r in sheet.start_row()..sheet.end_row() {
        let mut c = 0;
        while c < width {
            let Some(t) = text_of(sheet.get(r, c)) else {
                c += 1;
                continue;
            };
            let (key, inline) = match label_key(schemas, &t) {
                Some(k) => (k, None),
                None => {
                    match split_label(&t).and_then(|(l, v)| label_key(schemas, l).map(|k| (k, v))) {
                        Some((k, v)) if !v.is_empty() => (k, Some(v.to_string())),
                        Some((k, _)) => (k, None),
                        None => {
                            c += 1;
                            continue;
                        }
                    }
                }
            };
            let mut entry = CoverEntry {
                value: Data::Empty,
                at: (r, c + 1),
            };
            let mut next = c + 1;
            if let Some(v) = inline {
                entry.value = Data::String(v);
                entry.at = (r, c);
            } else {
                // The next non-empty cell to the right that is not itself a label.
                let mut vc = c + 1;
                while vc < width {
                    let d = sheet.get(r, vc);
                    if let Some(vt) = text_of(d) {
                        let is_label = label_key(schemas, &vt).is_some()
                            || split_label(&vt)
                                .is_some_and(|(l, _)| label_key(schemas, l).is_some());
                        if !is_label {
                            entry.value = d.clone();
                            entry.at = (r, vc);
                            next = vc + 1;
                        }
                        break;
                    }
                    vc += 1;
                }
            }
            out.entry(key).or_insert(entry);
            c = next;
        }
    }
    out
}

/// How many cover labels a sheet holds: finds a cover that is not named 封面.
pub fn label_count(schemas: &SchemaSet, sheet: &Sheet) -> usize {
    read_pairs(schemas, sheet).len()
}

/// What a cover says, after its checks.
#[derive(Debug, Clone, Default)]
pub struct CoverInfo {
    pub org_code: Option<String>,
    pub org_name: Option<String>,
    pub period: Option<Period>,
    pub values: BTreeMap<String, Value>,
    /// Where each value stands, or should stand when its label is there
    /// and it is blank: sheet, sheet index, row, column.
    pub at: BTreeMap<String, (String, usize, u32, u32)>,
    /// The cover sheet and its index.
    pub sheet: Option<(String, usize)>,
}

pub fn check_cover(
    ctx: &Ctx,
    sink: &mut Sink,
    schema: &Schema,
    pairs: &HashMap<String, CoverEntry>,
) -> CoverInfo {
    let lang = ctx.lang;
    let mut info = CoverInfo {
        sheet: sink.sheet.clone(),
        ..CoverInfo::default()
    };
    // Judge dates against --period, or the cover's own.
    let own_period = pairs
        .get("period")
        .and_then(|e| text_of(&e.value))
        .and_then(|t| Period::parse(&t));
    let period = ctx.period.or(own_period);
    for f in &schema.fields {
        let entry = pairs.get(&f.key);
        let blank =
            entry.is_none_or(|e| text_of(&e.value).is_none() && !matches!(e.value, Data::Error(_)));
        if blank {
            if let (Some(e), Some((sheet, idx))) = (entry, &sink.sheet) {
                info.at
                    .insert(f.key.clone(), (sheet.clone(), *idx, e.at.0, e.at.1));
            }
            if f.required {
                let m = if entry.is_some() {
                    lang.t(
                        format!("封面“{}”未填写", f.header),
                        format!("cover field {} is blank", f.header),
                    )
                } else {
                    lang.t(
                        format!("封面缺少“{}”一项", f.header),
                        format!("the cover has no {} label", f.header),
                    )
                };
                let mut d = sink.make(Code::CoverMissingField, m).field(&f.key);
                if let Some(e) = entry {
                    d = d.at(e.at.0, e.at.1);
                }
                if f.missing == MissingSeverity::Warning {
                    d = d.severity(crate::diag::Severity::Warning);
                }
                sink.push(d);
            }
            continue;
        }
        let e = entry.expect("not blank");
        let v = check_cell(
            ctx,
            sink,
            schema,
            f,
            &e.value,
            Pos {
                row: e.at.0,
                col: e.at.1,
            },
            period.as_ref(),
        );
        if let Some((sheet, idx)) = &sink.sheet {
            info.at
                .insert(f.key.clone(), (sheet.clone(), *idx, e.at.0, e.at.1));
        }
        info.values.insert(f.key.clone(), v);
    }
    info.org_code = info
        .values
        .get("org_code")
        .and_then(|v| v.text())
        .map(str::to_string);
    info.org_name = info
        .values
        .get("org_name")
        .and_then(|v| v.text())
        .map(str::to_string);
    info.period = info
        .values
        .get("period")
        .and_then(|v| v.text())
        .and_then(Period::parse);

    if let (Some(want), Some(got)) = (ctx.period, info.period) {
        if want != got {
            let e = &pairs["period"];
            let m = lang.t(
                format!(
                    "封面报告期为 {}（{}），本次处理的是 {}（{}）",
                    got,
                    got.display_zh(),
                    want,
                    want.display_zh()
                ),
                format!("the cover's period is {got}, the period being processed is {want}"),
            );
            let d = sink
                .at(Code::CoverPeriodMismatch, e.at.0, e.at.1, m)
                .field("period")
                .value(got.to_string());
            sink.push(d);
        }
    }
    if let (Some(reg), Some(code)) = (ctx.registry, info.org_code.as_deref()) {
        let e = &pairs["org_code"];
        match reg.get(code) {
            None => {
                let hint = info.org_name.as_deref().and_then(|n| reg.likely_meant(n)).map(|r| {
                    lang.t(
                        format!("；名录中“{}”的代码是 {}，是封面还是名录中的代码写错了？", r.name, r.code),
                        format!("; the registry has \"{}\" as {}: is the code wrong on the cover or in the registry?", r.name, r.code),
                    )
                });
                let m = lang.t(
                    format!(
                        "单位代码 {code} 不在报送单位名录中{}",
                        hint.clone().unwrap_or_else(|| "，请核对代码".into())
                    ),
                    format!(
                        "organisation code {code} is not in the registry{}",
                        hint.unwrap_or_default()
                    ),
                );
                let d = sink
                    .at(Code::CoverUnknownOrg, e.at.0, e.at.1, m)
                    .field("org_code")
                    .value(code.to_string());
                sink.push(d);
            }
            Some(r) => {
                if let Some(name) = info.org_name.as_deref() {
                    if normalize_header(name) != normalize_header(&r.name) {
                        let ne = &pairs["org_name"];
                        let m = lang.t(
                            format!("封面单位名称“{name}”与名录中的“{}”不一致", r.name),
                            format!(
                                "the cover's name \"{name}\" differs from the registry's \"{}\"",
                                r.name
                            ),
                        );
                        let d = sink
                            .at(Code::CoverNameMismatch, ne.at.0, ne.at.1, m)
                            .field("org_name")
                            .value(name.to_string());
                        sink.push(d);
                    }
                }
            }
        }
    }
    info
}
