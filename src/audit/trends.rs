//! trend.abnormal_change: this period's counts against an earlier output
//! (`--previous`).

use serde_json::Value;
use std::collections::BTreeMap;

use super::targets::sheet_of;
use crate::aggregate::facts::Extract;
use crate::aggregate::Aggregation;
use crate::diag::{Code, Diagnostic};
use crate::lang::Lang;

/// Counts compared against `--previous` (reports.md column keys).
const TREND: &[(&str, &str, &str)] = &[
    ("t1", "registered_members", "roster"),
    ("t1", "service_count", "roster"),
    ("t1", "service_hours", "roster"),
    ("t2", "meetings", "meetings"),
    ("t2", "attendance", "meetings"),
    ("t3", "received", "issues"),
    ("t3", "resolved", "issues"),
];

/// trend.abnormal_change: an organisation's own counts against the earlier output.
pub fn diagnose(extracts: &mut [Extract], agg: &Aggregation, prev: &Value, share: f64, lang: Lang) {
    let mut now: BTreeMap<(String, &str), f64> = BTreeMap::new();
    for t in &agg.tables {
        for row in crate::write::tables::rows(t) {
            let code = row
                .iter()
                .find(|(k, _, _)| *k == "code")
                .and_then(|(_, _, v)| match v {
                    crate::write::tables::Val::Str(s) => Some(s.clone()),
                    _ => None,
                });
            let Some(code) = code else { continue };
            for (tid, key, _) in TREND {
                if t.def.id != *tid {
                    continue;
                }
                if let Some((_, _, v)) = row.iter().find(|(k, _, _)| k == key) {
                    let x = match v {
                        crate::write::tables::Val::Int(i) => *i as f64,
                        crate::write::tables::Val::Num(x) => *x,
                        _ => continue,
                    };
                    now.insert((code.clone(), key), x);
                }
            }
        }
    }
    for e in extracts.iter_mut() {
        let Some(org) = e.org.clone() else { continue };
        for (tid, key, schema) in TREND {
            let Some(cur) = now.get(&(org.clone(), *key)).copied() else {
                continue;
            };
            let before = prev["tables"][*tid]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["code"] == org.as_str()))
                .and_then(|r| r[*key].as_f64());
            let Some(before) = before.filter(|b| *b > 0.0) else {
                continue;
            };
            let change = (cur - before) / before;
            if change.abs() > share {
                let header = crate::aggregate::columns::tables()
                    .into_iter()
                    .flat_map(|t| t.cols)
                    .find(|c| c.key == *key)
                    .map(|c| c.header)
                    .unwrap_or_else(|| key.to_string());
                let m = lang.t(
                    format!("{header}由上期 {} 变为 {}（{:+.1}%），超过 ±{:.0}% 的异常变动阈值，请核实或在说明表中说明", fmt(before), fmt(cur), change * 100.0, share * 100.0),
                    format!("{header} changed from {} to {} ({:+.1}%), more than ±{:.0}%: check it or explain it", fmt(before), fmt(cur), change * 100.0, share * 100.0),
                );
                let mut d = Diagnostic::new(Code::TrendAbnormalChange, &e.file, m)
                    .org(Some(&org))
                    .field(key)
                    .value(format!("{}→{}", fmt(before), fmt(cur)));
                if let Some((sh, idx)) = sheet_of(e, schema) {
                    d = d.sheet(sh, *idx);
                }
                e.diagnostics.push(d);
            }
        }
    }
}

fn fmt(x: f64) -> String {
    crate::read::cell::number_text((x * 100.0).round() / 100.0)
}
