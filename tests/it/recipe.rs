//! README's monthly script, run as written, two months in a row (the
//! recipe once failed on its first run and never updated what it compared
//! with).

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::support::county::registry_book;
use crate::workdir::*;

/// The `monthly.sh` block of README.md, unchanged.
fn readme_script() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("```sh\n#!/bin/sh\n# monthly.sh")
        .expect("README has the monthly.sh block");
    let body = &readme[start + "```sh\n".len()..];
    body[..body.find("```").expect("end of block")].to_string()
}

fn executable(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn readme_monthly_script_failed_on_its_first_run() {
    let w = Workdir::new();
    let c = county();
    w.book("registry.xlsx", &registry_book(&c));
    w.write("pbstat.toml", "registry = \"registry.xlsx\"\n");
    // July as generated; August with one community's roster shorter.
    write_county(&w, &c.in_month(7), "submissions/2026-07");
    let mut aug = c.in_month(8);
    aug.communities[0].members.truncate(5);
    write_county(&w, &aug, "submissions/2026-08");
    w.write("monthly.sh", readme_script());
    // pbstat, a `date` that answers for the day the test says it is, and a
    // `mail` that keeps what it was given.
    let bin = w.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_pbstat"), bin.join("pbstat")).unwrap();
    executable(
        &bin.join("date"),
        "#!/bin/sh\n# date -d 'RELATIVE' +FORMAT, as of $TODAY\nexec /usr/bin/env -u TODAY /bin/date -d \"$TODAY $2\" \"$3\"\n",
    );
    executable(
        &bin.join("mail"),
        "#!/bin/sh\n# mail -s SUBJECT TO\ncat > \"mail-$(echo \"$2\" | tr ' ' _).txt\"\n",
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let run = |today: &str| {
        let out = Command::new("sh")
            .arg("monthly.sh")
            .current_dir(w.root())
            .env("PATH", &path)
            .env("TODAY", today)
            .env_remove("LANG")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    // The first run: nothing to compare with yet, and still a report and a mail.
    let (code, err) = run("2026-08-05");
    assert_eq!(code, Some(0), "{err}");
    assert!(w.path("reports/2026-07/report.xlsx").is_file(), "{err}");
    assert!(w.path("reports/2026-07/摘要.html").is_file());
    let mail = std::fs::read_to_string(w.path("mail-党建统计_2026-07.txt")).unwrap();
    assert!(mail.contains("2026年7月"), "{mail}");

    // The next month compares with the report the script wrote last month.
    let (code, err) = run("2026-09-05");
    assert_eq!(code, Some(0), "{err}");
    let t1 =
        std::fs::read_to_string(w.path("reports/2026-08/tables/t1_registrations.csv")).unwrap();
    let header = t1.lines().next().unwrap();
    assert!(header.contains("registered_members_prev"), "{header}");
    // With the trend of both months, and the shorter roster found.
    let h = std::fs::read_to_string(w.path("reports/2026-08/tables/history.csv")).unwrap();
    assert!(h.contains(",2026-07,") && h.contains(",2026-08,"), "{h}");
    let d = std::fs::read_to_string(w.path("reports/2026-08/diagnostics.json")).unwrap();
    assert!(d.contains("roster.member_dropped") && d.contains("trend.stock_decrease"));
    assert!(w.path("archive/t1_registrations/period=2026-08").is_dir());
    let mail = std::fs::read_to_string(w.path("mail-党建统计_2026-08.txt")).unwrap();
    assert!(mail.contains("2026年8月"), "{mail}");
    // A re-run of the same month replaces that month's output, its summary page included.
    let (code, err) = run("2026-09-05");
    assert_eq!(code, Some(0), "{err}");
}
