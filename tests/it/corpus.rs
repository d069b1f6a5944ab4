//! Real-world workbooks nobody here wrote (../shared/corpus): for each file a
//! diagnostic naming it, no panic, no hang, bounded memory.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The calamine corpus, vendored under tests/corpus/calamine (MIT, its
/// licence beside it); PBSTAT_CORPUS names another folder.
fn corpus_dir() -> PathBuf {
    std::env::var_os("PBSTAT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/calamine"))
}

fn is_workbook(p: &std::path::Path) -> bool {
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    ["xlsx", "xlsm", "xls", "ods", "csv", "xlsb"].contains(&ext.as_str())
}

/// Each file on its own, under a 2 GiB address-space cap and a 30 s bound.
#[test]
fn every_corpus_file_gets_a_diagnostic_and_nothing_panics_or_hangs() {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "corpus folder {} is missing ({e}); set PBSTAT_CORPUS",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && is_workbook(p))
        .collect();
    files.sort();
    assert!(
        files.len() >= 100,
        "expected the calamine corpus, found {} files",
        files.len()
    );
    let bin = env!("CARGO_BIN_EXE_pbstat");
    for f in &files {
        let script =
            format!("ulimit -v 2097152; exec \"{bin}\" validate \"$1\" --format json -j 1");
        let mut child = Command::new("sh")
            .args(["-c", &script, "sh"])
            .arg(f)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn pbstat");
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("{} hangs (over 30 s)", f.display());
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = status.code().unwrap_or(-1);
        assert!(
            code == 0 || code == 1,
            "{}: exit {code} (a panic or a crash)\n{stderr}",
            f.display()
        );
        assert!(!stderr.contains("panicked"), "{}: {stderr}", f.display());
        let v: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e})", f.display()));
        let diags = v["diagnostics"].as_array().unwrap();
        let name = f.to_string_lossy();
        assert!(
            diags.iter().any(|d| d["file"].as_str() == Some(&*name)),
            "{}: no diagnostic names the file",
            f.display()
        );
    }
}

/// The whole folder at once, in parallel: one diagnostic set per file.
#[test]
fn the_corpus_folder_as_one_run() {
    let dir = corpus_dir();
    let out = Command::new(env!("CARGO_BIN_EXE_pbstat"))
        .args(["validate", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| is_workbook(&e.as_ref().unwrap().path()))
        .count();
    assert_eq!(v["summary"]["files"].as_u64().unwrap() as usize, n);
    let named: std::collections::BTreeSet<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        named.len(),
        n,
        "every file is named by at least one diagnostic"
    );
}

/// ../shared/corpus/wild: 399 files from other projects' test suites, read
/// where they are (their licences are their repositories'; never copied
/// here). Skipped, with a message, when the folder is not beside the clone.
fn wild_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/wild");
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!(
            "skipped: {} is not here (the wild corpus is read from ../shared, never copied)",
            d.display()
        );
        None
    }
}

/// The wild corpus in one run: no crash, every file named by a diagnostic,
/// and `file.unreadable` for exactly the files no mainstream reader opens
/// either (tests/corpus/wild-unreadable.txt: encrypted, damaged by fuzzers,
/// not workbooks at all, Excel 3/4, .ods the workbook library cannot parse).
#[test]
fn wild_corpus_files_other_readers_open_are_not_called_unreadable() {
    let Some(dir) = wild_dir() else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_pbstat"))
        .args(["validate", "--format", "json", "--no-progress"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let prefix = format!("{}/", dir.display());
    let named: std::collections::BTreeSet<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().replace(&prefix, ""))
        .collect();
    assert_eq!(
        named.len(),
        v["summary"]["files"].as_u64().unwrap() as usize
    );
    assert!(named.len() >= 390, "found {} files", named.len());
    let unreadable: std::collections::BTreeSet<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "file.unreadable")
        .map(|d| d["file"].as_str().unwrap().replace(&prefix, ""))
        .collect();
    let list = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/wild-unreadable.txt"),
    )
    .unwrap();
    let expected: std::collections::BTreeSet<String> = list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    let newly: Vec<_> = unreadable.difference(&expected).collect();
    let now_read: Vec<_> = expected.difference(&unreadable).collect();
    assert!(newly.is_empty(), "now called unreadable: {newly:?}");
    assert!(
        now_read.is_empty(),
        "now read (take them off tests/corpus/wild-unreadable.txt): {now_read:?}"
    );
    for f in [
        "apache-poi/64420.xlsm",
        "closedxml/ClosedXML.Tests/Resource/TryToLoad/LO/xlsm/tdf111974.xlsm",
    ] {
        assert!(named.contains(f) && !unreadable.contains(f), "{f}");
    }
}
