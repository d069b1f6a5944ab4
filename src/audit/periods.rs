//! The inputs of a period roll-up (reports.md §5.1, rules.md "Across
//! periods"): outputs of one scope, carrying the detail a roll-up needs,
//! that tile `--period` — every month once.

use std::collections::BTreeMap;

use crate::diag::{Code, Diagnostic, Severity};
use crate::lang::Lang;
use crate::period::Period;

/// What the checks need of one input output folder.
pub struct Input<'a> {
    pub shown: &'a str,
    pub period: Option<Period>,
    pub scope: (&'a str, &'a str),
    /// It keeps state/own_counts.parquet and was built from submissions or
    /// sub-periods.
    pub detail: bool,
}

/// The months missing, as a person names them: a whole missing quarter as
/// the quarter.
pub fn gap_names(missing: &[Period]) -> Vec<Period> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < missing.len() {
        let m = missing[i];
        let q = Period::quarter(m.year, (m.n - 1) / 3 + 1).expect("a quarter");
        let whole = q.months();
        if m.n % 3 == 1 && missing[i..].starts_with(&whole) {
            out.push(q);
            i += 3;
        } else {
            out.push(m);
            i += 1;
        }
    }
    out
}

/// The period.* diagnostics, and the months no input covers.
pub fn check(
    inputs: &[Input],
    submissions: &[String],
    period: &Period,
    allow_gaps: bool,
    lang: Lang,
) -> (Vec<Diagnostic>, Vec<Period>) {
    let mut out = Vec::new();
    for s in submissions {
        out.push(Diagnostic::new(
            Code::PeriodMixedInputs,
            s,
            lang.t(
                format!("{s} 不是汇总输出文件夹：跨期汇总的输入只能是各期 pbstat aggregate 的输出文件夹，不能混入报表文件；请先汇总本期报表"),
                format!("{s} is not an aggregate output: a period roll-up reads only the folders pbstat aggregate wrote; aggregate the submissions first"),
            ),
        ));
    }
    for i in inputs.iter().filter(|i| !i.detail) {
        out.push(Diagnostic::new(
            Code::PeriodNoDetail,
            i.shown,
            lang.t(
                format!("{} 缺少 state/own_counts.parquet（早期版本的输出，或由县级汇总表汇总而来），无法用于跨期汇总；请用本版本 pbstat 重新汇总该期报表", i.shown),
                format!("{} has no state/own_counts.parquet (an earlier pbstat, or built from county summaries): aggregate that period's submissions again with this pbstat", i.shown),
            ),
        ));
    }
    // Scopes: each with one of its inputs.
    let mut scopes: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for i in inputs {
        scopes.entry(i.scope.0).or_insert((i.scope.1, i.shown));
    }
    if scopes.len() > 1 {
        let all: Vec<String> = scopes
            .iter()
            .map(|(c, (n, s))| format!("{n}（{c}，如 {s}）"))
            .collect();
        for (c, (n, s)) in &scopes {
            out.push(Diagnostic::new(
                Code::PeriodScopeMismatch,
                s,
                lang.t(
                    format!("{s} 是 {n}（{c}）的汇总结果；跨期汇总的输入须是同一汇总范围的输出，而输入中有：{}", all.join("、")),
                    format!("{s} is an output of {n} ({c}); a roll-up's inputs must share one scope, and these have {}", all.join(", ")),
                ),
            ));
        }
    }
    // Months: who covers each.
    let mut cover: BTreeMap<Period, Vec<&str>> = period
        .months()
        .into_iter()
        .map(|m| (m, Vec::new()))
        .collect();
    for i in inputs {
        let Some(p) = i.period.filter(|p| period.covers(p)) else {
            let what = i.period.map_or_else(
                || lang.t("未知报告期", "an unknown period").to_string(),
                |p| p.display_zh(),
            );
            out.push(Diagnostic::new(
                Code::PeriodOutside,
                i.shown,
                lang.t(
                    format!(
                        "{} 是 {what} 的汇总结果，不在 --period {} 之内",
                        i.shown,
                        period.display_zh()
                    ),
                    format!(
                        "{} is an output for {what}, outside --period {period}",
                        i.shown
                    ),
                ),
            ));
            continue;
        };
        for m in p.months() {
            cover.entry(m).or_default().push(i.shown);
        }
    }
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for who in cover.values().filter(|w| w.len() > 1) {
        for (k, a) in who.iter().enumerate() {
            for b in &who[k + 1..] {
                if !pairs.contains(&(a, b)) {
                    pairs.push((a, b));
                }
            }
        }
    }
    let period_of = |s: &str| {
        inputs
            .iter()
            .find(|i| i.shown == s)
            .and_then(|i| i.period)
            .map(|p| p.display_zh())
            .unwrap_or_default()
    };
    for (a, b) in pairs {
        out.push(Diagnostic::new(
            Code::PeriodOverlap,
            b,
            lang.t(
                format!("{a}（{}）和 {b}（{}）覆盖了相同的月份；pbstat 不在两者之间选择，请只保留其一", period_of(a), period_of(b)),
                format!("{a} ({}) and {b} ({}) cover the same months; pbstat never chooses between them: keep one", period_of(a), period_of(b)),
            ),
        ));
    }
    let missing: Vec<Period> = cover
        .iter()
        .filter(|(_, w)| w.is_empty())
        .map(|(m, _)| *m)
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = gap_names(&missing).iter().map(|p| p.display_zh()).collect();
        let names_en: Vec<String> = gap_names(&missing).iter().map(|p| p.to_string()).collect();
        let d = Diagnostic::new(
            Code::PeriodMissing,
            &format!("--period {period}"),
            if allow_gaps {
                lang.t(
                    format!("{} 缺 {} 的汇总结果；按 --allow-gaps 用现有各期汇总，报告期注明所缺月份", period.display_zh(), names.join("、")),
                    format!("{period} lacks {}: rolled up from the periods present (--allow-gaps), and the report says so", names_en.join(", ")),
                )
            } else {
                lang.t(
                    format!("{} 缺 {} 的汇总结果；请补上该期的输出，或加 --allow-gaps 用现有各期汇总并注明缺期", period.display_zh(), names.join("、")),
                    format!("{period} lacks {}: add that period's output, or use --allow-gaps to roll up what is there and say so", names_en.join(", ")),
                )
            },
        )
        .value(names_en.join(";"));
        out.push(if allow_gaps {
            d.severity(Severity::Note)
        } else {
            d
        });
    }
    (out, missing)
}
