//! `pbstat report DIR --format html`: one self-contained page (no network,
//! no scripts, no external fonts) with the headline figures, the same
//! charts as the workbook drawn as inline SVG by plotters, the
//! organisations below target, the 催报 list and what was left out.
//! Prints on A4 and reads on a phone.

use crate::schema::tables::{Kind, CHILDREN};
use crate::schema::SchemaSet;
use crate::summary::Summary;
use anyhow::Result;
use plotters::prelude::*;
use serde_json::Value;

const BLUE: RGBColor = RGBColor(0x44, 0x72, 0xC4);
const RED: RGBColor = RGBColor(0xC0, 0x50, 0x4D);
const GREY: RGBColor = RGBColor(0x59, 0x59, 0x59);

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn pct(v: &Value) -> String {
    f(v).map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// A grouped column chart: one group per label, one bar per series; an
/// optional horizontal line per label (a target).
fn columns(
    title: &str,
    labels: &[String],
    series: &[(&str, Vec<Option<f64>>, RGBColor)],
    target: Option<(&str, Vec<f64>)>,
    percent: bool,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 340)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        let max = series
            .iter()
            .flat_map(|(_, v, _)| v.iter().flatten().copied())
            .chain(target.iter().flat_map(|(_, t)| t.iter().copied()))
            .fold(0.0f64, f64::max);
        let top = if percent { 1.0 } else { (max * 1.15).max(1.0) };
        let n = labels.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18).into_font().color(&BLACK))
            .margin(12)
            .x_label_area_size(if labels.len() > 8 { 96 } else { 44 })
            .y_label_area_size(52)
            .build_cartesian_2d(0f64..n as f64, 0f64..top)
            .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        let labels_owned = labels.to_vec();
        // Past a few bars the names stand upright, so that none overlaps.
        let upright = n > 8;
        chart
            .configure_mesh()
            .x_label_style(if upright {
                ("sans-serif", 12)
                    .into_font()
                    .color(&GREY)
                    .transform(FontTransform::Rotate90)
            } else {
                ("sans-serif", 14).into_font().color(&GREY)
            })
            .disable_x_mesh()
            .x_labels(2 * n + 1)
            .x_label_formatter(&move |x| x_label(&labels_owned, *x))
            .y_label_formatter(&|y| y_label(percent, *y))
            .label_style(("sans-serif", 14).into_font().color(&GREY))
            .draw()
            .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        let k = series.len().max(1) as f64;
        let width = 0.7 / k;
        for (s, (name, values, color)) in series.iter().enumerate() {
            let bars = values.iter().enumerate().filter_map(|(i, v)| {
                v.map(|v| {
                    let x0 = i as f64 + 0.15 + s as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width * 0.92, v)], color.filled())
                })
            });
            chart
                .draw_series(bars)
                .map_err(|e| anyhow::anyhow!("chart: {e}"))?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        if let Some((name, t)) = &target {
            let pts: Vec<(f64, f64)> = t
                .iter()
                .enumerate()
                .flat_map(|(i, v)| [(i as f64 + 0.1, *v), (i as f64 + 0.9, *v)])
                .collect();
            chart
                .draw_series(LineSeries::new(pts, RED.stroke_width(2)))
                .map_err(|e| anyhow::anyhow!("chart: {e}"))?
                .label(*name)
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], RED.stroke_width(2)));
        }
        root.present().map_err(|e| anyhow::anyhow!("chart: {e}"))?;
    }
    // The legend below the plot, as page text: it never covers a bar.
    let hex = |c: &RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
    let mut legend: Vec<String> = series
        .iter()
        .map(|(name, _, c)| {
            format!(
                "<span><i style=\"background:{}\"></i>{}</span>",
                hex(c),
                esc(name)
            )
        })
        .collect();
    if let Some((name, _)) = target {
        legend.push(format!(
            "<span><i class=\"line\" style=\"background:{}\"></i>{}</span>",
            hex(&RED),
            esc(name)
        ));
    }
    Ok(format!(
        "<figure class=\"chart\">{svg}<figcaption class=\"legend\">{}</figcaption></figure>",
        legend.join("")
    ))
}

/// A line over periods (a rate): a point per period with a value, broken
/// where one has none — a gap is never drawn across.
fn line(title: &str, labels: &[String], values: &[Option<f64>], percent: bool) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 300)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        let max = values.iter().flatten().copied().fold(0.0f64, f64::max);
        let top = if percent { 1.0 } else { (max * 1.15).max(1.0) };
        let n = labels.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18).into_font().color(&BLACK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(52)
            .build_cartesian_2d(0f64..n as f64, 0f64..top)
            .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        let labels_owned = labels.to_vec();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(2 * n + 1)
            .x_label_formatter(&move |x| x_label(&labels_owned, *x))
            .y_label_formatter(&|y| y_label(percent, *y))
            .label_style(("sans-serif", 14).into_font().color(&GREY))
            .draw()
            .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => run.push((i as f64 + 0.5, *v)),
                None => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for r in runs.into_iter().filter(|r| !r.is_empty()) {
            chart
                .draw_series(LineSeries::new(r.clone(), BLUE.stroke_width(2)))
                .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
            chart
                .draw_series(r.into_iter().map(|p| Circle::new(p, 4, BLUE.filled())))
                .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        }
        root.present().map_err(|e| anyhow::anyhow!("chart: {e}"))?;
    }
    Ok(format!("<figure class=\"chart\">{svg}</figure>"))
}

/// The 趋势 section: a chart of the root's series per indicator (a line
/// for a rate, columns for a count), gaps left as gaps.
fn trend_section(h: &crate::summary::History, schemas: &SchemaSet) -> Result<String> {
    use crate::write::history::{blocks, footnotes, span};
    let defs: Vec<&crate::schema::tables::TableDef> = schemas.tables.defs().iter().collect();
    let mut charts = Vec::new();
    for b in blocks(h, &defs) {
        let Some((_, root)) = b.orgs.first() else {
            continue;
        };
        let title = format!("{}（{}）", b.header, h.scope.name);
        charts.push(if b.rate {
            line(&title, &h.periods, root, true)?
        } else {
            columns(
                &title,
                &h.periods,
                &[(b.header.as_str(), root.clone(), BLUE)],
                None,
                false,
            )?
        });
    }
    let notes: String = footnotes(h, crate::lang::Lang::Zh)
        .iter()
        .map(|n| format!("<p class=\"none\">{}</p>", esc(n)))
        .collect();
    Ok(format!(
        "<section><h2>{}</h2><div class=\"charts\">{}</div>{notes}</section>",
        esc(&format!("趋势（{}）", span(h))),
        charts.join("\n")
    ))
}

/// More bars than a chart can label legibly: past this, a chart shows the
/// lowest ones (those to follow up) and says how many there are in all.
pub const MAX_BARS: usize = 20;

/// The indices of the `MAX_BARS` lowest values (no value counts as lowest),
/// in their original order; all of them when there are few enough.
fn lowest(values: &[Option<f64>]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    if idx.len() > MAX_BARS {
        idx.sort_by(|&a, &b| {
            let (x, y) = (values[a].unwrap_or(f64::MIN), values[b].unwrap_or(f64::MIN));
            x.total_cmp(&y).then(a.cmp(&b))
        });
        idx.truncate(MAX_BARS);
        idx.sort();
    }
    idx
}

/// A table's rows as JSON values, so that an absent column reads as null.
fn rows(s: &Summary, table: &str) -> Vec<Value> {
    s.rows(table).iter().cloned().map(Value::Object).collect()
}

pub fn page(
    s: &Summary,
    schemas: &SchemaSet,
    headline: &[(String, String)],
    below: &[String],
    missing: &[String],
    excluded: &[String],
) -> Result<String> {
    let tables = &schemas.tables;
    let scope = s.head.scope.name.as_str();
    let root = s.head.scope.code.clone();
    let period = s.head.period_name.as_str();
    let mut charts = Vec::new();
    let run_period = crate::period::Period::parse(&s.head.period);
    for d in &schemas.tables.charts {
        let Some(def) = tables.def(&d.table) else {
            continue;
        };
        let all = rows(s, &d.table);
        let root_row = all.first().cloned().unwrap_or(Value::Null);
        let picked: Vec<&Value> = if d.rows == CHILDREN {
            fn text<'v>(r: &'v Value, k: &str) -> &'v str {
                r[k].as_str().unwrap_or("")
            }
            super::charts::children_of(
                all.iter()
                    .map(|r| [text(r, "code"), text(r, "level"), text(r, "parent_code")]),
                &root,
            )
            .into_iter()
            .map(|i| &all[i])
            .collect()
        } else {
            all.iter()
                .filter(|r| r["level"] == d.rows.as_str())
                .collect()
        };
        if picked.is_empty() {
            continue;
        }
        let by = if d.rows == CHILDREN {
            match picked.first().and_then(|r| r["level"].as_str()) {
                Some(l) if !crate::aggregate::tree::level_zh(l).is_empty() => {
                    crate::aggregate::tree::level_zh(l)
                }
                _ => "街道",
            }
        } else {
            crate::aggregate::tree::level_zh(&d.rows)
        };
        let percent = tables.chart_is_rate(d);
        let header = |k: &str| {
            def.cols
                .iter()
                .find(|c| c.key == k)
                .map_or(k.to_string(), |c| c.header.clone())
        };
        let get = |k: &str| picked.iter().map(|r| f(&r[k])).collect::<Vec<_>>();
        let idx = lowest(&get(&d.columns[0]));
        let note = if idx.len() < picked.len() {
            if percent {
                format!(
                    "；共 {} 个{by}，显示{}最低的 {} 个",
                    picked.len(),
                    header(&d.columns[0]),
                    idx.len()
                )
            } else {
                format!("；共 {} 个{by}，显示最少的 {} 个", picked.len(), idx.len())
            }
        } else {
            String::new()
        };
        let line = d
            .line
            .as_deref()
            .and_then(|l| Some((l, schemas.requirements.param(l, run_period.as_ref()?)?)));
        let mut title = d.title.replace("{by}", by).replace("{scope}", scope);
        for c in &def.cols {
            let v = &root_row[c.key.as_str()];
            let shown = if c.kind == Kind::Rate {
                pct(v)
            } else {
                f(v).map(crate::text::number_text)
                    .unwrap_or_else(|| "—".into())
            };
            title = title.replace(&format!("{{{}}}", c.key), &shown);
        }
        if let Some((l, v)) = line {
            title = title.replace(&format!("{{{l}}}"), &crate::text::number_text(v));
        }
        // The note says how many bars of how many, inside the closing bracket.
        let title = match title.strip_suffix('）') {
            Some(t) => format!("{t}{note}）"),
            None => format!("{title}{note}"),
        };
        let names: Vec<String> = idx
            .iter()
            .map(|&i| picked[i]["name"].as_str().unwrap_or("").to_string())
            .collect();
        let colours = [BLUE, RED, GREY];
        let heads: Vec<String> = d.columns.iter().map(|k| header(k)).collect();
        let series: Vec<(&str, Vec<Option<f64>>, RGBColor)> = d
            .columns
            .iter()
            .enumerate()
            .map(|(j, k)| {
                let v = get(k);
                (
                    heads[j].as_str(),
                    idx.iter().map(|&i| v[i]).collect(),
                    colours[j % colours.len()],
                )
            })
            .collect();
        charts.push(columns(
            &title,
            &names,
            &series,
            line.map(|(_, v)| ("考核要求", vec![v; idx.len()])),
            percent,
        )?);
    }
    // The columns declared with a `requirement` (tables.toml), of the
    // first table that has any.
    let meeting = tables.defs().iter().find_map(|t| {
        let types: Vec<(&str, &str)> = t
            .cols
            .iter()
            .filter_map(|c| Some((c.requirement.as_deref()?, c.key.as_str())))
            .collect();
        (!types.is_empty()).then_some((t.id.as_str(), types))
    });
    if let Some((t2r, types)) =
        meeting.and_then(|(id, types)| Some((rows(s, id).first()?.clone(), types)))
    {
        let names: Vec<String> = types.iter().map(|(zh, _)| zh.to_string()).collect();
        let held: Vec<Option<f64>> = types.iter().map(|(_, k)| f(&t2r[*k])).collect();
        let req: Vec<Option<f64>> = types
            .iter()
            .map(|(zh, _)| {
                Some(f64::from(
                    s.head.meeting_required.get(*zh).copied().unwrap_or(0),
                ))
            })
            .collect();
        charts.push(columns(
            "会议开展次数与考核要求（按类型）",
            &names,
            &[("已开展", held, BLUE), ("考核要求", req, GREY)],
            None,
            false,
        )?);
    }
    let list = |title: &str, items: &[String], none: &str| {
        let body = if items.is_empty() {
            format!("<p class=\"none\">{}</p>", esc(none))
        } else {
            format!(
                "<ul>{}</ul>",
                items
                    .iter()
                    .map(|i| format!("<li>{}</li>", esc(i)))
                    .collect::<String>()
            )
        };
        format!("<section><h2>{}</h2>{body}</section>", esc(title))
    };
    let cards: String = headline
        .iter()
        .map(|(k, v)| {
            format!(
                "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
                esc(v),
                esc(k)
            )
        })
        .collect();
    Ok(format!(
        r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 0; color: #222; background: #f6f7f9; }}
header {{ background: #9b1c1c; color: #fff; padding: 16px 20px; }}
header h1 {{ font-size: 1.4rem; margin: 0 0 4px; }}
header p {{ margin: 0; opacity: .9; font-size: .9rem; }}
main {{ max-width: 1100px; margin: 0 auto; padding: 12px; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 12px 0; }}
.card {{ background: #fff; border-radius: 6px; padding: 10px 12px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }}
.card .v {{ font-size: 1.4rem; font-weight: 700; color: #9b1c1c; }}
.card .k {{ font-size: .85rem; color: #555; }}
.charts {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); gap: 12px; }}
figure.chart {{ margin: 0; background: #fff; border-radius: 6px; padding: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }}
figure.chart svg {{ width: 100%; height: auto; display: block; }}
figcaption.legend {{ font-size: 13px; color: #595959; text-align: center; padding: 2px 0 4px; }}
figcaption.legend span {{ margin: 0 8px; white-space: nowrap; }}
figcaption.legend i {{ display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }}
figcaption.legend i.line {{ height: 2px; width: 14px; vertical-align: 3px; }}
section {{ background: #fff; border-radius: 6px; padding: 8px 16px; margin: 12px 0; box-shadow: 0 1px 2px rgba(0,0,0,.08); }}
h2 {{ font-size: 1.1rem; border-left: 4px solid #9b1c1c; padding-left: 8px; }}
li {{ margin: 4px 0; }}
.none {{ color: #777; }}
footer {{ color: #888; font-size: .8rem; text-align: center; padding: 12px; }}
@media print {{
  @page {{ size: A4; margin: 12mm; }}
  body {{ background: #fff; }}
  header {{ background: #fff; color: #000; border-bottom: 2px solid #9b1c1c; }}
  .card, figure.chart, section {{ box-shadow: none; border: 1px solid #ccc; break-inside: avoid; }}
  .charts {{ grid-template-columns: 1fr 1fr; }}
}}
</style>
</head>
<body>
<header><h1>{title}</h1><p>报告期：{period}　汇总范围：{scope}（{code}）</p></header>
<main>
<div class="cards">{cards}</div>
<div class="charts">{charts}</div>
{trend}
{below}
{missing}
{excluded}
</main>
<footer>由 pbstat {version} 生成</footer>
</body>
</html>
"#,
        title = esc(&format!("{scope}{period}城市基层党建统计摘要")),
        period = esc(period),
        scope = esc(scope),
        code = esc(&root),
        cards = cards,
        charts = charts.join("\n"),
        trend = match &s.head.history {
            Some(h) => trend_section(h, schemas)?,
            None => String::new(),
        },
        below = list(
            &format!("未达到考核要求（{} 项）", below.len()),
            below,
            "无"
        ),
        missing = list(
            &format!("催报名单：未报送（{} 个）", missing.len()),
            missing,
            "无，全部已报送"
        ),
        excluded = list(
            &format!("未纳入汇总（{} 份）", excluded.len()),
            excluded,
            "无"
        ),
        version = env!("CARGO_PKG_VERSION"),
    ))
}

/// A category axis's tick label: the category's name at the middle of its
/// slot, nothing at the slot's edges.
fn x_label(labels: &[String], x: f64) -> String {
    let i = x.floor() as usize;
    if (x - x.floor() - 0.5).abs() < 0.26 {
        labels.get(i).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

fn y_label(percent: bool, y: f64) -> String {
    if percent {
        format!("{:.0}%", y * 100.0)
    } else {
        format!("{y:.0}")
    }
}
