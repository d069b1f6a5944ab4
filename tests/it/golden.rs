//! Golden outputs: what pbstat writes and prints for two whole counties, kept
//! under tests/golden/ and compared byte for byte (parquet and report.xlsx as
//! their decoded values). A refactor must leave every one of them unchanged;
//! a deliberate change of output is blessed with `PBSTAT_BLESS=1 make test`
//! and reviewed in the diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::county::{community_book, generate, registry_book, unit_book, Hand};
use crate::workdir::{Run, Workdir};

/// Everything one case produces: a relative name → its text.
type Shots = BTreeMap<String, String>;

fn golden_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(case)
}

fn run_text(r: &Run) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        r.code, r.stdout, r.stderr
    )
}

/// Record a command's exit status and both streams.
fn shoot(w: &Workdir, shots: &mut Shots, name: &str, args: &[&str]) {
    let mut a: Vec<&str> = args.to_vec();
    a.push("--no-progress");
    let r = w.run(&a);
    shots.insert(
        format!("{name}.txt"),
        format!("$ pbstat {}\n{}", args.join(" "), run_text(&r)),
    );
}

/// Record every file of an output folder: text files as they are, parquet
/// and xlsx as their decoded cells.
fn shoot_folder(w: &Workdir, shots: &mut Shots, rel: &str) {
    let mut files = Vec::new();
    walk(&w.path(rel), &mut files);
    files.sort();
    for f in files {
        let name = f
            .strip_prefix(w.root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        let (key, text) = match ext {
            "parquet" => (format!("{name}.txt"), parquet_text(&f)),
            "xlsx" => (format!("{name}.txt"), xlsx_text(&f)),
            _ => (
                name,
                String::from_utf8(std::fs::read(&f).unwrap()).expect("a text output"),
            ),
        };
        shots.insert(key, text);
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn parquet_text(path: &Path) -> String {
    use polars::prelude::*;
    let file = std::fs::File::open(path).unwrap();
    let df = ParquetReader::new(file).finish().expect("parquet reads");
    let mut s = String::new();
    for c in df.columns() {
        s.push_str(&format!("{}: {}\n", c.name(), c.dtype()));
    }
    for i in 0..df.height() {
        let row: Vec<String> = df
            .columns()
            .iter()
            .map(|c| format!("{}", c.get(i).unwrap()))
            .collect();
        s.push_str(&row.join(" | "));
        s.push('\n');
    }
    s
}

fn xlsx_text(path: &Path) -> String {
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(path).expect("xlsx opens");
    let mut s = String::new();
    for name in wb.sheet_names() {
        s.push_str(&format!("== {name}\n"));
        let range = wb.worksheet_range(&name).unwrap();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, c, v) in range.used_cells() {
            let v = match v {
                Data::Empty => continue,
                Data::String(t) => format!("s {t:?}"),
                Data::Float(x) => format!("n {x}"),
                Data::Int(x) => format!("n {x}"),
                Data::Bool(b) => format!("b {b}"),
                other => format!("{other:?}"),
            };
            s.push_str(&format!("{} {v}\n", a1(r0 + r as u32, c0 + c as u32)));
        }
    }
    s
}

fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8(letters).unwrap(), row + 1)
}

/// Compare with (or, blessed, rewrite) tests/golden/<case>/.
fn compare(case: &str, shots: &Shots) {
    let dir = golden_dir(case);
    if std::env::var_os("PBSTAT_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        for (name, text) in shots {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
        return;
    }
    let mut stored = Vec::new();
    walk(&dir, &mut stored);
    let stored: Vec<String> = {
        let mut v: Vec<String> = stored
            .iter()
            .map(|p| {
                p.strip_prefix(&dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        v.sort();
        v
    };
    let made: Vec<String> = shots.keys().cloned().collect();
    assert_eq!(
        stored, made,
        "the set of golden files of {case} changed (PBSTAT_BLESS=1 to accept)"
    );
    let mut changed = Vec::new();
    for (name, text) in shots {
        let want = std::fs::read_to_string(dir.join(name)).unwrap();
        if &want != text {
            let line = want
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| want.lines().count().min(text.lines().count()));
            changed.push(format!(
                "{name}: first difference at line {}\n  golden: {:?}\n  now:    {:?}",
                line + 1,
                want.lines().nth(line).unwrap_or("<end>"),
                text.lines().nth(line).unwrap_or("<end>")
            ));
        }
    }
    assert!(
        changed.is_empty(),
        "golden outputs of {case} changed (PBSTAT_BLESS=1 to accept):\n{}",
        changed.join("\n")
    );
}

/// A command line: the subcommand, the case's common arguments, the rest.
fn joined(
    head: &[&'static str],
    base: &[&'static str],
    tail: &[&'static str],
) -> Vec<&'static str> {
    [head, base, tail].concat()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let t = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

#[test]
fn data_samples_outputs_are_unchanged() {
    let w = Workdir::new();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples"),
        &w.path("data-samples"),
    );
    let mut shots = Shots::new();
    let base = [
        "data-samples",
        "--period",
        "2026Q3",
        "--registry",
        "data-samples/registry.xlsx",
    ];
    let with = |head: &[&'static str], tail: &[&'static str]| joined(head, &base, tail);
    shoot(
        &w,
        &mut shots,
        "aggregate",
        &with(&["aggregate"], &["-o", "out"]),
    );
    shoot_folder(&w, &mut shots, "out");
    shoot(
        &w,
        &mut shots,
        "aggregate_json",
        &with(&["aggregate"], &["-o", "out_json", "--format", "json"]),
    );
    for (name, fmt) in [("validate", "text"), ("validate_json", "json")] {
        shoot(
            &w,
            &mut shots,
            name,
            &with(&["validate"], &["--format", fmt]),
        );
    }
    for (name, fmt) in [("check", "text"), ("check_json", "json")] {
        shoot(&w, &mut shots, name, &with(&["check"], &["--format", fmt]));
    }
    for fmt in ["text", "markdown", "json", "html"] {
        shoot(
            &w,
            &mut shots,
            &format!("report_{fmt}"),
            &["report", "out", "--format", fmt],
        );
    }
    shoot(
        &w,
        &mut shots,
        "validate_broken",
        &["validate", "data-samples/broken", "--period", "2026Q3"],
    );
    shoot(
        &w,
        &mut shots,
        "validate_broken_json",
        &[
            "validate",
            "data-samples/broken",
            "--period",
            "2026Q3",
            "--format",
            "json",
        ],
    );
    shoot(
        &w,
        &mut shots,
        "schema_list_json",
        &["schema", "list", "--format", "json"],
    );
    shoot(
        &w,
        &mut shots,
        "template_json",
        &[
            "template",
            "--kind",
            "community",
            "-o",
            "t",
            "--format",
            "json",
        ],
    );
    compare("data-samples", &shots);
}

/// A generated county of two streets, written in every hand the generator
/// knows, with a community missing, a submission twice, and last quarter's
/// output beside it for `--previous`.
#[test]
fn generated_county_outputs_are_unchanged() {
    let w = Workdir::new();
    let c = generate(23, 2, 3, 4, 16);
    w.book("registry.xlsx", &registry_book(&c));
    for (k, cm) in c.communities.iter().enumerate().skip(1) {
        let book = community_book(&c, cm, &Hand::messy(k));
        w.book(&format!("in/{}.xlsx", cm.code), &book);
        if k == 2 {
            w.book(&format!("in/{}_重报.xlsx", cm.code), &book);
        }
    }
    for (k, u) in c.units.iter().enumerate() {
        w.book(
            &format!("in/驻区单位/{}.xlsx", u.code),
            &unit_book(&c, u, &Hand::messy(k + 5)),
        );
    }
    // Last quarter another draw of the same county, so figures move.
    let q2 = generate(24, 2, 3, 4, 30).in_quarter(2);
    for cm in &q2.communities {
        w.book(
            &format!("q2/{}.xlsx", cm.code),
            &community_book(&q2, cm, &Hand::plain()),
        );
    }
    for u in &q2.units {
        w.book(
            &format!("q2/{}.xlsx", u.code),
            &unit_book(&q2, u, &Hand::plain()),
        );
    }
    let mut shots = Shots::new();
    shoot(
        &w,
        &mut shots,
        "aggregate_q2",
        &[
            "aggregate",
            "q2",
            "--period",
            "2026Q2",
            "--registry",
            "registry.xlsx",
            "-o",
            "prev",
        ],
    );
    let base = [
        "in",
        "--period",
        "2026Q3",
        "--registry",
        "registry.xlsx",
        "--previous",
        "prev",
    ];
    let with = |head: &[&'static str], tail: &[&'static str]| joined(head, &base, tail);
    shoot(
        &w,
        &mut shots,
        "aggregate_refused",
        &with(&["aggregate"], &["-o", "refused"]),
    );
    shoot(
        &w,
        &mut shots,
        "aggregate",
        &with(&["aggregate"], &["-o", "out", "--exclude-invalid"]),
    );
    shoot_folder(&w, &mut shots, "out");
    shoot(
        &w,
        &mut shots,
        "aggregate_json",
        &with(
            &["aggregate"],
            &["-o", "out_json", "--exclude-invalid", "--format", "json"],
        ),
    );
    for (name, fmt) in [("check", "text"), ("check_json", "json")] {
        shoot(&w, &mut shots, name, &with(&["check"], &["--format", fmt]));
    }
    for (name, fmt) in [("validate", "text"), ("validate_json", "json")] {
        shoot(
            &w,
            &mut shots,
            name,
            &[
                "validate",
                "in",
                "--period",
                "2026Q3",
                "--registry",
                "registry.xlsx",
                "--format",
                fmt,
            ],
        );
    }
    for fmt in ["text", "json", "html"] {
        shoot(
            &w,
            &mut shots,
            &format!("report_{fmt}"),
            &["report", "out", "--format", fmt],
        );
    }
    compare("county", &shots);
}
