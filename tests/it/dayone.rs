//! What a statistician meets on the first day: regression tests named after
//! what went wrong (data lost to -o, false success, English errors).

use sha2::{Digest, Sha256};
use std::path::Path;

use crate::workdir::*;

/// Every file under `dir` (names and bytes), as one hash.
fn tree_hash(dir: &Path) -> String {
    let mut files = Vec::new();
    fn walk(d: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    walk(dir, &mut files);
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.strip_prefix(dir).unwrap().to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap());
    }
    format!("{:x}", h.finalize())
}

fn small_county(w: &Workdir) {
    let c = county();
    registry(w, &c);
    write_county(w, &c, "sub");
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn aggregate_o_deleted_a_folder_that_was_not_its_output() {
    let w = Workdir::new();
    small_county(&w);
    w.write("afile", "x");
    w.write("我的文件夹/笔记.txt", "不要删");
    w.book(
        "我的文件夹/别的表.xlsx",
        &[crate::support::book::SheetSpec::new("Sheet1").row(vec![crate::support::book::s("x")])],
    );
    // A copy of the submissions with the registry inside, for `-o sub2`.
    small_county_in(&w, "q/sub2");
    let before_root = tree_hash(w.root());
    for (out, why) in [
        ("我的文件夹", "不是 pbstat 的输出文件夹"),
        ("sub", "输入"),
        (".", "当前所在的文件夹"),
        ("..", "当前所在的文件夹"),
        ("afile", "已有同名文件"),
    ] {
        let r = w.aggregate("sub", out, &[]);
        assert_eq!(r.code, 2, "-o {out}: {}", r.stderr);
        assert!(r.stderr.contains(why), "-o {out}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    // The folder holding the inputs and the registry, and a parent of it.
    for out in ["q/sub2", "q"] {
        let r = w.run(&[
            "aggregate",
            "q/sub2",
            "--period",
            "2026Q3",
            "--registry",
            "q/sub2/registry.xlsx",
            "-o",
            out,
        ]);
        assert_eq!(r.code, 2, "-o {out}: {}", r.stderr);
        assert!(r.stderr.contains("输入"), "{}", r.stderr);
    }
    assert_eq!(tree_hash(w.root()), before_root, "nothing was touched");
    let litter: Vec<_> = std::fs::read_dir(w.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(litter.is_empty(), "left behind: {litter:?}");

    // An empty folder, and pbstat's own earlier output, are replaced.
    std::fs::create_dir(w.path("空")).unwrap();
    assert_eq!(w.aggregate("sub", "空", &[]).code, 0);
    assert!(w.path("空/report.xlsx").is_file());
    w.write("空/摘要.html", "<p>上次的摘要</p>");
    let r = w.aggregate("sub", "空", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !w.path("空/摘要.html").exists(),
        "the earlier output is replaced whole"
    );
    // An output of an earlier version (no marker, its summary.json) too.
    std::fs::remove_file(w.path("空/.pbstat-output")).unwrap();
    assert_eq!(w.aggregate("sub", "空", &[]).code, 0);
}

fn small_county_in(w: &Workdir, dir: &str) {
    let c = county();
    w.book(
        &format!("{dir}/registry.xlsx"),
        &crate::support::county::registry_book(&c),
    );
    write_county(w, &c, dir);
}

#[test]
fn output_inside_the_input_folder_was_read_back_as_submissions() {
    let w = Workdir::new();
    small_county(&w);
    let first = w.aggregate("sub", "sub/汇总", &["--format", "json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    // The second run finds the first one's report and tables beside the
    // submissions: they are neither submissions nor a report to roll up.
    let again = w.aggregate("sub", "sub/汇总", &["--format", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json()["files"], first.json()["files"]);
    // Another earlier output in the folder is read as that output, not
    // file by file: its tables/*.csv are not submissions.
    let r = w.aggregate("sub", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("跳过"), "{}", r.stderr);
    let r = w.run(&["validate", "out", "--format", "json"]);
    assert_eq!(r.json()["summary"]["files"], 1, "{}", r.stdout);
}

#[test]
fn no_workbook_found_was_success() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("空")).unwrap();
    w.write("文档/通知.pdf", "%PDF-1.4");
    w.write("文档/说明.docx", "PK");
    for dir in ["空", "文档"] {
        for args in [
            vec!["validate", dir, "--period", "2026Q3"],
            vec!["check", dir, "--period", "2026Q3"],
            vec!["aggregate", dir, "--period", "2026Q3", "-o", "out"],
        ] {
            let r = w.run(&args);
            assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
            assert!(r.stderr.contains("未找到任何报表文件"), "{}", r.stderr);
            assert!(r.stdout.is_empty());
        }
    }
    assert!(!w.path("out").exists(), "no report is written");
}

#[test]
fn errors_of_the_run_were_in_english() {
    let w = Workdir::new();
    small_county(&w);
    w.write("afile", "x");
    for (args, must) in [
        (vec!["validate", "没有这个文件夹"], "没有这个文件夹：不存在"),
        (vec!["validate", "sub", "--period", "2026X"], "不是报告期"),
        (
            vec!["validate", "sub", "--registry", "nope.xlsx"],
            "nope.xlsx：名录文件不存在",
        ),
        (
            vec!["check", "sub", "--period", "2026Q3", "--previous", "sub"],
            "--previous sub",
        ),
        (vec!["check", "sub"], "需要 --period"),
        (vec!["aggregate", "sub", "--bogus"], "不认识的选项"),
        (vec!["validate", "sub", "--format", "xml"], "取值 xml 无效"),
        (vec!["valdate", "sub"], "是否想写 validate"),
        (vec!["validate"], "缺少必需的参数"),
        // The output place is checked before anything is read.
        (
            vec!["aggregate", "sub", "--period", "2026Q3", "-o", "afile/out"],
            "afile",
        ),
    ] {
        let r = w.run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(must), "{args:?}: {}", r.stderr);
        assert!(has_cjk(&r.stderr), "{args:?}: {}", r.stderr);
        assert!(
            !r.stderr.contains("os error") && !r.stderr.contains("error:"),
            "{args:?}: {}",
            r.stderr
        );
    }
    // The same in English when asked.
    let r = w.run(&["--lang", "en", "validate", "没有这个文件夹"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    let r = w.run(&["validate", "sub", "--period", "2026X", "--lang", "en"]);
    assert!(r.stderr.contains("not a period"), "{}", r.stderr);
}

#[test]
fn previous_of_the_same_period_was_accepted_and_a_missing_one_failed_the_first_run() {
    let w = Workdir::new();
    small_county(&w);
    // The first run of a monthly script: no earlier output yet.
    let r = w.aggregate("sub", "out", &["--previous", "还没有"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("首次运行"), "{}", r.stderr);
    // This period's own output is no earlier period.
    let r = w.aggregate("sub", "out2", &["--previous", "out"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("不在本期"), "{}", r.stderr);
}

#[test]
fn template_overwrote_a_filled_workbook() {
    let w = Workdir::new();
    w.write("社区报表.xlsx", "已经填好的表");
    let r = w.run(&["template", "--kind", "community", "-o", "社区报表.xlsx"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("已存在"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(w.path("社区报表.xlsx")).unwrap(),
        "已经填好的表"
    );
}

/// A sheet's name and its cells with their positions.
type SheetCells = (String, Vec<((u32, u32), calamine::Data)>);

/// Every cell of every sheet, by sheet name, as calamine reads it.
fn cells_of(path: &Path) -> Vec<SheetCells> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let r = wb.worksheet_range(&n).unwrap();
            let cells = r
                .used_cells()
                .map(|(i, j, v)| {
                    let (r0, c0) = r.start().unwrap();
                    ((r0 + i as u32, c0 + j as u32), v.clone())
                })
                .collect();
            (n, cells)
        })
        .collect()
}

/// A cell's value with its kind, dates and durations as day numbers.
fn typed(v: &calamine::Data) -> (String, String) {
    use calamine::Data;
    match v {
        Data::DateTime(d) if d.is_duration() => ("duration".into(), format!("{:.6}", d.as_f64())),
        Data::DateTime(d) => ("date".into(), format!("{:.6}", d.as_f64())),
        Data::DateTimeIso(s) => {
            let d = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map(|d| d.and_hms_opt(0, 0, 0).unwrap())
                })
                .unwrap_or_else(|e| panic!("{s}: {e}"));
            let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            let days = (d - epoch).num_seconds() as f64 / 86_400.0;
            ("date".into(), format!("{days:.6}"))
        }
        Data::Float(x) => ("number".into(), format!("{x}")),
        Data::Int(i) => ("number".into(), format!("{}", *i as f64)),
        Data::String(s) => ("text".into(), s.clone()),
        Data::Bool(b) => ("bool".into(), b.to_string()),
        Data::Error(e) => ("error".into(), format!("{e:?}")),
        Data::DurationIso(s) => {
            // PTnHnMnS, as .ods writes a time of day or a duration.
            let mut days = 0.0;
            let mut num = String::new();
            for ch in s.trim_start_matches("PT").chars() {
                match ch {
                    'H' | 'M' | 'S' => {
                        let per = match ch {
                            'H' => 24.0,
                            'M' => 1440.0,
                            _ => 86_400.0,
                        };
                        days += num.parse::<f64>().unwrap() / per;
                        num.clear();
                    }
                    c => num.push(c),
                }
            }
            ("duration".into(), format!("{days:.6}"))
        }
        Data::Empty => ("empty".into(), String::new()),
    }
}

#[test]
fn annotated_copy_of_an_ods_turned_dates_into_text() {
    let w = Workdir::new();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/calamine");
    for f in [
        "date.ods",
        "date.xls",
        "date.xlsx",
        "date_1904.xlsx",
        "issues.ods",
        "special_cells.ods",
        "merged_cells.ods",
    ] {
        let src = corpus.join(f);
        if !src.exists() {
            continue;
        }
        std::fs::copy(&src, w.path(f)).unwrap();
        // Not forms: every diagnostic is about the file or a sheet, so no
        // cell of the copy is flagged and every value must come back.
        let r = w.run(&["validate", f, "--annotate", "退回"]);
        assert_eq!(r.code, 1, "{f}: {}", r.stderr);
        assert!(r.stderr.contains("批注副本 1 份"), "{f}: {}", r.stderr);
        let copy = w.path(&format!(
            "退回/{}",
            Path::new(f).with_extension("xlsx").display()
        ));
        let original = cells_of(&w.path(f));
        let copied = cells_of(&copy);
        let mut compared = 0;
        for (name, cells) in &original {
            let (_, back) = copied
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("{f}: sheet {name} missing from the copy"));
            assert_eq!(cells.len(), back.len(), "{f}!{name}: cell count");
            for ((pos, a), (pos2, b)) in cells.iter().zip(back) {
                assert_eq!(pos, pos2, "{f}!{name}");
                assert_eq!(typed(a), typed(b), "{f}!{name} at {pos:?}");
                compared += 1;
            }
        }
        assert!(compared > 0, "{f}: no cell compared");
        if f == "date.ods" {
            let dates = original
                .iter()
                .flat_map(|(_, c)| c)
                .filter(|(_, v)| matches!(v, calamine::Data::DateTimeIso(_)))
                .count();
            assert!(dates > 0, "date.ods has dates");
        }
    }
}

#[test]
fn counts_disagreed_between_check_aggregate_and_report() {
    let w = Workdir::new();
    let c = county();
    registry(&w, &c);
    write_county(&w, &c, "sub");
    // One community's only workbook has an error: it submitted, nothing of
    // it is aggregated, so it must be re-submitted.
    let mut bad = plain_community(&c);
    let id = c.communities[0].members[1].id.clone();
    put(
        &mut bad,
        "在职党员报到",
        "C3",
        crate::support::book::s(crate::support::book::break_id(&id)),
    );
    w.book(&format!("sub/{}.xlsx", c.communities[0].code), &bad);
    let check = w.run(&[
        "check",
        "sub",
        "--period",
        "2026Q3",
        "--registry",
        "registry.xlsx",
        "--format",
        "json",
    ]);
    let agg = w.aggregate("sub", "out", &["--exclude-invalid"]);
    assert_eq!(agg.code, 1, "{}", agg.stderr);
    let diag: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/diagnostics.json")).unwrap())
            .unwrap();
    let cs = &check.json()["summary"];
    assert!(cs["warnings"].as_u64().unwrap() > 0, "targets warn: {cs}");
    assert_eq!(diag["summary"]["warnings"], cs["warnings"]);
    assert_eq!(diag["summary"]["errors"], cs["errors"]);
    let agg_text = w.aggregate("sub", "out", &["--exclude-invalid"]).stdout;
    assert!(
        agg_text.contains(&format!("警告 {}", cs["warnings"])),
        "{agg_text}"
    );
    assert!(
        agg_text.contains("收到报表文件"),
        "files, not organisations: {agg_text}"
    );
    let report = w.run(&["report", "out"]).stdout;
    assert!(report.contains("需重报名单"), "{report}");
    assert!(report.contains(c.communities[0].code.as_str()), "{report}");
    assert!(!report.contains("无，全部已报送"), "{report}");
    let j = w.run(&["report", "out", "--format", "json"]).json();
    assert_eq!(j["resubmit"][0]["code"], c.communities[0].code.as_str());
}

#[test]
fn province_scale_summary_listed_every_row_and_drew_a_solid_block() {
    let w = Workdir::new();
    let c = county();
    registry(&w, &c);
    write_county(&w, &c, "sub");
    assert_eq!(w.aggregate("sub", "out", &[]).code, 0);
    // The same output as a province would have it: 1,200 below-target rows
    // over 40 streets, 400 communities.
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/summary.json")).unwrap())
            .unwrap();
    let below: Vec<serde_json::Value> = (0..1200)
        .map(|k| {
            serde_json::json!({"code": format!("429901{:03}{:03}", k % 40 + 1, k / 40 + 1),
                "name": format!("社区{k}"), "level": "community", "what": "meeting",
                "meeting_type": "党课", "figure": 0, "minimum": 1})
        })
        .collect();
    s["below_target"] = serde_json::Value::Array(below);
    let t1 = s["tables"]["t1"].as_array().unwrap().clone();
    let community = t1
        .iter()
        .find(|r| r["level"] == "community")
        .unwrap()
        .clone();
    let mut rows = vec![t1[0].clone()];
    for k in 0..400 {
        let mut r = community.clone();
        r["name"] = format!("社区{k}").into();
        r["registered_members"] = (k % 50).into();
        rows.push(r);
    }
    s["tables"]["t1"] = serde_json::Value::Array(rows);
    w.write("big/summary.json", serde_json::to_string(&s).unwrap());
    let text = w.run(&["report", "big"]).stdout;
    assert!(text.contains("未达到考核要求（1200 项）"), "{text}");
    assert!(text.contains("其余"), "{text}");
    assert!(text.lines().count() < 200, "{} lines", text.lines().count());
    let html = w.run(&["report", "big", "--format", "html"]);
    assert_eq!(html.code, 0, "{}", html.stderr);
    assert!(html.stdout.contains("共 400 个社区，显示最少的 20 个"));
    assert!(html.stdout.contains("figcaption class=\"legend\""));
}

#[test]
fn a_wrong_period_flooded_every_dated_row() {
    let w = Workdir::new();
    small_county(&w);
    let r = w.run(&[
        "validate",
        "sub",
        "--period",
        "2026Q2",
        "--registry",
        "registry.xlsx",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1);
    let d = r.diags();
    let covers = with_code(&d, "cover.period_mismatch").len();
    assert_eq!(covers, 4, "{}", pretty(&d));
    // The rows agree with their covers: no error of theirs repeats it.
    expect_none(&d, "date.out_of_period");
    expect_none(&d, "date.after_period");
    assert!(
        r.stderr.contains("全部 4 份报表的封面报告期都是 2026Q3")
            && r.stderr.contains("--period 2026Q3"),
        "{}",
        r.stderr
    );
    // A date outside the cover's own period is still flagged.
    let c = county();
    let mut b = plain_community(&c);
    put(
        &mut b,
        "会议活动",
        "B2",
        crate::support::book::s("2026-01-15"),
    );
    w.book("one/a.xlsx", &b);
    let (_, d) = w.validate_json(&["one", "--period", "2026Q2"]);
    expect_at(&d, "date.out_of_period", "B2");
}

#[test]
fn an_empty_prefilled_template_passed_silently() {
    let w = Workdir::new();
    let c = county();
    registry(&w, &c);
    let r = w.run(&[
        "template",
        "--registry",
        "registry.xlsx",
        "--period",
        "2026Q3",
        "-o",
        "tpl",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (r, d) = w.validate_json(&["tpl", "--period", "2026Q3", "--registry", "registry.xlsx"]);
    assert_eq!(r.code, 0, "warnings only: {}", pretty(&d));
    let empty = with_code(&d, "sheet.empty");
    assert!(empty.len() >= 6, "{}", pretty(&d));
    assert!(empty
        .iter()
        .all(|x| x["severity"] == "warning" && x["sheet"].is_string()));
    // check judges the requirements on zeros.
    let r = w.run(&[
        "check",
        "tpl",
        "--period",
        "2026Q3",
        "--registry",
        "registry.xlsx",
        "--format",
        "json",
    ]);
    let d = r.diags();
    let comm = c.communities[0].code.as_str();
    assert!(
        with_code(&d, "target.registration_below")
            .iter()
            .any(|x| x["org_code"] == comm && x["value"] == "0"),
        "{}",
        pretty(&d)
    );
    assert!(!with_code(&d, "target.meeting_shortfall").is_empty());
    // A filled workbook with one quiet ledger is not flagged as empty.
    write_county(&w, &c, "sub");
    let (_, d) = w.validate_json(&["sub", "--period", "2026Q3"]);
    expect_none(&d, "sheet.empty");
}

#[test]
fn a_registry_code_typo_did_not_point_at_the_typo() {
    let w = Workdir::new();
    let mut c = county();
    write_county(&w, &c, "sub");
    // The registry lists the first community under a mistyped code.
    let right = c.communities[0].code.clone();
    let typo = format!(
        "{}{}",
        &right[..10],
        if &right[10..] == "99" { "98" } else { "99" }
    );
    c.communities[0].code = typo.clone();
    for u in c.units.iter_mut().filter(|u| u.community == right) {
        u.community = typo.clone();
    }
    w.book("registry.xlsx", &crate::support::county::registry_book(&c));
    let (_, d) = w.validate_json(&["sub", "--period", "2026Q3", "--registry", "registry.xlsx"]);
    let cover = d
        .iter()
        .find(|x| x["code"] == "cover.unknown_org" && x["org_code"] == right.as_str())
        .unwrap_or_else(|| panic!("{}", pretty(&d)));
    let m = cover["message"].as_str().unwrap();
    assert!(m.contains(&typo) && m.contains("写错"), "{m}");
    let rows = with_code(&d, "cross.unknown_community");
    assert!(!rows.is_empty(), "{}", pretty(&d));
    for x in rows {
        let m = x["message"].as_str().unwrap();
        assert!(m.contains(&typo) && m.contains("写错"), "{m}");
    }
}
