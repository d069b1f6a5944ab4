//! Schemas as data: list, show, export, and replacing them with --schemas.

use crate::support::book::s;
use crate::workdir::*;

#[test]
fn list_and_show() {
    let w = Workdir::new();
    let r = w.run(&["schema", "list"]);
    assert_eq!(r.code, 0);
    for name in [
        "registry",
        "cover_community",
        "cover_unit",
        "cover_street",
        "cover_county",
        "roster",
        "meetings",
        "issues",
        "unit_members",
        "unit_activities",
        "unit_projects",
        "requirements",
    ] {
        assert!(r.stdout.contains(name), "{name} missing from\n{}", r.stdout);
    }
    let r = w.run(&["schema", "show", "roster"]);
    assert!(r.stdout.contains("公民身份号码") && r.stdout.contains("roster.hours_implausible"));
    let r = w.run(&["schema", "show", "nope"]);
    assert_eq!(r.code, 2);
}

#[test]
fn exported_schemas_edited_change_what_is_read() {
    let w = Workdir::new();
    assert_eq!(w.run(&["schema", "export", "my-schemas"]).code, 0);
    let roster = w.path("my-schemas/roster.toml");
    let text = std::fs::read_to_string(&roster).unwrap();
    // A new alias for 姓名 and a new meeting type, without any code change.
    let text = text.replacen(
        "header = \"姓名\"",
        "header = \"姓名\"\naliases = [\"党员姓名\"]",
        1,
    );
    std::fs::write(&roster, text).unwrap();
    let meetings = w.path("my-schemas/meetings.toml");
    let text = std::fs::read_to_string(&meetings).unwrap().replace(
        "\"组织生活会\", \"其他\"",
        "\"组织生活会\", \"座谈会\", \"其他\"",
    );
    std::fs::write(&meetings, text).unwrap();

    let c = county();
    let mut b = plain_community(&c);
    put(&mut b, "在职党员报到", "B1", s("党员姓名"));
    put(&mut b, "会议活动", "C2", s("座谈会"));
    w.book("a.xlsx", &b);
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3"]);
    assert_eq!(r.code, 1, "the defaults do not know these: {}", pretty(&d));
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3", "--schemas", "my-schemas"]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);
}

#[test]
fn a_broken_schema_file_stops_the_run_naming_it() {
    let w = Workdir::new();
    w.run(&["schema", "export", "s"]);
    let c = county();
    w.book("a.xlsx", &plain_community(&c));
    let cases = [
        ("meetings.toml", "type = \"enum\"", "type = \"enumm\""),
        (
            "issues.toml",
            "code = \"issue.resolved_date_missing\"",
            "code = \"issue.no_such_code\"",
        ),
        (
            "roster.toml",
            "field = \"service_hours\"",
            "field = \"no_such_field\"",
        ),
        (
            "requirements.toml",
            "abnormal_change = 0.5",
            "abnormal_change = -1",
        ),
        ("registry.toml", "key = \"code\"", "key = \"codes\""),
    ];
    for (file, from, to) in cases {
        let p = w.path(&format!("s/{file}"));
        let good = std::fs::read_to_string(&p).unwrap();
        assert!(good.contains(from), "{file} lacks {from}");
        std::fs::write(&p, good.replacen(from, to, 1)).unwrap();
        let r = w.run(&["validate", "a.xlsx", "--schemas", "s"]);
        assert_eq!(r.code, 2, "{file}: {}", r.stderr);
        assert!(
            r.stderr.contains(file) || r.stderr.contains("registry"),
            "{file}: {}",
            r.stderr
        );
        std::fs::write(&p, good).unwrap();
    }
    assert_eq!(
        w.run(&["validate", "a.xlsx", "--schemas", "s", "--period", "2026Q3"])
            .code,
        0
    );
}

/// Regression: a meeting type or satisfaction level misspelt in
/// requirements.toml made every community fall short (or nobody count as
/// satisfied) without a word; an enum value misspelt in a row rule made the
/// rule never apply. Each now stops the run at load with exit 2, naming the
/// file, the line and the values it may take.
#[test]
fn misspelt_enum_values_in_rules_and_requirements_stop_the_run() {
    let w = Workdir::new();
    w.run(&["schema", "export", "s"]);
    let c = county();
    w.book("a.xlsx", &plain_community(&c));
    let cases = [
        (
            "requirements.toml",
            "type = \"联席会议\"",
            "type = \"联席会\"",
            "联席会",
        ),
        (
            "requirements.toml",
            "\"基本满意\"]",
            "\"基本满\"]",
            "基本满",
        ),
        (
            "issues.toml",
            "equals = [\"已办结\"]",
            "equals = [\"已办\"]",
            "已办",
        ),
    ];
    for (file, from, to, bad) in cases {
        let p = w.path(&format!("s/{file}"));
        let good = std::fs::read_to_string(&p).unwrap();
        assert!(good.contains(from), "{file} lacks {from}");
        let edited = good.replacen(from, to, 1);
        let line = edited
            .lines()
            .position(|l| l.contains(&format!("\"{bad}\"")))
            .unwrap()
            + 1;
        std::fs::write(&p, edited).unwrap();
        let r = w.run(&["validate", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
        assert_eq!(r.code, 2, "{file}: {}", r.stderr);
        assert!(r.stderr.contains(file), "{}", r.stderr);
        assert!(r.stderr.contains(&format!("第 {line} 行")), "{}", r.stderr);
        assert!(r.stderr.contains(&format!("`{bad}`")), "{}", r.stderr);
        std::fs::write(&p, good).unwrap();
    }
}
