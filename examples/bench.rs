//! `make bench`: a province-scale quarter, generated deterministically, and
//! the wall time, CPU time and peak RSS of `pbstat validate` and `pbstat
//! aggregate` on it, against a floor: the same workbooks only opened and
//! read cell by cell with calamine, in parallel.
//!
//!     cargo build --release --examples
//!     cargo run --release --example bench -- [--small] [--rounds N] [--instructions] [--out bench/results.md]
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
//! `--instructions` adds instruction counts (valgrind) at 100 communities:
//! a measure the machine's moods do not move.

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
    /// Share of the machine's CPU time stolen by the hypervisor meanwhile.
    steal: f64,
}

/// Run a command and take its wall time, CPU time and peak RSS from wait4.
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also yields its rusage
fn measure(cmd: &mut Command) -> Measure {
    let steal0 = steal_ticks();
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
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as f64;
    let stolen = (steal_ticks() - steal0) as f64 / clock_ticks();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Measure {
        steal: stolen / (wall * cores),
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

/// CPU time the hypervisor gave to others (steal), in clock ticks, across
/// all CPUs: measured around each run, because on a shared virtual machine
/// it is what makes wall times wander.
fn steal_ticks() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(8))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf only reads a system constant.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
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
const ROLLUP: &str = "pbstat aggregate, roll-up of 3 months";

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
    // This example runs from <target>/release/examples/: the binaries it
    // measures are beside it, wherever cargo's target folder is.
    let me = std::env::current_exe().unwrap();
    let examples = me.parent().expect("examples folder");
    let bin = examples.parent().expect("profile folder").join("pbstat");
    let floor_sys = examples.join("floor");
    assert!(
        bin.exists() && floor_sys.exists(),
        "build first: cargo build --release --examples"
    );
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
        let mut runs: Vec<Vec<Measure>> = vec![Vec::new(); 5];
        // The quarter's output standing in for three months' (only the
        // period differs): what a roll-up reads (reports.md §5.1).
        let months: Vec<PathBuf> = (7..=9)
            .map(|m| std::env::temp_dir().join(format!("pbstat-bench-{n}-2026-0{m}")))
            .collect();
        let rolled = std::env::temp_dir().join(format!("pbstat-bench-{n}-rollup"));
        for round in 0..rounds {
            eprintln!("{n} communities, round {}/{rounds}", round + 1);
            runs[0].push(measure(Command::new(&floor_sys).arg(dir.join("in"))));
            runs[1].push(measure(Command::new(&me).arg("floor").arg(dir.join("in"))));
            runs[2].push(measure(&mut pbstat("validate")));
            runs[3].push(measure(&mut pbstat("aggregate")));
            if round == 0 {
                for (k, m) in months.iter().enumerate() {
                    let _ = std::fs::remove_dir_all(m);
                    copy_dir(&out_dir, m);
                    let p = m.join("summary.json");
                    let text = std::fs::read_to_string(&p).expect("summary.json");
                    let text = text.replacen("\"2026Q3\"", &format!("\"2026-0{}\"", 7 + k), 1);
                    std::fs::write(&p, text).expect("summary.json");
                }
            }
            let mut c = Command::new(&bin);
            c.arg("aggregate").args(&months).args(["--period", "2026Q3", "--no-progress", "-q", "-o"]).arg(&rolled);
            runs[4].push(measure(&mut c));
        }
        for m in months.iter().chain([&rolled]) {
            let _ = std::fs::remove_dir_all(m);
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
        for (k, name) in [FLOOR_SYS, FLOOR_MI, VALIDATE, AGGREGATE, ROLLUP]
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
        "Machine: {cores} cores; release build. Data: a generated province-scale quarter (per community ≈300 roster rows, 40 meetings, 150 issues; 4 resident units per community), {} communities. Each of {rounds} rounds runs every command once in turn; wall and CPU time are medians over the rounds, peak RSS (from wait4; the measuring process stays small) the largest. × floor is the median over rounds of the command's wall time over the floor's in the same round: against calamine with the system allocator (the floor as defined), and against calamine with mimalloc, pbstat's allocator. Steal is the median share of the machine's CPU time the hypervisor took during the command's runs: figures taken under much steal are less certain.\n\n",
        sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" and ")
    ));
    md.push_str("| communities | files | command | wall s | CPU s | peak RSS MB | × floor | × floor (mimalloc) | steal | exit |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in &rows {
        let wall = median(r.runs.iter().map(|m| m.wall).collect());
        let cpu = median(r.runs.iter().map(|m| m.cpu).collect());
        let rss = r.runs.iter().map(|m| m.rss_mb).fold(0.0, f64::max);
        let code = r.runs.iter().map(|m| m.code).max().unwrap_or(0);
        let steal = median(r.runs.iter().map(|m| m.steal).collect());
        md.push_str(&format!(
            "| {} | {} | {} | {wall:.2} | {cpu:.2} | {rss:.0} | {:.2} | {:.2} | {:.0}% | {code} |\n",
            r.communities,
            r.files,
            r.name,
            median(r.ratio.clone()),
            median(r.ratio_mi.clone()),
            steal * 100.0,
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
    if args.iter().any(|a| a == "--instructions") {
        md.push_str(&instruction_section(
            &root,
            &me,
            &bin,
            &floor_sys,
            if small { 25 } else { 100 },
        ));
    }
    print!("{md}");
    if let Some(d) = Path::new(&out).parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(&out, md).unwrap();
    eprintln!("written to {out}");
}

/// Instructions a command executes, counted by valgrind's callgrind: the
/// same on every run whatever else the machine is doing. One thread, so
/// that idle workers add nothing.
fn instructions(program: &Path, args: &[&std::ffi::OsStr]) -> Option<u64> {
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(program)
        .args(args)
        .env("RAYON_NUM_THREADS", "1")
        .stdout(std::process::Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
}

/// The instruction counts of the floors, validate and aggregate at `n`
/// communities, as a Markdown section.
fn instruction_section(root: &Path, me: &Path, bin: &Path, floor_sys: &Path, n: usize) -> String {
    let dir = root.join(format!("c{n}"));
    if !dir.join(".complete").exists() {
        let st = Command::new(me)
            .arg("generate")
            .arg(root)
            .arg(n.to_string())
            .status()
            .expect("generate");
        assert!(st.success(), "generating {n} communities failed");
    }
    let input = dir.join("in");
    let registry = dir.join("registry.xlsx");
    let out = std::env::temp_dir().join("pbstat-bench-instructions");
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    let pb = |cmd: &'static str| -> Vec<&std::ffi::OsStr> {
        let mut a = vec![
            os(cmd),
            os("-j"),
            os("1"),
            os("--period"),
            os("2026Q3"),
            os("--no-progress"),
            os("-q"),
            os("--registry"),
            registry.as_os_str(),
            input.as_os_str(),
        ];
        if cmd == "aggregate" {
            a.extend([os("-o"), out.as_os_str()]);
        }
        a
    };
    eprintln!("counting instructions at {n} communities (valgrind, a few minutes)");
    let counts = [
        (FLOOR_SYS, instructions(floor_sys, &[input.as_os_str()])),
        (
            FLOOR_MI,
            instructions(me, &[os("floor"), input.as_os_str()]),
        ),
        (VALIDATE, instructions(bin, &pb("validate"))),
        (AGGREGATE, instructions(bin, &pb("aggregate"))),
    ];
    let _ = std::fs::remove_dir_all(&out);
    let (Some(sys), Some(mi)) = (counts[0].1, counts[1].1) else {
        return "\n## Instructions\n\nvalgrind is not available here.\n".into();
    };
    let mut md = format!(
        "\n## Instructions\n\n{n} communities, one thread, counted by valgrind's callgrind: the same on every run, whatever the machine is doing. Under valgrind SHA-256 takes its portable path (the CPU's SHA instructions are not emulated), which adds to aggregate's count what the hashing costs only natively in a fraction.\n\n| command | instructions (millions) | × floor | × floor (mimalloc) |\n|---|---:|---:|---:|\n"
    );
    for (name, c) in counts {
        if let Some(c) = c {
            md.push_str(&format!(
                "| {name} | {:.0} | {:.2} | {:.2} |\n",
                c as f64 / 1e6,
                c as f64 / sys as f64,
                c as f64 / mi as f64
            ));
        }
    }
    md
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for e in std::fs::read_dir(from).expect("a folder").flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).expect("a copy");
        }
    }
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
