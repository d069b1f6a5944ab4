//! `pbstat report DIR`: an aggregate output summarised for an e-mail or a
//! chat message — headline figures and rates, organisations below target,
//! the 催报 list, and what was left out.

use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;

use crate::cli::{Common, ReportArgs, ReportFormat};
use crate::lang::Lang;
use crate::write::stdout;

/// The headline figures, from the root rows of the tables.
struct Headline {
    items: Vec<(&'static str, &'static str, &'static str, Value)>,
}

fn root(summary: &Value, table: &str) -> Value {
    summary["tables"][table]
        .as_array()
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or(Value::Null)
}

fn headline(s: &Value) -> Headline {
    let (t0, t1, t2, t3, t4) = (
        root(s, "t0"),
        root(s, "t1"),
        root(s, "t2"),
        root(s, "t3"),
        root(s, "t4"),
    );
    let items = vec![
        (
            "expected",
            "应报单位数",
            "organisations expected",
            t0["expected"].clone(),
        ),
        (
            "accepted",
            "纳入汇总单位数",
            "organisations aggregated",
            t0["accepted"].clone(),
        ),
        (
            "submission_rate",
            "报送率",
            "submission rate",
            t4["submission_rate"].clone(),
        ),
        (
            "registered_members",
            "报到党员",
            "registered members",
            t1["registered_members"].clone(),
        ),
        (
            "new_registrations",
            "本期新增报到",
            "new registrations",
            t1["new_registrations"].clone(),
        ),
        (
            "registration_target_rate",
            "报到达标率",
            "registration target rate",
            t4["registration_target_rate"].clone(),
        ),
        ("meetings", "会议总数", "meetings", t2["meetings"].clone()),
        (
            "meeting_compliance_rate",
            "会议达标率",
            "meeting compliance rate",
            t4["meeting_compliance_rate"].clone(),
        ),
        (
            "attendance_rate",
            "出席率",
            "attendance rate",
            t4["attendance_rate"].clone(),
        ),
        (
            "received",
            "民生事项受理",
            "issues received",
            t3["received"].clone(),
        ),
        ("resolved", "已办结", "resolved", t3["resolved"].clone()),
        (
            "completion_rate",
            "办结率",
            "completion rate",
            t4["completion_rate"].clone(),
        ),
        (
            "satisfaction_rate",
            "满意率",
            "satisfaction rate",
            t4["satisfaction_rate"].clone(),
        ),
        (
            "unit_activity_rate",
            "共建活动开展率",
            "unit activity rate",
            t4["unit_activity_rate"].clone(),
        ),
        (
            "project_completion_rate",
            "项目完成率",
            "project completion rate",
            t4["project_completion_rate"].clone(),
        ),
    ];
    Headline { items }
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

fn below_text(b: &Value, lang: Lang) -> String {
    let name = b["name"].as_str().unwrap_or("");
    let code = b["code"].as_str().unwrap_or("");
    let (fig, min) = (
        b["figure"].as_i64().unwrap_or(0),
        b["minimum"].as_i64().unwrap_or(0),
    );
    match b["what"].as_str().unwrap_or("") {
        "registration" => lang.t(
            format!("{name}（{code}）：报到党员 {fig} 人，要求不少于 {min} 人"),
            format!("{name} ({code}): {fig} registered members, at least {min} required"),
        ),
        "meeting" => {
            let t = b["meeting_type"].as_str().unwrap_or("");
            lang.t(
                format!("{name}（{code}）：{t} {fig} 次，要求不少于 {min} 次"),
                format!("{name} ({code}): {t} held {fig} times, at least {min} required"),
            )
        }
        _ => lang.t(
            format!("{name}（{code}）：共建活动 {fig} 次，要求不少于 {min} 次"),
            format!("{name} ({code}): {fig} joint activities, at least {min} required"),
        ),
    }
}

pub fn run(common: &Common, args: &ReportArgs) -> Result<i32> {
    let p = args.dir.join("summary.json");
    let dir_shown = args.dir.display();
    let text = std::fs::read_to_string(&p).map_err(|e| {
        anyhow::anyhow!(crate::lang::tr(
            format!("{dir_shown}：读不到 summary.json（{}）；report 需要 pbstat aggregate 的输出文件夹", crate::lang::io_reason(&e)),
            format!("{dir_shown}: cannot read its summary.json ({}); report needs a folder pbstat aggregate wrote", crate::lang::io_reason(&e)),
        ))
    })?;
    let s: Value = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(crate::lang::tr(
            format!("{}：已损坏（{e}）", p.display()),
            format!("{}: damaged ({e})", p.display()),
        ))
    })?;
    if !s["tables"].is_object() {
        bail!(crate::lang::tr(
            format!("{}：不是 pbstat 的汇总结果", p.display()),
            format!("{} is not a pbstat summary", p.display()),
        ));
    }
    let lang = common.lang;
    let h = headline(&s);
    let scope = format!(
        "{}（{}）",
        s["scope"]["name"].as_str().unwrap_or(""),
        s["scope"]["code"].as_str().unwrap_or("")
    );
    let period = s["period_name"].as_str().unwrap_or("").to_string();
    let below: Vec<Value> = s["below_target"].as_array().cloned().unwrap_or_default();
    let missing: Vec<Value> = s["missing"].as_array().cloned().unwrap_or_default();
    let excluded: Vec<Value> = s["excluded"].as_array().cloned().unwrap_or_default();
    let resubmit = resubmit_list(&s);
    let below_lines = summarised(&s, &below, lang);
    let resub_line = |r: &Value| {
        format!(
            "{} {}：{}",
            r["code"].as_str().unwrap_or(""),
            r["name"].as_str().unwrap_or(""),
            lang.t(
                format!("报送的 {} 份均未纳入汇总（原因见未纳入汇总）", r["files"]),
                format!(
                    "none of its {} files was aggregated (see Left out)",
                    r["files"]
                ),
            )
        )
    };
    let miss_line = |m: &Value| {
        let parent = m["parent_name"]
            .as_str()
            .map(|p| format!("（{p}）"))
            .unwrap_or_default();
        format!(
            "{} {}{}",
            m["code"].as_str().unwrap_or(""),
            m["name"].as_str().unwrap_or(""),
            parent
        )
    };
    let excl_line = |e: &Value| {
        let first = e["reasons"]
            .as_array()
            .and_then(|r| r.first())
            .and_then(|r| r.as_str())
            .unwrap_or("");
        format!(
            "{}：{} {}",
            e["file"].as_str().unwrap_or(""),
            lang.t(
                format!("错误 {} 处", e["errors"]),
                format!("{} errors", e["errors"])
            ),
            first
        )
    };
    let out = match args.format {
        ReportFormat::Html => {
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
            crate::write::html::page(&s, &head, &below_l, &miss_l, &excl_l)?
        }
        ReportFormat::Json => {
            let mut headline = serde_json::Map::new();
            for (k, _, _, v) in &h.items {
                headline.insert(k.to_string(), v.clone());
            }
            let mut t = serde_json::to_string_pretty(&json!({
                "scope": s["scope"], "period": s["period"], "headline": headline,
                "below_target": below, "missing": missing, "resubmit": resubmit, "excluded": excluded,
            }))?;
            t.push('\n');
            t
        }
        ReportFormat::Text | ReportFormat::Markdown => {
            let md = args.format == ReportFormat::Markdown;
            let mut o = String::new();
            let title = lang.t(
                format!("{scope}{period}城市基层党建统计摘要"),
                format!(
                    "{scope} {} party-building statistics",
                    s["period"].as_str().unwrap_or("")
                ),
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
            o
        }
    };
    match &args.output {
        Some(p) => crate::write::atomic_write(p, out.as_bytes())?,
        None => stdout(&out)?,
    }
    Ok(0)
}

/// Organisations that submitted and had nothing accepted: every file of
/// theirs left out (errors, a duplicate). They are not on the 催报 list
/// (they did submit) and not counted as reported.
fn resubmit_list(s: &Value) -> Vec<Value> {
    let mut by_org: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for i in s["inputs"].as_array().into_iter().flatten() {
        let Some(code) = i["org_code"].as_str() else {
            continue;
        };
        let e = by_org.entry(code.to_string()).or_default();
        if i["status"] == "accepted" {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    by_org
        .into_iter()
        .filter(|(_, (ok, left))| *ok == 0 && *left > 0)
        .map(|(code, (_, left))| {
            let name = s["excluded"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|e| e["org_code"] == code.as_str())
                .and_then(|e| e["name"].as_str())
                .unwrap_or("")
                .to_string();
            json!({"code": code, "name": name, "files": left})
        })
        .collect()
}

/// How many below-target lines a summary shows in full; past it, a few
/// per street and a line saying where the rest is (a province has
/// thousands, and a mail is read on a phone).
const BELOW_IN_FULL: usize = 30;
const BELOW_PER_STREET: usize = 3;

fn summarised(s: &Value, below: &[Value], lang: Lang) -> Vec<String> {
    if below.len() <= BELOW_IN_FULL {
        return below.iter().map(|b| below_text(b, lang)).collect();
    }
    let names: BTreeMap<String, String> = s["tables"]["t0"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some((
                r["code"].as_str()?.to_string(),
                r["name"].as_str()?.to_string(),
            ))
        })
        .collect();
    // A community's street from its code (forms.md: 9 digits + 000); a
    // unit's 18-character credit code says nothing of where it is.
    let group_of = |b: &Value| -> String {
        let code = b["code"].as_str().unwrap_or("");
        if code.len() == 12 {
            let street = format!("{}000", &code[..9]);
            names.get(&street).cloned().unwrap_or(street)
        } else {
            lang.t("驻区单位", "resident units")
        }
    };
    let mut groups: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for b in below {
        groups.entry(group_of(b)).or_default().push(b);
    }
    let mut out = Vec::new();
    for (g, items) in &groups {
        for b in items.iter().take(BELOW_PER_STREET) {
            out.push(below_text(b, lang));
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
