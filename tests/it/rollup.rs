//! Period roll-ups (跨期汇总, reports.md §5.1): a quarter from three monthly
//! outputs and a year from four quarters, checked column by column against
//! the spec's rule applied here, independently, to the sub-periods' own
//! tables: flows summed, stocks the last sub-period's, the requirement
//! counts judged again from the requirements file, every rate its parts.

use std::collections::{BTreeMap, BTreeSet};

use crate::aggregate::{read_csv, Row};
use crate::support::county::{community_book, generate, unit_book, County, Hand};
use crate::workdir::*;

/// The spec's behaviour of each column of T0–T4 and T3b (reports.md §5.1),
/// written out here rather than read from the schemas.
fn behaviour(table: &str, col: &str) -> Option<&'static str> {
    let flow: &[&str] = match table {
        "t0" => &["expected", "submitted", "accepted", "errors", "warnings"],
        "t1" => &["new_registrations", "service_count", "service_hours"],
        "t2" => &[
            "meetings",
            "joint",
            "theme_day",
            "branch_general",
            "branch_committee",
            "group",
            "lecture",
            "grid",
            "org_life",
            "other",
            "expected_attendance",
            "attendance",
            "resolved_at_meetings",
            "unit_activities",
        ],
        "t3" | "t3b" => &[
            "received",
            "resolved",
            "in_progress",
            "not_started",
            "rated",
            "satisfied_total",
            "resolved_at_meetings",
            "very_satisfied",
            "satisfied",
            "basically_satisfied",
            "dissatisfied",
            "very_dissatisfied",
        ],
        "t4" => &[
            "submission_rate_num",
            "submission_rate_den",
            "attendance_rate_num",
            "attendance_rate_den",
            "completion_rate_num",
            "completion_rate_den",
            "satisfaction_rate_num",
            "satisfaction_rate_den",
            "rating_rate_num",
            "rating_rate_den",
        ],
        _ => &[],
    };
    let stock: &[&str] = match table {
        "t1" => &[
            "communities",
            "registered_members",
            "employer_units",
            "members_with_posts",
            "unit_reported_members",
        ],
        "t2" => &["units"],
        "t4" => &[
            "project_completion_rate_num",
            "project_completion_rate_den",
            "registration_target_rate_den",
        ],
        _ => &[],
    };
    let judged: &[&str] = match table {
        "t1" => &["communities_on_target"],
        "t2" => &["requirements", "requirements_met", "units_active"],
        "t4" => &[
            "registration_target_rate_num",
            "meeting_compliance_rate_num",
            "meeting_compliance_rate_den",
            "unit_activity_rate_num",
            "unit_activity_rate_den",
        ],
        _ => &[],
    };
    if flow.contains(&col) {
        Some("flow")
    } else if stock.contains(&col) {
        Some("stock")
    } else if judged.contains(&col) {
        Some("judged")
    } else {
        None
    }
}

fn num(r: &Row, k: &str) -> f64 {
    r.get(k)
        .filter(|v| !v.is_empty())
        .map_or(0.0, |v| v.parse().unwrap_or_else(|_| panic!("{k}={v}")))
}

fn by_code(rows: &[Row]) -> BTreeMap<String, &Row> {
    rows.iter().map(|r| (r["code"].clone(), r)).collect()
}

/// Each month differs: community i keeps fewer rows in later months, and
/// the last community submits nothing in the last month.
fn month_county(c: &County, m: u8, k: usize) -> County {
    let mut x = c.in_month(m);
    for (i, cm) in x.communities.iter_mut().enumerate() {
        let cut = |n: usize| n.saturating_sub((i + k) % 3);
        cm.members.truncate(cut(cm.members.len()));
        cm.meetings.truncate(cut(cm.meetings.len()) + k % 2);
        cm.issues.truncate(cut(cm.issues.len()));
    }
    x
}

fn write_month(w: &Workdir, c: &County, dir: &str, skip_last: bool) {
    let n = c.communities.len();
    for (i, cm) in c.communities.iter().enumerate() {
        if skip_last && i == n - 1 {
            continue;
        }
        w.book(
            &format!("{dir}/{}.xlsx", cm.code),
            &community_book(c, cm, &Hand::plain()),
        );
    }
    for u in &c.units {
        w.book(
            &format!("{dir}/{}.xlsx", u.code),
            &unit_book(c, u, &Hand::plain()),
        );
    }
}

/// The requirements file's numbers, read here from the file itself.
struct Reqs {
    registration: f64,
    unit_activity: f64,
    meetings: Vec<(String, String, f64)>,
}

fn reqs(kind: &str) -> Reqs {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/requirements.toml"),
    )
    .unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    let get = |k: &str| v[k][kind].as_integer().unwrap() as f64;
    Reqs {
        registration: get("registration_minimum"),
        unit_activity: get("unit_activity_minimum"),
        meetings: v["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["level"].as_str().unwrap().to_string(),
                    m["type"].as_str().unwrap().to_string(),
                    m[kind].as_integer().unwrap() as f64,
                )
            })
            .filter(|m| m.2 > 0.0)
            .collect(),
    }
}

/// The T2 column of each meeting type.
const TYPE_COLUMN: &[(&str, &str)] = &[
    ("联席会议", "joint"),
    ("主题党日", "theme_day"),
    ("支部党员大会", "branch_general"),
    ("支委会", "branch_committee"),
    ("党小组会", "group"),
    ("党课", "lecture"),
    ("网格例会", "grid"),
    ("组织生活会", "org_life"),
    ("其他", "other"),
];

/// Check a roll-up against its sub-periods, table by table.
/// `unit_acts`: each unit's 共建活动 over the sub-periods, from the model
/// (no table has a row per unit with them).
fn check_rollup(
    w: &Workdir,
    subs: &[&str],
    out: &str,
    kind: &str,
    unit_acts: &BTreeMap<String, f64>,
) {
    let tables = [
        ("t0", "t0_submissions"),
        ("t1", "t1_registrations"),
        ("t2", "t2_meetings"),
        ("t3", "t3_issues"),
        ("t4", "t4_rates"),
    ];
    let r = reqs(kind);
    // Who is accepted at the end, and their own figures there.
    let last = subs.last().unwrap();
    let t0_last = read_csv(&w.path(&format!("{last}/tables/t0_submissions.csv")));
    let accepted_end: BTreeSet<String> = t0_last
        .iter()
        .filter(|r| {
            matches!(r["level"].as_str(), "community" | "unit" | "street")
                && num(r, "accepted") > 0.0
        })
        .filter(|r| {
            // Its own return, not a child's: a leaf or a street with its own.
            r["files"].split(';').any(|f| !f.is_empty())
        })
        .map(|r| r["code"].clone())
        .collect();
    let sub_rows = |file: &str| -> Vec<Vec<Row>> {
        subs.iter()
            .map(|s| read_csv(&w.path(&format!("{s}/tables/{file}.csv"))))
            .collect()
    };
    // Judged again, from the sub-periods' community and unit rows.
    let t1s = sub_rows("t1_registrations");
    let t2s = sub_rows("t2_meetings");
    let t1_last = by_code(t1s.last().unwrap());
    let parent: BTreeMap<String, String> =
        read_csv(&w.path(&format!("{out}/tables/t0_submissions.csv")))
            .iter()
            .map(|r| (r["code"].clone(), r["parent_code"].clone()))
            .collect();
    let ancestors = |code: &str| {
        let mut out = vec![code.to_string()];
        let mut c = code.to_string();
        while let Some(p) = parent.get(&c).filter(|p| !p.is_empty()) {
            out.push(p.clone());
            c = p.clone();
        }
        out
    };
    let mut judged: BTreeMap<(String, &str), f64> = BTreeMap::new();
    let mut add = |code: &str, col: &'static str, v: f64| {
        for a in ancestors(code) {
            *judged.entry((a, col)).or_default() += v;
        }
    };
    let sum_over = |rows: &[Vec<Row>], code: &str, col: &str| -> f64 {
        rows.iter()
            .map(|t| {
                t.iter()
                    .find(|r| r["code"] == code)
                    .map_or(0.0, |r| num(r, col))
            })
            .sum()
    };
    for code in &accepted_end {
        let level = t1_last
            .get(code)
            .map(|r| r["level"].clone())
            .or_else(|| {
                t2s.last()
                    .unwrap()
                    .iter()
                    .find(|r| &r["code"] == code)
                    .map(|r| r["level"].clone())
            })
            .unwrap_or_else(|| "unit".into());
        if level == "community" {
            let on = num(t1_last[code], "registered_members") >= r.registration;
            add(code, "communities_on_target", on as u8 as f64);
            add(code, "registration_target_rate_num", on as u8 as f64);
        }
        if level == "unit" {
            let acts = unit_acts.get(code).copied().unwrap_or(0.0);
            let active = acts >= r.unit_activity;
            add(code, "units_active", active as u8 as f64);
            add(code, "unit_activity_rate_num", active as u8 as f64);
            add(code, "unit_activity_rate_den", 1.0);
            continue;
        }
        for (lvl, t, min) in &r.meetings {
            if *lvl != level {
                continue;
            }
            let col = TYPE_COLUMN.iter().find(|(x, _)| x == t).unwrap().1;
            let have: f64 = sum_over(&t2s, code, col)
                // A street's own meetings: its row less its communities'.
                - if level == "street" {
                    t2s.iter()
                        .map(|t| {
                            t.iter()
                                .filter(|r| r["parent_code"] == *code && r["level"] == "community")
                                .map(|r| num(r, col))
                                .sum::<f64>()
                        })
                        .sum()
                } else {
                    0.0
                };
            add(code, "requirements", 1.0);
            add(code, "meeting_compliance_rate_den", 1.0);
            let met = (have >= *min) as u8 as f64;
            add(code, "requirements_met", met);
            add(code, "meeting_compliance_rate_num", met);
        }
    }
    let mut checked = 0;
    for (id, file) in tables {
        let got = read_csv(&w.path(&format!("{out}/tables/{file}.csv")));
        let subs_t = sub_rows(file);
        let maps: Vec<BTreeMap<String, &Row>> = subs_t.iter().map(|t| by_code(t)).collect();
        assert!(!got.is_empty());
        for row in &got {
            let code = &row["code"];
            for (col, v) in row {
                let Some(b) = behaviour(id, col) else {
                    continue;
                };
                let want = match b {
                    "flow" => maps
                        .iter()
                        .map(|m| m.get(code).map_or(0.0, |r| num(r, col)))
                        .sum(),
                    "stock" => maps.last().unwrap().get(code).map_or(0.0, |r| num(r, col)),
                    _ => judged
                        .get(&(code.clone(), col.as_str()))
                        .copied()
                        .unwrap_or(0.0),
                };
                let have = if v.is_empty() {
                    0.0
                } else {
                    v.parse::<f64>().unwrap()
                };
                assert!(
                    (have - want).abs() < 1e-6,
                    "{out} {id} {code} {col} ({b}): {have} ≠ {want}"
                );
                checked += 1;
            }
            // Every rate is its own parts.
            for (col, v) in row.iter().filter(|(k, _)| k.ends_with("_rate")) {
                let (n, d) = (
                    num(row, &format!("{col}_num")),
                    num(row, &format!("{col}_den")),
                );
                if d == 0.0 {
                    assert!(
                        v.is_empty(),
                        "{id} {code} {col}: {v} over a zero denominator"
                    );
                } else {
                    assert!(
                        (v.parse::<f64>().unwrap() - n / d).abs() < 1e-6,
                        "{id} {code} {col}"
                    );
                }
            }
        }
    }
    // T3b: flows per category.
    let got = read_csv(&w.path(&format!("{out}/tables/t3b_issue_categories.csv")));
    let subs_t = sub_rows("t3b_issue_categories");
    for row in &got {
        for col in ["received", "resolved", "rated", "satisfied_total"] {
            let want: f64 = subs_t
                .iter()
                .map(|t| {
                    t.iter()
                        .find(|r| r["code"] == row["code"] && r["category"] == row["category"])
                        .map_or(0.0, |r| num(r, col))
                })
                .sum();
            assert!(
                (num(row, col) - want).abs() < 1e-6,
                "t3b {} {} {col}",
                row["code"],
                row["category"]
            );
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked} figures checked");
}

#[test]
fn a_quarter_from_three_months_follows_each_columns_rule() {
    let w = Workdir::new();
    let c = generate(41, 2, 2, 3, 24);
    registry(&w, &c);
    let mut acts: BTreeMap<String, f64> = BTreeMap::new();
    for (k, m) in [7u8, 8, 9].into_iter().enumerate() {
        let x = month_county(&c, m, k);
        count_acts(&x, &mut acts);
        write_month(&w, &x, &format!("in{m}"), m == 9);
        let r = w.aggregate_month(m, &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(w.path(&format!("m{m}/state/own_counts.parquet")).exists());
    }
    let r = w.run(&[
        "aggregate",
        "m7",
        "m8",
        "m9",
        "--period",
        "2026Q3",
        "-o",
        "q3",
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("由7—9月月报汇总"), "{}", r.stdout);
    check_rollup(&w, &["m7", "m8", "m9"], "q3", "quarter", &acts);

    // summary.json says what it was built from.
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("q3/summary.json")).unwrap()).unwrap();
    assert_eq!(s["built_from"], "sub_periods");
    assert_eq!(s["rollup"]["from"].as_array().unwrap().len(), 3);
    assert_eq!(s["rollup"]["from"][0]["period"], "2026-07");
    assert_eq!(
        s["rollup"]["from"][0]["summary_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    assert_eq!(s["rollup"]["gaps"].as_array().unwrap().len(), 0);
    // T0 lists each month's files after its period.
    let t0 = read_csv(&w.path("q3/tables/t0_submissions.csv"));
    let first = &c.communities[0].code;
    let files = &t0.iter().find(|r| &r["code"] == first).unwrap()["files"];
    assert!(
        files.starts_with("2026-07:") && files.contains(";2026-09:"),
        "{files}"
    );
    // The community missing in September: stocks 0, and a warning.
    let gone = &c.communities.last().unwrap().code;
    let d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("q3/diagnostics.json")).unwrap())
            .unwrap();
    let d = d["diagnostics"].as_array().unwrap();
    let sm: Vec<&serde_json::Value> = d
        .iter()
        .filter(|x| x["code"] == "period.stock_missing")
        .collect();
    assert_eq!(sm.len(), 1, "{sm:?}");
    assert_eq!(sm[0]["org_code"], gone.as_str());
    // The months' diagnostics come along, each with its period.
    assert!(d
        .iter()
        .any(|x| x["code"] == "submission.missing" && x["period"] == "2026-09"));
    // The workbook: the headers of a roll-up and the 报告期 line.
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(w.path("q3/report.xlsx")).unwrap();
    let t0s = wb.worksheet_range("T0报送情况").unwrap();
    let texts: Vec<String> = t0s
        .rows()
        .take(4)
        .flatten()
        .filter_map(|c| match c {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(texts.iter().any(|t| t == "应报次数"), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.contains("报告期：2026年第三季度（由7—9月月报汇总）")),
        "{texts:?}"
    );
    // Against last quarter: stocks and trends at each organisation, no
    // roster comparison (left to the months); into the archive too.
    last_quarter_output(&w, &c, "p2");
    let r = w.run(&[
        "aggregate",
        "m7",
        "m8",
        "m9",
        "--period",
        "2026Q3",
        "--previous",
        "p2",
        "--archive",
        "arc",
        "-o",
        "q3p",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("q3p/diagnostics.json")).unwrap())
            .unwrap();
    let d = d["diagnostics"].as_array().unwrap();
    let dec: Vec<&serde_json::Value> = d
        .iter()
        .filter(|x| x["code"] == "trend.stock_decrease" && x.get("period").is_none())
        .collect();
    assert!(!dec.is_empty());
    for x in &dec {
        assert_eq!(x["file"], "", "no file: {x}");
        assert!(x["org_code"].as_str().is_some());
    }
    assert!(!d
        .iter()
        .any(|x| x["code"].as_str().unwrap().starts_with("roster.") && x.get("period").is_none()));
    let t1 = read_csv(&w.path("q3p/tables/t1_registrations.csv"));
    assert!(
        !t1[0]["registered_members_prev"].is_empty() && !t1[0]["new_registrations_prev"].is_empty()
    );
    assert!(w
        .path("arc/t1_registrations/period=2026Q3/scope=429901000000/part-0.parquet")
        .exists());
    // Same inputs, same outputs.
    let r = w.run(&[
        "aggregate",
        "m7",
        "m8",
        "m9",
        "--period",
        "2026Q3",
        "-o",
        "q3b",
    ]);
    assert_eq!(r.code, 0);
    for f in [
        "summary.json",
        "tables/t2_meetings.csv",
        "state/own_counts.parquet",
    ] {
        assert_eq!(
            std::fs::read(w.path(&format!("q3/{f}"))).unwrap(),
            std::fs::read(w.path(&format!("q3b/{f}"))).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn a_year_from_four_quarters_and_from_quarters_and_months() {
    let w = Workdir::new();
    let c = generate(42, 1, 3, 2, 20);
    registry(&w, &c);
    let mut acts: BTreeMap<String, f64> = BTreeMap::new();
    for q in 1..=4u8 {
        let mut x = c.in_quarter(q);
        count_acts(&x, &mut acts);
        for (i, cm) in x.communities.iter_mut().enumerate() {
            let cut = (i + q as usize) % 4;
            cm.members.truncate(cm.members.len().saturating_sub(cut));
            cm.meetings.truncate(cm.meetings.len().saturating_sub(cut));
        }
        write_month(&w, &x, &format!("in{q}"), false);
        let r = w.aggregate_period(
            &format!("in{q}"),
            &format!("2026Q{q}"),
            &format!("q{q}"),
            &[],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = w.run(&[
        "aggregate",
        "q1",
        "q2",
        "q3",
        "q4",
        "--period",
        "2026",
        "-o",
        "y",
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    check_rollup(&w, &["q1", "q2", "q3", "q4"], "y", "year", &acts);
    // A year of rolled-up quarters: Q4 from its months.
    let q4 = c.in_quarter(4);
    for m in [10u8, 11, 12] {
        let x = q4.in_month(m);
        write_month(&w, &x, &format!("in{m}"), false);
        let r = w.aggregate_month(m, &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = w.run(&[
        "aggregate",
        "m10",
        "m11",
        "m12",
        "--period",
        "2026Q4",
        "-o",
        "q4m",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run(&[
        "aggregate",
        "q1",
        "q2",
        "q3",
        "q4m",
        "--period",
        "2026",
        "-o",
        "y2",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    check_rollup(&w, &["q1", "q2", "q3", "q4m"], "y2", "year", &acts);
    // Quarters and months together.
    let r = w.run(&[
        "aggregate",
        "q1",
        "q2",
        "q3",
        "m10",
        "m11",
        "m12",
        "--period",
        "2026",
        "-o",
        "y3",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("由季报、月报汇总"), "{}", r.stdout);
    assert_eq!(
        std::fs::read_to_string(w.path("y2/tables/t2_meetings.csv")).unwrap(),
        std::fs::read_to_string(w.path("y3/tables/t2_meetings.csv")).unwrap(),
    );
}

#[test]
fn gaps_overlaps_and_strangers_are_period_errors() {
    let w = Workdir::new();
    let c = generate(43, 1, 2, 1, 12);
    registry(&w, &c);
    for m in [7u8, 8, 9] {
        write_month(&w, &c.in_month(m), &format!("in{m}"), false);
        let r = w.aggregate_month(m, &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let diags = |out: &str| -> Vec<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(w.path(&format!("{out}/diagnostics.json"))).unwrap(),
        )
        .unwrap();
        v["diagnostics"].as_array().unwrap().clone()
    };
    let only_diagnostics = |out: &str| {
        let names: Vec<String> = std::fs::read_dir(w.path(out))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let names: Vec<&String> = names.iter().filter(|n| !n.starts_with('.')).collect();
        assert_eq!(names, vec!["diagnostics.json"], "{out}");
    };
    // A month missing.
    let r = w.run(&["aggregate", "m7", "m9", "--period", "2026Q3", "-o", "gap"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("== --period 2026Q3"), "{}", r.stdout);
    only_diagnostics("gap");
    let d = diags("gap");
    let x = d
        .iter()
        .find(|x| x["code"] == "period.missing")
        .expect("period.missing");
    assert_eq!(x["severity"], "error");
    assert!(x["message"].as_str().unwrap().contains("2026年8月"), "{x}");
    // With --allow-gaps: a note, and the report says so.
    let r = w.run(&[
        "aggregate",
        "m7",
        "m9",
        "--period",
        "2026Q3",
        "--allow-gaps",
        "-o",
        "gap2",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("gap2/summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["rollup"]["gaps"], serde_json::json!(["2026-08"]));
    assert!(r.stdout.contains("缺2026年8月"), "{}", r.stdout);
    let n = diags("gap2");
    assert!(n
        .iter()
        .any(|x| x["code"] == "period.missing" && x["severity"] == "note"));
    // T0 counts the months present only.
    let t0 = read_csv(&w.path("gap2/tables/t0_submissions.csv"));
    let m7 = read_csv(&w.path("m7/tables/t0_submissions.csv"));
    assert_eq!(num(&t0[0], "expected"), 2.0 * num(&m7[0], "expected"));
    // A whole quarter missing from a year is named as the quarter.
    let r = w.run(&[
        "aggregate",
        "m7",
        "m8",
        "m9",
        "--period",
        "2026",
        "-o",
        "yr",
    ]);
    assert_eq!(r.code, 1);
    let x = diags("yr");
    let msg = x.iter().find(|x| x["code"] == "period.missing").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        ["2026年第一季度", "2026年第二季度", "2026年第四季度"]
            .iter()
            .all(|q| msg.contains(q)),
        "{msg}"
    );
    // An overlap: a month twice.
    copy_dir(&w.path("m8"), &w.path("m8b"));
    let r = w.run(&[
        "aggregate",
        "m7",
        "m8",
        "m8b",
        "m9",
        "--period",
        "2026Q3",
        "-o",
        "ov",
    ]);
    assert_eq!(r.code, 1);
    let x = diags("ov");
    let o = x
        .iter()
        .find(|x| x["code"] == "period.overlap")
        .expect("overlap");
    assert!(
        o["message"].as_str().unwrap().contains("m8")
            && o["message"].as_str().unwrap().contains("m8b")
    );
    // Outside the period.
    let r = w.run(&[
        "aggregate",
        "m7",
        "m8",
        "m9",
        "--period",
        "2026Q4",
        "-o",
        "out",
    ]);
    assert_eq!(r.code, 1);
    assert!(diags("out")
        .iter()
        .any(|x| x["code"] == "period.outside" && x["file"] == "m7"));
    // A submission among the outputs.
    let r = w.run(&[
        "aggregate",
        "m7",
        "m8",
        "in9",
        "--period",
        "2026Q3",
        "-o",
        "mix",
    ]);
    assert_eq!(r.code, 1);
    assert!(diags("mix")
        .iter()
        .any(|x| x["code"] == "period.mixed_inputs" && x["file"] == "in9"));
    // An output without the detail (an earlier pbstat).
    copy_dir(&w.path("m9"), &w.path("m9old"));
    std::fs::remove_file(w.path("m9old/state/own_counts.parquet")).unwrap();
    let r = w.run(&[
        "aggregate",
        "m7",
        "m8",
        "m9old",
        "--period",
        "2026Q3",
        "-o",
        "old",
    ]);
    assert_eq!(r.code, 1);
    assert!(diags("old")
        .iter()
        .any(|x| x["code"] == "period.no_detail" && x["file"] == "m9old"));
    // Another county's output.
    let other = crate::support::county::generate_in("429902", 44, 1, 2, 1, 12);
    w.book(
        "registry2.xlsx",
        &crate::support::county::registry_book(&other),
    );
    write_month(&w, &other.in_month(9), "other9", false);
    let r = w.run(&[
        "aggregate",
        "other9",
        "--period",
        "2026-09",
        "--registry",
        "registry2.xlsx",
        "-o",
        "o9",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = w.run(&[
        "aggregate",
        "m7",
        "m8",
        "o9",
        "--period",
        "2026Q3",
        "-o",
        "sc",
    ]);
    assert_eq!(r.code, 1);
    let x = diags("sc");
    let sc: Vec<&serde_json::Value> = x
        .iter()
        .filter(|x| x["code"] == "period.scope_mismatch")
        .collect();
    assert_eq!(sc.len(), 2, "{sc:?}");
    assert!(sc
        .iter()
        .any(|x| x["message"].as_str().unwrap().contains("429902000000")));
}

fn count_acts(c: &County, acts: &mut BTreeMap<String, f64>) {
    for u in &c.units {
        *acts.entry(u.code.clone()).or_default() += u.activities.len() as f64;
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let t = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

/// Regression: a quarter read each month's files from the table named t0
/// and its column `files`, so a county that renamed either in tables.toml
/// got a quarter without files. They are read where tables.toml shows
/// them (`value = "files"`).
#[test]
fn a_quarter_finds_the_months_files_where_tables_toml_shows_them() {
    let w = Workdir::new();
    let c = generate(43, 1, 1, 2, 12);
    registry(&w, &c);
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    let tables = std::fs::read_to_string(w.path("s/tables.toml")).unwrap();
    assert!(tables.contains("id = \"t0\"") && tables.contains("key = \"files\""));
    let tables = tables
        .replace("id = \"t0\"", "id = \"t00\"")
        .replace("table = \"t0\"", "table = \"t00\"")
        .replace("key = \"files\"", "key = \"own_files\"");
    std::fs::write(w.path("s/tables.toml"), tables).unwrap();
    for (k, m) in [7u8, 8, 9].into_iter().enumerate() {
        write_month(&w, &month_county(&c, m, k), &format!("in{m}"), false);
        let r = w.aggregate_month(m, &["--schemas", "s"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = w.rollup(&["m7", "m8", "m9"], "2026Q3", "q3", &["--schemas", "s"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let t0 = read_csv(&w.path("q3/tables/t0_submissions.csv"));
    let first = &c.communities[0].code;
    let files = &t0.iter().find(|r| &r["code"] == first).unwrap()["own_files"];
    assert!(
        files.starts_with("2026-07:") && files.contains(";2026-08:") && files.contains(";2026-09:"),
        "{files}"
    );
}

/// A county adds a column to a compared table (T1) in September; August's
/// output, made before, lacks it. `--previous` of that output panicked
/// ("no entry found for key"): the new column's `_prev` and `_change` are
/// now blank, as a new organisation's are. The quarter rolled up from the
/// months made before and after it sums what the months have.
#[test]
fn regression_a_new_column_compared_with_an_output_made_before_it() {
    let w = Workdir::new();
    let c = generate(43, 1, 2, 1, 12);
    registry(&w, &c);
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    let p = w.path("s/measures.toml");
    let mut m = std::fs::read_to_string(&p).unwrap();
    m.push_str("\n[[measure]]\nkey = \"joint_attended\"\nledger = \"meetings\"\nsum = \"attended\"\nwhere = \"type = '联席会议'\"\nperiod = \"flow\"\n");
    std::fs::write(&p, m).unwrap();
    let p = w.path("s/tables.toml");
    let t = std::fs::read_to_string(&p).unwrap();
    let at = t.find("\n[[table]]\nid = \"t2\"").expect("t2 after t1") + 1;
    let mut t = t;
    t.insert_str(
        at,
        "[[table.column]]\nkey = \"joint_attended\"\nheader = \"联席会议实到人次\"\nen = \"Joint meeting attendance\"\ndef = \"联席会议的实到人数之和\"\n\n",
    );
    std::fs::write(&p, t).unwrap();
    for m in [7u8, 8, 9] {
        write_month(&w, &c.in_month(m), &format!("in{m}"), false);
    }
    for m in [7u8, 8] {
        let r = w.aggregate_month(m, &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = w.aggregate_month(9, &["--schemas", "s", "--previous", "m8"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t1 = read_csv(&w.path("m9/tables/t1_registrations.csv"));
    assert!(!t1.is_empty());
    for row in &t1 {
        assert!(!row["joint_attended"].is_empty(), "{row:?}");
        assert_eq!(row["joint_attended_prev"], "", "{row:?}");
        assert_eq!(row["joint_attended_change"], "", "{row:?}");
        assert!(!row["registered_members_prev"].is_empty(), "{row:?}");
    }
    let r = w.rollup(&["m7", "m8", "m9"], "2026Q3", "q3", &["--schemas", "s"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let q3 = read_csv(&w.path("q3/tables/t1_registrations.csv"));
    for (row, sept) in q3.iter().zip(&t1) {
        assert_eq!(row["code"], sept["code"]);
        assert_eq!(row["joint_attended"], sept["joint_attended"], "{row:?}");
    }
}
