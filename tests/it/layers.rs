//! The architecture invariants of ARCHITECTURE.md, checked on the source:
//! imports point down the layer order of `pbstat::LAYERS`, no two sibling
//! modules import each other, nothing below `cmd` prints, and diagnostic
//! codes are spelled out only in src/diag.rs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out.sort();
}

/// A file's path under src/ as module segments: src/read/cell.rs →
/// [read, cell]; src/read/mod.rs → [read].
fn segments(path: &Path) -> Vec<String> {
    let rel = path.strip_prefix(src()).unwrap();
    let mut v: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if v.last().is_some_and(|l| l == "mod") {
        v.pop();
    }
    v
}

/// The code of a file without its comments and without its unit tests
/// (a test module may use what it likes).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .map(|l| match l.find("//") {
            // A `//` inside a string literal ("https://…") is rare in paths
            // we look for; cutting there only loses text after it.
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths after each `prefix` in `code`, a `{…}` group opened into its
/// members: `crate::{a::b, c}` → ["a::b", "c"].
fn paths_after(code: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| is_ident(c) && c != '$') {
            continue;
        }
        if rest.starts_with('{') {
            let mut depth = 0;
            let mut end = 0;
            for (k, c) in rest.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let inner = &rest[1..end];
            let mut depth = 0;
            let mut item = String::new();
            for c in inner.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(item.trim().to_string());
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            if !item.trim().is_empty() {
                out.push(item.trim().to_string());
            }
        } else {
            let p: String = rest
                .chars()
                .take_while(|&c| is_ident(c) || c == ':')
                .collect();
            out.push(p.trim_end_matches(':').to_string());
        }
    }
    out
}

fn first(path: &str) -> &str {
    path.split("::").next().unwrap_or("").trim()
}

/// Macros exported at the crate root, by the top-level module defining them.
fn exported_macros(files: &[PathBuf]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for f in files {
        let code = code_of(f);
        let lines: Vec<&str> = code.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if l.trim() == "#[macro_export]" {
                if let Some(name) = lines
                    .get(i + 1)
                    .and_then(|n| n.trim().strip_prefix("macro_rules!"))
                {
                    let name: String = name.trim().chars().take_while(|&c| is_ident(c)).collect();
                    m.insert(name, segments(f)[0].clone());
                }
            }
        }
    }
    m
}

#[test]
fn imports_point_down_the_layers() {
    let layers = pbstat::LAYERS;
    let rank = |m: &str| layers.iter().position(|l| *l == m);
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let macros = exported_macros(&files);
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect();
    let named: BTreeSet<String> = layers.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        declared, named,
        "lib.rs declares modules LAYERS does not order (or the reverse)"
    );

    let mut wrong = Vec::new();
    for f in &files {
        let seg = segments(f);
        let me = seg[0].as_str();
        if me == "lib" || me == "main" {
            continue;
        }
        let my_rank = rank(me).unwrap_or_else(|| panic!("{me} is not in LAYERS"));
        let code = code_of(f);
        let mut used: BTreeSet<String> = BTreeSet::new();
        for p in paths_after(&code, "crate::") {
            used.insert(first(&p).to_string());
        }
        for m in used {
            let target = if m.ends_with('!') || macros.contains_key(&m) {
                macros
                    .get(m.trim_end_matches('!'))
                    .cloned()
                    .unwrap_or_else(|| panic!("{}: crate::{m} is no known macro", f.display()))
            } else {
                m.clone()
            };
            if target == me {
                continue;
            }
            match rank(&target) {
                Some(r) if r < my_rank => {}
                Some(_) => wrong.push(format!(
                    "{} ({me}) imports crate::{m}, a layer above it",
                    f.strip_prefix(src()).unwrap().display()
                )),
                None => wrong.push(format!(
                    "{} imports crate::{m}, which is not a layer of LAYERS",
                    f.strip_prefix(src()).unwrap().display()
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layer order:\n{}",
        wrong.join("\n")
    );

    let arch =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md");
    let order = layers.join(" → ");
    assert!(
        arch.contains(&order),
        "ARCHITECTURE.md does not name the layer order {order}"
    );
}

/// Within a layer, two submodules never use each other (one of them
/// should hold what both need, or a third).
#[test]
fn no_two_submodules_import_each_other() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    for f in &files {
        let seg = segments(f);
        if seg.len() < 2 {
            continue;
        }
        let me = seg.join("::");
        let parent = seg[..seg.len() - 1].join("::");
        let code = code_of(f);
        let exists = |m: &str| {
            let p = src().join(m.replace("::", "/"));
            p.with_extension("rs").exists() || p.join("mod.rs").exists()
        };
        let mut add = |target: String| {
            if exists(&target) && target != me && target != parent {
                edges.insert((me.clone(), target));
            }
        };
        for p in paths_after(&code, "super::") {
            add(format!("{parent}::{}", first(&p)));
        }
        for p in paths_after(&code, "crate::") {
            let mut s = p.split("::");
            if let (Some(a), Some(b)) = (s.next(), s.next()) {
                add(format!("{}::{}", a.trim(), b.trim()));
            }
        }
    }
    let mutual: Vec<String> = edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())))
        .map(|(a, b)| format!("{a} ↔ {b}"))
        .collect();
    assert!(
        mutual.is_empty(),
        "modules that import each other:\n{}",
        mutual.join("\n")
    );
}

/// Only the command layer (and the entry points) speak to the terminal;
/// every stage below returns what it found.
#[test]
fn nothing_below_cmd_prints() {
    let allowed = [
        "cmd",
        "lib",
        "main",
        "cli",
        "config",
        "fuzzing",
        "panic_guard",
        "timing",
    ];
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    for f in &files {
        let seg = segments(f);
        if allowed.contains(&seg[0].as_str()) {
            continue;
        }
        let code = code_of(f);
        for needle in ["println!", "eprintln!", "print!(", "eprint!(", "dbg!("] {
            for (n, l) in code.lines().enumerate() {
                if l.contains(needle) {
                    wrong.push(format!(
                        "{}:{}: {}",
                        f.strip_prefix(src()).unwrap().display(),
                        n + 1,
                        l.trim()
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "printing below cmd:\n{}",
        wrong.join("\n")
    );
}

/// Scripts match on codes: each code's string is written once, in diag.rs.
#[test]
fn codes_are_spelled_only_in_diag() {
    let diag = std::fs::read_to_string(src().join("diag.rs")).unwrap();
    let codes: Vec<String> = diag
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let (_, rest) = l.split_once("= \"")?;
            let (code, _) = rest.split_once('"')?;
            code.contains('.').then(|| code.to_string())
        })
        .collect();
    assert!(codes.len() > 40, "codes not found in diag.rs");
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    for f in files.iter().filter(|f| !f.ends_with("diag.rs")) {
        let code = code_of(f);
        for c in &codes {
            if code.contains(&format!("\"{c}\"")) {
                wrong.push(format!(
                    "{} spells {c}",
                    f.strip_prefix(src()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "codes spelled outside diag.rs:\n{}",
        wrong.join("\n")
    );
}

/// Issue 13's promise: what a form's values mean is declared in the schema
/// set, so that a county may rename any of them (the old spelling kept as
/// an alias) and no output changes. So no enum value of schemas/*.toml is
/// spelt in src/, but for pbstat's own words that happen to be values too:
/// the levels' names (the registry's 类型 reads them through `levels`) and
/// 无, a blank marker on any form (forms.md §6).
#[test]
fn no_enum_value_of_the_forms_is_spelt_in_src() {
    let own = ["区县", "街道", "社区", "驻区单位", "无"];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let texts: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let values = crate::workdir::enum_values(texts.iter().map(String::as_str));
    assert!(values.len() > 40, "enum values not found in schemas/");
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    for f in &files {
        let code = code_of(f);
        for v in values.iter().filter(|v| !own.contains(&v.as_str())) {
            if code.contains(&format!("\"{v}\"")) {
                wrong.push(format!(
                    "{} spells {v}",
                    f.strip_prefix(src()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "enum values spelt in src/:\n{}",
        wrong.join("\n")
    );
}
