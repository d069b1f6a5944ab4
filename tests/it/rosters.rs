//! 跨期 rosters and stocks (reports.md §5.3): each community's roster against
//! `--previous`, kept between periods only as keyed hashes. Planted: a
//! member removed, a member moved to another community, a community with
//! fewer members; nothing on an unchanged roster; no ID number in any
//! output; another key skips the comparison with a note.

use serde_json::Value;

use crate::support::book::{s, SheetSpec, V};
use crate::support::county::{community_book, generate, County, Hand};
use crate::workdir::*;

fn diagnostics(w: &Workdir, out: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(w.path(&format!("{out}/diagnostics.json"))).unwrap(),
    )
    .unwrap();
    v["diagnostics"].as_array().unwrap().clone()
}

fn rewrite(w: &Workdir, c: &County, dir: &str, i: usize) {
    w.book(
        &format!("{dir}/{}.xlsx", c.communities[i].code),
        &community_book(c, &c.communities[i], &Hand::plain()),
    );
}

/// Every file under `dir`, with its bytes.
fn files(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            let b = std::fs::read(&p).unwrap();
            out.push((p, b));
        }
    }
}

/// Every text cell of a parquet file.
fn parquet_texts(p: &std::path::Path) -> Vec<String> {
    use polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(p).unwrap())
        .finish()
        .unwrap();
    let mut out = Vec::new();
    for c in df.columns() {
        if let Ok(s) = c.str() {
            out.extend(s.iter().flatten().map(str::to_string));
        }
    }
    out
}

#[test]
fn an_unchanged_roster_says_nothing_and_state_keeps_hashes_only() {
    let w = Workdir::new();
    let c = generate(31, 1, 3, 1, 12);
    registry(&w, &c);
    last_quarter_output(&w, &c, "before");
    write_county(&w, &c, "q");
    let r = w.aggregate("q", "after", &["--previous", "before"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d = diagnostics(&w, "after");
    for code in [
        "roster.member_dropped",
        "roster.member_moved",
        "roster.no_previous_state",
        "trend.stock_decrease",
    ] {
        expect_none(&d, code);
    }
    // state/: the key's fingerprint, never the key; a hash per roster row.
    let st: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("after/state/state.json")).unwrap())
            .unwrap();
    assert_eq!(st["format"], 1);
    assert_eq!(st["period"], "2026Q3");
    assert_eq!(st["built_from"], "submissions");
    assert_eq!(st["key_fingerprint"].as_str().unwrap().len(), 16);
    let key = std::fs::read(roster_key()).unwrap();
    let state_bytes = std::fs::read(w.path("after/state/state.json")).unwrap();
    assert!(!state_bytes.windows(key.len()).any(|x| x == key.as_slice()));
    let hashes = parquet_texts(&w.path("after/state/roster_ids.parquet"));
    let members: usize = c.communities.iter().map(|m| m.members.len()).sum();
    let hex: Vec<&String> = hashes
        .iter()
        .filter(|h| {
            h.len() == 64
                && h.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        })
        .collect();
    assert_eq!(hex.len(), members, "one hash per roster row");
    // Same inputs, same key → the same state.
    let r = w.aggregate("q", "again", &["--previous", "before"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        std::fs::read(w.path("after/state/roster_ids.parquet")).unwrap(),
        std::fs::read(w.path("again/state/roster_ids.parquet")).unwrap()
    );
}

#[test]
fn dropped_moved_and_fewer_members_are_found_where_they_stood() {
    let w = Workdir::new();
    let c = generate(32, 1, 3, 1, 12);
    registry(&w, &c);
    last_quarter_output(&w, &c, "before");
    write_county(&w, &c, "q");
    // Community 0 loses its fourth member; community 1's sixth member moves
    // to community 2.
    let mut c2 = c.clone();
    let dropped = c2.communities[0].members.remove(3);
    let moved = c2.communities[1].members.remove(5);
    c2.communities[2].members.push(moved.clone());
    for i in 0..3 {
        rewrite(&w, &c2, "q", i);
    }
    // Community 0 explains its dropped member at the earlier cell.
    let mut b = community_book(&c2, &c2.communities[0], &Hand::plain());
    let mut sh = SheetSpec::new("说明").row(vec![s("代码"), s("位置"), s("说明")]);
    sh.rows.push(vec![
        s("roster.member_dropped"),
        V::from("在职党员报到!C5"),
        s("该党员已退休"),
    ]);
    b.push(sh);
    w.book(&format!("q/{}.xlsx", c2.communities[0].code), &b);

    let r = w.aggregate("q", "after", &["--previous", "before"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d = diagnostics(&w, "after");
    let file0 = format!("{}.xlsx", c.communities[0].code);
    let gone = with_code(&d, "roster.member_dropped");
    assert_eq!(gone.len(), 1, "{}", pretty(&d));
    let g = gone[0];
    assert_eq!(g["org_code"], c.communities[0].code.as_str());
    assert!(g["file"].as_str().unwrap().ends_with(&file0));
    assert_eq!(g["sheet"], "在职党员报到");
    assert!(g.get("cell").is_none(), "no cell now: {g}");
    // The fourth member stood on row 5 of last quarter's roster.
    let p = &g["previous"];
    assert_eq!(p["period"], "2026Q2");
    assert!(p["file"].as_str().unwrap().ends_with(&file0), "{p}");
    assert_eq!(p["sheet"], "在职党员报到");
    assert_eq!(p["row"], 5);
    assert_eq!(p["cell"], "C5");
    assert!(g["message"].as_str().unwrap().contains("在职党员报到!C5"));
    // Explained at that earlier cell: a note now.
    assert_eq!(g["severity"], "note", "{g}");
    assert_eq!(g["explanation"], "该党员已退休");
    expect_none(&d, "explanation.unmatched");

    let mv = with_code(&d, "roster.member_moved");
    assert_eq!(mv.len(), 1, "{}", pretty(&d));
    let m = mv[0];
    assert_eq!(m["severity"], "note");
    assert_eq!(m["org_code"], c.communities[1].code.as_str());
    assert_eq!(m["previous"]["row"], 7);
    let msg = m["message"].as_str().unwrap();
    assert!(
        msg.contains(&c.communities[2].name) && msg.contains(&c.communities[2].code),
        "{msg}"
    );

    // Both communities have fewer members; community 2 has more.
    let dec = with_code(&d, "trend.stock_decrease");
    let orgs: Vec<&str> = dec
        .iter()
        .map(|x| x["org_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        orgs,
        vec![
            c.communities[0].code.as_str(),
            c.communities[1].code.as_str()
        ],
        "{}",
        pretty(&d)
    );
    for x in &dec {
        assert_eq!(x["severity"], "warning");
        assert_eq!(x["field"], "registered_members");
        let n = c
            .communities
            .iter()
            .find(|k| k.code == x["org_code"].as_str().unwrap())
            .unwrap()
            .members
            .len();
        assert_eq!(x["value"], format!("{n}→{}", n - 1).as_str());
        assert!(x["message"].as_str().unwrap().contains("其中 1 人"), "{x}");
    }
    // Never counted in T0: it reads the same as without --previous.
    let r = w.aggregate("q", "plain", &[]);
    assert_eq!(r.code, 0);
    assert_eq!(
        std::fs::read_to_string(w.path("after/tables/t0_submissions.csv")).unwrap(),
        std::fs::read_to_string(w.path("plain/tables/t0_submissions.csv")).unwrap()
    );
    // check says the same.
    let r = w.run(&[
        "check",
        "q",
        "--period",
        "2026Q3",
        "--registry",
        "registry.xlsx",
        "--previous",
        "before",
        "--format",
        "json",
    ]);
    let cd = r.diags();
    assert_eq!(with_code(&cd, "roster.member_dropped").len(), 1);
    assert_eq!(with_code(&cd, "roster.member_moved").len(), 1);
    assert_eq!(with_code(&cd, "trend.stock_decrease").len(), 2);

    // No ID number, whole, anywhere in what was written.
    let mut all = Vec::new();
    for out in ["before", "after", "plain"] {
        files(&w.path(out), &mut all);
    }
    let ids: Vec<String> = c
        .communities
        .iter()
        .flat_map(|k| k.members.iter().map(|m| m.id.clone()))
        .chain(
            c.units
                .iter()
                .flat_map(|u| u.members.iter().map(|m| m.id.clone())),
        )
        .collect();
    assert!(ids.contains(&dropped.id) && ids.contains(&moved.id));
    for (p, bytes) in &all {
        let mut texts = vec![String::from_utf8_lossy(bytes).into_owned()];
        if p.extension().is_some_and(|e| e == "parquet") {
            texts.extend(parquet_texts(p));
        }
        for t in &texts {
            for id in &ids {
                assert!(
                    !t.contains(id.as_str()),
                    "{} holds an ID number",
                    p.display()
                );
            }
        }
    }
    // The workbook and stdout likewise: the unzipped report holds none.
    let report = std::fs::read(w.path("after/report.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(report)).unwrap();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut f, &mut text);
        for id in &ids {
            assert!(
                !text.contains(id.as_str()),
                "report.xlsx {} holds an ID number",
                f.name().unwrap_or_default()
            );
        }
    }
}

#[test]
fn another_key_or_no_state_skips_rosters_with_a_note() {
    let w = Workdir::new();
    let c = generate(33, 1, 2, 1, 8);
    registry(&w, &c);
    last_quarter_output(&w, &c, "before");
    let mut c2 = c.clone();
    c2.communities[0].members.remove(0);
    write_county(&w, &c2, "q");
    w.write("other.key", [7u8; 32]);
    let r = w.aggregate(
        "q",
        "after",
        &["--previous", "before", "--roster-key", "other.key"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d = diagnostics(&w, "after");
    expect_none(&d, "roster.member_dropped");
    let n = with_code(&d, "roster.no_previous_state");
    assert_eq!(n.len(), 1);
    assert_eq!(n[0]["severity"], "note");
    assert!(n[0]["message"].as_str().unwrap().contains("另一把名册密钥"));
    // The stock still compares, without the roster's count.
    let dec = with_code(&d, "trend.stock_decrease");
    assert_eq!(dec.len(), 1);
    assert!(
        dec[0]["message"]
            .as_str()
            .unwrap()
            .contains("其中 未比对 人")
            || dec[0]["message"].as_str().unwrap().contains("未比对")
    );
    // An earlier output without state/ (an earlier pbstat): the same note,
    // saying why.
    std::fs::remove_dir_all(w.path("before/state")).unwrap();
    let r = w.aggregate("q", "after2", &["--previous", "before"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let n = with_code(&diagnostics(&w, "after2"), "roster.no_previous_state").len();
    assert_eq!(n, 1);
    // A key file too short is refused before anything is written.
    w.write("short.key", b"abc");
    let r = w.aggregate("q", "after3", &["--roster-key", "short.key"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!w.path("after3").exists());
}

#[test]
fn against_a_month_only_stocks_and_rates_compare() {
    let w = Workdir::new();
    let c = generate(34, 1, 2, 1, 8);
    registry(&w, &c);
    last_quarter_output(&w, &c, "before");
    // The same output, as if it were June's.
    let p = w.path("before/summary.json");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("\"2026Q2\"", "\"2026-06\"");
    std::fs::write(&p, text).unwrap();
    write_county(&w, &c, "q");
    let r = w.aggregate("q", "after", &["--previous", "before"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t1 = crate::aggregate::read_csv(&w.path("after/tables/t1_registrations.csv"));
    let t3 = crate::aggregate::read_csv(&w.path("after/tables/t3_issues.csv"));
    let t4 = crate::aggregate::read_csv(&w.path("after/tables/t4_rates.csv"));
    assert!(
        t1.iter().all(|r| !r["registered_members_prev"].is_empty()),
        "a stock"
    );
    assert!(
        t1.iter().all(|r| r["new_registrations_prev"].is_empty()),
        "a flow"
    );
    assert!(t3
        .iter()
        .all(|r| r["received_prev"].is_empty() && r["received_change"].is_empty()));
    assert!(
        t4.iter().any(|r| !r["completion_rate_prev"].is_empty()),
        "a rate"
    );
    expect_none(&diagnostics(&w, "after"), "trend.abnormal_change");
}
