//! History (多期对比, reports.md §5.2): `report DIR... --history` over
//! several outputs in period order, and `aggregate --history DIR` building
//! the same into its own output — the 趋势 sheet with native charts,
//! tables/history.csv, and what `report OUT` then shows.

use crate::aggregate::read_csv;
use crate::support::county::{
    community_book, generate, generate_in, registry_book, unit_book, County, Hand,
};
use crate::workdir::*;

fn write(w: &Workdir, c: &County, dir: &str) {
    for cm in &c.communities {
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

/// Months 7, 8, 9 of a county under reports/, each with fewer members.
fn months(w: &Workdir, c: &County, which: &[u8]) {
    for &m in which {
        let mut x = c.in_month(m);
        for cm in &mut x.communities {
            let n = cm.members.len().saturating_sub(m as usize - 6);
            cm.members.truncate(n);
        }
        write(w, &x, &format!("in{m}"));
        let r = w.aggregate_period(
            &format!("in{m}"),
            &format!("2026-{m:02}"),
            &format!("reports/2026-{m:02}"),
            &[],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
}

fn root_value(w: &Workdir, out: &str, file: &str, col: &str) -> Option<f64> {
    let t = read_csv(&w.path(&format!("{out}/tables/{file}.csv")));
    let v = &t[0][col];
    (!v.is_empty()).then(|| v.parse().unwrap())
}

#[test]
fn report_history_sets_outputs_side_by_side() {
    let w = Workdir::new();
    let c = generate(51, 2, 2, 2, 20);
    registry(&w, &c);
    months(&w, &c, &[7, 8, 9]);
    let r = w.run(&["report", "reports", "--history", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let h = r.json();
    assert_eq!(h["period_kind"], "month");
    assert_eq!(
        h["periods"],
        serde_json::json!(["2026-07", "2026-08", "2026-09"])
    );
    assert_eq!(h["gaps"], serde_json::json!([]));
    assert_eq!(h["scope"]["code"], "429901000000");
    assert_eq!(h["sources"].as_array().unwrap().len(), 3);
    assert_eq!(
        h["sources"][0]["summary_sha256"].as_str().unwrap().len(),
        64
    );
    let rows = h["rows"].as_array().unwrap();
    // Indicator × organisation × period, in that order: the county and its
    // two streets.
    let first: Vec<(&str, &str, &str)> = rows
        .iter()
        .take(6)
        .map(|r| {
            (
                r["indicator"].as_str().unwrap(),
                r["code"].as_str().unwrap(),
                r["period"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(first[0], ("registered_members", "429901000000", "2026-07"));
    assert_eq!(first[2], ("registered_members", "429901000000", "2026-09"));
    assert_eq!(first[3].0, "registered_members");
    assert_eq!(first[3].2, "2026-07");
    assert_ne!(first[3].1, "429901000000");
    let orgs: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(orgs.len(), 3, "the root and its streets");
    // Each figure is the output's own, rates with their parts.
    for (m, i) in [("2026-07", 0), ("2026-08", 1), ("2026-09", 2)] {
        let out = format!("reports/{m}");
        assert_eq!(
            rows[i]["value"].as_f64(),
            root_value(&w, &out, "t1_registrations", "registered_members")
        );
        let rate = rows
            .iter()
            .find(|r| {
                r["indicator"] == "completion_rate"
                    && r["code"] == "429901000000"
                    && r["period"] == m
            })
            .unwrap();
        let (n, d) = (rate["num"].as_f64().unwrap(), rate["den"].as_f64().unwrap());
        assert!((rate["value"].as_f64().unwrap() - n / d).abs() < 1e-6);
        assert_eq!(
            Some(d),
            root_value(&w, &out, "t4_rates", "completion_rate_den")
        );
    }
    let inds: Vec<&str> = rows
        .iter()
        .map(|r| r["indicator"].as_str().unwrap())
        .collect();
    let pos = |k: &str| {
        inds.iter()
            .position(|x| *x == k)
            .unwrap_or_else(|| panic!("{k}"))
    };
    assert!(pos("registered_members") < pos("meetings") && pos("meetings") < pos("received"));
    assert!(pos("resolved") < pos("submission_rate"));
    assert!(!inds.contains(&"expected"), "T0's counts are left out");
    // CSV: the same table.
    let r = w.run(&["report", "reports", "--history", "--format", "csv"]);
    assert_eq!(r.code, 0);
    let head = r
        .stdout
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        head,
        "indicator,table,period,level,code,name,parent_code,value,num,den"
    );
    assert_eq!(r.stdout.lines().count(), rows.len() + 1);
    // Text and markdown: a small table per indicator, periods across.
    let r = w.run(&[
        "report",
        "reports/2026-09",
        "reports/2026-07",
        "reports/2026-08",
        "--history",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("报到党员数"), "{}", r.stdout);
    let line = r.stdout.lines().find(|l| l.contains("2026-07")).unwrap();
    assert!(line.find("2026-07") < line.find("2026-09"), "{line}");
    let r = w.run(&["report", "reports", "--history", "--format", "markdown"]);
    assert!(
        r.stdout.contains("| 单位 | 2026-07 | 2026-08 | 2026-09 |"),
        "{}",
        r.stdout
    );
    // HTML: the latest summary with the trend charts.
    let r = w.run(&[
        "report",
        "reports",
        "--history",
        "--format",
        "html",
        "-o",
        "h.html",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(w.path("h.html")).unwrap();
    assert!(html.contains("趋势（2026年7月—2026年9月）"));
    assert!(html.matches("<svg").count() >= 10);
    // Several folders without --history, or csv without it: exit 2.
    let r = w.run(&["report", "reports/2026-07", "reports/2026-08"]);
    assert_eq!(r.code, 2);
    let r = w.run(&["report", "reports/2026-07", "--format", "csv"]);
    assert_eq!(r.code, 2);
}

#[test]
fn gaps_stay_blank_and_mixed_outputs_exit_2() {
    let w = Workdir::new();
    let c = generate(52, 1, 2, 1, 12);
    registry(&w, &c);
    months(&w, &c, &[7, 9]);
    let r = w.run(&["report", "reports", "--history", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let h = r.json();
    assert_eq!(
        h["periods"],
        serde_json::json!(["2026-07", "2026-08", "2026-09"])
    );
    assert_eq!(h["gaps"], serde_json::json!(["2026-08"]));
    assert!(h["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["period"] == "2026-08")
        .all(|r| r["value"].is_null()));
    // A quarter among months.
    w.book(
        "q/x.xlsx",
        &community_book(&c, &c.communities[0], &Hand::plain()),
    );
    let r = w.aggregate_period("q", "2026Q3", "mixed/q3", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run(&["report", "reports", "mixed", "--history"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("长度"), "{}", r.stderr);
    // Another county.
    let o = generate_in("429902", 53, 1, 1, 1, 8);
    w.book("registry2.xlsx", &registry_book(&o));
    write(&w, &o.in_month(8), "o8");
    let r = w.run(&[
        "aggregate",
        "o8",
        "--period",
        "2026-08",
        "--registry",
        "registry2.xlsx",
        "-o",
        "other/o8",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run(&["report", "reports", "other", "--history"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("429902000000"), "{}", r.stderr);
    // Two outputs of one period.
    let r = w.run(&[
        "report",
        "reports/2026-07",
        "reports/2026-07",
        "reports",
        "--history",
    ]);
    assert_eq!(
        r.code, 0,
        "the same folder twice is one output: {}",
        r.stderr
    );
    let r = w.aggregate_period("in7", "2026-07", "again/2026-07", &[]);
    assert_eq!(r.code, 0);
    let r = w.run(&["report", "reports", "again", "--history"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("每期只能有一个"), "{}", r.stderr);
}

#[test]
fn aggregate_history_builds_the_trend_into_its_output() {
    let w = Workdir::new();
    let c = generate(54, 2, 2, 2, 16);
    registry(&w, &c);
    months(&w, &c, &[7, 8]);
    // A quarter under the same folder is of another length: left out.
    write(&w, &c, "q");
    let r = w.aggregate_period("q", "2026Q2", "reports/q2", &[]);
    assert!(r.code <= 1);
    let x = c.in_month(9);
    write(&w, &x, "in9");
    let r = w.run(&[
        "aggregate",
        "in9",
        "--period",
        "2026-09",
        "--registry",
        "registry.xlsx",
        "--history",
        "reports",
        "-o",
        "reports/2026-09",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let h = read_csv(&w.path("reports/2026-09/tables/history.csv"));
    let periods: std::collections::BTreeSet<&str> =
        h.iter().map(|r| r["period"].as_str()).collect();
    assert_eq!(
        periods.into_iter().collect::<Vec<_>>(),
        vec!["2026-07", "2026-08", "2026-09"]
    );
    // This run's figure is its own.
    let sep = h
        .iter()
        .find(|r| {
            r["indicator"] == "registered_members"
                && r["period"] == "2026-09"
                && r["code"] == "429901000000"
        })
        .unwrap();
    assert_eq!(
        sep["value"].parse::<f64>().ok(),
        root_value(
            &w,
            "reports/2026-09",
            "t1_registrations",
            "registered_members"
        )
    );
    let s: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.path("reports/2026-09/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(s["history"]["periods"].as_array().unwrap().len(), 3);
    // The 趋势 sheet after the tables, with a native chart per indicator.
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(w.path("reports/2026-09/report.xlsx")).unwrap();
    let names = wb.sheet_names();
    let at = names
        .iter()
        .position(|n| n == "趋势")
        .expect("a 趋势 sheet");
    assert!(names[..at].iter().any(|n| n.starts_with("T4")));
    let sheet = wb.worksheet_range("趋势").unwrap();
    let title = sheet.get_value((0, 0)).unwrap().to_string();
    assert_eq!(title, "示例县主要指标趋势表（2026年7月—2026年9月）");
    let bytes = std::fs::read(w.path("reports/2026-09/report.xlsx")).unwrap();
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let charts = zip
        .file_names()
        .filter(|n| n.as_ref().is_ok_and(|n| n.starts_with("xl/charts/chart")))
        .count();
    let indicators: std::collections::BTreeSet<&str> =
        h.iter().map(|r| r["indicator"].as_str()).collect();
    assert!(
        charts > indicators.len(),
        "{charts} charts for {} indicators",
        indicators.len()
    );
    // report OUT shows it without the earlier folders.
    std::fs::rename(w.path("reports/2026-07"), w.path("gone")).unwrap();
    let r = w.run(&["report", "reports/2026-09"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("主要指标趋势"), "{}", r.stdout);
    let r = w.run(&["report", "reports/2026-09", "--format", "html"]);
    assert!(r.stdout.contains("趋势（2026年7月—2026年9月）"));
}
