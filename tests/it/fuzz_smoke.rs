//! A short, deterministic smoke run of the fuzz entry points (the real
//! fuzzing runs outside the test suite, see fuzz/README.md): random bytes,
//! and mutations of real workbooks and CSV files. Nothing may panic.

use crate::support::county::Rng;

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut b = base.to_vec();
    match rng.below(4) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                if b.is_empty() {
                    break;
                }
                let i = rng.below(b.len() as u64) as usize;
                b[i] = rng.below(256) as u8;
            }
        }
        1 => b.truncate(rng.below(b.len() as u64 + 1) as usize),
        2 => {
            let i = rng.below(b.len() as u64 + 1) as usize;
            let junk: Vec<u8> = (0..rng.below(64)).map(|_| rng.below(256) as u8).collect();
            b.splice(i..i, junk);
        }
        _ => {
            if b.len() > 2 {
                let i = rng.below(b.len() as u64 - 1) as usize;
                let j = i + rng.below((b.len() - i) as u64) as usize;
                b.drain(i..j);
            }
        }
    }
    b
}

#[test]
fn fuzz_entry_points_never_panic() {
    let mut rng = Rng::new(7);
    // Random bytes and random texts in the alphabets forms use.
    let alphabet: Vec<char> = "0123456789Xx年月日季度第一二三四Q-/.,，：:（）()*　 合计小计填表人说明注身份证号—无N/A#DIV/0!４２".chars().collect();
    for _ in 0..3000 {
        let n = rng.below(48) as usize;
        let bytes: Vec<u8> = (0..n).map(|_| rng.below(256) as u8).collect();
        let text: String = (0..n)
            .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
            .collect();
        for input in [&bytes[..], text.as_bytes()] {
            pbstat::fuzzing::cells(input);
            pbstat::fuzzing::codes(input);
            pbstat::fuzzing::csv(input);
        }
    }
    // Mutations of every sample workbook.
    let mut books = Vec::new();
    fn walk(d: &std::path::Path, out: &mut Vec<Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "xlsx" || x == "csv") {
                out.push(std::fs::read(&p).unwrap());
            }
        }
    }
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples"),
        &mut books,
    );
    assert!(books.len() > 10);
    for k in 0..400 {
        let base = &books[k % books.len()];
        let m = mutate(&mut rng, base);
        pbstat::fuzzing::workbook(&m);
        pbstat::fuzzing::csv(&m);
    }
}

/// `pbstat validate --format json` on these files with 1 GB of address
/// space: exit 1 (a file has a problem, none aborted the run), the report.
fn validate_under_1gb(files: &[&std::path::Path]) -> serde_json::Value {
    let bin = env!("CARGO_BIN_EXE_pbstat");
    let mut script =
        format!("ulimit -v 1048576; exec '{bin}' validate --format json --period 2026Q3");
    for f in files {
        script.push_str(&format!(" '{}'", f.display()));
    }
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Found by the workbook_reader fuzz target: a 32 KB OLE file whose
/// directory chain loops made the reader append the same sectors until a
/// 4 GB allocation failed and aborted the whole run.
#[test]
fn regression_oom_cyclic_cfb_directory_chain() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz/oom_cyclic_cfb_directory_chain.xls");
    let v = validate_under_1gb(&[&fixture]);
    assert_eq!(v["diagnostics"][0]["code"], "file.unreadable");
    assert!(v["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("OLE"));
    pbstat::fuzzing::workbook(&std::fs::read(&fixture).unwrap());
}

/// Found by the workbook_reader fuzz target: an xls MULRK record whose
/// column range underflows makes the reader panic when overflow checks are
/// on (the test build), and return an error otherwise. Either way the file
/// is `file.unreadable` and the files beside it are still checked. (Its
/// cells also span 17.6 M cells, which the .xls guard refuses by default
/// before the reader runs; a larger `--max-cells` lets the reader meet the
/// broken record.)
#[test]
fn regression_calamine_rk_record_overflow_is_contained() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bad = root.join("tests/fixtures/fuzz/calamine_rk_record_overflow.xls");
    let good = root.join("data-samples/城关街道/南门社区.xlsx");
    for (max_cells, code) in [
        ("100000000", "file.unreadable"),
        ("5000000", "file.too_large"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pbstat"))
            .args(["validate", "--format", "json", "--period", "2026Q3"])
            .args(["--max-cells", max_cells])
            .arg(&bad)
            .arg(&good)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let d = v["diagnostics"].as_array().unwrap();
        assert_eq!(d.len(), 1, "only the bad file has a diagnostic: {d:?}");
        assert_eq!(d[0]["code"], code);
        assert_eq!(v["summary"]["files"], 2);
    }
}

/// Found by the workbook_reader fuzz target: a 5 KB .xls whose DIMENSIONS
/// record declares ≈2^48 cells; the workbook library reserves room for the
/// declared area in one allocation, which failed and aborted the process —
/// every other file of the run with it. Now refused as `file.too_large`
/// before the library opens it, under a 1 GB memory cap.
#[test]
fn regression_oom_xls_dimensions_record() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bad = root.join("tests/fixtures/fuzz/oom_xls_dimensions_record.xls");
    let good = root.join("data-samples/城关街道/南门社区.xlsx");
    let v = validate_under_1gb(&[&bad, &good]);
    let d = v["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 1, "only the bad file has a diagnostic: {d:?}");
    assert_eq!(d[0]["code"], "file.too_large");
    assert!(d[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("oom_xls_dimensions_record.xls"));
    assert_eq!(v["summary"]["files"], 2);
    pbstat::fuzzing::workbook(&std::fs::read(&bad).unwrap());
}

/// Found by the workbook_reader fuzz target: an .xls with cells 65,535
/// rows and columns apart; the workbook library builds each sheet as one
/// dense grid while opening the file, and asked for 135 GB. Now refused as
/// `file.too_large` from the span of the cell records, before it opens it.
#[test]
fn regression_oom_xls_cells_far_apart() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bad = root.join("tests/fixtures/fuzz/oom_xls_cells_far_apart.xls");
    let v = validate_under_1gb(&[&bad]);
    assert_eq!(v["diagnostics"][0]["code"], "file.too_large");
    pbstat::fuzzing::workbook(&std::fs::read(&bad).unwrap());
}

/// The differential target's smoke run: mutated sheet XML, read by the lean
/// .xlsx reader and by calamine; wherever the lean reader takes a file the
/// two must agree cell for cell (a difference panics).
#[test]
fn lean_xlsx_reader_agrees_with_calamine_on_mutated_sheets() {
    let seed = r#"<worksheet><dimension ref="A1:H4"/><sheetData><row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>46000</v></c><c t="inlineStr"><is><r><t>x</t></r><rPh><t>y</t></rPh></is></c></row><row><c t="b"><v>1</v></c><c t="str"><f>A1</f><v>a&amp;b_x000D_</v></c><c s="2"><v>1.5</v></c><c t="e"><v>#N/A</v></c><c r="H2" t="d"><v>2026-01-01</v></c></row><row r="4"/><row r="5"><c r="C5" s="3"><v>0.25</v></c><c><v>x1</v></c></row></sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>"#;
    agree_on_mutations(seed, 11, pbstat::fuzzing::xlsx_lean, "sheets");
}

/// Found by the xlsx_lean differential fuzz target: a self-closing
/// `<sheetData/>` inside the cell grid ends it for XML readers (an empty
/// element is a start and an end); the lean reader read on past it and
/// gave two cells more than calamine.
#[test]
fn regression_lean_reader_empty_sheetdata_inside_grid_ends_it() {
    let input = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/fuzz/lean_empty_sheetdata_inside_grid.xml"),
    )
    .unwrap();
    // Panics if the readers disagree; the lean reader does take this one.
    assert!(pbstat::fuzzing::xlsx_lean(&input));
}

/// The differential smoke run on the shared strings: mutated
/// `sharedStrings.xml`, every string shown once, the two readers agree.
#[test]
fn lean_xlsx_reader_agrees_with_calamine_on_mutated_shared_strings() {
    let seed = r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" uniqueCount="7"><si><t>  党员 </t></si><si><t xml:space="preserve">  保留 </t></si><si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space="preserve"> 文本</t></r><rPh sb="0" eb="1"><t>フ</t></rPh></si><si><t>a_x000D_b_x005F_x000D_&amp;&#x4E2D;</t></si><si/><si><t>_xD83D__xDCF7_</t></si><si><t>东湖社区</t></si></sst>"#;
    agree_on_mutations(
        seed,
        13,
        pbstat::fuzzing::xlsx_lean_strings,
        "string tables",
    );
}

/// Found by the xlsx_lean_strings differential fuzz target: `<si><t>a</t>
/// <si/>` — an empty `<si/>` inside a string ends it for XML readers (it is
/// a start and an end); the lean reader read on to the next `</si>` and
/// lost the string after it.
#[test]
fn regression_lean_reader_empty_si_ends_a_string() {
    let input = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/fuzz/lean_empty_si_ends_a_string.xml"),
    )
    .unwrap();
    assert!(pbstat::fuzzing::xlsx_lean_strings(&input));
}

/// 3,000 mutations of `seed` through a differential entry point: none may
/// make the readers disagree, and enough must be read by the lean reader
/// for the agreement to mean something.
fn agree_on_mutations(seed: &str, rng: u64, read: fn(&[u8]) -> bool, what: &str) {
    let mut rng = Rng::new(rng);
    assert!(read(seed.as_bytes()), "the lean reader reads the seed");
    let (mut lean, rounds) = (0, 3000);
    for _ in 0..rounds {
        let m = mutate(&mut rng, seed.as_bytes());
        match std::panic::catch_unwind(|| read(&m)) {
            Ok(took) => lean += usize::from(took),
            Err(_) => panic!("the readers disagree on: {}", String::from_utf8_lossy(&m)),
        }
    }
    assert!(
        lean * 4 > rounds,
        "only {lean} of {rounds} {what} read by the lean reader"
    );
    eprintln!("lean reader took {lean} of {rounds} mutated {what}");
}
