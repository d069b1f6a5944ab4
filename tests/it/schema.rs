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
    // By the sheet name a statistician knows a form by, or an alias of it;
    // a name several forms bear is said to be theirs.
    let r = w.run(&["schema", "show", "会议活动"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("name = \"meetings\""), "{}", r.stdout);
    let r = w.run(&["schema", "show", "报到名单"]);
    assert!(r.stdout.contains("name = \"roster\""), "{}", r.stdout);
    let r = w.run(&["schema", "show", "封面"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("属于多张表样：cover_county、"),
        "{}",
        r.stderr
    );
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

/// Regression: `schema show` and `schema export` of a county's own set
/// re-serialised every file, so its comments (the explanations of the
/// syntax in measures.toml and tables.toml, and the county's own notes)
/// were lost and the layout changed (`min = 0` became `min = 0.0`). A set
/// read from a folder is given back as it was read; the files it lacks, as
/// embedded.
#[test]
fn regression_exporting_a_countys_set_keeps_its_files_as_written() {
    let w = Workdir::new();
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    let meetings = w.path("s/meetings.toml");
    let mut text = std::fs::read_to_string(&meetings).unwrap();
    text.push_str("\n# 本县：联席会议的议题须写明（2026年起）\n[[checks]]\ncode = \"local.meeting.topic\"\nseverity = \"warning\"\nfield = \"topic\"\nassert = \"topic IS NOT NULL\"\nmessage = \"请写明议题\"\nmessage_en = \"write the topic\"\n");
    std::fs::write(&meetings, &text).unwrap();
    std::fs::remove_file(w.path("s/roster.toml")).unwrap();
    assert_eq!(w.run(&["schema", "export", "s2", "--schemas", "s"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(w.path("s2/meetings.toml")).unwrap(),
        text
    );
    for name in ["measures", "tables", "audits", "requirements", "issues"] {
        assert_eq!(
            std::fs::read(w.path(&format!("s2/{name}.toml"))).unwrap(),
            std::fs::read(w.path(&format!("s/{name}.toml"))).unwrap(),
            "{name}.toml"
        );
    }
    // The one the folder lacks: the embedded file.
    let r = w.run(&["schema", "show", "roster"]);
    assert_eq!(
        std::fs::read_to_string(w.path("s2/roster.toml")).unwrap(),
        r.stdout
    );
    let r = w.run(&["schema", "show", "meetings", "--schemas", "s"]);
    assert!(
        r.stdout.contains("# 本县：联席会议的议题须写明"),
        "{}",
        r.stdout
    );
}

/// Regression: a county that kept a form in a file of its own naming
/// (在职党员报到.toml for `roster`) was refused, "a schema named `roster`
/// is declared twice": the folder lacked roster.toml, so the embedded one
/// was added beside it. The folder's file now replaces it.
#[test]
fn regression_a_form_in_a_file_of_another_name_replaces_the_embedded_one() {
    let w = Workdir::new();
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    let text = std::fs::read_to_string(w.path("s/roster.toml"))
        .unwrap()
        .replacen(
            "header = \"姓名\"",
            "header = \"姓名\"\naliases = [\"党员姓名\"]",
            1,
        );
    std::fs::remove_file(w.path("s/roster.toml")).unwrap();
    w.write("s/在职党员报到.toml", &text);
    let r = w.run(&["schema", "show", "roster", "--schemas", "s"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, text);
    let c = county();
    let mut b = plain_community(&c);
    put(&mut b, "在职党员报到", "B1", s("党员姓名"));
    w.book("a.xlsx", &b);
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3", "--schemas", "s"]);
    assert_eq!(r.code, 0, "{}", pretty(&d));
    // Two files of one form, both the folder's, are still refused, naming
    // both (a copy Windows makes, "roster - 副本.toml", is the usual cause).
    w.write("s/roster.toml", &text);
    let r = w.run(&["schema", "list", "--schemas", "s"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("在职党员报到.toml 有误：名为 `roster` 的表样已由")
            && r.stderr.contains("roster.toml 声明"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_broken_schema_file_stops_the_run_naming_it() {
    let w = exported_beside_a_community();
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
    let w = exported_beside_a_community();
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
        ("roster.toml", "male = \"男\"", "male = \"男的\"", "男的"),
        ("registry.toml", "yes = \"是\"", "yes = \"是的\"", "是的"),
        (
            "registry.toml",
            "\"社区\" = \"community\"",
            "\"社区们\" = \"community\"",
            "社区们",
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

/// Regression (issue 13): renaming 已办结 in an exported schema set made
/// T3 `resolved` 0 and changed the rates, because the counting named the
/// value in code. What is counted under which value now lives in
/// measures.toml, so a rename made consistently in every exported file (the
/// old spelling kept as an alias, so the same workbooks read) changes no
/// table.
#[test]
fn renaming_enum_values_across_an_exported_set_changes_no_table() {
    let w = Workdir::new();
    let run = |out: &str, extra: &[&str]| {
        let r = w.aggregate_samples(out, extra);
        assert_eq!(r.code, 0, "{}", r.stderr);
    };
    run("before", &[]);
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    assert!(
        w.path("s/measures.toml").exists(),
        "export writes the measures"
    );
    // Exported and passed back as they are: the same tables.
    run("roundtrip", &["--schemas", "s"]);
    let tables = [
        "t0_submissions",
        "t1_registrations",
        "t2_meetings",
        "t3_issues",
        "t3b_issue_categories",
        "t4_rates",
        "t5_party_committee",
        "t6_grids",
        "t6b_grid_detail",
        "t7_emergency_response",
        "t8_representatives",
        "t9_org_life",
        "t10_needs",
    ];
    for t in tables {
        let a = std::fs::read(w.path(&format!("before/tables/{t}.csv"))).unwrap();
        let b = std::fs::read(w.path(&format!("roundtrip/tables/{t}.csv"))).unwrap();
        assert!(a == b, "{t} changed on the round trip");
    }
    // (old, new, the forms it is a value of, renamed in those alone): 是
    // is also the issues' alias of 已办结 and what T6b shows for a grid
    // head, which are not the registry's 应报.
    for (old, new, files, only_there) in [
        ("已办结", "已结案", &["issues.toml"][..], false),
        (
            "已完成",
            "已竣工",
            &["unit_projects.toml", "needs.toml"],
            false,
        ),
        // Also a value of the issues' 来源.
        (
            "联席会议",
            "联席会",
            &["meetings.toml", "issues.toml"],
            false,
        ),
        // Regression: the gender check and the registry's 应报 and 类型
        // named these in code; renamed, every man was flagged and nobody
        // was expected (T0, T4 changed).
        ("男", "男性", &["roster.toml"], false),
        ("女", "女性", &["roster.toml"], false),
        ("是", "需报送", &["registry.toml"], true),
        ("社区", "城市社区", &["registry.toml"], true),
        ("街道", "街道办事处", &["registry.toml"], true),
    ] {
        for f in std::fs::read_dir(w.path("s")).unwrap() {
            let p = f.unwrap().path();
            let name = p.file_name().unwrap().to_str().unwrap();
            if only_there && !files.contains(&name) {
                continue;
            }
            let t = std::fs::read_to_string(&p).unwrap();
            let t = t
                .replace(&format!("\"{old}\""), &format!("\"{new}\""))
                .replace(&format!("'{old}'"), &format!("'{new}'"));
            std::fs::write(&p, t).unwrap();
        }
        // The old spelling stays readable, in every form it is a value of.
        for file in files {
            let p = w.path(&format!("s/{file}"));
            let t = std::fs::read_to_string(&p).unwrap();
            // The field whose values hold the new spelling, up to the next field.
            let field = t
                .match_indices("values = [")
                .map(|(i, _)| i)
                .find(|i| {
                    t[*i..]
                        .lines()
                        .next()
                        .unwrap()
                        .contains(&format!("\"{new}\""))
                })
                .unwrap_or_else(|| panic!("{file} has no field with {new}"));
            let end = t[field..].find("[[").map_or(t.len(), |e| field + e);
            let mut t = t.clone();
            match t[field..end].find("value_aliases = {") {
                Some(a) => {
                    let a = field + a;
                    t.replace_range(
                        a..a + "value_aliases = {".len(),
                        &format!("value_aliases = {{ \"{old}\" = \"{new}\","),
                    );
                }
                None => {
                    let eol = field + t[field..].find('\n').unwrap() + 1;
                    t.insert_str(
                        eol,
                        &format!("value_aliases = {{ \"{old}\" = \"{new}\" }}\n"),
                    );
                }
            }
            std::fs::write(&p, t).unwrap();
        }
    }
    let edited = std::fs::read_to_string(w.path("s/measures.toml")).unwrap();
    assert!(edited.contains("'已结案'") && edited.contains("'已竣工'"));
    run("after", &["--schemas", "s"]);
    for t in tables {
        let a = std::fs::read(w.path(&format!("before/tables/{t}.csv"))).unwrap();
        let b = std::fs::read(w.path(&format!("after/tables/{t}.csv"))).unwrap();
        assert!(a == b, "{t} changed after the rename");
    }
    let diagnostics = |d: &str| std::fs::read_to_string(w.path(&format!("{d}/diagnostics.json")));
    assert_eq!(
        diagnostics("before").unwrap(),
        diagnostics("after").unwrap(),
        "the diagnostics changed after the rename"
    );
    let resolved = std::fs::read_to_string(w.path("after/tables/t3_issues.csv")).unwrap();
    assert!(resolved
        .lines()
        .nth(1)
        .is_some_and(|l| !l.contains(",0,0,")));
}

/// A measure naming a field its ledger lacks, an engine count that does
/// not exist, a condition that is not SQL, or one that does not fit its
/// fields' types stops the run at load, naming file and line.
#[test]
fn a_broken_measure_stops_the_run_naming_file_and_line() {
    let w = exported_beside_a_community();
    let cases = [
        (
            "where = \"status = '已办结'\"",
            "where = \"statuz = '已办结'\"",
            "statuz",
        ),
        ("of = \"errors\"", "of = \"erors\"", "erors"),
        (
            "where = \"post IS NOT NULL\"",
            "where = \"post IS NOT NUL AND\"",
            "post IS NOT NUL",
        ),
        ("sum = \"attended\"", "sum = \"atended\"", "atended"),
        // A text compared with a number: before, found only once every
        // file was read, in polars' words alone, six times over.
        (
            "where = \"status = '已办结'\"",
            "where = \"status > 5\"",
            "status > 5",
        ),
    ];
    each_edit_stops_the_run(&w, "measures.toml", &cases);
}

/// A table column naming a measure that does not exist, a rate over a
/// misspelt count, a meeting type the meetings ledger lacks, or a headline
/// of no column stops the run at load, naming tables.toml and the line.
#[test]
fn a_broken_table_stops_the_run_naming_file_and_line() {
    let w = exported_beside_a_community();
    let cases = [
        (
            "key = \"employer_units\"",
            "key = \"employer_unit\"",
            "employer_unit",
        ),
        (
            "rate = [\"resolved\", \"received\"]",
            "rate = [\"resolved\", \"recieved\"]",
            "recieved",
        ),
        (
            "requirement = \"联席会议\"",
            "requirement = \"联系会议\"",
            "联系会议",
        ),
        ("column = \"meetings\"", "column = \"meeting\"", "meeting"),
        ("by = \"categories\"", "by = \"category\"", "category"),
    ];
    each_edit_stops_the_run(&w, "tables.toml", &cases);
}

/// Each (from, to, named) edit of an exported file, made alone, stops
/// `check` with exit 2 naming the file, `named` and the edited (last) line;
/// the file as exported passes.
/// An exported schema set in `s/`, and a community's workbook `a.xlsx` of
/// the generated county to check with it.
fn exported_beside_a_community() -> Workdir {
    let w = Workdir::new();
    w.run(&["schema", "export", "s"]);
    let c = county();
    w.book("a.xlsx", &plain_community(&c));
    w
}

/// `aggregate a.xlsx` with the schema set in `s/`, into `out`.
fn aggregate_beside(w: &Workdir, out: &str) -> Run {
    w.run(&[
        "aggregate",
        "a.xlsx",
        "--schemas",
        "s",
        "--period",
        "2026Q3",
        "--allow-gaps",
        "-q",
        "-o",
        out,
    ])
}

fn each_edit_stops_the_run(w: &Workdir, file: &str, cases: &[(&str, &str, &str)]) {
    let p = w.path(&format!("s/{file}"));
    let good = std::fs::read_to_string(&p).unwrap();
    let check = || w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
    for (from, to, named) in cases {
        assert!(good.contains(from), "{file} lacks {from}");
        let edited = good.replacen(from, to, 1);
        // The edit's last line (an edit may add a line after another).
        let last = to.lines().last().unwrap_or(to);
        let line = edited.lines().position(|l| l.contains(last)).unwrap() + 1;
        std::fs::write(&p, &edited).unwrap();
        let r = check();
        assert_eq!(r.code, 2, "{to}: {}", r.stderr);
        assert!(r.stderr.contains(file), "{}", r.stderr);
        assert!(r.stderr.contains(named), "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("第 {line} 行")),
            "{to}: {}",
            r.stderr
        );
    }
    std::fs::write(&p, good).unwrap();
    assert_eq!(check().code, 0);
}

/// Every enum value of every form, renamed on its own across an exported
/// set as a county would (in `values`, in every rule, condition, measure,
/// requirement and table that names it; the old spelling kept as an
/// alias): no table and no diagnostic of data-samples changes, but for the
/// new spelling where the value itself is shown. The renaming test above
/// found the values its list named; this one found the roster's 男/女 and
/// the registry's 是, which code read by their spelling.
#[test]
fn renaming_any_enum_value_changes_no_output() {
    let w = Workdir::new();
    let run = |out: &str, schemas: Option<&str>| {
        let extra: Vec<&str> = ["-q"]
            .into_iter()
            .chain(schemas.map(|s| ["--schemas", s]).into_iter().flatten())
            .collect();
        let r = w.aggregate_samples(out, &extra);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mut files: Vec<(String, String)> = std::fs::read_dir(w.path(&format!("{out}/tables")))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .chain([w.path(&format!("{out}/diagnostics.json"))])
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let before = run("before", None);
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    let exported: Vec<(String, String)> = std::fs::read_dir(w.path("s"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    let values = enum_values(exported.iter().map(|(_, t)| t.as_str()));
    assert!(values.len() > 40, "{values:?}");
    // Texts that only show words (headers, titles, definitions, messages)
    // are not renamed: they are no value.
    let shown = [
        "header", "aliases", "en", "title", "def", "message", "hint", "present",
    ];
    let mut wrong = Vec::new();
    for (i, old) in values.iter().enumerate() {
        let new = format!("{old}甲");
        let (q, nq) = (format!("\"{old}\""), format!("\"{new}\""));
        let dir = format!("s-{i}");
        std::fs::create_dir_all(w.path(&dir)).unwrap();
        for (name, text) in &exported {
            let mut out: Vec<String> = Vec::new();
            for line in text.lines() {
                let key = line.split('=').next().unwrap_or("").trim();
                let line = if shown
                    .iter()
                    .any(|s| key == *s || key.starts_with("message"))
                {
                    line.to_string()
                } else if key == "value_aliases" {
                    // An alias stays as written; the value it points to is renamed.
                    line.replace(&format!("= {q}"), &format!("= {nq}"))
                } else {
                    line.replace(&q, &nq)
                        .replace(&format!("'{old}'"), &format!("'{new}'"))
                };
                // The old spelling kept as an alias of the field that now has the new.
                let alias = key == "values" && line.contains(&nq);
                out.push(line);
                if alias {
                    out.push(format!("value_aliases = {{ {q} = {nq} }}"));
                }
            }
            // A field with aliases already: one table of them.
            let text = out.join("\n").replace(
                &format!("value_aliases = {{ {q} = {nq} }}\nvalue_aliases = {{ "),
                &format!("value_aliases = {{ {q} = {nq}, "),
            );
            std::fs::write(w.path(&format!("{dir}/{name}")), text).unwrap();
        }
        let after = run(&format!("o-{i}"), Some(&dir));
        let after: Vec<(String, String)> = after
            .into_iter()
            .map(|(n, t)| (n, t.replace(&new, old)))
            .collect();
        for ((name, a), (_, b)) in before.iter().zip(&after) {
            if a != b {
                wrong.push(format!("{old}: {name} changed"));
            }
        }
        std::fs::remove_dir_all(w.path(&dir)).unwrap();
        std::fs::remove_dir_all(w.path(&format!("o-{i}"))).unwrap();
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A county's tables.toml may drop a standard table (T0 here, with its
/// headlines): aggregate and report with the same `--schemas` work; report
/// with the embedded set says the output was made with other schemas and
/// asks for them, instead of calling it a summary of another pbstat.
#[test]
fn an_output_made_with_other_tables_asks_for_its_schemas() {
    let w = Workdir::new();
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    let p = w.path("s/tables.toml");
    let t = std::fs::read_to_string(&p).unwrap();
    // Each `[[…]]` block, less T0 and what names it.
    let mut kept = String::new();
    let mut drop = false;
    for (i, block) in t.split("\n[[").enumerate() {
        let block = if i == 0 {
            block.to_string()
        } else {
            format!("\n[[{block}")
        };
        if block.starts_with("\n[[table]]") {
            drop = block.contains("id = \"t0\"");
        } else if !block.starts_with("\n[[table.") {
            drop = block.contains("table = \"t0\"");
        }
        if !drop {
            kept.push_str(&block);
        }
    }
    assert!(!kept.contains("id = \"t0\"") && kept.len() < t.len());
    std::fs::write(&p, kept).unwrap();
    let r = w.aggregate_samples("out", &["--schemas", "s"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!w.path("out/tables/t0_submissions.csv").exists());
    let r = w.run(&["report", "out", "--schemas", "s"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("报送率"), "{}", r.stdout);
    let r = w.run(&["report", "out"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("out")
            && r.stderr.contains("t0.expected")
            && r.stderr.contains("--schemas"),
        "{}",
        r.stderr
    );
}

/// A county's TOML slips are said in Chinese at their line. Before, serde's
/// and toml's English stood after the Chinese lead ("unknown variant
/// `社区`, expected one of …"), and requirements.toml's errors named no
/// line at all.
#[test]
fn regression_toml_slips_are_said_in_chinese_at_their_line() {
    let w = exported_beside_a_community();
    each_edit_stops_the_run(
        &w,
        "audits.toml",
        &[
            (
                "level = \"community\"",
                "level = \"小区\"",
                "`小区` 不是可用的取值；应为 `county`、`区县`、`street`、`街道`、`community`、`社区`、`unit`、`驻区单位` 之一",
            ),
            (
                "level = \"community\"",
                "levle = \"community\"",
                "`levle` 不是可写的项；可写的有",
            ),
        ],
    );
    each_edit_stops_the_run(
        &w,
        "meetings.toml",
        &[(
            "assert = \"attended <= expected\"",
            "assert = [\"attended <= expected\"]",
            "类型不对：写的是列表，应为加引号的文本",
        )],
    );
    each_edit_stops_the_run(
        &w,
        "requirements.toml",
        &[
            (
                "abnormal_change = 0.5",
                "abnormal_change = \"0.5\"",
                "写的是文本 \"0.5\"，应为比例（如 0.5）或百分数（如 \"50%\"）",
            ),
            (
                "abnormal_change = 0.5",
                "abnormal_change = 0.5\nservice_per_member = \"2\"",
                "`service_per_member` 应为一个数字，或 { month = 数字, quarter = 数字, year = 数字 }",
            ),
        ],
    );
    let r = w.run(&[
        "--lang",
        "en",
        "check",
        "a.xlsx",
        "--schemas",
        "s",
        "--period",
        "2026Q3",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A text a condition compares an enum field with that is none of its
/// values ('联席会' for 联席会议) matched no row: the county's column was 0
/// and nothing was said. Now the load stops at the line, naming the values;
/// an alias names the value the cells are read into. Chinese quotes and
/// SQL's double quotes, as typed with a Chinese input method, are said so.
#[test]
fn regression_a_misspelt_value_in_a_condition_stops_the_run() {
    let w = exported_beside_a_community();
    each_edit_stops_the_run(
        &w,
        "measures.toml",
        &[
            (
                "where = \"type = '联席会议'\"",
                "where = \"type = '联席会'\"",
                "'联席会' 不是 `type`（会议类型）的取值，不会有任何行符合；可选值：联席会议、",
            ),
            (
                "where = \"status = '已办结'\"",
                "where = \"status IN ('办结', '办理中')\"",
                "`办结` 是 `已办结` 的别名，单元格读入时已改为 `已办结`，条件里要写 '已办结'",
            ),
            (
                "where = \"type = '联席会议'\"",
                "where = \"type = ‘联席会议’\"",
                "其中有中文标点 ‘ ’，SQL 只认英文标点",
            ),
            (
                "where = \"type = '联席会议'\"",
                "where = 'type = \"联席会议\"'",
                "SQL 中双引号括起的是字段名，文字要用英文单引号：'联席会议'",
            ),
            // A comparison with NULL holds for no row: T3 resolved was 0.
            (
                "where = \"status = '已办结'\"",
                "where = \"status = '已办结' AND resolved_on <> NULL\"",
                "`resolved_on <> NULL` 对任何行都不成立（与 NULL 比较，结果总是未知）；判断是否为空请写 IS NULL 或 IS NOT NULL",
            ),
        ],
    );
    // The same condition standing twice: said at the measure in fault
    // (issues' status has no 已完成; the needs' measures above have it).
    let p = w.path("s/measures.toml");
    let good = std::fs::read_to_string(&p).unwrap();
    let added = format!(
        "{good}\n[[measure]]\nkey = \"issues_done\"\nperiod = \"flow\"\nledger = \"issues\"\nwhere = \"status = '已完成'\"\n"
    );
    assert!(good.contains("where = \"status = '已完成'\""));
    std::fs::write(&p, &added).unwrap();
    let r = w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
    std::fs::write(&p, &good).unwrap();
    assert_eq!(r.code, 2, "{}", r.stderr);
    let line = added.lines().count();
    assert!(
        r.stderr.contains(&format!("第 {line} 行")),
        "{line}: {}",
        r.stderr
    );
    assert!(r.stderr.contains("'已完成' 不是 `status`"), "{}", r.stderr);
    // A form's own check, and a cover's: stopped at the check's code.
    for (file, from, to) in [
        (
            "meetings.toml",
            "assert = \"attended <= expected\"",
            "assert = \"attended <= expected\"\nwhen = \"CASE type WHEN '党课' THEN 1 WHEN '党员大会' THEN 1 ELSE 0 END = 1\"",
        ),
        (
            "cover_unit.toml",
            "\n[[fields]]",
            "\n[[checks]]\ncode = \"local.unit.kind\"\nseverity = \"warning\"\nfield = \"unit_type\"\nassert = \"unit_type <> '国企'\"\nmessage = \"m\"\nmessage_en = \"m\"\n\n[[fields]]",
        ),
    ] {
        let p = w.path(&format!("s/{file}"));
        let good = std::fs::read_to_string(&p).unwrap();
        assert!(good.contains(from), "{file} lacks {from}");
        std::fs::write(&p, good.replacen(from, to, 1)).unwrap();
        let r = w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
        std::fs::write(&p, good).unwrap();
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(file), "{}", r.stderr);
        assert!(r.stderr.contains("不是 `"), "{}", r.stderr);
        assert!(r.stderr.contains("的取值，不会有任何行符合"), "{}", r.stderr);
    }
}

/// `sum = "topic"` (a text field) loaded and summed to 0: the county's
/// column was 0 in every row and nothing was said. A sum or maximum of a
/// field that is no number, or of an expression that gives none, now stops
/// the load at its line.
#[test]
fn regression_a_sum_of_a_text_stops_the_run() {
    let w = exported_beside_a_community();
    each_edit_stops_the_run(
        &w,
        "measures.toml",
        &[
            (
                "sum = \"attended\"",
                "sum = \"topic\"",
                "sum = \"topic\" 是文字字段（议题），只能对数字求和或取最大值",
            ),
            (
                "sum = \"attended\"",
                "sum = \"topic || type\"",
                "`topic || type` 的结果是文字，不是数字",
            ),
        ],
    );
}

/// A table named after one of report.xlsx's own sheets (说明) loaded, read
/// every file, then failed writing the workbook in English. A sheet that
/// differs from another table's only in case (Excel tells them apart
/// regardless) likewise. Both now stop the load at the table's line.
#[test]
fn regression_a_table_on_a_sheet_of_the_reports_own_stops_the_load() {
    let w = exported_beside_a_community();
    let p = w.path("s/tables.toml");
    let good = std::fs::read_to_string(&p).unwrap();
    let line = good.lines().position(|l| l == "id = \"t3\"").unwrap() + 1;
    for (to, said) in [
        ("sheet = \"说明\"", "`说明` 是 report.xlsx 自有的工作表"),
        ("sheet = \"趋势\"", "`趋势` 是 report.xlsx 自有的工作表"),
        ("sheet = \"t2会议活动\"", "表 `t3` 的 sheet 与前面的表重复"),
    ] {
        std::fs::write(&p, good.replacen("sheet = \"T3民生事项\"", to, 1)).unwrap();
        let r = w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
        assert_eq!(r.code, 2, "{to}: {}", r.stderr);
        assert!(r.stderr.contains("tables.toml"), "{}", r.stderr);
        assert!(r.stderr.contains(said), "{}", r.stderr);
        assert!(r.stderr.contains(&format!("第 {line} 行")), "{}", r.stderr);
    }
    std::fs::write(&p, good).unwrap();
    let r = w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// An error in a column was put at the first line of the file bearing its
/// key: T3b's `received` at T3's, a repeated key at the first of the two.
/// Now at the column in its own table, a repeated key at the repetition.
#[test]
fn regression_a_columns_error_is_said_at_its_own_tables_line() {
    let w = exported_beside_a_community();
    let p = w.path("s/tables.toml");
    let good = std::fs::read_to_string(&p).unwrap();
    let after = |text: &str, anchor: &str, needle: &str| {
        let lines: Vec<&str> = text.lines().collect();
        let a = lines.iter().position(|l| *l == anchor).unwrap();
        a + lines[a..].iter().position(|l| *l == needle).unwrap() + 1
    };
    let t3b = good.find("id = \"t3b\"").unwrap();
    let at = t3b + good[t3b..].find("key = \"received\"").unwrap();
    let edited = format!(
        "{}key = \"received\"\nparts = true{}",
        &good[..at],
        &good[at + "key = \"received\"".len()..]
    );
    let line = after(&edited, "id = \"t3b\"", "key = \"received\"");
    assert!(line > after(&edited, "id = \"t3\"", "key = \"received\""));
    // A repeated key: T2's `joint` renamed to the `meetings` above it.
    let repeated = good.replacen("key = \"joint\"", "key = \"meetings\"", 1);
    let second = {
        let first = after(&repeated, "id = \"t2\"", "key = \"meetings\"");
        let lines: Vec<&str> = repeated.lines().collect();
        first
            + lines[first..]
                .iter()
                .position(|l| *l == "key = \"meetings\"")
                .unwrap()
            + 1
    };
    for (text, line, said) in [
        (
            &edited,
            line,
            "表 `t3b` 的列 `received`：measure、rate、value 只能写一个",
        ),
        (&repeated, second, "表 `t2` 的列名 `meetings` 重复"),
    ] {
        std::fs::write(&p, text).unwrap();
        let r = w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(said), "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("第 {line} 行")),
            "{line}: {}",
            r.stderr
        );
    }
    std::fs::write(&p, good).unwrap();
}

/// A number a county appends at the end of requirements.toml lands, by
/// TOML's rules, in the last [[meetings]] table. Said so, at its line,
/// instead of "unknown field" (or, for a table of numbers, serde's "data
/// did not match any variant of untagged enum Param" at line 1).
#[test]
fn regression_a_number_appended_below_the_meetings_is_said_where_it_went() {
    let w = exported_beside_a_community();
    let p = w.path("s/requirements.toml");
    let good = std::fs::read_to_string(&p).unwrap();
    let lines = good.lines().count();
    std::fs::write(&p, format!("{good}service_per_member = 2\n")).unwrap();
    let r = w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "requirements.toml 第 {} 行 有误：`service_per_member` 写在了 [[meetings]] 之下",
            lines + 1
        )),
        "{}",
        r.stderr
    );
    std::fs::write(&p, format!("service_per_member = 2\n{good}")).unwrap();
    let r = w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A schema file saved from Notepad on Chinese Windows as "ANSI" (GBK)
/// reads as the UTF-8 one: it stopped the run with "无法访问（stream did
/// not contain valid UTF-8）", in English and wrong. UTF-16 is refused,
/// naming the file and how to save it; a missing folder is said in
/// Chinese.
#[test]
fn regression_a_schema_file_saved_as_gbk_reads_as_its_utf8() {
    let w = Workdir::new();
    w.run(&["schema", "export", "s"]);
    w.run(&["schema", "export", "g"]);
    let text = std::fs::read_to_string(w.path("g/issues.toml")).unwrap();
    let (gbk, _, lossy) = encoding_rs::GBK.encode(&text);
    assert!(!lossy);
    std::fs::write(w.path("g/issues.toml"), &*gbk).unwrap();
    for (out, set) in [("o-utf8", "s"), ("o-gbk", "g")] {
        let r = w.aggregate_samples(out, &["-q", "--schemas", set]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    for t in ["t3_issues.csv", "t3b_issue_categories.csv", "t4_rates.csv"] {
        let a = std::fs::read(w.path(&format!("o-utf8/tables/{t}"))).unwrap();
        let b = std::fs::read(w.path(&format!("o-gbk/tables/{t}"))).unwrap();
        assert!(a == b, "{t} differs");
    }
    let shown = w.run(&["schema", "show", "issues", "--schemas", "g"]);
    assert!(shown.stdout.contains("已办结"), "{}", shown.stdout);

    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    std::fs::write(w.path("g/issues.toml"), utf16).unwrap();
    let r = w.aggregate_samples("o-16", &["-q", "--schemas", "g"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "issues.toml：文件是 UTF-16 编码（Excel 的“Unicode 文本”）；请另存为 UTF-8 编码"
        ),
        "{}",
        r.stderr
    );
    let r = w.aggregate_samples("o-none", &["-q", "--schemas", "nosuch"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("无法读取表样文件夹 nosuch：不存在"),
        "{}",
        r.stderr
    );
}

/// Running the how-to's first step again (`schema export my-schemas`) wrote
/// the embedded files over a county's edits without a word. A file with
/// other content is now left alone, and nothing is written, unless
/// `--force`; exporting over files that are the same is quiet.
#[test]
fn regression_exporting_over_a_countys_edits_writes_nothing_without_force() {
    let w = Workdir::new();
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    let p = w.path("s/meetings.toml");
    let edited = format!("{}\n# 本县：修改\n", std::fs::read_to_string(&p).unwrap());
    std::fs::write(&p, &edited).unwrap();
    std::fs::remove_file(w.path("s/tables.toml")).unwrap();
    let r = w.run(&["schema", "export", "s"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "已有内容不同的表样文件：meetings.toml。为免覆盖本地的修改，没有写入任何文件"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&p).unwrap(), edited);
    assert!(!w.path("s/tables.toml").exists(), "nothing written");
    // The county's own set exported back into its folder is the same.
    let r = w.run(&["schema", "export", "s", "--schemas", "s"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), edited);
    let r = w.run(&["schema", "export", "s", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!std::fs::read_to_string(&p).unwrap().contains("本县：修改"));
}

/// A second file of measures, tables, audits or requirements in a folder
/// (a copy Windows makes beside the edited one, "measures - 副本.toml")
/// silently replaced the county's file: it is read after it. Refused now,
/// naming both; one file of its own naming still replaces the embedded one.
#[test]
fn regression_a_copy_of_measures_beside_them_is_refused_naming_both() {
    let w = Workdir::new();
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    let c = county();
    w.book("a.xlsx", &plain_community(&c));
    let check = |set: &str| w.run(&["check", "a.xlsx", "--schemas", set, "--period", "2026Q3"]);
    for (kind, zh) in [
        ("measures", "取数公式"),
        ("tables", "报表表式"),
        ("audits", "审核规则"),
        ("requirements", "考核要求"),
    ] {
        let copy = w.path(&format!("s/{kind} - 副本.toml"));
        std::fs::copy(w.path(&format!("s/{kind}.toml")), &copy).unwrap();
        let r = check("s");
        assert_eq!(r.code, 2, "{kind}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "{kind} - 副本.toml 有误：{zh}已由 s/{kind}.toml 给出"
            )),
            "{}",
            r.stderr
        );
        std::fs::remove_file(copy).unwrap();
    }
    assert_eq!(check("s").code, 0);
    // Of the county's own naming, alone: it stands for the embedded file.
    std::fs::create_dir_all(w.path("own")).unwrap();
    std::fs::copy(w.path("s/measures.toml"), w.path("own/measures_本县.toml")).unwrap();
    let r = check("own");
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A county's notes kept in the folder as .toml: said to be no schema
    // file (before: "缺少必填项 `name`").
    w.write("own/备注.toml", "# 本县说明\ntitle = \"备注\"\n");
    let r = check("own");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("备注.toml 不是表样文件（没有 name 和 fields）"),
        "{}",
        r.stderr
    );
}

/// `text`, in place of the exported `file`, stops `check` with exit 2 at
/// `line` of `file`, saying each of `said` and none of `not` (polars' own
/// words); the exported file put back, it passes again.
fn stops_the_check_at(
    w: &Workdir,
    file: &str,
    text: &str,
    line: usize,
    said: &[&str],
    not: &[&str],
) {
    let p = w.path(&format!("s/{file}"));
    let good = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text).unwrap();
    let r = w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
    std::fs::write(&p, &good).unwrap();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("{file} 第 {line} 行")),
        "{line}: {}",
        r.stderr
    );
    for s in said {
        assert!(r.stderr.contains(s), "{s}: {}", r.stderr);
    }
    for s in not {
        assert!(!r.stderr.contains(s), "{s}: {}", r.stderr);
    }
}

/// The meetings' first check's `assert` written as `to` stops the load at
/// that check's line, saying `said` and none of `not`.
fn meetings_assert_stops(w: &Workdir, to: &str, said: &str, not: &[&str]) {
    let good = std::fs::read_to_string(w.path("s/meetings.toml")).unwrap();
    let edited = good.replacen(
        "assert = \"attended <= expected\"",
        &format!("assert = \"{to}\""),
        1,
    );
    let line = line_after(
        &edited,
        "[[checks]]",
        "code = \"meeting.attendance_exceeds_expected\"",
    );
    stops_the_check_at(w, "meetings.toml", &edited, line, &[said], not);
}

/// The 1-based line of the first `needle` at or after the line `anchor`.
fn line_after(text: &str, anchor: &str, needle: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let a = lines.iter().position(|l| *l == anchor).unwrap();
    a + lines[a..].iter().position(|l| *l == needle).unwrap() + 1
}

/// A table whose file stem was `history` loaded, and with `--history` its
/// files and the trend table's were one. A column `communities_prev` in a
/// table compared with `--previous` loaded, and only a run with
/// `--previous` stopped, in polars' words with its query plan. Both now
/// stop the load at their line; so does a column named `code` (one of the
/// columns every table begins with), which was said with no line.
#[test]
fn regression_a_tables_name_taken_by_the_outputs_own_stops_the_load() {
    let w = exported_beside_a_community();
    let good = std::fs::read_to_string(w.path("s/tables.toml")).unwrap();
    let history = good.replacen("file = \"t2_meetings\"", "file = \"history\"", 1);
    stops_the_check_at(
        &w,
        "tables.toml",
        &history,
        line_after(&history, "id = \"t2\"", "id = \"t2\""),
        &["`history` 是 --history 写出的趋势表"],
        &[],
    );
    let column = "[[table.column]]\nkey = \"communities_prev\"\nmeasure = \"communities\"\nheader = \"上期社区数\"\nen = \"x\"\ndef = \"x\"\n\n";
    let prev = good.replacen(
        "[[table.column]]\nkey = \"registered_members\"",
        &format!("{column}[[table.column]]\nkey = \"registered_members\""),
        1,
    );
    stops_the_check_at(
        &w,
        "tables.toml",
        &prev,
        line_after(&prev, "id = \"t1\"", "key = \"communities_prev\""),
        &["列 `communities_prev` 与 --previous 给列 `communities` 添加的上期列重名"],
        &["polars", "duplicate"],
    );
    let code = good.replacen("key = \"joint\"", "key = \"code\"", 1);
    stops_the_check_at(
        &w,
        "tables.toml",
        &code,
        line_after(&code, "id = \"t2\"", "key = \"code\""),
        &["表 `t2` 的列名 `code` 重复或不合规"],
        &[],
    );
}

/// A misspelt count in a [[target]] (`figure = "registered_member"`) was
/// said in polars' words: every count of measures.toml listed, then "Resolved
/// plan until failure". Now the name, and the count it most likely meant;
/// likewise a field of a condition and a target a measure `meets`, which
/// was said with neither file nor line.
#[test]
fn regression_a_misspelt_name_is_said_with_the_one_it_likely_meant() {
    let w = exported_beside_a_community();
    let polars_words: &[&str] = &["Resolved plan", "valid columns"];
    // (file, edit from, to, the line said: after `anchor`, `at`; said; not said)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a [&'a str],
    );
    let cases: &[Case] = &[
        (
            "audits.toml",
            "figure = \"registered_members\"",
            "figure = \"registered_member\"",
            "[[target]]",
            "code = \"target.registration_below\"",
            "`registered_member` 不是 measures.toml 中按台账计数的 key（是不是 `registered_members`？）",
            polars_words,
        ),
        (
            "audits.toml",
            "message = \"{name}报到党员",
            "message = \"{nam}报到党员",
            "[[target]]",
            "code = \"target.registration_below\"",
            "`{nam}`：`nam` 不是 measures.toml 中按台账计数的 key，也不是 name、code、figure、minimum（是不是 `name`？）",
            polars_words,
        ),
        (
            "audits.toml",
            "ledger = \"member_groups\"",
            "ledger = \"member_group\"",
            "[[unique]]",
            "code = \"cross.duplicate_member\"",
            "`member_group` 不是台账（是不是 `member_groups`？）",
            &[],
        ),
        (
            "meetings.toml",
            "assert = \"attended <= expected\"",
            "assert = \"attended <= expectd\"",
            "[[checks]]",
            "code = \"meeting.attendance_exceeds_expected\"",
            "引用的 `expectd` 不是 `meetings` 的字段（是不是 `expected`？）",
            &[],
        ),
        (
            "tables.toml",
            "rows = \"grid\"",
            "rows = \"grids\"",
            "id = \"t6b\"",
            "rows = \"grids\"",
            "表 `t6b` 的 rows = \"grids\" 不是台账（是不是 `grid`？）",
            &[],
        ),
        (
            "tables.toml",
            "header = \"{response_contact_minutes}分钟内联系上件数\"",
            "header = \"{response_contact_minute}分钟内联系上件数\"",
            "id = \"t7\"",
            "key = \"contacted_in_limit\"",
            "表头中的 `{response_contact_minute}` 不是考核要求（requirements.toml）中各期相同的数值（是不是 `response_contact_minutes`？）",
            &[],
        ),
        (
            "measures.toml",
            "unique = \"id_number\"",
            "unique = \"id_numbr\"",
            "[[source]]",
            "unique = \"id_numbr\"",
            "`id_numbr` 不是台账 `roster` 的字段（是不是 `id_number`？）",
            &[],
        ),
        (
            "measures.toml",
            "distinct = \"employer_code\"",
            "distinct = \"employer_cod\"",
            "key = \"employer_units\"",
            "distinct = \"employer_cod\"",
            "`employer_cod` 不是台账 `roster` 的字段（是不是 `employer_code`？）",
            &["条件"],
        ),
        (
            "measures.toml",
            "\nmeets = \"registration\"",
            "\nmeets = \"registrations\"",
            "key = \"communities_on_target\"",
            "meets = \"registrations\"",
            "meets = \"registrations\" 不是 audits.toml 中该级别的考核项（[[target]] 的 key）（是不是 `registration`？）",
            &[],
        ),
        (
            "audits.toml",
            "{gone} 人已不在",
            "{gon} 人已不在",
            "[[previous]]",
            "code = \"trend.stock_decrease\"",
            "`{gon}` 不是考核要求（requirements.toml）中的数值，也不是 header、before、now、change、gone（是不是 `gone`？）",
            &[],
        ),
        (
            "audits.toml",
            "when = \"part_time_members > 0\"",
            "when = \"part_time_members > {part_time_minimun}\"",
            "[[target]]",
            "code = \"target.part_time_below\"",
            "`{part_time_minimun}` 不是考核要求（requirements.toml）中的数值，也不是 name、code、figure、minimum（是不是 `part_time_minimum`？）",
            &[],
        ),
        (
            "audits.toml",
            "{sheet}!{cell}）",
            "{sheet}!{cel}）",
            "[[carried]]",
            "code = \"roster.member_dropped\"",
            "消息中的 `{cel}` 无法显示（可用：period、file、sheet、cell）（是不是 `cell`？）",
            &[],
        ),
        (
            "meetings.toml",
            "message = \"实到人数",
            "message = \"{dat} 实到人数",
            "[[checks]]",
            "code = \"meeting.attendance_exceeds_expected\"",
            "消息中的 `{dat}` 既不是 `meetings` 的字段，也不是可计算的表达式（是不是 `date`？）",
            &[],
        ),
        (
            "cover_community.toml",
            "assert = \"paired_units = registry.units\"",
            "assert = \"paired_unit = registry.units\"",
            "[[checks]]",
            "code = \"cross.paired_units_mismatch\"",
            "`paired_unit` 不是封面 `cover_community` 的字段，也不是台账或 registry（是不是 `paired_units`？）",
            &[],
        ),
        (
            "meetings.toml",
            "code = \"meeting.attendance_exceeds_expected\"",
            "code = \"meeting.attendance_exceeds_expectd\"",
            "[[checks]]",
            "code = \"meeting.attendance_exceeds_expectd\"",
            "不是内置的诊断代码（是不是 `meeting.attendance_exceeds_expected`？）；自定义代码以 local. 开头",
            &[],
        ),
        (
            "requests.toml",
            "code = \"response.arrival_missing\"",
            "code = \"response.arrival_missng\"",
            "[[rules]]",
            "code = \"response.arrival_missng\"",
            "规则使用了未知的诊断代码 `response.arrival_missng`（是不是 `response.arrival_missing`？）",
            &[],
        ),
        (
            "audits.toml",
            "code = \"cross.duplicate_member\"",
            "code = \"cross.duplicate_membr\"",
            "[[unique]]",
            "code = \"cross.duplicate_membr\"",
            "不是内置的诊断代码（是不是 `cross.duplicate_member`？）",
            &[],
        ),
    ];
    for (file, from, to, anchor, at, said, not) in cases {
        let good = std::fs::read_to_string(w.path(&format!("s/{file}"))).unwrap();
        assert!(good.contains(from), "{file} lacks {from}");
        let edited = good.replacen(from, to, 1);
        let line = line_after(&edited, anchor, at);
        stops_the_check_at(&w, file, &edited, line, &[said], not);
    }
}

/// Two [[meetings]] minimums of one type at one level loaded, one judged
/// and the other silently not; now the second stops the load at its line.
/// A negative minimum was said to be "not an integer, expected an
/// integer"; and requirements.toml's errors called it a form's file.
#[test]
fn regression_a_meeting_type_required_twice_stops_the_load() {
    let w = exported_beside_a_community();
    let good = std::fs::read_to_string(w.path("s/requirements.toml")).unwrap();
    let twice = good.replacen("type = \"支委会\"", "type = \"主题党日\"", 1);
    let first = line_after(&twice, "[[meetings]]", "type = \"主题党日\"");
    let second = first
        + twice
            .lines()
            .skip(first)
            .position(|l| l == "type = \"主题党日\"")
            .unwrap()
        + 1;
    stops_the_check_at(
        &w,
        "requirements.toml",
        &twice,
        second,
        &[
            "考核要求文件",
            "社区级的会议类型 `主题党日` 已有一条 [[meetings]] 要求",
        ],
        &[],
    );
    let negative = good.replacen(
        "type = \"主题党日\"\nmonth = 1",
        "type = \"主题党日\"\nmonth = -1",
        1,
    );
    let p = w.path("s/requirements.toml");
    std::fs::write(&p, &negative).unwrap();
    let r = w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
    std::fs::write(&p, &good).unwrap();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("考核要求文件"), "{}", r.stderr);
    assert!(
        r.stderr.contains("写的是整数 -1，应为不小于 0 的整数"),
        "{}",
        r.stderr
    );
}

/// A value listed twice, a value alias that is itself a value (the cells
/// still read as that value: a county's merge did nothing), a default
/// outside the field's own range, and a setting of another type's or kind's
/// (`min` on a date, `within` on a text, a date's `default`, `yes` on a
/// text, `unique_code` without `unique`, `missing` on a ledger), which
/// nothing reads, loaded with no word; now each stops the load at its line. A header that two fields would match was said with
/// no line, as the form's other errors.
#[test]
fn regression_a_forms_values_that_cannot_hold_stop_the_load() {
    let w = exported_beside_a_community();
    each_edit_stops_the_run(
        &w,
        "meetings.toml",
        &[
            (
                "values = [\"联席会议\", \"主题党日\"",
                "values = [\"联席会议\", \"联席会议\", \"主题党日\"",
                "字段 `type` 的可选值 `联席会议` 写了两次",
            ),
            (
                "value_aliases = { \"支部委员会\" = \"支委会\" }",
                "value_aliases = { \"支部委员会\" = \"支委会\", \"党课\" = \"支委会\" }",
                "取值别名 `党课` 本身是该字段的可选值：写 `党课` 的单元格仍读作 `党课`，这个别名不起作用",
            ),
            (
                "min = 0\ndefault = \"0\"",
                "min = 5\ndefault = \"0\"",
                "字段 `resolved` 的默认值 0 不在它的 min、max 范围内",
            ),
            (
                "aliases = [\"主题\"]",
                "aliases = [\"主题\", \"日期\"]",
                "表头 `日期` 会同时匹配 `date` 和 `topic`",
            ),
            (
                "within = \"period\"",
                "within = \"period\"\nmin = 5",
                "表样文件",
            ),
            (
                "within = \"period\"",
                "within = \"period\"\ndefault = \"2026-07-01\"",
                "字段 `date` 的 default 只用于文字、选项或数字（text、enum、integer、decimal）字段，而它的类型是 date",
            ),
            (
                "type = \"text\"",
                "type = \"text\"\nwithin = \"not_after_period\"",
                "字段 `topic` 的 within 只用于日期（date）字段，而它的类型是 text",
            ),
            (
                "aliases = [\"主题\"]",
                "aliases = [\"主题\"]\nyes = \"是\"",
                "字段 `topic` 的 yes 只用于选项（enum）字段，而它的类型是 text",
            ),
            (
                "aliases = [\"主题\"]",
                "aliases = [\"主题\"]\nunique_code = \"row.duplicate_key\"",
                "字段 `topic` 的 unique_code 只在 unique = true 时起作用",
            ),
            (
                "aliases = [\"主题\"]",
                "aliases = [\"主题\"]\nmissing = \"warning\"",
                "字段 `topic` 的 missing 只用于封面（kind = \"cover\"）的字段",
            ),
        ],
    );
    // The form's own errors are said as every schema file's are.
    stops_the_check_at(
        &w,
        "meetings.toml",
        &std::fs::read_to_string(w.path("s/meetings.toml"))
            .unwrap()
            .replacen("within = \"period\"", "within = \"period\"\nmax = 9", 1),
        16,
        &[
            "表样文件",
            "有误：字段 `date` 的 max 只用于数字（integer、decimal）字段，而它的类型是 date",
        ],
        &[],
    );
}

/// A slip in a condition's SQL was said in polars' words, "unable to parse
/// '…' as Expr", with no word of where or what; two names with no operator
/// between them (`attended expected`, SQL for a renaming) loaded as far as
/// the type check and were said as "dtype Float64 not supported in 'not'
/// operation". Now the parser's place and what it expected, in Chinese.
#[test]
fn regression_a_slip_in_a_conditions_sql_is_said_where_it_is() {
    let w = exported_beside_a_community();
    for (to, said) in [
        (
            "attended <= expected AND",
            "不是有效的 SQL 表达式（应为表达式，却已到结尾）",
        ),
        (
            "attended =< expected",
            "（第 11 个字符处应为表达式，写的是 `<`）",
        ),
        (
            "attended <= expected)",
            "（第 21 个字符处应为表达式的结尾，写的是 右括号 )）",
        ),
        (
            "type = '联席会议",
            "（第 8 个字符起的文字缺少结尾的英文单引号 '）",
        ),
        (
            "attended expected",
            "在 `attended` 与 `expected` 之间缺少比较或运算符（如 <=、=、AND）",
        ),
    ] {
        meetings_assert_stops(&w, to, said, &["unable to parse", "dtype"]);
    }
    // audits.toml's conditions over the periods' counts likewise.
    let audits = std::fs::read_to_string(w.path("s/audits.toml")).unwrap();
    let edited = audits.replacen(
        "assert = \"now >= before\"",
        "assert = \"now >= before AND\"",
        1,
    );
    stops_the_check_at(
        &w,
        "audits.toml",
        &edited,
        line_after(&edited, "[[previous]]", "code = \"trend.stock_decrease\""),
        &["条件 `now >= before AND` 不是有效的 SQL 表达式（应为表达式，却已到结尾）"],
        &["unable to parse"],
    );
}

/// A cover's check reads a ledger through its parts (`grid.rows`). A
/// ledger named bare (`grid = grid.rows`, the cover's `grids` misspelt)
/// loaded and compared the whole struct; a part it lacks (`grid.row`,
/// `registry.unit`) was said in polars' words, "field not found: row".
/// Now both stop the load with the parts there are, as in a measure over
/// a cover.
#[test]
fn regression_a_ledger_named_bare_in_a_covers_check_stops_the_load() {
    let w = exported_beside_a_community();
    let cover = std::fs::read_to_string(w.path("s/cover_community.toml")).unwrap();
    for (from, to, code, said) in [
        (
            "assert = \"grids = grid.rows\"",
            "assert = \"grid = grid.rows\"",
            "grid.count_mismatch",
            "`grid` 是台账或 registry，不能整个拿来比较：请写 `grid.rows` 或 `grid.<数字字段>`",
        ),
        (
            "assert = \"grids = grid.rows\"",
            "assert = \"grids = grid.row\"",
            "grid.count_mismatch",
            "`grid.row`：`grid` 没有 `row`，可用的是 rows、",
        ),
        (
            "assert = \"paired_units = registry.units\"",
            "assert = \"paired_units = registry.unit\"",
            "cross.paired_units_mismatch",
            "`registry` 没有 `unit`，可用的是 units、communities、streets（是不是 `units`？）",
        ),
    ] {
        let edited = cover.replacen(from, to, 1);
        stops_the_check_at(
            &w,
            "cover_community.toml",
            &edited,
            line_after(&edited, "[[checks]]", &format!("code = \"{code}\"")),
            &[said],
            &["field not found"],
        );
    }
    let measures = std::fs::read_to_string(w.path("s/measures.toml")).unwrap();
    let edited = measures.replacen(
        "where = \"representatives.rows > 0 AND population IS NOT NULL\"",
        "where = \"representatives > 0 AND population IS NOT NULL\"",
        1,
    );
    stops_the_check_at(
        &w,
        "measures.toml",
        &edited,
        line_after(
            &edited,
            "key = \"quota_communities\"",
            "where = \"representatives > 0 AND population IS NOT NULL\"",
        ),
        &["`representatives` 是台账或 registry，不能整个拿来比较"],
        &[],
    );
}

/// A text compared with a date that is no date ('2026-13-01') loaded as a
/// text and was said in polars' words ("cannot compare 'date/datetime/
/// time' to a string value"), as was every condition whose parts' types
/// clash (`attended <= type`, `attended <= '5'`, a measure's `type = 3`).
/// Each now stops the load at its line, naming the parts and their kinds.
#[test]
fn regression_a_date_that_is_none_or_types_that_clash_are_said_plainly() {
    let w = exported_beside_a_community();
    for (to, said) in [
        (
            "date >= '2026-13-01'",
            "中的 '2026-13-01' 是与日期比较的文字，却不是日期",
        ),
        (
            "date >= DATE('2026-13-01')",
            "中的 '2026-13-01' 是与日期比较的文字，却不是日期",
        ),
        (
            "attended <= type",
            "中 `attended` 是数字，`type` 是文字，不能相比较",
        ),
        ("attended <= '5'", "不能相比较；数字不加引号，写 5"),
        (
            "date = topic",
            "`date` 是日期，`topic` 是文字，不能相比较；日期只与日期比",
        ),
        (
            "attended + type > 0",
            "`attended` 是数字，`type` 是文字，不能相运算",
        ),
        (
            "LENGTH(attended) > 0",
            "条件 `LENGTH(attended) > 0` 中的 LENGTH 用于文字，而 `attended` 是数字",
        ),
        ("ABS(topic) > 0", "中的 ABS 用于数字，而 `topic` 是文字"),
    ] {
        meetings_assert_stops(
            &w,
            to,
            said,
            &["cannot compare", "dtype", "not allowed", "could not find"],
        );
    }
    // A time is seconds: compared with a text, the message says how times
    // are compared.
    let requests = std::fs::read_to_string(w.path("s/requests.toml")).unwrap();
    let edited = requests.replacen(
        "assert = \"contacted_at >= requested_at\"",
        "assert = \"contacted_at >= '08:00'\"",
        1,
    );
    stops_the_check_at(
        &w,
        "requests.toml",
        &edited,
        line_after(&edited, "[[checks]]", "code = \"response.time_order\""),
        &["`contacted_at` 是时间，`'08:00'` 是文字，不能相比较；时间以秒计，两个时间相减后再比较"],
        &["cannot compare"],
    );
    let measures = std::fs::read_to_string(w.path("s/measures.toml")).unwrap();
    let edited = measures.replacen("where = \"type = '主题党日'\"", "where = \"type = 3\"", 1);
    stops_the_check_at(
        &w,
        "measures.toml",
        &edited,
        line_after(&edited, "[[measure]]", "where = \"type = 3\""),
        &["条件 `type = 3` 中 `type` 是文字，`3` 是数字，不能相比较"],
        &["cannot compare"],
    );
}

/// The TOML of `text` without the `[[table]]` of id `id` (and its columns)
/// and, when `references`, without the trends, headlines and charts that
/// name it.
fn without_table(text: &str, id: &str, references: bool) -> String {
    let mut out = String::new();
    let mut dropping = false;
    let blocks = text.split("\n[[").enumerate().map(|(i, b)| {
        if i == 0 {
            b.to_string()
        } else {
            format!("\n[[{b}")
        }
    });
    for b in blocks {
        let head = b.trim_start();
        if dropping && head.starts_with("[[table.") {
            continue;
        }
        dropping = head.starts_with("[[table]]") && b.contains(&format!("\nid = \"{id}\"\n"));
        let names = ["[[trend]]", "[[headline]]", "[[chart]]"]
            .iter()
            .any(|h| head.starts_with(h))
            && b.contains(&format!("\ntable = \"{id}\"\n"));
        if dropping || (references && names) {
            continue;
        }
        out.push_str(&b);
    }
    out
}

/// A county that dropped T4 from tables.toml was told only of the first
/// trend naming it, as "不是按单位列行的表" (no table with a row per
/// organisation), and would have edited its way down eighteen lines one
/// run at a time. Now the table is said to be missing, with every line
/// naming it; dropped with them, the run goes on without it. A column
/// dropped likewise (it was said as "不是该表的计数或比率列", at the first
/// line quoting its key, which was a rate's of another table). A headline's
/// misspelt column is said with the column likely meant.
#[test]
fn regression_a_table_dropped_is_said_with_every_line_naming_it() {
    let w = exported_beside_a_community();
    let good = std::fs::read_to_string(w.path("s/tables.toml")).unwrap();
    let dropped = without_table(&good, "t4", false);
    assert!(!dropped.contains("id = \"t4\""));
    let lines: Vec<String> = dropped
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == "table = \"t4\"")
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    assert!(lines.len() > 5, "{lines:?}");
    stops_the_check_at(
        &w,
        "tables.toml",
        &dropped,
        lines[0].parse().unwrap(),
        &[
            "没有表 `t4`",
            &format!("第 {} 行的趋势指标", lines.join("、")),
        ],
        &["不是按单位列行的表"],
    );
    let headline = good.replacen(
        "table = \"t0\"\ncolumn = \"expected\"",
        "table = \"t0\"\ncolumn = \"expectd\"",
        1,
    );
    assert_ne!(headline, good);
    stops_the_check_at(
        &w,
        "tables.toml",
        &headline,
        line_after(&headline, "[[headline]]", "column = \"expectd\""),
        &["表 `t0` 没有列 `expectd`（是不是 `expected`？）"],
        &[],
    );
    // A column dropped: T1's 报到党员数, which a trend, a headline and a
    // chart name.
    let at = good.find("id = \"t1\"").unwrap();
    let column = "[[table.column]]\nkey = \"registered_members\"\n";
    let from = at + good[at..].find(column).unwrap();
    let to = from + column.len() + good[from + column.len()..].find("[[").unwrap();
    let dropped = format!("{}{}", &good[..from], &good[to..]);
    let first_trend = dropped.find("[[trend]]").unwrap();
    let naming: Vec<String> = dropped
        .lines()
        .enumerate()
        .filter(|(i, l)| {
            l.contains("\"registered_members\"")
                && dropped.lines().take(*i).map(|l| l.len() + 1).sum::<usize>() > first_trend
        })
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    assert_eq!(naming.len(), 3, "{naming:?}");
    stops_the_check_at(
        &w,
        "tables.toml",
        &dropped,
        naming[0].parse().unwrap(),
        &[
            "表 `t1` 没有列 `registered_members`",
            &format!("第 {} 行的趋势指标", naming.join("、")),
        ],
        &["不是该表的计数或比率列"],
    );
    std::fs::write(w.path("s/tables.toml"), without_table(&good, "t4", true)).unwrap();
    let r = w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = aggregate_beside(&w, "out");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(w.path("out/tables/t3_issues.csv").exists());
    assert!(!w.path("out/tables/t4_rates.csv").exists());
}

/// A table's sheet or a form's title that Excel refuses as a sheet's name
/// (an apostrophe at either end, History, a colon in a title) loaded, read
/// every file, and stopped only when report.xlsx or the template was
/// written, in English ("Worksheet name … cannot start or end with an
/// apostrophe"). Now the load stops at its line.
#[test]
fn regression_a_sheet_name_excel_refuses_stops_the_load() {
    let w = exported_beside_a_community();
    each_edit_stops_the_run(
        &w,
        "tables.toml",
        &[
            (
                "sheet = \"T2会议活动\"",
                "sheet = \"T2会议活动'\"",
                "表 `t2` 的工作表名 `T2会议活动'` 不能用",
            ),
            (
                "sheet = \"T2会议活动\"",
                "sheet = \"history\"",
                "表 `t2` 的工作表名 `history` 不能用",
            ),
            (
                "sheet = \"T2会议活动\"",
                "sheet = \"  \"",
                "表 `t2` 的工作表名 `  ` 不能用",
            ),
        ],
    );
    each_edit_stops_the_run(
        &w,
        "meetings.toml",
        &[
            (
                "title = \"会议活动\"",
                "title = \"会议:活动\"",
                "标题 `会议:活动` 不能作工作表名",
            ),
            (
                "title = \"会议活动\"",
                "title = \"'会议活动\"",
                "标题 `'会议活动` 不能作工作表名",
            ),
        ],
    );
    let r = w.run(&["template", "--kind", "community", "--schemas", "s"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Three ways a statistician writes requirements.toml. One number for a
/// minimum of every period (`registration_minimum = 20`) stopped the load
/// with "类型不对：写的是整数 20，应为表"; it now stands for month, quarter
/// and year alike. The abnormal-change share as a percentage ("50%") was
/// refused as text; it is now read as 0.5. And `abnormal_change = 50`,
/// meant as ±50%, loaded as ±5000% and flagged nothing: it now stops the
/// load, saying how a share is written.
#[test]
fn regression_requirements_written_as_a_statistician_writes_them() {
    let w = exported_beside_a_community();
    let p = w.path("s/requirements.toml");
    let good = std::fs::read_to_string(&p).unwrap();
    let per_period = "registration_minimum = { month = 20, quarter = 20, year = 20 }";
    assert!(good.contains(per_period));
    let check = |text: &str| {
        std::fs::write(&p, text).unwrap();
        w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"])
    };
    let as_exported = check(&good);
    assert_ne!(as_exported.code, 2, "{}", as_exported.stderr);
    let one = check(&good.replacen(per_period, "registration_minimum = 20", 1));
    assert_eq!(one.code, as_exported.code, "{}", one.stderr);
    assert_eq!(one.stdout, as_exported.stdout);
    // A minimum the community lacks is judged from the one number too.
    let high = check(&good.replacen(per_period, "registration_minimum = 100000", 1));
    assert!(
        high.stdout.contains("target.registration_below"),
        "{}",
        high.stdout
    );
    let none = check(&good.replacen(per_period, "registration_minimum = 0", 1));
    assert!(
        !none.stdout.contains("target.registration_below"),
        "{}",
        none.stdout
    );
    let percent = check(&good.replacen("abnormal_change = 0.5", "abnormal_change = \"50%\"", 1));
    assert_ne!(percent.code, 2, "{}", percent.stderr);
    let fifty = good.replacen("abnormal_change = 0.5", "abnormal_change = 50", 1);
    stops_the_check_at(
        &w,
        "requirements.toml",
        &fifty,
        fifty
            .lines()
            .position(|l| l == "abnormal_change = 50")
            .unwrap()
            + 1,
        &["abnormal_change 是变动的比例：写的是 50，即 ±5000%；±50% 写 0.5"],
        &[],
    );
    std::fs::write(&p, good).unwrap();
}

/// A field's key renamed in its form (`attended` → `present`) while a
/// check and a measure still named the old key was said as "`attended`
/// 不是表样 `meetings` 的字段" and nothing more: no misspelling is near, so
/// no suggestion came. Now the form's fields are listed, the new key among
/// them, in the form's own file and then in measures.toml; renamed in
/// both, the run gives the tables it gave.
#[test]
fn regression_a_renamed_field_key_is_said_with_the_forms_fields() {
    let w = exported_beside_a_community();
    let meetings = std::fs::read_to_string(w.path("s/meetings.toml")).unwrap();
    let measures = std::fs::read_to_string(w.path("s/measures.toml")).unwrap();
    let run = |out: &str| aggregate_beside(&w, out);
    assert_eq!(run("before").code, 0);
    let fields = "（`meetings` 的字段：date、type、topic、expected、present、resolved）";
    let key_only = meetings.replacen("key = \"attended\"", "key = \"present\"", 1);
    let check_line = key_only
        .lines()
        .position(|l| l == "field = \"attended\"")
        .unwrap();
    stops_the_check_at(
        &w,
        "meetings.toml",
        &key_only,
        check_line,
        &[&format!("`attended` 不是表样 `meetings` 的字段{fields}")],
        &[],
    );
    std::fs::write(
        w.path("s/meetings.toml"),
        meetings.replace("attended", "present"),
    )
    .unwrap();
    let sum_line = measures
        .lines()
        .position(|l| l == "sum = \"attended\"")
        .unwrap()
        + 1;
    stops_the_check_at(
        &w,
        "measures.toml",
        &measures,
        sum_line,
        &[&format!("`attended` 不是台账 `meetings` 的字段{fields}")],
        &[],
    );
    std::fs::write(
        w.path("s/measures.toml"),
        measures.replace("\"attended\"", "\"present\""),
    )
    .unwrap();
    assert_eq!(run("after").code, 0);
    for t in ["t2_meetings.csv", "t4_rates.csv"] {
        assert_eq!(
            std::fs::read(w.path(&format!("before/tables/{t}"))).unwrap(),
            std::fs::read(w.path(&format!("after/tables/{t}"))).unwrap(),
            "{t}"
        );
    }
}

/// Levels written in Chinese, as a statistician writes them: `levels =
/// ["区县", "街道", "社区"]` stopped the load ("`区县` 不是可用的取值"), though
/// the registry and the cells take 社区 for community; and a chart's `rows
/// = "社区"` loaded and drew nothing, its rows picked by the English name.
/// Both now read as the English names: the same tables and charts.
#[test]
fn regression_levels_written_in_chinese_are_the_levels() {
    let w = exported_beside_a_community();
    let good = std::fs::read_to_string(w.path("s/tables.toml")).unwrap();
    let run = |out: &str| {
        let r = aggregate_beside(&w, out);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let charts = sheet_strings(&w.path(&format!("{out}/report.xlsx")), "图表");
        let t1 = std::fs::read_to_string(w.path(&format!("{out}/tables/t1_registrations.csv")));
        (charts, t1.unwrap())
    };
    let before = run("before");
    assert!(
        before.0.iter().any(|t| t.starts_with("各社区报到党员数")),
        "{:?}",
        before.0
    );
    let chinese = good
        .replace(
            "levels = [\"county\", \"street\", \"community\"]",
            "levels = [\"区县\", \"街道\", \"社区\"]",
        )
        .replacen("rows = \"community\"", "rows = \"社区\"", 1);
    assert!(chinese.contains("rows = \"社区\"") && chinese.contains("\"街道\""));
    std::fs::write(w.path("s/tables.toml"), chinese).unwrap();
    assert_eq!(run("after"), before);
}

/// A field's type written in Chinese (`type = "日期"`, `"整数"`, `"选项"`)
/// stopped the load ("`日期` 不是可用的取值"); it is now that type, and a
/// community's workbook is checked exactly as with the English names.
#[test]
fn regression_field_types_written_in_chinese_are_the_types() {
    let w = exported_beside_a_community();
    let good = std::fs::read_to_string(w.path("s/meetings.toml")).unwrap();
    let check = || w.run(&["check", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
    let before = check();
    assert_ne!(before.code, 2, "{}", before.stderr);
    let chinese = good
        .replace("type = \"date\"", "type = \"日期\"")
        .replace("type = \"integer\"", "type = \"整数\"")
        .replace("type = \"enum\"", "type = \"选项\"")
        .replace("type = \"text\"", "type = \"文本\"");
    for t in ["日期", "整数", "选项", "文本"] {
        assert!(chinese.contains(&format!("type = \"{t}\"")), "{t}");
    }
    std::fs::write(w.path("s/meetings.toml"), chinese).unwrap();
    let after = check();
    assert_eq!(after.code, before.code, "{}", after.stderr);
    assert_eq!(after.stdout, before.stdout);
}
