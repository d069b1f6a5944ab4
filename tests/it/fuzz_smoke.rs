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

/// Found by the workbook_reader fuzz target: a 32 KB OLE file whose
/// directory chain loops made the reader append the same sectors until a
/// 4 GB allocation failed and aborted the whole run.
#[test]
fn regression_oom_cyclic_cfb_directory_chain() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz/oom_cyclic_cfb_directory_chain.xls");
    let bin = env!("CARGO_BIN_EXE_pbstat");
    let script = format!(
        "ulimit -v 1048576; exec '{bin}' validate '{}' --format json",
        fixture.display()
    );
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
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
/// is `file.unreadable` and the files beside it are still checked.
#[test]
fn regression_calamine_rk_record_overflow_is_contained() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bad = root.join("tests/fixtures/fuzz/calamine_rk_record_overflow.xls");
    let good = root.join("data-samples/城关街道/南门社区.xlsx");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pbstat"))
        .args(["validate", "--format", "json", "--period", "2026Q3"])
        .arg(&bad)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 1, "only the bad file has a diagnostic: {d:?}");
    assert_eq!(d[0]["code"], "file.unreadable");
    assert_eq!(v["summary"]["files"], 2);
}
