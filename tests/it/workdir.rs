//! A scratch folder per test and a way to run the real pbstat in it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::book::{write_book, SheetSpec, V};
use crate::support::county::{community_book, generate, registry_book, unit_book, County, Hand};

pub struct Workdir {
    dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A fixed roster key for every test run (reports.md §5.3), so that the
/// roster hashes under state/ are the same on every machine and the real
/// home's key is never made or used.
pub fn roster_key() -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-roster.key");
    if std::fs::read(&p).map(|k| k.len()).ok() != Some(32) {
        let tmp = p.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, *b"pbstat test roster key, 32 bytes").unwrap();
        std::fs::rename(&tmp, &p).unwrap();
    }
    p
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn book(&self, rel: &str, sheets: &[SheetSpec]) -> PathBuf {
        let p = self.path(rel);
        write_book(&p, sheets);
        p
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// pbstat with these arguments, in this folder, with a neutral locale
    /// and the tests' roster key: two runs on the same inputs write the
    /// same roster hashes.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pbstat"));
        c.args(args)
            .current_dir(self.root())
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .env("PBSTAT_ROSTER_KEY", roster_key());
        c
    }

    /// Run pbstat with these arguments, in this folder, with a neutral locale.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().expect("run pbstat");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `pbstat aggregate INPUT --period 2026Q3 --registry registry.xlsx -o OUT EXTRA…`
    pub fn aggregate(&self, input: &str, out: &str, extra: &[&str]) -> Run {
        self.aggregate_period(input, "2026Q3", out, extra)
    }

    /// `pbstat aggregate INPUT --period PERIOD --registry registry.xlsx -o
    /// OUT EXTRA…`: one period of the test county.
    pub fn aggregate_period(&self, input: &str, period: &str, out: &str, extra: &[&str]) -> Run {
        let mut a = vec![
            "aggregate",
            input,
            "--period",
            period,
            "--registry",
            "registry.xlsx",
            "-o",
            out,
        ];
        a.extend_from_slice(extra);
        self.run(&a)
    }

    /// `pbstat aggregate` of the month M of 2026 from `in{M}` into `m{M}`
    /// (the registry's), with EXTRA….
    pub fn aggregate_month(&self, m: u8, extra: &[&str]) -> Run {
        self.aggregate_period(
            &format!("in{m}"),
            &format!("2026-{m:02}"),
            &format!("m{m}"),
            extra,
        )
    }

    /// `pbstat aggregate` of earlier outputs INPUTS into the roll-up OUT of
    /// PERIOD, with EXTRA….
    pub fn rollup(&self, inputs: &[&str], period: &str, out: &str, extra: &[&str]) -> Run {
        let mut a = vec!["aggregate"];
        a.extend_from_slice(inputs);
        a.extend_from_slice(&["--period", period, "-o", out]);
        a.extend_from_slice(extra);
        self.run(&a)
    }

    /// `pbstat aggregate` of data-samples/ for 2026Q3 with its registry,
    /// into OUT, with EXTRA….
    pub fn aggregate_samples(&self, out: &str, extra: &[&str]) -> Run {
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
        let reg = samples.join("registry.xlsx");
        let mut a = vec![
            "aggregate",
            samples.to_str().unwrap(),
            "--period",
            "2026Q3",
            "--registry",
            reg.to_str().unwrap(),
            "-o",
            out,
        ];
        a.extend_from_slice(extra);
        self.run(&a)
    }

    /// `pbstat validate ARGS --format json` and its parsed diagnostics.
    pub fn validate_json(&self, args: &[&str]) -> (Run, Vec<Value>) {
        let mut a = vec!["validate"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--format", "json"]);
        let r = self.run(&a);
        let diags = r.diags();
        (r, diags)
    }

    /// The per-rule summary (`rules`) of `pbstat check ARGS --format json`.
    pub fn check_rules(&self, args: &[&str]) -> Vec<Value> {
        let mut a = vec!["check"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--format", "json"]);
        self.run(&a).json()["rules"]
            .as_array()
            .cloned()
            .expect("rules in check's JSON")
    }
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn diags(&self) -> Vec<Value> {
        match serde_json::from_str::<Value>(&self.stdout) {
            Ok(v) => v["diagnostics"].as_array().cloned().unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }
}

/// Diagnostics with this code.
pub fn with_code<'a>(diags: &'a [Value], code: &str) -> Vec<&'a Value> {
    diags.iter().filter(|d| d["code"] == code).collect()
}

/// Assert one diagnostic of `code` stands at `cell` (and return it).
pub fn expect_at<'a>(diags: &'a [Value], code: &str, cell: &str) -> &'a Value {
    diags
        .iter()
        .find(|d| d["code"] == code && d["cell"] == cell)
        .unwrap_or_else(|| panic!("no {code} at {cell}; got:\n{}", pretty(diags)))
}

pub fn expect_code<'a>(diags: &'a [Value], code: &str) -> &'a Value {
    diags
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code}; got:\n{}", pretty(diags)))
}

pub fn expect_none(diags: &[Value], code: &str) {
    let hits = with_code(diags, code);
    assert!(hits.is_empty(), "unexpected {code}:\n{}", pretty(diags));
}

pub fn pretty(diags: &[Value]) -> String {
    diags
        .iter()
        .map(|d| {
            format!(
                "  {} {} {} {} {}",
                d["code"], d["sheet"], d["cell"], d["row"], d["message"]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Set a cell by its A1 reference in a sheet of a book under construction.
pub fn put(book: &mut [SheetSpec], sheet: &str, cell: &str, v: V) {
    let sh = book
        .iter_mut()
        .find(|s| s.name == sheet)
        .unwrap_or_else(|| panic!("no sheet {sheet}"));
    let letters: String = cell
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let row: usize = cell[letters.len()..].parse().expect("row number");
    let col = letters
        .bytes()
        .fold(0usize, |n, b| n * 26 + (b - b'A' + 1) as usize)
        - 1;
    let r = row - 1 - sh.offset as usize;
    while sh.rows.len() <= r {
        sh.rows.push(Vec::new());
    }
    let line = &mut sh.rows[r];
    while line.len() <= col {
        line.push(V::E);
    }
    line[col] = v;
}

/// The small test county: one street, two communities, two units.
pub fn county() -> County {
    generate(11, 1, 2, 2, 24)
}

/// A community workbook as the template intends it. Layout (plain hand):
/// 封面 labels in A3.., values in B; 在职党员报到 header row 1, data from
/// row 2, columns A 序号 B 姓名 C 身份证号 D 性别 E 工作单位 F 工作单位代码
/// G 报到日期 H 认领岗位 I 服务次数 J 服务时长; 会议活动 A 序号 B 日期
/// C 会议类型 D 议题 E 应到人数 F 实到人数 G 解决问题数; 民生事项 A 序号
/// B 事项编号 C 受理日期 D 来源 E 类别 F 办理状态 G 办结日期 H 满意度.
pub fn plain_community(c: &County) -> Vec<SheetSpec> {
    community_book(c, &c.communities[0], &Hand::plain())
}

pub fn plain_unit(c: &County) -> Vec<SheetSpec> {
    unit_book(c, &c.units[0], &Hand::plain())
}

/// Every community and unit of the county as a plain workbook under `dir`.
pub fn write_county(w: &Workdir, c: &County, dir: &str) {
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

/// Write the county's registry and return its path as an argument.
pub fn registry(w: &Workdir, c: &County) -> String {
    w.book("registry.xlsx", &registry_book(c));
    "registry.xlsx".to_string()
}

/// The county's output for the quarter before (2026Q2, dates moved back a
/// quarter) into `out`: what `--previous` compares against.
pub fn last_quarter_output(w: &Workdir, c: &County, out: &str) {
    write_county(w, &c.in_quarter(2), "q2");
    let r = w.run(&[
        "aggregate",
        "q2",
        "--period",
        "2026Q2",
        "--registry",
        "registry.xlsx",
        "-o",
        out,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Every enum value (`values` of a `[[fields]]`) of the given schema files'
/// texts.
pub fn enum_values<'a>(
    texts: impl IntoIterator<Item = &'a str>,
) -> std::collections::BTreeSet<String> {
    let mut values = std::collections::BTreeSet::new();
    for text in texts {
        let t: toml::Value = toml::from_str(text).unwrap();
        let fields = t.get("fields").and_then(|f| f.as_array());
        for f in fields.into_iter().flatten() {
            let vs = f.get("values").and_then(|v| v.as_array());
            values.extend(
                vs.into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str())
                    .map(String::from),
            );
        }
    }
    values
}

/// The text cells of a sheet of a workbook, row by row.
pub fn sheet_strings(book: &Path, sheet: &str) -> Vec<String> {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(book).unwrap();
    wb.worksheet_range(sheet)
        .unwrap()
        .rows()
        .flat_map(|r| r.iter())
        .filter_map(|d| match d {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}
