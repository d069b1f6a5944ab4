//! Real-world workbooks nobody here wrote (../shared/corpus): for each file a
//! diagnostic naming it, no panic, no hang, bounded memory.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn corpus_dir() -> PathBuf {
    std::env::var_os("PBSTAT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/calamine-tests")
        })
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
        .filter(|p| p.is_file())
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
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            ["xlsx", "xlsm", "xls", "ods", "csv", "xlsb"].contains(&ext.as_str())
        })
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
