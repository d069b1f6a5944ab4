//! trend.abnormal_change: this period's counts against an earlier output
//! (`--previous`).

use std::collections::BTreeMap;

use super::targets::sheet_of;
use crate::diag::{Code, Diagnostic};
use crate::facts::Extract;
use crate::lang::Lang;
use crate::schema::SchemaSet;
use crate::summary::Summary;

/// This period's figures by (organisation code, column key): each
/// organisation's row of the report tables, as the aggregation computed it.
#[derive(Debug, Default)]
pub struct Figures(pub BTreeMap<(String, String), f64>);

impl Figures {
    fn get(&self, org: &str, key: &str) -> Option<f64> {
        self.0.get(&(org.to_string(), key.to_string())).copied()
    }
}

/// The columns compared (`trend = true` in tables.toml): (table, column,
/// header, the ledger its count comes from), for whoever builds the
/// [`Figures`] too.
pub fn compared(schemas: &SchemaSet) -> Vec<(&str, &str, &str, &str)> {
    schemas
        .tables
        .columns()
        .filter(|(_, c)| c.trend)
        .map(|(t, c)| {
            let ledger = c
                .measure
                .as_deref()
                .and_then(|m| schemas.measures.measure(m))
                .map_or("", |m| m.ledger.as_str());
            (t.id.as_str(), c.key.as_str(), c.header.as_str(), ledger)
        })
        .collect()
}

/// trend.abnormal_change: an organisation's own counts against the earlier output.
pub fn diagnose(
    extracts: &mut [Extract],
    schemas: &SchemaSet,
    now: &Figures,
    prev: &Summary,
    lang: Lang,
) {
    let share = schemas.requirements.abnormal_change;
    let compared = compared(schemas);
    for e in extracts.iter_mut() {
        let Some(org) = e.org.clone() else { continue };
        for (tid, key, header, schema) in &compared {
            let Some(cur) = now.get(&org, key) else {
                continue;
            };
            let before = prev.row_of(tid, &org).and_then(|r| r.get(*key)?.as_f64());
            let Some(before) = before.filter(|b| *b > 0.0) else {
                continue;
            };
            let change = (cur - before) / before;
            if change.abs() > share {
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
