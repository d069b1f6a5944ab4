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

use support::book::{write_book, write_book_as};
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

/// How the benchmark's workbooks were written (issue: speed on files from
/// every writer).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Writer {
    /// Shared-string table, as Excel and WPS save (rust_xlsxwriter).
    Shared,
    /// Inline strings (`<is><t>`), rows streamed: xlsxwriter's constant-
    /// memory mode, Apache POI SXSSF, EasyExcel.
    Inline,
    /// .xls BIFF8, as LibreOffice saves the shared-string books.
    Xls,
    /// Mostly .xlsx of both kinds, a fifth .xls, a few .ods, and the
    /// registry as a CSV export (a submission's ledger as CSV still needs
    /// its sheet in the workbook: forms.md §4.7).
    Mix,
}

impl Writer {
    fn label(self) -> &'static str {
        match self {
            Writer::Shared => "shared strings",
            Writer::Inline => "inline strings",
            Writer::Xls => ".xls (BIFF8)",
            Writer::Mix => "mix",
        }
    }
    fn dir(self, root: &Path, n: usize) -> PathBuf {
        root.join(match self {
            Writer::Shared => format!("c{n}"),
            Writer::Inline => format!("c{n}-inline"),
            Writer::Xls => format!("c{n}-xls"),
            Writer::Mix => format!("c{n}-mix"),
        })
    }
}

fn dataset(root: &Path, communities: usize, inline: bool) -> PathBuf {
    let w = if inline {
        Writer::Inline
    } else {
        Writer::Shared
    };
    let dir = w.dir(root, communities);
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
        write_book_as(
            &dir.join("in")
                .join(&cm.street)
                .join(format!("{}.xlsx", cm.code)),
            &community_book(&c, cm, &hand),
            inline,
        );
    });
    c.units.par_iter().for_each(|u| {
        write_book_as(
            &dir.join("in")
                .join("units")
                .join(format!("{}.xlsx", u.code)),
            &unit_book(&c, u, &Hand::plain()),
            inline,
        );
    });
    std::fs::write(dir.join(".complete"), "").unwrap();
    eprintln!(
        "generated {communities} communities ({}) in {:.1}s",
        w.label(),
        start.elapsed().as_secs_f64()
    );
    dir
}

/// Generate a dataset in a child: a forked child's ru_maxrss starts from
/// its parent's, so the measuring process must stay small.
fn ensure_generated(me: &Path, root: &Path, n: usize, inline: bool) -> PathBuf {
    let w = if inline {
        Writer::Inline
    } else {
        Writer::Shared
    };
    let dir = w.dir(root, n);
    if !dir.join(".complete").exists() {
        let st = Command::new(me)
            .arg("generate")
            .arg(root)
            .arg(n.to_string())
            .args(inline.then_some("inline"))
            .status()
            .expect("generate");
        assert!(st.success(), "generating {n} communities failed");
    }
    dir
}

/// This example, the pbstat it measures and the floor: it runs from
/// <target>/release/examples/, the binaries are beside it, wherever
/// cargo's target folder is.
fn binaries() -> (PathBuf, PathBuf, PathBuf) {
    let me = std::env::current_exe().unwrap();
    let examples = me.parent().expect("examples folder").to_path_buf();
    let bin = examples.parent().expect("profile folder").join("pbstat");
    (me, bin, examples.join("floor"))
}

/// `bin validate|aggregate` on a dataset as every measurement runs it
/// (aggregate writing into `out`).
fn pbstat_command(bin: &Path, cmd: &str, data: &Path, out: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args([
        cmd,
        "--period",
        "2026Q3",
        "--no-progress",
        "-q",
        "--registry",
    ])
    .arg(registry_of(data))
    .arg(data.join("in"));
    if cmd == "aggregate" {
        c.arg("-o").arg(out);
    }
    c
}

/// The dataset's registry: a CSV in the mix, else .xlsx.
fn registry_of(dir: &Path) -> PathBuf {
    let csv = dir.join("registry.csv");
    if csv.exists() {
        csv
    } else {
        dir.join("registry.xlsx")
    }
}

/// LibreOffice on this machine, or None.
fn soffice() -> Option<&'static str> {
    ["soffice", "libreoffice"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Convert workbooks with LibreOffice, two processes at a time (each with
/// its own profile): `jobs` are (source, destination file); the
/// destination's extension says the format.
fn convert(office: &str, jobs: &[(PathBuf, PathBuf)]) {
    let work = std::env::temp_dir().join("pbstat-bench-convert");
    let _ = std::fs::remove_dir_all(&work);
    let halves: Vec<&[(PathBuf, PathBuf)]> = jobs.chunks(jobs.len().div_ceil(2).max(1)).collect();
    std::thread::scope(|s| {
        for (w, half) in halves.into_iter().enumerate() {
            let work = work.join(w.to_string());
            s.spawn(move || {
                for chunk in half.chunks(100) {
                    for ext in ["xls", "ods"] {
                        let these: Vec<&(PathBuf, PathBuf)> = chunk
                            .iter()
                            .filter(|(_, d)| d.extension().is_some_and(|x| x == ext))
                            .collect();
                        if these.is_empty() {
                            continue;
                        }
                        let out = work.join("out");
                        let _ = std::fs::remove_dir_all(&out);
                        let st = Command::new(office)
                            .arg(format!(
                                "-env:UserInstallation=file://{}",
                                work.join("profile").display()
                            ))
                            .args(["--headless", "--convert-to", ext, "--outdir"])
                            .arg(&out)
                            .args(these.iter().map(|(src, _)| src))
                            .stdout(std::process::Stdio::null())
                            .stderr(std::process::Stdio::null())
                            .status()
                            .expect("LibreOffice");
                        assert!(st.success(), "LibreOffice failed");
                        for (src, dst) in these {
                            let made = out.join(src.file_stem().unwrap()).with_extension(ext);
                            std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
                            std::fs::rename(&made, dst).unwrap_or_else(|e| {
                                panic!("LibreOffice did not convert {}: {e}", src.display())
                            });
                        }
                    }
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&work);
}

/// The .xls and mixed datasets, made from the shared- and inline-string
/// ones; None without LibreOffice.
fn derived(root: &Path, n: usize, w: Writer, office: Option<&str>) -> Option<PathBuf> {
    let dir = w.dir(root, n);
    if dir.join(".complete").exists() {
        return Some(dir);
    }
    let office = office?;
    let _ = std::fs::remove_dir_all(&dir);
    let start = Instant::now();
    let shared = Writer::Shared.dir(root, n);
    let inline = Writer::Inline.dir(root, n);
    let files = floor::files(&shared.join("in"));
    let mut jobs = Vec::new();
    for (k, f) in files.iter().enumerate() {
        let rel = f.strip_prefix(&shared).unwrap();
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        match w {
            Writer::Xls => jobs.push((f.clone(), to.with_extension("xls"))),
            Writer::Mix if k % 5 == 0 => jobs.push((f.clone(), to.with_extension("xls"))),
            Writer::Mix if k % 20 == 1 => jobs.push((f.clone(), to.with_extension("ods"))),
            Writer::Mix if k % 2 == 1 => {
                std::fs::copy(inline.join(rel), &to).unwrap();
            }
            _ => {
                std::fs::copy(f, &to).unwrap();
            }
        }
    }
    if w == Writer::Mix {
        registry_csv(&shared.join("registry.xlsx"), &dir.join("registry.csv"));
    } else {
        std::fs::copy(shared.join("registry.xlsx"), dir.join("registry.xlsx")).unwrap();
    }
    convert(office, &jobs);
    std::fs::write(dir.join(".complete"), "").unwrap();
    eprintln!(
        "made {n} communities ({}) in {:.1}s",
        w.label(),
        start.elapsed().as_secs_f64()
    );
    Some(dir)
}

/// The registry as a CSV export (forms.md §2: xlsx, xls, ods or CSV), as
/// registries often come from another system.
fn registry_csv(src: &Path, to: &Path) {
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(src).expect("open");
    let name = wb.sheet_names()[0].clone();
    let r = wb.worksheet_range(&name).expect("sheet");
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in r.rows() {
        w.write_record(row.iter().map(|d| {
            match d {
                Data::Empty => String::new(),
                Data::DateTime(x) => x
                    .as_datetime()
                    .map(|t| t.date().to_string())
                    .unwrap_or_default(),
                other => other.to_string(),
            }
        }))
        .unwrap();
    }
    std::fs::write(to, w.into_inner().unwrap()).unwrap();
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

const INFLATE: &str = "floor (inflate only)";
const FLOOR_SYS: &str = "floor (calamine, system allocator)";
const FLOOR_MI: &str = "floor (calamine, mimalloc)";
const VALIDATE: &str = "pbstat validate";
const AGGREGATE: &str = "pbstat aggregate";
const ROLLUP: &str = "pbstat aggregate, roll-up of 3 months";

struct Row {
    writer: Writer,
    communities: usize,
    files: usize,
    name: &'static str,
    runs: Vec<Measure>,
    /// Per round: wall time over the inflate floor's, and over the
    /// calamine (system allocator) floor's.
    ratio_inflate: Vec<f64>,
    ratio: Vec<f64>,
}

impl Row {
    fn wall(&self) -> f64 {
        median(self.runs.iter().map(|m| m.wall).collect())
    }
    fn rss(&self) -> f64 {
        self.runs.iter().map(|m| m.rss_mb).fold(0.0, f64::max)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("floor") => {
            let (files, cells) = floor::run(Path::new(&args[2]));
            println!("{files} files, {cells} cells");
            return;
        }
        Some("inflate") => {
            let (files, bytes) = floor::inflate(Path::new(&args[2]));
            println!("{files} files, {bytes} bytes");
            return;
        }
        Some("derive") => {
            // The mixed dataset (and .xls: `xls`) ahead of a run: derive ROOT N [xls]
            let (root, n) = (Path::new(&args[2]), args[3].parse().expect("a size"));
            let me = std::env::current_exe().unwrap();
            ensure_generated(&me, root, n, false);
            ensure_generated(&me, root, n, true);
            for w in [Writer::Xls, Writer::Mix] {
                if w == Writer::Mix || args.iter().any(|a| a == "xls") {
                    derived(root, n, w, soffice()).expect("LibreOffice");
                }
            }
            return;
        }
        Some("registry-csv") => {
            registry_csv(Path::new(&args[2]), Path::new(&args[3]));
            return;
        }
        Some("against") => {
            // against OLD_PBSTAT DATA LABEL ROUNDS: bench/against.sh
            let rounds = args[5].parse().expect("rounds");
            print!(
                "{}",
                against(Path::new(&args[2]), Path::new(&args[3]), &args[4], rounds)
            );
            return;
        }
        Some("generate") => {
            let inline = args.get(4).is_some_and(|a| a == "inline");
            dataset(
                Path::new(&args[2]),
                args[3].parse().expect("a size"),
                inline,
            );
            return;
        }
        _ => {}
    }
    let small = args.iter().any(|a| a == "--small");
    let large = args.iter().any(|a| a == "--large");
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
    let (me, bin, floor_sys) = binaries();
    assert!(
        bin.exists() && floor_sys.exists(),
        "build first: cargo build --release --examples"
    );
    if large {
        return large_run(&root, &me, &bin, &out);
    }
    let sizes: [usize; 2] = if small { [25, 100] } else { [250, 1000] };
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let office = soffice();
    let mut cases: Vec<(Writer, usize, PathBuf)> = Vec::new();
    let mut skipped = Vec::new();
    for &n in &sizes {
        cases.push((Writer::Shared, n, ensure_generated(&me, &root, n, false)));
        cases.push((Writer::Inline, n, ensure_generated(&me, &root, n, true)));
        // A whole .xls county is converted at the smaller size only:
        // LibreOffice takes minutes per thousand files.
        let derived_writers: &[Writer] = if n == sizes[0] {
            &[Writer::Xls, Writer::Mix]
        } else {
            &[Writer::Mix]
        };
        for &w in derived_writers {
            match derived(&root, n, w, office) {
                Some(dir) => cases.push((w, n, dir)),
                None => skipped.push(format!("{} at {n} communities", w.label())),
            }
        }
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut phases = String::new();
    for (writer, n, dir) in &cases {
        let (writer, n) = (*writer, *n);
        let files = floor::files(&dir.join("in")).len();
        let out_dir = std::env::temp_dir().join(format!("pbstat-bench-{n}"));
        let pbstat = |cmd: &str| pbstat_command(&bin, cmd, dir, &out_dir);
        let rollup = writer == Writer::Shared;
        let names: &[&'static str] = if rollup {
            &[INFLATE, FLOOR_SYS, FLOOR_MI, VALIDATE, AGGREGATE, ROLLUP]
        } else {
            &[INFLATE, FLOOR_SYS, FLOOR_MI, VALIDATE, AGGREGATE]
        };
        let mut runs: Vec<Vec<Measure>> = vec![Vec::new(); names.len()];
        // The quarter's output standing in for three months' (only the
        // period differs): what a roll-up reads (reports.md §5.1).
        let months: Vec<PathBuf> = (7..=9)
            .map(|m| std::env::temp_dir().join(format!("pbstat-bench-{n}-2026-0{m}")))
            .collect();
        let rolled = std::env::temp_dir().join(format!("pbstat-bench-{n}-rollup"));
        for round in 0..rounds {
            eprintln!(
                "{n} communities, {}, round {}/{rounds}",
                writer.label(),
                round + 1
            );
            runs[0].push(measure(
                Command::new(&me).arg("inflate").arg(dir.join("in")),
            ));
            runs[1].push(measure(Command::new(&floor_sys).arg(dir.join("in"))));
            runs[2].push(measure(Command::new(&me).arg("floor").arg(dir.join("in"))));
            runs[3].push(measure(&mut pbstat("validate")));
            runs[4].push(measure(&mut pbstat("aggregate")));
            if !rollup {
                continue;
            }
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
            c.arg("aggregate")
                .args(&months)
                .args(["--period", "2026Q3", "--no-progress", "-q", "-o"])
                .arg(&rolled);
            runs[5].push(measure(&mut c));
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
            "\n{n} communities, {}, one run of `PBSTAT_TIMINGS=1 pbstat aggregate`:\n\n```\n{}```\n",
            writer.label(),
            String::from_utf8_lossy(&t.stderr)
        ));
        let _ = std::fs::remove_dir_all(&out_dir);
        for (k, &name) in names.iter().enumerate() {
            let over = |floor: usize| {
                (0..rounds)
                    .map(|r| runs[k][r].wall / runs[floor][r].wall)
                    .collect()
            };
            rows.push(Row {
                writer,
                communities: n,
                files,
                name,
                runs: runs[k].clone(),
                ratio_inflate: over(0),
                ratio: over(1),
            });
        }
    }
    let mut md = String::new();
    md.push_str("# Benchmark results\n\n");
    md.push_str(&format!(
        "Machine: {cores} cores; release build. Data: a generated province-scale quarter (per community ≈300 roster rows, 40 meetings, 150 issues; 4 resident units per community), {} communities, written several ways: with a shared-string table (as Excel and WPS save), with inline strings (`<is><t>`, rows streamed: xlsxwriter's constant-memory mode, Apache POI SXSSF, EasyExcel — what many government systems export), as .xls BIFF8 (LibreOffice's conversion of the shared-string books), and a mix (half shared, half inline strings, a fifth .xls, one in twenty .ods, the registry a CSV export). Each of {rounds} rounds runs every command once in turn; wall and CPU time are medians over the rounds, peak RSS (from wait4; the measuring process stays small) the largest. Two floors: the inflate floor inflates every zip entry with the zip library's streaming inflater (flate2, as calamine does; pbstat itself inflates with libdeflate, which is faster, so its ratio to this floor understates its own work) and parses nothing (an .xls or CSV is only read); the calamine floor opens every workbook and reads every cell with calamine (the system allocator; the same with mimalloc, pbstat's allocator, shows what the allocator alone buys). × floor is the median over rounds of the command's wall time over the floor's in the same round. Steal is the median share of the machine's CPU time the hypervisor took during the command's runs: figures taken under much steal are less certain.\n\n",
        sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" and ")
    ));
    for s in &skipped {
        md.push_str(&format!("Not measured (LibreOffice not found): {s}.\n\n"));
    }
    md.push_str("| files written with | communities | files | command | wall s | CPU s | peak RSS MB | × inflate floor | × calamine floor | steal | exit |\n|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in &rows {
        let cpu = median(r.runs.iter().map(|m| m.cpu).collect());
        let code = r.runs.iter().map(|m| m.code).max().unwrap_or(0);
        let steal = median(r.runs.iter().map(|m| m.steal).collect());
        // An .xls is not a zip: nothing to inflate, no inflate floor.
        let over_inflate = if r.writer == Writer::Xls {
            "—".to_string()
        } else {
            format!("{:.2}", median(r.ratio_inflate.clone()))
        };
        md.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} | {cpu:.2} | {:.0} | {over_inflate} | {:.2} | {:.0}% | {code} |\n",
            r.writer.label(),
            r.communities,
            r.files,
            r.name,
            r.wall(),
            r.rss(),
            median(r.ratio.clone()),
            steal * 100.0,
        ));
    }
    let get = |w: Writer, n: usize, name: &str| {
        rows.iter()
            .find(|r| r.writer == w && r.communities == n && r.name == name)
    };
    if let (Some(a0), Some(a1), Some(v0), Some(v1)) = (
        get(Writer::Shared, sizes[0], AGGREGATE),
        get(Writer::Shared, sizes[1], AGGREGATE),
        get(Writer::Shared, sizes[0], VALIDATE),
        get(Writer::Shared, sizes[1], VALIDATE),
    ) {
        md.push_str(&format!(
            "\nScaling ({}× the data, shared strings): aggregate time × {:.2}, peak RSS {:.0} MB → {:.0} MB; validate time × {:.2}, peak RSS {:.0} MB → {:.0} MB.\n",
            sizes[1] / sizes[0],
            a1.wall() / a0.wall(),
            a0.rss(),
            a1.rss(),
            v1.wall() / v0.wall(),
            v0.rss(),
            v1.rss(),
        ));
    }
    md.push_str("\n## Targets\n\nAggregate ≤ 1.0× the calamine floor and ≤ 3× the inflate floor; validate ≤ 0.8× and ≤ 2.5×; peak RSS ≤ 300 MB at 1,000 communities.\n\n| files written with | communities | command | × calamine floor | × inflate floor | peak RSS MB | met |\n|---|---:|---|---:|---:|---:|---|\n");
    for r in rows
        .iter()
        .filter(|r| r.name == VALIDATE || r.name == AGGREGATE)
    {
        let (cal, inf) = if r.name == VALIDATE {
            (0.8, 2.5)
        } else {
            (1.0, 3.0)
        };
        let (rc, ri) = (median(r.ratio.clone()), median(r.ratio_inflate.clone()));
        let xls = r.writer == Writer::Xls;
        let rss_ok = r.communities < 1000 || r.rss() <= 300.0;
        md.push_str(&format!(
            "| {} | {} | {} | {rc:.2} | {} | {:.0} | {} |\n",
            r.writer.label(),
            r.communities,
            r.name,
            if xls {
                "—".to_string()
            } else {
                format!("{ri:.2}")
            },
            r.rss(),
            if rc <= cal && (xls || ri <= inf) && rss_ok {
                "yes"
            } else {
                "no"
            }
        ));
    }
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

/// `make bench-large`: 10,000 communities + 40,000 units once, against
/// 1,000 + 4,000 measured in the same session (issue: peak RSS ≤ 1 GB, time
/// ≤ 10.5× the 1,000-community time).
fn large_run(root: &Path, me: &Path, bin: &Path, out: &str) {
    let mut md = String::from("# Benchmark results: 10,000 communities\n\nOne run each (shared strings), release build; the 1,000-community run beside it taken in the same session.\n\n| communities | files | command | wall s | CPU s | peak RSS MB |\n|---:|---:|---|---:|---:|---:|\n");
    let mut walls = Vec::new();
    for n in [1000, 10000] {
        let dir = ensure_generated(me, root, n, false);
        let files = floor::files(&dir.join("in")).len();
        let out_dir = std::env::temp_dir().join(format!("pbstat-bench-{n}"));
        for cmd in ["validate", "aggregate"] {
            let mut c = pbstat_command(bin, cmd, &dir, &out_dir);
            eprintln!("{cmd} at {n} communities");
            let m = measure(&mut c);
            md.push_str(&format!(
                "| {n} | {files} | pbstat {cmd} | {:.2} | {:.2} | {:.0} |\n",
                m.wall, m.cpu, m.rss_mb
            ));
            walls.push(m.wall);
        }
        let _ = std::fs::remove_dir_all(&out_dir);
    }
    md.push_str(&format!(
        "\n10× the data: validate time × {:.2}, aggregate time × {:.2} (target ≤ 10.5).\n",
        walls[2] / walls[0],
        walls[3] / walls[1]
    ));
    print!("{md}");
    std::fs::write(out, md).unwrap();
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
    let dir = ensure_generated(me, root, n, false);
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

/// This build against an earlier one (bench/against.sh): the same data
/// (what the earlier build's own generator writes, so that it reads every
/// file), the calamine floor, then each command of each build in turn,
/// round after round, so that the machine's drift falls on both alike.
fn against(old: &Path, data: &Path, label: &str, rounds: usize) -> String {
    let (_, new, floor_sys) = binaries();
    let out = std::env::temp_dir().join("pbstat-against");
    let run = |bin: &Path, cmd: &str| measure(&mut pbstat_command(bin, cmd, data, &out));
    let names = ["floor (calamine)", "validate", "aggregate"];
    // [command][build] → one Measure per round.
    let mut m: Vec<[Vec<Measure>; 2]> = vec![Default::default(); 3];
    for round in 0..rounds {
        eprintln!("round {}/{rounds}", round + 1);
        m[0][0].push(measure(Command::new(&floor_sys).arg(data.join("in"))));
        for (k, cmd) in [(1, "validate"), (2, "aggregate")] {
            for (b, bin) in [old, new.as_path()].into_iter().enumerate() {
                m[k][b].push(run(bin, cmd));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    let med = |v: &[Measure], f: fn(&Measure) -> f64| median(v.iter().map(f).collect());
    let floor = med(&m[0][0], |x| x.wall);
    let mut md = format!(
        "{} files, {rounds} rounds; medians. The calamine floor: {floor:.2} s.\n\n| command | {label}: wall s | CPU s | peak RSS MB | × floor | this build: wall s | CPU s | peak RSS MB | × floor | this / {label} |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        floor::files(&data.join("in")).len()
    );
    for k in 1..3 {
        let cell = |b: usize| {
            let w = med(&m[k][b], |x| x.wall);
            format!(
                "{w:.2} | {:.2} | {:.0} | {:.2}",
                med(&m[k][b], |x| x.cpu),
                m[k][b].iter().map(|x| x.rss_mb).fold(0.0, f64::max),
                w / floor
            )
        };
        let ratio = med(&m[k][1], |x| x.wall) / med(&m[k][0], |x| x.wall);
        md.push_str(&format!(
            "| {} | {} | {} | {ratio:.2} |\n",
            names[k],
            cell(0),
            cell(1)
        ));
    }
    for k in 1..3 {
        let codes = |b: usize| m[k][b].iter().map(|x| x.code).collect::<Vec<_>>();
        if codes(0) != codes(1) {
            md.push_str(&format!(
                "\n{}: the exit codes differ ({label} {:?}, this build {:?}): the builds did not do the same work.\n",
                names[k],
                codes(0),
                codes(1)
            ));
        }
    }
    md
}
