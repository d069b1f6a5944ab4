//! What people look at and type: charts in the workbook, the HTML summary in
//! a real browser, help whose examples run, completions, settings for
//! scripted runs, JSON everywhere.

use std::io::Read;
use std::path::Path;
use std::process::Command;

use crate::workdir::*;

fn copy_dir(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if skip.contains(&name.as_str()) {
            continue;
        }
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(&name), skip);
        } else {
            std::fs::copy(&p, to.join(&name)).unwrap();
        }
    }
}

fn samples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples")
}

/// A workdir holding the sample county as `submissions/` and `registry.xlsx`.
fn sample_workdir() -> Workdir {
    let w = Workdir::new();
    copy_dir(
        &samples(),
        &w.path("submissions"),
        &["broken", "2026Q2", "registry.xlsx", ".pbstatignore"],
    );
    std::fs::copy(samples().join("registry.xlsx"), w.path("registry.xlsx")).unwrap();
    std::fs::copy(
        samples().join("城关街道/南门社区.xlsx"),
        w.path("城关社区.xlsx"),
    )
    .unwrap();
    w
}

fn zip_texts(path: &Path, prefix: &str) -> Vec<(String, String)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let name = e.name().unwrap().to_string();
        if name.starts_with(prefix) {
            let mut t = String::new();
            e.read_to_string(&mut t).unwrap();
            out.push((name, t));
        }
    }
    out.sort();
    out
}

#[test]
fn report_workbook_has_live_charts_reading_the_tables() {
    let w = sample_workdir();
    let r = w.aggregate("submissions", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let charts = zip_texts(&w.path("out/report.xlsx"), "xl/charts/chart");
    assert_eq!(charts.len(), 4, "four charts");
    let all: String = charts.iter().map(|(_, t)| t.as_str()).collect();
    // Streets: 城关街道, 东城街道 in rows 5–6 of 图表 (header on row 4).
    assert!(
        all.contains("<c:f>图表!$A$5:$A$6</c:f>") && all.contains("<c:f>图表!$B$5:$B$6</c:f>"),
        "completion rate by street"
    );
    assert!(
        all.contains("<c:f>图表!$D$5:$D$6</c:f>"),
        "submission rate by street"
    );
    assert!(
        all.contains("<c:f>图表!$B$10:$B$15</c:f>"),
        "registered members of the six communities"
    );
    assert!(
        all.contains("<c:f>图表!$C$19:$C$27</c:f>"),
        "required meetings of the nine types"
    );
    assert!(all.contains("办结率与满意率") && all.contains("<c:numFmt formatCode=\"0%\""));
    assert!(all.contains("<c:lineChart>"), "the target as a line");
    // The chart tables are formulas into the table sheets.
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(w.path("out/report.xlsx")).unwrap();
    let f = wb.worksheet_formula("图表").unwrap();
    let formulas: Vec<String> = f
        .used_cells()
        .map(|(_, _, v)| v.clone())
        .filter(|v| !v.is_empty())
        .collect();
    assert!(
        formulas.iter().any(|v| v.contains("T4完成率与满意度")),
        "{formulas:?}"
    );
    assert!(formulas.iter().any(|v| v.contains("T1在职党员报到")));
    let vals = wb.worksheet_range("图表").unwrap();
    assert!(
        vals.used_cells()
            .any(|(_, _, v)| matches!(v, calamine::Data::Float(x) if *x > 0.0 && *x <= 1.0)),
        "cached values for viewers"
    );
}

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|_| b.to_string())
        })
}

fn browser(bin: &str, profile: &Path, extra: &[&str], url: &str) -> std::process::Output {
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap()
}

/// Share of pixels that are not near-white in a PNG.
fn ink(png_path: &Path) -> f64 {
    let dec = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let ch = info.color_type.samples();
    let px = &buf[..info.buffer_size()];
    let dark = px
        .chunks(ch)
        .filter(|p| p.iter().take(3).any(|&c| c < 200))
        .count();
    dark as f64 / (px.len() / ch) as f64
}

#[test]
fn html_summary_renders_its_charts_in_a_browser() {
    let w = sample_workdir();
    assert_eq!(w.aggregate("submissions", "out", &[]).code, 0);
    let r = w.run(&["report", "out", "--format", "html", "-o", "summary.html"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(w.path("summary.html")).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert_eq!(html.matches("<figure class=\"chart\"><svg").count(), 4);
    for forbidden in ["<script", "http://", "https://", "@import", "url("] {
        let hits: Vec<&str> = html.matches(forbidden).collect();
        // The SVG namespace is the one URL allowed: it is not fetched.
        let ok = hits.len() == html.matches("http://www.w3.org/2000/svg").count()
            && forbidden == "http://";
        assert!(hits.is_empty() || ok, "self-contained: found {forbidden}");
    }
    assert!(
        html.contains("催报名单") && html.contains("未纳入汇总") && html.contains("未达到考核要求")
    );
    assert!(html.contains("@media print"));
    let Some(bin) = chromium() else {
        assert!(
            std::env::var("PBSTAT_REQUIRE_BROWSER").is_err(),
            "Chromium was promised but is not runnable"
        );
        eprintln!("Chromium not installed: browser part skipped");
        return;
    };
    let url = format!("file://{}", w.path("summary.html").display());
    let dom = browser(&bin, &w.path("p1"), &["--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        dom.matches("<svg").count(),
        4,
        "the DOM has the four charts"
    );
    assert!(dom.matches("<rect").count() > 20, "the charts have bars");
    for (name, size) in [("desktop", "1280,1600"), ("phone", "390,2400")] {
        let shot = w.path(&format!("{name}.png"));
        let o = browser(
            &bin,
            &w.path(&format!("p-{name}")),
            &[
                &format!("--window-size={size}"),
                &format!("--screenshot={}", shot.display()),
            ],
            &url,
        );
        assert!(
            shot.exists(),
            "{name}: no screenshot: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let share = ink(&shot);
        assert!(
            share > 0.05,
            "{name}: the screenshot is blank ({share:.3} ink)"
        );
    }
}

/// Every example printed by `--help` runs against the sample county.
#[test]
fn help_examples_run() {
    let w = sample_workdir();
    assert_eq!(w.aggregate("submissions", "report-2026-09", &[]).code, 0);
    for county in ["城关县", "南湖县"] {
        std::fs::create_dir_all(w.path(county)).unwrap();
        std::fs::copy(
            w.path("report-2026-09/report.xlsx"),
            w.path(&format!("{county}/report.xlsx")),
        )
        .unwrap();
    }
    let top = w.run(&["--help"]);
    let order = [
        "validate",
        "check",
        "aggregate",
        "report",
        "template",
        "schema",
        "completions",
    ];
    let pos: Vec<usize> = order
        .iter()
        .map(|c| {
            top.stdout
                .find(&format!("  {c} "))
                .unwrap_or_else(|| panic!("{c} not in help"))
        })
        .collect();
    assert!(
        pos.windows(2).all(|p| p[0] < p[1]),
        "commands in the order a user meets them"
    );
    let mut ran = 0;
    for sub in order {
        for lang in ["zh", "en"] {
            let help = w.run(&[sub, "--help", "--lang", lang]);
            assert_eq!(help.code, 0);
            let first = help.stdout.lines().next().unwrap();
            assert!(
                !first.is_empty() && (lang == "en" || !first.is_ascii()),
                "{sub}: opens with a sentence in {lang}: {first}"
            );
            let marker = if lang == "zh" {
                "示例："
            } else {
                "Examples:"
            };
            let examples: Vec<&str> = help
                .stdout
                .split(marker)
                .nth(1)
                .unwrap_or_else(|| panic!("{sub} --help has no examples"))
                .lines()
                .filter(|l| l.trim_start().starts_with("pbstat "))
                .collect();
            assert!(
                (2..=4).contains(&examples.len()),
                "{sub}: {} examples",
                examples.len()
            );
            if lang == "en" {
                continue;
            }
            for ex in examples {
                let args: Vec<&str> = ex
                    .split_whitespace()
                    .skip(1)
                    .take_while(|a| *a != ">")
                    .collect();
                let r = w.run(&args);
                assert!(
                    r.code == 0 || r.code == 1,
                    "`{ex}` exited {}: {}",
                    r.code,
                    r.stderr
                );
                assert!(!r.stderr.contains("panicked"));
                ran += 1;
            }
        }
    }
    assert!(ran >= 18, "{ran} examples ran");
}

#[test]
fn completions_for_every_shell() {
    let w = Workdir::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = w.run(&["completions", shell]);
        assert_eq!(r.code, 0);
        assert!(
            r.stdout.contains("pbstat") && r.stdout.contains("aggregate") && r.stdout.len() > 1000,
            "{shell}"
        );
    }
    assert_eq!(w.run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn settings_precedence_flag_env_file_default() {
    let w = sample_workdir();
    // The file names the registry: used when nothing else does.
    std::fs::write(
        w.path("pbstat.toml"),
        "registry = \"registry.xlsx\"\noutput = \"from-file\"\n",
    )
    .unwrap();
    let r = w.run(&[
        "check",
        "submissions",
        "--period",
        "2026Q3",
        "--format",
        "json",
    ]);
    assert!(
        r.json()["missing"].is_array(),
        "the registry from the file was used"
    );
    let run_env = |env: &[(&str, &str)], args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pbstat"));
        c.args(args).current_dir(w.root()).env_remove("LANG");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    // The environment beats the file…
    let o = run_env(
        &[("PBSTAT_REGISTRY", "nope.xlsx")],
        &["validate", "submissions", "--period", "2026Q3"],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "PBSTAT_REGISTRY beats pbstat.toml"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope.xlsx"));
    // …and the flag beats the environment.
    let o = run_env(
        &[("PBSTAT_REGISTRY", "nope.xlsx")],
        &[
            "validate",
            "submissions",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    // Output folder from the file, then from the environment.
    assert_eq!(
        w.run(&["aggregate", "submissions", "--period", "2026Q3", "-q"])
            .code,
        0
    );
    assert!(w.path("from-file/report.xlsx").exists());
    let o = run_env(
        &[("PBSTAT_OUTPUT", "from-env")],
        &["aggregate", "submissions", "--period", "2026Q3", "-q"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(w.path("from-env/report.xlsx").exists());
    assert!(
        o.stdout.is_empty(),
        "-q prints nothing when there is no error"
    );
    // Language: flag > PBSTAT_LANG > file > LANG > Chinese.
    let msg = |env: &[(&str, &str)], args: &[&str]| {
        String::from_utf8_lossy(&run_env(env, args).stdout).into_owned()
    };
    let v = ["validate", "城关社区.xlsx", "--period", "2026Q2"];
    assert!(msg(&[], &v).contains("错误"));
    assert!(msg(&[("LANG", "en_US.UTF-8")], &v).contains("error ["));
    assert!(msg(&[("LANG", "zh_CN.UTF-8")], &v).contains("错误"));
    assert!(msg(&[("LANG", "en_US.UTF-8"), ("PBSTAT_LANG", "zh")], &v).contains("错误"));
    let mut with_lang: Vec<&str> = v.to_vec();
    with_lang.extend(["--lang", "en"]);
    assert!(msg(&[("PBSTAT_LANG", "zh")], &with_lang).contains("error ["));
    // A broken settings file stops the run with its name, line and what
    // may be written, in Chinese (serde's English before).
    std::fs::write(w.path("pbstat.toml"), "# 本县\nregisty = 1\n").unwrap();
    let r = w.run(&["validate", "submissions"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "配置文件 pbstat.toml 第 2 行 有误：`registy` 不是可写的项；可写的有 `registry`"
        ),
        "{}",
        r.stderr
    );
    // Saved as GBK (Notepad's "ANSI"), it is read.
    let (gbk, _, _) = encoding_rs::GBK.encode("# 本县设置\nlang = \"zh\"\n");
    std::fs::write(w.path("pbstat.toml"), &*gbk).unwrap();
    let r = w.run(&["validate", "submissions"]);
    assert_ne!(r.code, 2, "{}", r.stderr);
}

#[test]
fn json_everywhere_is_one_document() {
    let w = sample_workdir();
    let cmds: Vec<Vec<&str>> = vec![
        vec![
            "validate",
            "submissions",
            "--period",
            "2026Q3",
            "--format",
            "json",
        ],
        vec![
            "check",
            "submissions",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "--format",
            "json",
        ],
        vec![
            "aggregate",
            "submissions",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "-o",
            "out",
            "--format",
            "json",
        ],
        vec!["report", "out", "--format", "json"],
        vec![
            "template", "--kind", "unit", "-o", "t.xlsx", "--format", "json",
        ],
        vec!["schema", "list", "--format", "json"],
    ];
    for c in cmds {
        let r = w.run(&c);
        assert!(r.code <= 1, "{c:?}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{c:?}: not one JSON document ({e}): {}", r.stdout));
        assert!(v.is_object(), "{c:?}");
    }
    let v = w
        .run(&[
            "aggregate",
            "submissions",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "-o",
            "out",
            "--format",
            "json",
        ])
        .json();
    assert_eq!(v["accepted"], 17);
    assert!(v["report"].as_str().unwrap().ends_with("report.xlsx"));
}

/// LibreOffice and poppler, to print a workbook as a person would. When
/// PBSTAT_REQUIRE_LIBREOFFICE is set (CI installs them) their absence fails.
fn printer() -> Option<()> {
    let ok = |b: &str, a: &str| {
        Command::new(b)
            .arg(a)
            .output()
            .is_ok_and(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty())
    };
    if ok("soffice", "--version") && ok("pdftotext", "-v") && ok("pdfinfo", "-v") {
        return Some(());
    }
    assert!(
        std::env::var_os("PBSTAT_REQUIRE_LIBREOFFICE").is_none(),
        "LibreOffice (soffice) and poppler-utils are required here"
    );
    eprintln!("skipped: no LibreOffice/poppler-utils to print the workbooks with");
    None
}

/// `book` printed to PDF by LibreOffice: (pages, text of each page, and
/// each page's words with their boxes).
fn print_pdf(w: &Workdir, book: &Path) -> (usize, Vec<String>, Vec<String>) {
    let out = w.path("pdf");
    let profile = w.path("lo-profile");
    let st = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .arg(book)
        .output()
        .unwrap();
    let pdf = out.join(book.file_stem().unwrap()).with_extension("pdf");
    assert!(pdf.is_file(), "{}", String::from_utf8_lossy(&st.stderr));
    let info =
        String::from_utf8(Command::new("pdfinfo").arg(&pdf).output().unwrap().stdout).unwrap();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let page = |k: usize, bbox: bool| {
        let mut c = Command::new("pdftotext");
        c.args(["-f", &k.to_string(), "-l", &k.to_string()]);
        if bbox {
            c.arg("-bbox");
        }
        String::from_utf8(c.arg(&pdf).arg("-").output().unwrap().stdout).unwrap()
    };
    let texts = (1..=pages).map(|k| page(k, false)).collect();
    let boxes = (1..=pages).map(|k| page(k, true)).collect();
    (pages, texts, boxes)
}

/// The heights of the boxes of `word` in a page's `-bbox` output.
fn word_heights(bbox: &str, word: &str) -> Vec<f64> {
    bbox.lines()
        .filter(|l| l.contains(&format!(">{word}</word>")))
        .filter_map(|l| {
            let get = |k: &str| -> Option<f64> {
                let at = l.find(&format!("{k}=\""))? + k.len() + 2;
                l[at..].split('"').next()?.parse().ok()
            };
            Some(get("yMax")? - get("yMin")?)
        })
        .collect()
}

/// The printed report: T4 readable on one page (its parts hidden), the
/// left-out reasons and the definitions whole (rows as tall as their text),
/// titles not split; the annotated copy's messages whole.
#[test]
fn report_and_annotated_copy_print_readably() {
    if printer().is_none() {
        return;
    }
    let w = sample_workdir();
    // Broken submissions among the good ones: 未纳入汇总 has long reasons.
    for e in std::fs::read_dir(samples().join("broken"))
        .unwrap()
        .flatten()
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "xlsx") {
            std::fs::copy(
                &p,
                w.path(&format!("submissions/{}", e.file_name().to_string_lossy())),
            )
            .unwrap();
        }
    }
    let r = w.run(&[
        "aggregate",
        "submissions",
        "--period",
        "2026Q3",
        "--registry",
        "registry.xlsx",
        "--exclude-invalid",
        "-o",
        "out",
        "-q",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let (pages, texts, boxes) = print_pdf(&w, &w.path("out/report.xlsx"));
    // T0–T4 and T3b, T5–T10 and T6b, the charts, 未纳入汇总, 审核汇总 and 说明
    // (every column's definition): a page or two each, the widest two pages
    // wide.
    assert!(pages <= 40, "{pages} pages");
    // T4's eighteen rates print two pages wide, each page with its title,
    // header and the organisations' names.
    let t4: Vec<usize> = (0..pages)
        .filter(|&k| texts[k].contains("完成率与满意度统计表") && texts[k].contains("填报单位"))
        .collect();
    assert_eq!(t4.len(), 2, "T4 prints on two pages side by side");
    assert!(
        t4.iter().all(|&k| texts[k].contains("南门社区")),
        "names on each page"
    );
    let sizes = word_heights(&boxes[t4[0]], "100.00%");
    assert!(!sizes.is_empty());
    assert!(
        sizes.iter().all(|h| *h >= 6.0),
        "T4's figures print at least 6 pt high: {sizes:?}"
    );
    assert!(!texts[t4[0]].contains("分子"), "the parts are not printed");
    // Every reason of every left-out file is printed whole.
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/summary.json")).unwrap())
            .unwrap();
    // Compared without spaces and hyphens: a wrapped line breaks there and
    // pdftotext joins a hyphenated break.
    let squeeze = |t: &str| -> String {
        t.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect()
    };
    let all_text = squeeze(&texts.concat());
    let excluded = s["excluded"].as_array().unwrap();
    assert!(excluded.len() >= 4);
    for e in excluded {
        for reason in e["reasons"].as_array().unwrap() {
            let reason = squeeze(reason.as_str().unwrap());
            let tail: String = reason
                .chars()
                .rev()
                .take(8)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let head: String = reason.chars().take(12).collect();
            assert!(
                all_text.contains(&head) && all_text.contains(&tail),
                "reason not printed whole: {reason}"
            );
        }
    }
    // The title of 未纳入汇总 heads each of its pages, above its header.
    for k in (0..pages).filter(|&k| texts[k].contains("原因（前五条错误）")) {
        assert!(texts[k].contains("未纳入汇总的报表"), "page {}", k + 1);
    }

    // The annotated copy of the workbook with the most problems.
    let r = w.run(&[
        "check",
        "submissions",
        "--period",
        "2026Q3",
        "--registry",
        "registry.xlsx",
        "--annotate",
        "退回",
        "--format",
        "json",
    ]);
    let diags = r.diags();
    let copy = w.path("退回/南门社区_多处错误.xlsx");
    assert!(copy.is_file(), "{}", r.stderr);
    let (_, texts, _) = print_pdf(&w, &copy);
    let first: String = texts[0].split_whitespace().collect();
    for d in diags.iter().filter(|d| {
        d["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("南门社区_多处错误.xlsx"))
    }) {
        let m = squeeze(d["message"].as_str().unwrap());
        let head: String = m.chars().take(10).collect();
        let tail: String = m
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let printed = squeeze(&texts.concat());
        assert!(
            printed.contains(&head) && printed.contains(&tail),
            "message not printed whole: {m}\n{first}"
        );
    }
}
