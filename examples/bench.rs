//! `make bench`: a province-scale quarter, generated deterministically, and
//! the wall time, CPU time and peak RSS of `pbstat validate` and `pbstat
//! aggregate` on it, against a floor: the same workbooks only opened and
//! read cell by cell with calamine, in parallel.
//!
//!     cargo run --release --example bench -- [--small] [--out bench/results.md]
//!
//! Sizes: 250 and 1,000 communities (4 resident units each, ≈300 roster
//! rows, 40 meetings and 150 issues per community); `--small`: 25 and 100.
//! Generated data is cached under bench/data/ and reused.

#[path = "../tests/support/mod.rs"]
mod support;

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use support::book::write_book;
use support::county::{
    community_book, generate, registry_book, unit_book, County, Hand, Issue, Meeting, Rng,
    CATEGORIES, MEETING_TYPES,
};

/// Give each community 40 meetings and 150 issues, as the benchmark asks.
fn scale(c: &mut County) {
    let mut rng = Rng::new(99);
    let (year, first) = (c.year, c.first_month());
    for cm in &mut c.communities {
        while cm.meetings.len() < 40 {
            let exp = 10 + rng.below(30) as u32;
            cm.meetings.push(Meeting {
                date: (year, first + rng.below(3) as u8, 1 + rng.below(28) as u8),
                kind: MEETING_TYPES[rng.below(MEETING_TYPES.len() as u64) as usize].to_string(),
                topic: "社区治理".into(),
                expected: exp,
                attended: exp - rng.below(3) as u32,
                resolved: rng.below(3) as u32,
            });
        }
        let code = cm.code.clone();
        let mut k = cm.issues.len();
        while cm.issues.len() < 150 {
            k += 1;
            let day = 1 + rng.below(20) as u8;
            let month = first + rng.below(3) as u8;
            let done = rng.below(10) < 7;
            cm.issues.push(Issue {
                id: format!("B{}{:04}", &code[6..], k),
                received: (year, month, day),
                source: "网格走访".into(),
                category: CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize].to_string(),
                status: if done {
                    "已办结".into()
                } else {
                    "办理中".into()
                },
                resolved_on: done.then_some((year, month, day + 3)),
                satisfaction: if done {
                    "满意".into()
                } else {
                    "未评价".into()
                },
            });
        }
    }
}

fn dataset(root: &Path, communities: usize) -> PathBuf {
    let dir = root.join(format!("c{communities}"));
    if dir.join(".complete").exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let start = Instant::now();
    let per_street = 50.min(communities);
    let streets = communities.div_ceil(per_street);
    let mut c = generate(2026, streets, per_street, communities * 4, 300);
    scale(&mut c);
    write_book(&dir.join("registry.xlsx"), &registry_book(&c));
    c.communities.par_iter().enumerate().for_each(|(k, cm)| {
        let hand = if k % 3 == 0 {
            Hand::messy(k)
        } else {
            Hand::plain()
        };
        write_book(
            &dir.join("in")
                .join(&cm.street)
                .join(format!("{}.xlsx", cm.code)),
            &community_book(&c, cm, &hand),
        );
    });
    c.units.par_iter().for_each(|u| {
        write_book(
            &dir.join("in")
                .join("units")
                .join(format!("{}.xlsx", u.code)),
            &unit_book(&c, u, &Hand::plain()),
        );
    });
    std::fs::write(dir.join(".complete"), "").unwrap();
    eprintln!(
        "generated {communities} communities in {:.1}s",
        start.elapsed().as_secs_f64()
    );
    dir
}

struct Measure {
    wall: f64,
    cpu: f64,
    rss_mb: f64,
    code: i32,
}

/// Run a command and take its wall time, CPU time and peak RSS from wait4.
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also yields its rusage
fn measure(cmd: &mut Command) -> Measure {
    let start = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child; rusage is a plain struct.
    let r = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
    assert!(r > 0, "wait4 failed");
    let wall = start.elapsed().as_secs_f64();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Measure {
        wall,
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        rss_mb: ru.ru_maxrss as f64 / 1024.0,
        code: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
    }
}

/// The floor: open every workbook and touch every cell, in parallel.
fn floor(dir: &Path) {
    use calamine::{open_workbook_auto, Data, Reader};
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "xlsx") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    let cells: usize = files
        .par_iter()
        .map(|f| {
            let mut wb = open_workbook_auto(f).expect("open");
            let mut n = 0;
            for name in wb.sheet_names() {
                let r = wb.worksheet_range(&name).expect("sheet");
                n += r
                    .used_cells()
                    .filter(|(_, _, v)| **v != Data::Empty)
                    .count();
            }
            n
        })
        .sum();
    println!("{} files, {cells} cells", files.len());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("floor") {
        floor(Path::new(&args[2]));
        return;
    }
    if args.get(1).map(String::as_str) == Some("generate") {
        dataset(Path::new(&args[2]), args[3].parse().expect("a size"));
        return;
    }
    let small = args.iter().any(|a| a == "--small");
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "bench/results.md".into());
    let root = PathBuf::from("bench/data");
    let sizes: [usize; 2] = if small { [25, 100] } else { [250, 1000] };
    let bin = PathBuf::from("target/release/pbstat");
    assert!(bin.exists(), "build first: cargo build --release");
    let me = std::env::current_exe().unwrap();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut rows = Vec::new();
    for &n in &sizes {
        // Generate in a child: a forked child's ru_maxrss starts from its
        // parent's, so the measuring process must stay small.
        let dir = root.join(format!("c{n}"));
        if !dir.join(".complete").exists() {
            let st = Command::new(&me)
                .arg("generate")
                .arg(&root)
                .arg(n.to_string())
                .status()
                .expect("generate");
            assert!(st.success(), "generating {n} communities failed");
        }
        let files = walkdir_count(&dir.join("in"));
        let fl = measure(Command::new(&me).arg("floor").arg(dir.join("in")));
        let va = measure(
            Command::new(&bin)
                .args([
                    "validate",
                    "--period",
                    "2026Q3",
                    "--no-progress",
                    "-q",
                    "--registry",
                ])
                .arg(dir.join("registry.xlsx"))
                .arg(dir.join("in")),
        );
        let out_dir = std::env::temp_dir().join(format!("pbstat-bench-{n}"));
        let ag = measure(
            Command::new(&bin)
                .args([
                    "aggregate",
                    "--period",
                    "2026Q3",
                    "--no-progress",
                    "-q",
                    "--registry",
                ])
                .arg(dir.join("registry.xlsx"))
                .arg(dir.join("in"))
                .arg("-o")
                .arg(&out_dir),
        );
        let _ = std::fs::remove_dir_all(&out_dir);
        for (name, m) in [
            ("floor (calamine, parallel)", &fl),
            ("pbstat validate", &va),
            ("pbstat aggregate", &ag),
        ] {
            rows.push((
                n,
                files,
                name,
                m.wall,
                m.cpu,
                m.rss_mb,
                m.wall / fl.wall,
                m.code,
            ));
        }
    }
    let mut md = String::new();
    md.push_str("# Benchmark results\n\n");
    md.push_str(&format!(
        "Machine: {cores} cores; release build; each command run once, cold page cache not forced. Peak RSS from wait4 (the measuring parent stays small). Data: generated province-scale quarter (per community ≈300 roster rows, 40 meetings, 150 issues; 4 resident units per community), {} communities.\n\n",
        sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" and ")
    ));
    md.push_str("| communities | files | command | wall s | CPU s | peak RSS MB | × floor | exit |\n|---:|---:|---|---:|---:|---:|---:|---:|\n");
    for (n, f, name, wall, cpu, rss, ratio, code) in &rows {
        md.push_str(&format!(
            "| {n} | {f} | {name} | {wall:.2} | {cpu:.2} | {rss:.0} | {ratio:.2} | {code} |\n"
        ));
    }
    let get = |n: usize, name: &str| {
        rows.iter()
            .find(|r| r.0 == n && r.2 == name)
            .map(|r| (r.3, r.5))
            .unwrap()
    };
    let (a_small, m_small) = get(sizes[0], "pbstat aggregate");
    let (a_big, m_big) = get(sizes[1], "pbstat aggregate");
    md.push_str(&format!(
        "\nScaling ({}× the data): aggregate time × {:.2}, peak RSS {:.0} MB → {:.0} MB.\n",
        sizes[1] / sizes[0],
        a_big / a_small,
        m_small,
        m_big
    ));
    print!("{md}");
    if let Some(d) = Path::new(&out).parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(&out, md).unwrap();
    eprintln!("written to {out}");
}

fn walkdir_count(d: &Path) -> usize {
    std::fs::read_dir(d)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walkdir_count(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
