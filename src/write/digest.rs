//! `pbstat report`'s rendering: an aggregate output's summary.json as a
//! text for an e-mail or a chat message, Markdown, JSON or one HTML page —
//! headline figures and rates, organisations below target, the 催报 list,
//! and what was left out.

use anyhow::{anyhow, Result};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use crate::lang::Lang;
use crate::schema::{AuditSet, SchemaSet, TableSet};
use crate::summary::{to_json, Excluded, MissingOrg, Scope, Shortfall, Summary};

/// The forms of the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Text,
    Markdown,
    Json,
    Html,
}

/// An organisation that submitted and had nothing aggregated.
#[derive(Debug, Serialize)]
pub struct Resubmit {
    pub code: String,
    pub name: String,
    pub files: usize,
}

/// `report --format json`.
#[derive(Debug, Serialize)]
struct ReportDoc<'a> {
    scope: &'a Scope,
    period: &'a str,
    headline: Map<String, Value>,
    below_target: &'a [Shortfall],
    missing: &'a [MissingOrg],
    resubmit: &'a [Resubmit],
    excluded: &'a [Excluded],
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<&'a crate::summary::History>,
}

/// The headline figures, from the root rows of the tables.
struct Headline<'a> {
    items: Vec<(&'a str, &'a str, &'a str, Value)>,
}

/// The headline figures of a summary; a table or column it lacks is an
/// error naming it (a null value, a rate without a denominator, is not).
/// (tables.toml's `[[headline]]`)
fn headline<'a>(s: &Summary, tables: &'a TableSet) -> Result<Headline<'a>, String> {
    let mut items = Vec::new();
    for h in &tables.headline {
        let (table, key) = (h.table.as_str(), h.column.as_str());
        let v = s
            .root(table)
            .and_then(|r| r.get(key))
            .cloned()
            .ok_or_else(|| {
                // An output aggregated with a county's own tables.toml,
                // read back with another (the embedded one, say).
                crate::lang::tr(
                    format!(
                        "summary.json 中没有主要指标 tables.{table}.{key}（tables.toml 的 [[headline]]）：这份汇总结果是用另一套表样汇总的，或不是本版 pbstat 写出的；若汇总时用了 --schemas，请加上同一个 --schemas 再运行"
                    ),
                    format!(
                        "summary.json has no headline figure tables.{table}.{key} (tables.toml's [[headline]]): it was aggregated with other schemas, or not by this pbstat; if it was aggregated with --schemas, run again with the same --schemas"
                    ),
                )
            })?;
        if h.if_any && v.is_null() {
            continue;
        }
        items.push((key, h.zh.as_str(), h.en.as_str(), v));
    }
    Ok(Headline { items })
}

fn shown(key: &str, v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Number(n) if key.ends_with("_rate") => {
            format!("{:.2}%", n.as_f64().unwrap_or(0.0) * 100.0)
        }
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn below_text(b: &Shortfall, audits: &AuditSet, lang: Lang) -> String {
    let (name, code, fig, min) = (&b.name, &b.code, b.figure, b.minimum);
    if b.what == crate::audit::targets::MEETING {
        let t = b.meeting_type.as_deref().unwrap_or("");
        return lang.t(
            format!("{name}（{code}）：{t} {fig} 次，要求不少于 {min} 次"),
            format!("{name} ({code}): {t} held {fig} times, at least {min} required"),
        );
    }
    match audits.targets.iter().find(|t| t.key == b.what) {
        Some(t) => crate::audit::targets::fill(&lang.t(t.listed.as_str(), t.listed_en.as_str()), b),
        // A summary written with another schema set: its own words.
        None => lang.t(
            format!("{name}（{code}）：{} 为 {fig}，要求不少于 {min}", b.what),
            format!(
                "{name} ({code}): {} is {fig}, at least {min} required",
                b.what
            ),
        ),
    }
}

/// The digest of a summary in one form.
pub fn render(s: &Summary, schemas: &SchemaSet, form: Form, lang: Lang) -> Result<String> {
    let tables = &schemas.tables;
    let h = headline(s, tables).map_err(|e| anyhow!(e))?;
    let scope = format!("{}（{}）", s.head.scope.name, s.head.scope.code);
    let period = s.head.period_name.clone();
    let below = &s.head.below_target;
    let missing = &s.head.missing;
    let excluded = &s.head.excluded;
    let resubmit = resubmit_list(s);
    let below_lines = summarised(s, below, &schemas.audits, lang);
    let resub_line = |r: &Resubmit| {
        format!(
            "{} {}：{}",
            r.code,
            r.name,
            lang.t(
                format!("报送的 {} 份均未纳入汇总（原因见未纳入汇总）", r.files),
                format!(
                    "none of its {} files was aggregated (see Left out)",
                    r.files
                ),
            )
        )
    };
    let miss_line = |m: &MissingOrg| {
        let parent = m
            .parent_name
            .as_deref()
            .map(|p| format!("（{p}）"))
            .unwrap_or_default();
        format!("{} {}{}", m.code, m.name.as_deref().unwrap_or(""), parent)
    };
    let excl_line = |e: &Excluded| {
        let first = e.reasons.first().map(String::as_str).unwrap_or("");
        format!(
            "{}：{} {}",
            e.file,
            lang.t(
                format!("错误 {} 处", e.errors),
                format!("{} errors", e.errors)
            ),
            first
        )
    };
    let out = match form {
        Form::Html => {
            let head: Vec<(String, String)> = h
                .items
                .iter()
                .map(|(k, zh, en, v)| (lang.t(*zh, *en), shown(k, v)))
                .collect();
            let below_l = below_lines.clone();
            let mut miss_l: Vec<String> = missing.iter().map(miss_line).collect();
            miss_l.extend(resubmit.iter().map(|r| {
                lang.t(
                    format!("需重报：{}", resub_line(r)),
                    format!("to resubmit: {}", resub_line(r)),
                )
            }));
            let excl_l: Vec<String> = excluded.iter().map(excl_line).collect();
            super::html::page(s, schemas, &head, &below_l, &miss_l, &excl_l)?
        }
        Form::Json => {
            let headline = h
                .items
                .iter()
                .map(|(k, _, _, v)| (k.to_string(), v.clone()))
                .collect();
            to_json(&ReportDoc {
                scope: &s.head.scope,
                period: &s.head.period,
                headline,
                below_target: below,
                missing,
                resubmit: &resubmit,
                excluded,
                history: s.head.history.as_ref(),
            })
        }
        Form::Text | Form::Markdown => {
            let md = form == Form::Markdown;
            let mut o = String::new();
            let title = lang.t(
                format!("{scope}{period}城市基层党建统计摘要"),
                format!("{scope} {} party-building statistics", s.head.period),
            );
            o.push_str(&if md {
                format!("# {title}\n\n")
            } else {
                format!("{title}\n\n")
            });
            if md {
                o.push_str(&lang.t(
                    "| 指标 | 数值 |\n|---|---:|\n",
                    "| figure | value |\n|---|---:|\n",
                ));
            }
            for (k, zh, en, v) in &h.items {
                let label = lang.t(*zh, *en);
                o.push_str(&if md {
                    format!("| {label} | {} |\n", shown(k, v))
                } else {
                    format!("  {label}：{}\n", shown(k, v))
                });
            }
            let mut section = |title: String, lines: Vec<String>, none: String| {
                o.push_str(&if md {
                    format!("\n## {title}\n\n")
                } else {
                    format!("\n{title}\n")
                });
                if lines.is_empty() {
                    o.push_str(&if md {
                        format!("{none}\n")
                    } else {
                        format!("  {none}\n")
                    });
                }
                for l in lines {
                    o.push_str(&if md {
                        format!("- {l}\n")
                    } else {
                        format!("  - {l}\n")
                    });
                }
            };
            section(
                lang.t(
                    format!("未达到考核要求（{} 项）", below.len()),
                    format!("Below target ({})", below.len()),
                ),
                below_lines.clone(),
                lang.t("无", "none"),
            );
            section(
                lang.t(
                    format!("催报名单：未报送（{} 个）", missing.len()),
                    format!("Not yet submitted ({})", missing.len()),
                ),
                missing.iter().map(miss_line).collect(),
                if resubmit.is_empty() {
                    lang.t("无，全部已报送", "none, everyone has submitted")
                } else {
                    lang.t(
                        "无（但有单位需重报，见下）",
                        "none (but some must resubmit, below)",
                    )
                },
            );
            if !resubmit.is_empty() {
                section(
                    lang.t(
                        format!(
                            "需重报名单：报送了但没有一份纳入汇总（{} 个）",
                            resubmit.len()
                        ),
                        format!(
                            "To resubmit: nothing they sent was aggregated ({})",
                            resubmit.len()
                        ),
                    ),
                    resubmit.iter().map(resub_line).collect(),
                    String::new(),
                );
            }
            section(
                lang.t(
                    format!("未纳入汇总（{} 份）", excluded.len()),
                    format!("Left out ({})", excluded.len()),
                ),
                excluded.iter().map(excl_line).collect(),
                lang.t("无", "none"),
            );
            if let Some(hist) = &s.head.history {
                o.push('\n');
                o.push_str(&super::history::text(hist, schemas, lang, md));
            }
            o
        }
    };
    Ok(out)
}

/// Organisations that submitted and had nothing accepted: every file of
/// theirs left out (errors, a duplicate). They are not on the 催报 list
/// (they did submit) and not counted as reported.
fn resubmit_list(s: &Summary) -> Vec<Resubmit> {
    let mut by_org: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for i in &s.head.inputs {
        let Some(code) = &i.org_code else {
            continue;
        };
        let e = by_org.entry(code.clone()).or_default();
        if i.status == "accepted" {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    by_org
        .into_iter()
        .filter(|(_, (ok, left))| *ok == 0 && *left > 0)
        .map(|(code, (_, left))| {
            let name = s
                .head
                .excluded
                .iter()
                .find(|e| e.org_code.as_deref() == Some(code.as_str()))
                .and_then(|e| e.name.clone())
                .unwrap_or_default();
            Resubmit {
                code,
                name,
                files: left,
            }
        })
        .collect()
}

/// How many below-target lines a summary shows in full; past it, a few
/// per street and a line saying where the rest is (a province has
/// thousands, and a mail is read on a phone).
const BELOW_IN_FULL: usize = 30;
const BELOW_PER_STREET: usize = 3;

fn summarised(s: &Summary, below: &[Shortfall], audits: &AuditSet, lang: Lang) -> Vec<String> {
    if below.len() <= BELOW_IN_FULL {
        return below.iter().map(|b| below_text(b, audits, lang)).collect();
    }
    // Every table's organisations: whichever tables tables.toml declares.
    let names: BTreeMap<String, String> = s
        .tables
        .values()
        .flatten()
        .filter_map(|r| {
            Some((
                r.get("code")?.as_str()?.to_string(),
                r.get("name")?.as_str()?.to_string(),
            ))
        })
        .collect();
    // A community's street from its code (forms.md: 9 digits + 000); a
    // unit's 18-character credit code says nothing of where it is.
    let group_of = |b: &Shortfall| -> String {
        let code = b.code.as_str();
        if code.len() == 12 {
            let street = format!("{}000", &code[..9]);
            names.get(&street).cloned().unwrap_or(street)
        } else {
            lang.t("驻区单位", "resident units")
        }
    };
    let mut groups: BTreeMap<String, Vec<&Shortfall>> = BTreeMap::new();
    for b in below {
        groups.entry(group_of(b)).or_default().push(b);
    }
    let mut out = Vec::new();
    for (g, items) in &groups {
        for b in items.iter().take(BELOW_PER_STREET) {
            out.push(below_text(b, audits, lang));
        }
        if items.len() > BELOW_PER_STREET {
            let rest = items.len() - BELOW_PER_STREET;
            out.push(lang.t(
                format!("{g}其余 {rest} 项见 report.xlsx"),
                format!("{g}: {rest} more in report.xlsx"),
            ));
        }
    }
    out
}
