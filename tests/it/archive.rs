//! The archive (reports.md §5.4): two counties × three quarters written with
//! `--archive`, read back as one dataset by polars' own Hive reader, give the
//! same figures as each run's CSVs; a re-run replaces its partition only;
//! no ID number enters it.

use polars::prelude::*;
use std::collections::BTreeMap;

use crate::aggregate::read_csv;
use crate::support::county::{community_book, generate_in, registry_book, unit_book, Hand};
use crate::workdir::*;

/// Every table of the archive, read as one dataset with the partition keys
/// as text.
fn scan(dir: &std::path::Path, table: &str) -> DataFrame {
    let hive = Schema::from_iter([
        Field::new("period".into(), DataType::String),
        Field::new("scope".into(), DataType::String),
    ]);
    let args = ScanArgsParquet {
        hive_options: HiveOptions {
            enabled: Some(true),
            hive_start_idx: 0,
            schema: Some(Arc::new(hive)),
            try_parse_dates: false,
        },
        ..Default::default()
    };
    let path = format!("{}/{table}/", dir.display());
    LazyFrame::scan_parquet(PlRefPath::new(path.as_str()), args)
        .and_then(|lf| lf.collect())
        .unwrap_or_else(|e| panic!("{table}: {e}"))
}

fn text(df: &DataFrame, col: &str, i: usize) -> String {
    match df.column(col).unwrap().get(i).unwrap() {
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Null => String::new(),
        other => other.to_string(),
    }
}

fn number(df: &DataFrame, col: &str, i: usize) -> Option<f64> {
    df.column(col).unwrap().get(i).unwrap().extract::<f64>()
}

#[test]
fn an_archive_of_two_counties_and_three_quarters_reads_back_as_one_dataset() {
    let w = Workdir::new();
    let mut ids: Vec<String> = Vec::new();
    let mut runs: Vec<(String, String)> = Vec::new();
    for (code, seed) in [("429901", 31u64), ("429902", 32)] {
        let base = generate_in(code, seed, 2, 2, 3, 21);
        w.book(&format!("{code}/registry.xlsx"), &registry_book(&base));
        for q in 1..=3u8 {
            let c = base.in_quarter(q);
            let input = format!("{code}/q{q}");
            for cm in &c.communities {
                ids.extend(cm.members.iter().map(|m| m.id.clone()));
                w.book(
                    &format!("{input}/{}.xlsx", cm.code),
                    &community_book(&c, cm, &Hand::plain()),
                );
            }
            for u in &c.units {
                w.book(
                    &format!("{input}/{}.xlsx", u.code),
                    &unit_book(&c, u, &Hand::plain()),
                );
            }
            let out = format!("{code}/out{q}");
            let r = w.run(&[
                "aggregate",
                &input,
                "--period",
                &format!("2026Q{q}"),
                "--registry",
                &format!("{code}/registry.xlsx"),
                "--archive",
                "archive",
                "--exclude-invalid",
                "-o",
                &out,
            ]);
            assert!(r.code <= 1, "{}", r.stderr);
            runs.push((format!("{code}000000"), out));
        }
    }
    let arch = w.path("archive");
    // The layout: DIR/<table>/period=<P>/scope=<code>/part-0.parquet, alone.
    for table in ["t0_submissions", "t4_rates", "t6b_grid_detail", "t10_needs"] {
        for (scope, out) in &runs {
            let q = &out[out.len() - 1..];
            let part = arch
                .join(table)
                .join(format!("period=2026Q{q}"))
                .join(format!("scope={scope}"));
            let files: Vec<String> = std::fs::read_dir(&part)
                .unwrap_or_else(|e| panic!("{}: {e}", part.display()))
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(files, ["part-0.parquet"], "{}", part.display());
        }
    }
    // Every table's rows, and the same figures as each run's CSV.
    for table in [
        "t1_registrations",
        "t2_meetings",
        "t3_issues",
        "t4_rates",
        "t6_grids",
        "t7_emergency_response",
    ] {
        let df = scan(&arch, table);
        let mut rows_per: BTreeMap<(String, String), usize> = BTreeMap::new();
        for i in 0..df.height() {
            *rows_per
                .entry((text(&df, "period", i), text(&df, "scope", i)))
                .or_default() += 1;
            assert_eq!(text(&df, "period_kind", i), "quarter");
            assert_eq!(text(&df, "built_from", i), "submissions");
        }
        assert_eq!(rows_per.len(), 6, "{table}: 2 counties × 3 quarters");
        for (scope, out) in &runs {
            let q = &out[out.len() - 1..];
            let period = format!("2026Q{q}");
            let csv = read_csv(&w.path(&format!("{out}/tables/{table}.csv")));
            assert_eq!(
                rows_per[&(period.clone(), scope.clone())],
                csv.len(),
                "{table} {period} {scope}"
            );
            for r in &csv {
                let i = (0..df.height())
                    .find(|&i| {
                        text(&df, "period", i) == period
                            && text(&df, "scope", i) == *scope
                            && text(&df, "code", i) == r["code"]
                    })
                    .unwrap_or_else(|| panic!("{table} {period} {}", r["code"]));
                for (k, v) in r {
                    if ["level", "code", "name", "parent_code"].contains(&k.as_str()) {
                        assert_eq!(&text(&df, k, i), v, "{table} {k}");
                        continue;
                    }
                    let want: Option<f64> = (!v.is_empty()).then(|| v.parse().unwrap());
                    let got = number(&df, k, i);
                    assert!(
                        match (got, want) {
                            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                            (None, None) => true,
                            _ => false,
                        },
                        "{table} {period} {} {k}: {got:?} ≠ {want:?}",
                        r["code"]
                    );
                }
            }
        }
    }
    // A province's 办结率 by quarter, from the counties' own rows, as the
    // docs' DuckDB query computes it: the sums of the parts.
    let t4 = scan(&arch, "t4_rates");
    let own = t4
        .lazy()
        .filter(
            col("code")
                .eq(col("scope"))
                .and(col("level").eq(lit("county"))),
        )
        .group_by([col("period")])
        .agg([
            col("completion_rate_num").sum(),
            col("completion_rate_den").sum(),
        ])
        .sort(["period"], Default::default())
        .collect()
        .unwrap();
    assert_eq!(own.height(), 3);
    for i in 0..3 {
        let period = text(&own, "period", i);
        let (n, d): (f64, f64) = runs
            .iter()
            .filter(|(_, out)| out.ends_with(&period[5..]))
            .map(|(_, out)| {
                let r = &read_csv(&w.path(&format!("{out}/tables/t4_rates.csv")))[0];
                (
                    r["completion_rate_num"].parse::<f64>().unwrap(),
                    r["completion_rate_den"].parse::<f64>().unwrap(),
                )
            })
            .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        assert_eq!(number(&own, "completion_rate_num", i), Some(n));
        assert_eq!(number(&own, "completion_rate_den", i), Some(d));
    }
    // No ID number anywhere in it.
    let mut bytes = Vec::new();
    for e in walk(&arch) {
        bytes.extend(std::fs::read(&e).unwrap());
    }
    let hay = String::from_utf8_lossy(&bytes);
    assert!(
        ids.iter().all(|id| !hay.contains(id.as_str())),
        "an ID number in the archive"
    );
    // A re-run replaces its own partition and touches no other.
    let other = arch.join("t1_registrations/period=2026Q1/scope=429902000000/part-0.parquet");
    let before = std::fs::metadata(&other).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let r = w.run(&[
        "aggregate",
        "429901/q3",
        "--period",
        "2026Q3",
        "--registry",
        "429901/registry.xlsx",
        "--archive",
        "archive",
        "--exclude-invalid",
        "-o",
        "429901/out3",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    assert_eq!(
        std::fs::metadata(&other).unwrap().modified().unwrap(),
        before,
        "another partition untouched"
    );
    let part = arch.join("t1_registrations/period=2026Q3/scope=429901000000");
    let names: Vec<String> = std::fs::read_dir(&part)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["part-0.parquet"], "replaced, not added beside");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
