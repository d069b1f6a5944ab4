//! Exit codes, output formats and languages (cli.md, rules.md "Shape").

use crate::support::book::{break_id, s};
use crate::support::county::registry_book;
use crate::workdir::*;

#[test]
fn exit_codes() {
    let w = Workdir::new();
    let c = county();
    w.book("ok.xlsx", &plain_community(&c));
    let mut warn = plain_community(&c);
    put(&mut warn, "封面", "B6", s("")); // 填表人 blank: a warning
    w.book("warn.xlsx", &warn);
    assert_eq!(
        w.run(&["validate", "ok.xlsx", "--period", "2026Q3"]).code,
        0
    );
    assert_eq!(
        w.run(&["validate", "warn.xlsx", "--period", "2026Q3"]).code,
        0
    );
    assert_eq!(
        w.run(&["validate", "warn.xlsx", "--period", "2026Q3", "--strict"])
            .code,
        1
    );
    // The command could not run: 2, with a message on stderr.
    for args in [
        vec!["validate", "missing-folder"],
        vec!["validate", "ok.xlsx", "--period", "2026Q5"],
        vec!["validate", "ok.xlsx", "--registry", "nope.xlsx"],
        vec!["validate", "ok.xlsx", "--schemas", "nope"],
        vec!["validate", "ok.xlsx", "--form", "nope"],
        vec!["validate"],
        vec!["frobnicate"],
    ] {
        let r = w.run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.is_empty());
        assert!(r.stdout.is_empty(), "{args:?}: stdout carries only results");
    }
    // An unreadable registry is the run's problem, not the data's.
    w.write("bad-registry.xlsx", b"junk");
    let r = w.run(&["validate", "ok.xlsx", "--registry", "bad-registry.xlsx"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad-registry.xlsx"));
}

#[test]
fn text_output_shape() {
    let w = Workdir::new();
    let c = county();
    let mut b = plain_community(&c);
    let id = c.communities[0].members[1].id.clone();
    put(&mut b, "在职党员报到", "C3", s(break_id(&id)));
    w.book("城关社区.xlsx", &b);
    let r = w.run(&["validate", "城关社区.xlsx", "--period", "2026Q3"]);
    assert_eq!(r.code, 1);
    let want = format!(
        "城关社区.xlsx:在职党员报到!C3: 错误 [id.checksum] 身份证号校验位错误：应为 {}",
        &id[17..]
    );
    assert!(r.stdout.lines().any(|l| l == want), "{}", r.stdout);
    let last = r.stdout.lines().last().unwrap();
    assert!(
        last.contains("共检查 1 个文件") && last.contains("错误 1"),
        "{last}"
    );

    let r = w.run(&[
        "validate",
        "城关社区.xlsx",
        "--period",
        "2026Q3",
        "--lang",
        "en",
    ]);
    assert!(
        r.stdout
            .contains(": error [id.checksum] wrong ID number check character"),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .lines()
        .last()
        .unwrap()
        .starts_with("checked 1 files"));

    let r = w.run(&["validate", "城关社区.xlsx", "--period", "2026Q3", "-q"]);
    assert_eq!(
        r.stdout.lines().count(),
        1,
        "quiet prints only the errors: {}",
        r.stdout
    );
}

#[test]
fn json_and_csv_output_shape() {
    let w = Workdir::new();
    let c = county();
    let mut b = plain_community(&c);
    put(&mut b, "会议活动", "F2", s("=cmd|' /C calc'!A0"));
    w.book("a.xlsx", &b);
    let r = w.run(&[
        "validate", "a.xlsx", "--period", "2026Q3", "--format", "json",
    ]);
    let v = r.json();
    let d = &v["diagnostics"][0];
    for k in [
        "severity", "code", "file", "sheet", "cell", "row", "column", "field", "org_code", "value",
        "message",
    ] {
        assert!(d.get(k).is_some(), "missing {k}: {d}");
    }
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["summary"]["by_file"][0]["file"], "a.xlsx");

    // CSV is for spreadsheets: a BOM (Excel on Chinese Windows reads UTF-8
    // only with it), headers and severities in the run's language.
    let r = w.run(&[
        "validate", "a.xlsx", "--period", "2026Q3", "--format", "csv",
    ]);
    let body = r.stdout.strip_prefix('\u{feff}').expect("a BOM");
    let mut rdr = csv::Reader::from_reader(body.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "严重程度");
    assert_eq!(&headers[4], "单元格");
    assert_eq!(&headers[8], "单位代码");
    let rec = rdr.records().next().unwrap().unwrap();
    assert_eq!(&rec[0], "错误");
    assert_eq!(&rec[1], "cell.type");
    assert_eq!(&rec[4], "F2");
    // A value that a spreadsheet would run as a formula is written as text,
    // and a 12-digit organisation code stays text (not 4.29901E+11).
    assert!(rec[9].starts_with("'="), "{:?}", &rec[9]);
    assert!(
        rec[8].is_empty() || (rec[8].starts_with("=\"") && rec[8].len() > 14),
        "{:?}",
        &rec[8]
    );
    let r = w.run(&[
        "validate", "a.xlsx", "--period", "2026Q3", "--format", "csv", "--lang", "en",
    ]);
    let body = r.stdout.strip_prefix('\u{feff}').expect("a BOM");
    let mut rdr = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(&rdr.headers().unwrap()[0], "severity");
    assert_eq!(&rdr.records().next().unwrap().unwrap()[0], "error");
}

#[test]
fn same_inputs_same_output_across_thread_counts() {
    let w = Workdir::new();
    let c = county();
    for k in 0..6 {
        let mut b = plain_community(&c);
        put(&mut b, "会议活动", &format!("F{}", k + 2), s("x"));
        w.book(&format!("in/{k}.xlsx"), &b);
    }
    let a = w.run(&[
        "validate", "in", "--period", "2026Q3", "--format", "json", "-j", "1",
    ]);
    let b = w.run(&[
        "validate", "in", "--period", "2026Q3", "--format", "json", "-j", "4",
    ]);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.code, 1);
}

#[test]
fn inputs_are_never_modified() {
    let w = Workdir::new();
    let c = county();
    let p = w.book("a.xlsx", &plain_community(&c));
    let before = std::fs::read(&p).unwrap();
    let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
    w.run(&["validate", "a.xlsx", "--period", "2026Q3"]);
    assert_eq!(std::fs::read(&p).unwrap(), before);
    assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), mtime);
}

#[test]
fn broken_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let w = Workdir::new();
    let c = county();
    for k in 0..30 {
        let mut b = plain_community(&c);
        put(&mut b, "会议活动", "F2", s("x"));
        w.book(&format!("in/{k}.xlsx"), &b);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_pbstat"))
        .args(["validate", "in", "--period", "2026Q3"])
        .current_dir(w.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(status.code().is_some(), "ended by a signal");
}

#[test]
fn timings_go_to_stderr_only_when_asked() {
    let w = Workdir::new();
    let c = county();
    w.book("ok.xlsx", &plain_community(&c));
    let quiet = w.run(&["validate", "ok.xlsx", "--period", "2026Q3"]);
    assert!(!quiet.stderr.contains("pbstat-timing"), "{}", quiet.stderr);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pbstat"))
        .args(["validate", "ok.xlsx", "--period", "2026Q3"])
        .current_dir(w.root())
        .env("PBSTAT_TIMINGS", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    for phase in ["setup", "read+validate", "done"] {
        assert!(
            err.lines()
                .any(|l| l.starts_with("pbstat-timing") && l.contains(phase) && l.contains("MB")),
            "phase {phase}: {err}"
        );
    }
    // Standard output is the same result as without timings.
    assert_eq!(String::from_utf8_lossy(&out.stdout), quiet.stdout);
    assert_eq!(out.status.code(), Some(quiet.code));
}

/// A file reached twice — through a link, or named again as a second PATH —
/// is one submission; the registry is never a submission, whatever a link
/// to it is called. (Only such files are resolved to their real paths.)
#[test]
fn links_and_repeated_paths_count_a_file_once_and_skip_the_registry() {
    let w = Workdir::new();
    let c = county();
    w.book("in/a.xlsx", &plain_community(&c));
    w.book("reg/registry.xlsx", &registry_book(&c));
    std::os::unix::fs::symlink(w.path("in/a.xlsx"), w.path("in/b.xlsx")).unwrap();
    std::os::unix::fs::symlink(w.path("reg/registry.xlsx"), w.path("in/c.xlsx")).unwrap();
    let files = |args: &[&str]| {
        let mut a = vec!["validate", "--period", "2026Q3", "--format", "json"];
        a.extend_from_slice(args);
        w.run(&a).json()["summary"]["files"].as_u64().unwrap()
    };
    // Without a registry the link to it is just another workbook.
    assert_eq!(files(&["in"]), 2);
    assert_eq!(files(&["in", "--registry", "reg/registry.xlsx"]), 1);
    assert_eq!(
        files(&["in", "in/a.xlsx", "--registry", "reg/registry.xlsx"]),
        1
    );
    // No links, one folder: the registry inside it is skipped by its name.
    let v = Workdir::new();
    v.book("in/a.xlsx", &plain_community(&c));
    v.book("in/registry.xlsx", &registry_book(&c));
    let r = v.run(&[
        "validate",
        "in",
        "--period",
        "2026Q3",
        "--format",
        "json",
        "--registry",
        "in/registry.xlsx",
    ]);
    assert_eq!(r.json()["summary"]["files"], 1);
}
