//! `make bench`: a province-scale quarter, generated deterministically, and
//! the wall time, CPU time and peak RSS of `pbstat validate` and `pbstat
//! aggregate` on it, against a floor: the same workbooks only opened and
//! read cell by cell with calamine, in parallel.
//!
//!     cargo build --release --examples
//!     cargo run --release --example bench -- [--small] [--rounds N] [--out bench/results.md]
//!
//! Sizes: 250 and 1,000 communities (4 resident units each, ≈300 roster
//! rows, 40 meetings and 150 issues per community); `--small`: 25 and 100.
//! Generated data is cached under bench/data/ and reused.
//!
//! This machine's speed varies from minute to minute, so each round runs
//! every command once, one after the other, and the figures are medians
//! over the rounds; a command's ratio to the floor is taken within each
//! round, then the median of those. Two floors: calamine with the system
//! allocator (examples/floor.rs), and calamine with mimalloc, the allocator
//! pbstat uses (this program), which shows what the allocator alone buys.

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "../tests/support/floor.rs"]
mod floor;

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use support::book::write_book;
use support::county::{
    community_book, generate, registry_book, unit_book, County, Hand, Issue, Meeting, Rng,
    CATEGORIES, MEETING_TYPES,
};

// The same allocator as pbstat, for the second floor.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

#[derive(Clone, Copy)]
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

const FLOOR_SYS: &str = "floor (calamine, system allocator)";
const FLOOR_MI: &str = "floor (calamine, mimalloc)";
const VALIDATE: &str = "pbstat validate";
const AGGREGATE: &str = "pbstat aggregate";

struct Row {
    communities: usize,
    files: usize,
    name: &'static str,
    runs: Vec<Measure>,
    /// Per round: wall time over the system-allocator floor's, and over
    /// the mimalloc floor's.
    ratio: Vec<f64>,
    ratio_mi: Vec<f64>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("floor") {
        let (files, cells) = floor::run(Path::new(&args[2]));
        println!("{files} files, {cells} cells");
        return;
    }
    if args.get(1).map(String::as_str) == Some("generate") {
        dataset(Path::new(&args[2]), args[3].parse().expect("a size"));
        return;
    }
    let small = args.iter().any(|a| a == "--small");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let out = value("--out").unwrap_or_else(|| "bench/results.md".into());
    let rounds: usize = value("--rounds")
        .map(|r| r.parse().expect("--rounds N"))
        .unwrap_or(5);
    let root = PathBuf::from("bench/data");
    let sizes: [usize; 2] = if small { [25, 100] } else { [250, 1000] };
    let bin = PathBuf::from("target/release/pbstat");
    let floor_sys = PathBuf::from("target/release/examples/floor");
    assert!(
        bin.exists() && floor_sys.exists(),
        "build first: cargo build --release --examples"
    );
    let me = std::env::current_exe().unwrap();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut rows: Vec<Row> = Vec::new();
    let mut phases = String::new();
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
        let out_dir = std::env::temp_dir().join(format!("pbstat-bench-{n}"));
        let pbstat = |cmd: &str| {
            let mut c = Command::new(&bin);
            c.args([
                cmd,
                "--period",
                "2026Q3",
                "--no-progress",
                "-q",
                "--registry",
            ])
            .arg(dir.join("registry.xlsx"))
            .arg(dir.join("in"));
            if cmd == "aggregate" {
                c.arg("-o").arg(&out_dir);
            }
            c
        };
        let mut runs: Vec<Vec<Measure>> = vec![Vec::new(); 4];
        for round in 0..rounds {
            eprintln!("{n} communities, round {}/{rounds}", round + 1);
            runs[0].push(measure(Command::new(&floor_sys).arg(dir.join("in"))));
            runs[1].push(measure(Command::new(&me).arg("floor").arg(dir.join("in"))));
            runs[2].push(measure(&mut pbstat("validate")));
            runs[3].push(measure(&mut pbstat("aggregate")));
        }
        // Where aggregate's time goes, from its own phase marks.
        let t = pbstat("aggregate")
            .env("PBSTAT_TIMINGS", "1")
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .output()
            .expect("aggregate");
        phases.push_str(&format!(
            "\n{n} communities, one run of `PBSTAT_TIMINGS=1 pbstat aggregate`:\n\n```\n{}```\n",
            String::from_utf8_lossy(&t.stderr)
        ));
        let _ = std::fs::remove_dir_all(&out_dir);
        for (k, name) in [FLOOR_SYS, FLOOR_MI, VALIDATE, AGGREGATE]
            .into_iter()
            .enumerate()
        {
            let ratio = (0..rounds)
                .map(|r| runs[k][r].wall / runs[0][r].wall)
                .collect();
            let ratio_mi = (0..rounds)
                .map(|r| runs[k][r].wall / runs[1][r].wall)
                .collect();
            rows.push(Row {
                communities: n,
                files,
                name,
                runs: runs[k].clone(),
                ratio,
                ratio_mi,
            });
        }
    }
    let mut md = String::new();
    md.push_str("# Benchmark results\n\n");
    md.push_str(&format!(
        "Machine: {cores} cores; release build. Data: a generated province-scale quarter (per community ≈300 roster rows, 40 meetings, 150 issues; 4 resident units per community), {} communities. Each of {rounds} rounds runs every command once in turn; wall and CPU time are medians over the rounds, peak RSS (from wait4; the measuring process stays small) the largest. × floor is the median over rounds of the command's wall time over the floor's in the same round: against calamine with the system allocator (the floor as defined), and against calamine with mimalloc, pbstat's allocator.\n\n",
        sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" and ")
    ));
    md.push_str("| communities | files | command | wall s | CPU s | peak RSS MB | × floor | × floor (mimalloc) | exit |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for r in &rows {
        let wall = median(r.runs.iter().map(|m| m.wall).collect());
        let cpu = median(r.runs.iter().map(|m| m.cpu).collect());
        let rss = r.runs.iter().map(|m| m.rss_mb).fold(0.0, f64::max);
        let code = r.runs.iter().map(|m| m.code).max().unwrap_or(0);
        md.push_str(&format!(
            "| {} | {} | {} | {wall:.2} | {cpu:.2} | {rss:.0} | {:.2} | {:.2} | {code} |\n",
            r.communities,
            r.files,
            r.name,
            median(r.ratio.clone()),
            median(r.ratio_mi.clone()),
        ));
    }
    let get = |n: usize, name: &str| {
        let r = rows
            .iter()
            .find(|r| r.communities == n && r.name == name)
            .unwrap();
        (
            median(r.runs.iter().map(|m| m.wall).collect()),
            r.runs.iter().map(|m| m.rss_mb).fold(0.0, f64::max),
        )
    };
    let (a_small, m_small) = get(sizes[0], AGGREGATE);
    let (a_big, m_big) = get(sizes[1], AGGREGATE);
    let (v_small, vm_small) = get(sizes[0], VALIDATE);
    let (v_big, vm_big) = get(sizes[1], VALIDATE);
    md.push_str(&format!(
        "\nScaling ({}× the data): aggregate time × {:.2}, peak RSS {:.0} MB → {:.0} MB; validate time × {:.2}, peak RSS {:.0} MB → {:.0} MB.\n",
        sizes[1] / sizes[0],
        a_big / a_small,
        m_small,
        m_big,
        v_big / v_small,
        vm_small,
        vm_big,
    ));
    md.push_str("\n## Where aggregate's time goes\n");
    md.push_str(&phases);
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
