//! Hostile and broken input, and output safety (issue: hardening). A panic
//! anywhere is a bug; so is a whole ID number in any output, a partial
//! report, or a changed input.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::book::s;
use crate::support::county::{community_book, generate, unit_book, Hand};
use crate::workdir::*;

/// Run pbstat under an address-space cap.
fn capped(w: &Workdir, mb: u64, args: &[&str]) -> Run {
    let bin = env!("CARGO_BIN_EXE_pbstat");
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!("ulimit -v {}; exec '{bin}' {}", mb * 1024, quoted.join(" "));
    let out = Command::new("sh")
        .args(["-c", &script])
        .current_dir(w.root())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// An xlsx package with the given sheet XML (streamed from a writer).
fn package(path: &Path, sheet: impl FnOnce(&mut dyn Write)) {
    use zip::write::SimpleFileOptions;
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let o = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="封面" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        z.start_file(name, o).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    sheet(&mut z);
    z.finish().unwrap();
}

#[test]
fn zip_bomb_is_refused_before_it_is_expanded() {
    let w = Workdir::new();
    let p = w.path("bomb.xlsx");
    // 512 MB of XML whitespace in one sheet: a few hundred KB on disk.
    package(&p, |z| {
        z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..512 {
            z.write_all(&chunk).unwrap();
        }
        z.write_all(b"</sheetData></worksheet>").unwrap();
    });
    assert!(
        std::fs::metadata(&p).unwrap().len() < 4 << 20,
        "the bomb is small on disk"
    );
    let r = capped(&w, 1024, &["validate", "bomb.xlsx", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let d = r.diags();
    expect_code(&d, "file.too_large");
}

#[test]
fn cells_in_opposite_corners_do_not_allocate_the_sheet() {
    let w = Workdir::new();
    package(&w.path("corners.xlsx"), |z| {
        z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>"#).unwrap();
    });
    let r = capped(&w, 1024, &["validate", "corners.xlsx", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    expect_code(&r.diags(), "file.too_large");
    // The limits are configurable: a tighter cell limit refuses a normal form.
    let c = county();
    w.book("normal.xlsx", &plain_community(&c));
    let (_, d) = w.validate_json(&["normal.xlsx", "--max-cells", "50"]);
    expect_code(&d, "file.too_large");
    let (_, d) = w.validate_json(&["normal.xlsx", "--max-uncompressed-mb", "0"]);
    expect_code(&d, "file.too_large");
}

#[test]
fn huge_strings_and_deep_xml_are_read_safely() {
    let w = Workdir::new();
    package(&w.path("deep.xlsx"), |z| {
        z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#).unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..40 {
            z.write_all(&chunk).unwrap();
        }
        z.write_all(b"</t></is></c></row></sheetData>").unwrap();
        for _ in 0..100_000 {
            z.write_all(b"<extLst>").unwrap();
        }
        for _ in 0..100_000 {
            z.write_all(b"</extLst>").unwrap();
        }
        z.write_all(b"</worksheet>").unwrap();
    });
    let r = capped(&w, 2048, &["validate", "deep.xlsx", "--format", "json"]);
    assert!(r.code == 1, "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"));
    assert!(!r.diags().is_empty());
}

#[test]
fn a_thousand_files_good_and_bad_mixed() {
    let w = Workdir::new();
    let c = generate(81, 1, 2, 2, 22);
    let good = w.book(
        "tmp/good.xlsx",
        &community_book(&c, &c.communities[0], &Hand::plain()),
    );
    let good_bytes = std::fs::read(&good).unwrap();
    std::fs::remove_file(&good).unwrap();
    let unit = w.book("tmp/unit.xlsx", &unit_book(&c, &c.units[0], &Hand::plain()));
    let unit_bytes = std::fs::read(&unit).unwrap();
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend(
        "EncryptedPackage"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes()),
    );
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("xlsx", good_bytes[..good_bytes.len() / 2].to_vec()),
        ("xlsx", vec![]),
        (
            "xls",
            b"<html><table><tr><td>1</td></tr></table></html>".to_vec(),
        ),
        ("xlsx", ole.clone()),
        ("ods", b"PK\x03\x04garbage".to_vec()),
        ("csv", vec![0xFF, 0xFE, 0x00, 0x41, 0x81]),
        (
            "xlsx",
            (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
        ),
    ];
    let mut n_good = 0;
    let mut n_bad = 0;
    for i in 0..1000 {
        let dir = w.path(&format!("in/{:02}", i % 37));
        std::fs::create_dir_all(&dir).unwrap();
        if i % 10 < 7 {
            let bytes = if i % 2 == 0 { &good_bytes } else { &unit_bytes };
            std::fs::write(dir.join(format!("good{i}.xlsx")), bytes).unwrap();
            n_good += 1;
        } else {
            let (ext, bytes) = &bad[i % bad.len()];
            // Every fifth bad file has a name that is not UTF-8.
            let name = if i % 5 == 0 {
                let mut b = format!("bad{i}_").into_bytes();
                b.extend([0xB9, 0xFA, 0xFF]);
                b.extend(format!(".{ext}").into_bytes());
                std::ffi::OsString::from(std::ffi::OsStr::from_bytes(&b))
            } else {
                format!("bad{i}.{ext}").into()
            };
            std::fs::write(dir.join(name), bytes).unwrap();
            n_bad += 1;
        }
    }
    let (r, d) = w.validate_json(&["in", "--period", "2026Q3"]);
    assert_eq!(r.code, 1);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["summary"]["files"], 1000);
    let bad_files: std::collections::BTreeSet<&str> = d
        .iter()
        .filter(|x| x["severity"] == "error")
        .map(|x| x["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        bad_files.len(),
        n_bad,
        "each bad file has its own error, no good file has one"
    );
    assert!(bad_files.iter().all(|f| f.contains("/bad")));
    assert_eq!(1000 - n_bad, n_good);
}

fn hash_tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    fn walk(d: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push((
                    p.display().to_string(),
                    format!("{:x}", Sha256::digest(std::fs::read(&p).unwrap())),
                ));
            }
        }
    }
    walk(dir, &mut out);
    out.sort();
    out
}

/// Every output of a full run, every command: no whole ID number anywhere
/// but in the annotated copies of the user's own workbooks; inputs unchanged.
#[test]
fn no_whole_id_number_in_any_output_and_inputs_untouched() {
    let w = Workdir::new();
    let c = generate(91, 1, 3, 3, 24);
    registry(&w, &c);
    let mut ids: Vec<String> = Vec::new();
    for (k, cm) in c.communities.iter().enumerate() {
        let mut b = community_book(&c, cm, &Hand::messy(k));
        if k == 0 {
            // Problems that quote ID numbers: a bad checksum, a repeat, a cross-registration.
            let sh = b.iter_mut().find(|s| s.name.contains("报到")).unwrap();
            for row in sh.rows.iter_mut() {
                for v in row.iter_mut() {
                    if matches!(v, crate::support::book::V::S(t) if *t == cm.members[1].id) {
                        *v = s(crate::support::book::break_id(&cm.members[1].id));
                    }
                }
            }
        }
        w.book(&format!("in/{}.xlsx", cm.code), &b);
        ids.extend(cm.members.iter().map(|m| m.id.clone()));
    }
    let mut b = community_book(&c, &c.communities[1], &Hand::plain());
    put(
        &mut b,
        "在职党员报到",
        "C2",
        s(c.communities[2].members[0].id.clone()),
    );
    w.book(&format!("in/{}.xlsx", c.communities[1].code), &b);
    for u in &c.units {
        w.book(
            &format!("in/{}.xlsx", u.code),
            &unit_book(&c, u, &Hand::plain()),
        );
    }
    ids.push(crate::support::book::break_id(
        &c.communities[0].members[1].id,
    ));
    let before = hash_tree(&w.path("in"));
    let mut outputs: Vec<String> = Vec::new();
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "validate",
            "in",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
        ],
        vec![
            "validate",
            "in",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "--format",
            "json",
            "--lang",
            "en",
        ],
        vec!["validate", "in", "--period", "2026Q3", "--format", "csv"],
        vec![
            "check",
            "in",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "--annotate",
            "back",
        ],
        vec![
            "check",
            "in",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "--format",
            "json",
        ],
        vec![
            "aggregate",
            "in",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "-o",
            "out",
        ],
        vec![
            "aggregate",
            "in",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "-o",
            "out2",
            "--exclude-invalid",
        ],
        vec!["report", "out2", "--format", "json"],
    ];
    for a in &runs {
        let r = w.run(a);
        assert!(!r.stderr.contains("panicked"));
        outputs.push(r.stdout);
        outputs.push(r.stderr);
    }
    for dir in ["out", "out2"] {
        for (f, _) in hash_tree(&w.path(dir)) {
            let bytes = std::fs::read(&f).unwrap();
            if f.ends_with(".xlsx") || f.ends_with(".parquet") {
                // Look inside the package too.
                if let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())) {
                    for i in 0..z.len() {
                        let mut e = z.by_index(i).unwrap();
                        let mut t = String::new();
                        let _ = std::io::Read::read_to_string(&mut e, &mut t);
                        outputs.push(t);
                    }
                }
            }
            outputs.push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    for id in &ids {
        for o in &outputs {
            assert!(
                !o.contains(id.as_str()),
                "an output holds the whole ID number {id}"
            );
        }
    }
    assert!(
        w.path("back").exists(),
        "annotated copies were written (they may hold the user's own data)"
    );
    assert_eq!(
        hash_tree(&w.path("in")),
        before,
        "inputs are byte-identical after every command"
    );
}

#[test]
fn formulas_in_data_are_written_as_text() {
    let w = Workdir::new();
    let c = generate(95, 1, 1, 0, 22);
    let mut reg = crate::support::county::registry_book(&c);
    let row = reg[0].rows.iter_mut().find(|r| matches!(r.get(1), Some(crate::support::book::V::S(t)) if *t == c.communities[0].code)).unwrap();
    row[2] = s("=HYPERLINK(\"http://x\",\"点我\")");
    w.book("registry.xlsx", &reg);
    let mut b = community_book(&c, &c.communities[0], &Hand::plain());
    put(&mut b, "封面", "B3", s("=HYPERLINK(\"http://x\",\"点我\")"));
    w.book("in/a.xlsx", &b);
    assert!(w.aggregate("in", "out", &[]).code <= 1);
    let t0 = std::fs::read(w.path("out/tables/t0_submissions.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(&t0[3..]);
    let names: Vec<String> = rdr.records().map(|r| r.unwrap()[2].to_string()).collect();
    assert!(
        names.iter().any(|n| n.starts_with("'=HYPERLINK")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with('=')));
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(w.path("out/report.xlsx")).unwrap();
    let f = wb.worksheet_formula("T0报送情况").unwrap();
    assert!(
        f.used_cells().all(|(_, _, x)| x.is_empty()),
        "no formula in the report"
    );
}

/// Kill aggregate at many moments while it writes: the output folder is
/// either absent, or the earlier complete report, never a partial one.
#[test]
fn killed_mid_write_leaves_no_partial_report() {
    let w = Workdir::new();
    let c = generate(97, 2, 4, 8, 40);
    registry(&w, &c);
    write_county(&w, &c, "in");
    let complete = |dir: &Path| {
        [
            "report.xlsx",
            "summary.json",
            "diagnostics.json",
            "tables/t4_rates.csv",
            "tables/t4_rates.parquet",
        ]
        .iter()
        .all(|f| dir.join(f).exists())
    };
    let start = std::time::Instant::now();
    let ok = w.aggregate("in", "out", &[]);
    assert_eq!(ok.code, 0);
    let full = start.elapsed();
    let first = hash_tree(&w.path("out"));
    for k in 0..8u32 {
        let delay = full.mul_f64(k as f64 / 8.0);
        // With the first run's roster key: a run that finishes before its
        // kill rewrites the same bytes (under the user's own key its roster
        // hashes differed).
        let mut child = w
            .command(&[
                "aggregate",
                "in",
                "--period",
                "2026Q3",
                "--registry",
                "registry.xlsx",
                "-o",
                "out",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let out = w.path("out");
        assert!(
            out.exists() && complete(&out),
            "after a kill at {delay:?} the output is incomplete"
        );
        assert_eq!(
            hash_tree(&out),
            first,
            "the report is the complete earlier one (same inputs, same bytes)"
        );
    }
    // A later run cleans what killed runs left beside the output: also
    // the probe of a run killed between making and removing it (once seen
    // left here by a kill at the start).
    std::fs::create_dir(w.path(".out.probe-4190000")).unwrap();
    assert_eq!(w.aggregate("in", "out", &[]).code, 0);
    let litter: Vec<String> = std::fs::read_dir(w.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out."))
        .collect();
    assert!(litter.is_empty(), "{litter:?}");
}

/// One long shared string referenced by thousands of cells expands to
/// gigabytes of text (apache-poi's poc-shared-strings.xlsx): refused as
/// too large, within bounded memory, on the lean path and the general one.
#[test]
fn one_shared_string_in_many_cells_is_a_bomb() {
    let w = Workdir::new();
    let long = "党".repeat(32_000); // 96 KB, Excel's longest cell text
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("封面").unwrap();
    for r in 0..2_500u32 {
        ws.write_string(r, 0, &long).unwrap();
    }
    wb.save(w.path("bomb.xlsx")).unwrap();
    assert!(std::fs::metadata(w.path("bomb.xlsx")).unwrap().len() < 2 << 20);
    // 240 MB of text: past the 200 MB the file may expand to.
    let r = capped(&w, 1024, &["validate", "bomb.xlsx", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let d = expect_code(&r.diags(), "file.too_large").clone();
    assert!(d["message"].as_str().unwrap().contains("重复引用"), "{d}");
}
