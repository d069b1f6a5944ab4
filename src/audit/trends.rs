//! trend.abnormal_change: this period's counts against an earlier output
//! (`--previous`).

use std::collections::BTreeMap;

use super::targets::sheet_of;
use crate::diag::{Code, Diagnostic};
use crate::facts::Extract;
use crate::lang::Lang;
use crate::summary::Summary;

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

/// This period's figures by (organisation code, column key): each
/// organisation's row of the report tables, as the aggregation computed it.
#[derive(Debug, Default)]
pub struct Figures(pub BTreeMap<(String, String), f64>);

impl Figures {
    fn get(&self, org: &str, key: &str) -> Option<f64> {
        self.0.get(&(org.to_string(), key.to_string())).copied()
    }
}

/// The (table, column) pairs compared, for whoever builds the [`Figures`].
pub fn compared() -> impl Iterator<Item = (&'static str, &'static str)> {
    TREND.iter().map(|(t, k, _)| (*t, *k))
}

/// trend.abnormal_change: an organisation's own counts against the earlier output.
pub fn diagnose(extracts: &mut [Extract], now: &Figures, prev: &Summary, share: f64, lang: Lang) {
    for e in extracts.iter_mut() {
        let Some(org) = e.org.clone() else { continue };
        for (tid, key, schema) in TREND {
            let Some(cur) = now.get(&org, key) else {
                continue;
            };
            let before = prev.row_of(tid, &org).and_then(|r| r.get(*key)?.as_f64());
            let Some(before) = before.filter(|b| *b > 0.0) else {
                continue;
            };
            let change = (cur - before) / before;
            if change.abs() > share {
                let header = crate::schema::columns::tables()
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
    crate::text::number_text((x * 100.0).round() / 100.0)
}
