//! `pbstat check`, 上报说明, `--annotate` and `pbstat template`.

use calamine::{open_workbook, Data, Reader, Xlsx};
use std::io::Read;

use crate::support::book::{break_id, make_id, n, s, SheetSpec, V};
use crate::support::county::{community_book, generate, street_book, unit_book, County, Hand};
use crate::workdir::*;

fn check_json(w: &Workdir, args: &[&str]) -> (Run, Vec<serde_json::Value>) {
    let mut a = vec!["check"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--format", "json"]);
    let r = w.run(&a);
    let d = r.diags();
    (r, d)
}

/// A county where every cross-audit and requirement code is planted once.
fn planted(w: &Workdir) -> County {
    let mut c = generate(31, 1, 4, 4, 26);
    // community 0: fewer than 20 members, no 党课 (a meeting shortfall).
    c.communities[0].members.truncate(8);
    c.communities[0].meetings.retain(|m| m.kind != "党课");
    // unit 1 held no joint activity (inactive); every other unit held one.
    c.units[1].activities.clear();
    for (k, u) in c.units.iter_mut().enumerate() {
        if k != 1 && u.activities.is_empty() {
            u.activities.push(crate::support::county::Activity {
                date: (2026, 8, 1),
                community: u.community.clone(),
                activity: "义诊".into(),
                participants: 3,
                beneficiaries: 30,
            });
        }
    }
    registry(w, &c);
    for (k, cm) in c.communities.iter().enumerate() {
        if k == 3 {
            continue; // never submitted: the 催报 list
        }
        let mut b = community_book(&c, cm, &Hand::plain());
        if k == 1 {
            // Registered here and at community 2 too.
            put(
                &mut b,
                "在职党员报到",
                "C2",
                s(c.communities[2].members[0].id.clone()),
            );
            put(
                &mut b,
                "在职党员报到",
                "D2",
                s(if c.communities[2].members[0].male {
                    "男"
                } else {
                    "女"
                }),
            );
            put(&mut b, "封面", "B11", n(7.0)); // paired units: the registry says otherwise
        }
        w.book(&format!("in/{}.xlsx", cm.name), &b);
    }
    for (k, u) in c.units.iter().enumerate() {
        let mut u = u.clone();
        if k == 0 {
            // A member the named community's roster lacks.
            u.members[0].id = make_id("420923", "19720202", 55, false);
        }
        if k == 2 {
            u.projects[0].community = "429901001150".into(); // not in the registry
        }
        w.book(&format!("in/u{k}.xlsx"), &unit_book(&c, &u, &Hand::plain()));
    }
    // The same community twice.
    w.book(
        "in/dup.xlsx",
        &community_book(&c, &c.communities[2], &Hand::plain()),
    );
    c
}

#[test]
fn every_audit_and_target_code() {
    let w = Workdir::new();
    let c = planted(&w);
    let (r, d) = check_json(
        &w,
        &["in", "--period", "2026Q3", "--registry", "registry.xlsx"],
    );
    assert_eq!(r.code, 1);
    for code in [
        "file.duplicate_submission",
        "cross.duplicate_registration",
        "cross.unit_member_not_on_roster",
        "cross.unknown_community",
        "cross.paired_units_mismatch",
        "submission.missing",
        "target.registration_below",
        "target.meeting_shortfall",
        "target.unit_inactive",
    ] {
        expect_code(&d, code);
    }
    let reg = expect_code(&d, "target.registration_below");
    assert_eq!(reg["org_code"], c.communities[0].code.as_str());
    assert_eq!(reg["value"], "8");
    assert!(
        reg["message"].as_str().unwrap().contains("20"),
        "names the minimum"
    );
    let m = with_code(&d, "target.meeting_shortfall");
    assert!(m
        .iter()
        .any(|x| x["org_code"] == c.communities[0].code.as_str() && x["field"] == "党课"));
    let u = with_code(&d, "target.unit_inactive");
    assert_eq!(u.len(), 1, "{}", pretty(&d));
    let u = u[0];
    assert_eq!(u["org_code"], c.units[1].code.as_str());
    assert_eq!(u["sheet"], "共建活动");
    let miss = r.json()["missing"].as_array().unwrap().clone();
    assert_eq!(miss.len(), 1);
    assert_eq!(miss[0]["code"], c.communities[3].code.as_str());

    // Text: grouped by organisation, in registry order, then the 催报 list.
    let r = w.run(&[
        "check",
        "in",
        "--period",
        "2026Q3",
        "--registry",
        "registry.xlsx",
    ]);
    let text = &r.stdout;
    let pos = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{text}"))
    };
    let g0 = pos(&format!(
        "== {}（{}）",
        c.communities[0].name, c.communities[0].code
    ));
    let g1 = pos(&format!(
        "== {}（{}）",
        c.communities[1].name, c.communities[1].code
    ));
    assert!(g0 < g1);
    let cuibao = pos("催报名单（未报送 1 个）");
    assert!(cuibao > g1);
    assert!(text[cuibao..].contains(&c.communities[3].name));
    assert!(text.lines().last().unwrap().starts_with("共检查"));
}

#[test]
fn abnormal_change_against_previous() {
    let w = Workdir::new();
    let c = generate(41, 1, 2, 2, 26);
    registry(&w, &c);
    write_county(&w, &c, "q");
    last_quarter_output(&w, &c, "prev");
    let mut c2 = c.clone();
    c2.communities[1].members.truncate(5);
    w.book(
        &format!("q/{}.xlsx", c2.communities[1].code),
        &community_book(&c2, &c2.communities[1], &Hand::plain()),
    );
    let (_, d) = check_json(
        &w,
        &[
            "q",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "--previous",
            "prev",
        ],
    );
    let t = with_code(&d, "trend.abnormal_change");
    assert!(
        t.iter()
            .any(|x| x["org_code"] == c.communities[1].code.as_str()
                && x["field"] == "registered_members"),
        "{}",
        pretty(&d)
    );
    assert!(
        t.iter()
            .all(|x| x["org_code"] != c.communities[0].code.as_str()),
        "an unchanged community is not flagged"
    );
    assert_eq!(t[0]["severity"], "warning");
}

fn explanations_sheet(rows: &[(&str, &str, &str)]) -> SheetSpec {
    let mut sh = SheetSpec::new("说明").row(vec![s("代码"), s("位置"), s("说明")]);
    for (a, b, c) in rows {
        sh.rows.push(vec![s(*a), V::from(*b), s(*c)]);
    }
    sh
}

#[test]
fn explanations_turn_warnings_into_notes_but_never_errors() {
    let w = Workdir::new();
    let c = crate::workdir::county();
    let mut b = plain_community(&c);
    let m = &c.communities[0].members[0];
    put(
        &mut b,
        "在职党员报到",
        "D2",
        s(if m.male { "女" } else { "男" }),
    ); // id.gender_mismatch warning at D2
    put(&mut b, "在职党员报到", "I3", n(1));
    put(&mut b, "在职党员报到", "J3", n(30)); // roster.hours_implausible at J3
    put(&mut b, "在职党员报到", "C4", s(break_id(&m.id))); // id.checksum: an error
    b.push(explanations_sheet(&[
        (
            "id.gender_mismatch",
            "在职党员报到!D2",
            "户籍登记性别与身份证号不一致，以户籍为准",
        ),
        (
            "roster.hours_implausible",
            "",
            "该同志参加了连续多日的防汛值守",
        ),
        ("id.checksum", "C4", "想说明一下"),
        ("cover.name_mismatch", "", "没有这回事"),
        ("no.such_code", "", "写错了"),
    ]));
    w.book("a.xlsx", &b);
    let (r, d) = check_json(&w, &["a.xlsx", "--period", "2026Q3"]);
    let g = expect_at(&d, "id.gender_mismatch", "D2");
    assert_eq!(g["severity"], "note");
    assert!(g["explanation"].as_str().unwrap().contains("户籍"));
    let h = expect_at(&d, "roster.hours_implausible", "J3");
    assert_eq!(h["severity"], "note");
    let e = expect_at(&d, "id.checksum", "C4");
    assert_eq!(e["severity"], "error", "errors cannot be explained away");
    let un = with_code(&d, "explanation.unmatched");
    assert_eq!(un.len(), 3, "{}", pretty(&d));
    assert!(un
        .iter()
        .all(|x| x["severity"] == "warning" && x["sheet"] == "说明"));
    assert!(un
        .iter()
        .any(|x| x["cell"] == "A4" && x["message"].as_str().unwrap().contains("错误不能")));
    assert_eq!(r.code, 1);
    // Text shows the explanation beside the note.
    let r = w.run(&["validate", "a.xlsx", "--period", "2026Q3"]);
    assert!(
        r.stdout.contains("提示 [id.gender_mismatch]") && r.stdout.contains("已说明：户籍"),
        "{}",
        r.stdout
    );

    // Explained warnings go to the report's 说明 sheet.
    let w2 = Workdir::new();
    let mut b2 = plain_community(&c);
    put(
        &mut b2,
        "在职党员报到",
        "D2",
        s(if m.male { "女" } else { "男" }),
    );
    b2.push(explanations_sheet(&[(
        "id.gender_mismatch",
        "D2",
        "户籍登记性别与身份证号不一致",
    )]));
    w2.book("in/a.xlsx", &b2);
    assert_eq!(
        w2.run(&["aggregate", "in", "--period", "2026Q3", "-o", "out"])
            .code,
        0
    );
    let mut wb: Xlsx<_> = open_workbook(w2.path("out/report.xlsx")).unwrap();
    let notes = wb.worksheet_range("说明").unwrap();
    assert!(notes.rows().any(|r| r
        .iter()
        .any(|c| matches!(c, Data::String(s) if s.contains("户籍登记性别")))));
    // T0 counts the warnings left (the requirements' target.*), not the
    // explained one.
    let d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w2.path("out/diagnostics.json")).unwrap())
            .unwrap();
    let left: Vec<&serde_json::Value> = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["severity"] == "warning")
        .collect();
    assert!(left.iter().all(|x| x["code"] != "id.gender_mismatch"));
    let t0 = std::fs::read_to_string(w2.path("out/tables/t0_submissions.csv")).unwrap();
    assert!(
        t0.lines()
            .nth(1)
            .unwrap()
            .ends_with(&format!(",0,{},", left.len())),
        "an explained warning is not counted: {t0}\n{left:?}"
    );
}

#[test]
fn annotated_copy_keeps_the_original_and_flags_the_cells() {
    let w = Workdir::new();
    let c = crate::workdir::county();
    let mut b = plain_community(&c);
    let id = c.communities[0].members[1].id.clone();
    put(&mut b, "在职党员报到", "C3", s(break_id(&id)));
    put(
        &mut b,
        "在职党员报到",
        "D2",
        s(if c.communities[0].members[0].male {
            "女"
        } else {
            "男"
        }),
    );
    put(&mut b, "会议活动", "B2", V::E); // a blank required cell
    put(&mut b, "会议活动", "G3", V::F("=1+1".into(), "2".into()));
    b[1].merges.push((30, 1, 30, 3));
    put(&mut b, "在职党员报到", "B31", V::E);
    let src = w.book("sub/城关街道/南门社区.xlsx", &b);
    let before = std::fs::read(&src).unwrap();
    let r = w.run(&[
        "validate",
        "sub",
        "--period",
        "2026Q3",
        "--annotate",
        "back",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        std::fs::read(&src).unwrap(),
        before,
        "the original is never modified"
    );
    let out = w.path("back/城关街道/南门社区.xlsx");
    assert!(out.exists(), "the copy keeps the path relative to the PATH");
    let mut orig: Xlsx<_> = open_workbook(&src).unwrap();
    let mut copy: Xlsx<_> = open_workbook(&out).unwrap();
    let names = copy.sheet_names();
    assert_eq!(names[0], "审核结果");
    assert_eq!(&names[1..], &orig.sheet_names()[..]);
    for name in orig.sheet_names() {
        let a = orig.worksheet_range(&name).unwrap();
        let b = copy.worksheet_range(&name).unwrap();
        for (pos, v) in a.cells().map(|(r, c, v)| {
            (
                (
                    r as u32 + a.start().unwrap().0,
                    c as u32 + a.start().unwrap().1,
                ),
                v.clone(),
            )
        }) {
            if v == Data::Empty {
                continue;
            }
            let got = b.get_value(pos).cloned().unwrap_or(Data::Empty);
            let same = match (&v, &got) {
                (Data::DateTime(x), Data::DateTime(y)) => x.as_f64() == y.as_f64(),
                (Data::DateTime(x), Data::Float(y)) => x.as_f64() == *y,
                (Data::Int(x), Data::Float(y)) => *x as f64 == *y,
                _ => v == got,
            };
            assert!(same, "{name} {pos:?}: {v:?} became {got:?}");
        }
    }
    let formulas = copy.worksheet_formula("会议活动").unwrap();
    assert!(
        formulas.rows().any(|r| r.iter().any(|f| f.contains("1+1"))),
        "formulas are kept"
    );
    let result = copy.worksheet_range("审核结果").unwrap();
    let text: Vec<String> = result
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(text.iter().any(|t| t == "id.checksum") && text.iter().any(|t| t == "C3"));
    // The notes are in the package, with the messages.
    let f = std::fs::File::open(&out).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut comments = String::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        if e.name().unwrap().contains("comments") {
            e.read_to_string(&mut comments).unwrap();
        }
    }
    assert!(
        comments.contains("id.checksum") && comments.contains("cell.required"),
        "{comments}"
    );
    // Unreadable inputs still get a copy holding the findings.
    w.write("sub/坏文件.xls", "not a workbook");
    w.run(&[
        "validate",
        "sub",
        "--period",
        "2026Q3",
        "--annotate",
        "back2",
    ]);
    let bad: Xlsx<_> = open_workbook(w.path("back2/坏文件.xlsx")).unwrap();
    assert_eq!(bad.sheet_names(), vec!["审核结果".to_string()]);
    // LibreOffice, where present, opens the copy.
    if let Ok(o) = std::process::Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(w.path("pdf"))
        .arg(&out)
        .output()
    {
        if o.status.success() {
            assert!(std::fs::read(w.path("pdf/南门社区.pdf"))
                .unwrap()
                .starts_with(b"%PDF"));
        }
    }
}

/// Fill a template as a careful person would: read its layout back, put
/// values beside the cover labels and rows under the headers.
#[allow(clippy::type_complexity)]
pub(crate) fn fill(
    template: &std::path::Path,
    cover: &[(&str, V)],
    rows: &[(&str, Vec<Vec<(&str, V)>>)],
) -> Vec<SheetSpec> {
    let mut wb: Xlsx<_> = open_workbook(template).unwrap();
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let mut sh = SheetSpec::new(&name);
        let mut grid: Vec<Vec<V>> = Vec::new();
        for (r, row) in range.rows().enumerate() {
            let line: Vec<V> = row
                .iter()
                .map(|c| match c {
                    Data::String(t) => s(t.clone()),
                    Data::Empty => V::E,
                    other => s(other.to_string()),
                })
                .collect();
            while grid.len() < r {
                grid.push(Vec::new());
            }
            grid.push(line);
        }
        let start = range.start().unwrap_or((0, 0)).0 as usize;
        let mut full = vec![Vec::new(); start];
        full.extend(grid);
        // Cover: labels in column A, values in B.
        for line in full.iter_mut() {
            if let Some(V::S(label)) = line.first() {
                let key = label.trim_start_matches('*');
                if let Some((_, v)) = cover.iter().find(|(k, _)| *k == key) {
                    while line.len() < 2 {
                        line.push(V::E);
                    }
                    line[1] = v.clone();
                }
            }
        }
        // Ledgers: the header row is the one with 序号.
        if let Some((_, data)) = rows.iter().find(|(s, _)| *s == name) {
            let hr = full
                .iter()
                .position(|l| matches!(l.first(), Some(V::S(t)) if t == "序号"))
                .expect("header row");
            let headers: Vec<String> = full[hr]
                .iter()
                .map(|v| match v {
                    V::S(t) => t.trim_start_matches('*').to_string(),
                    _ => String::new(),
                })
                .collect();
            for (k, rec) in data.iter().enumerate() {
                let mut line = vec![V::E; headers.len()];
                line[0] = n((k + 1) as f64);
                for (h, v) in rec {
                    let j = headers.iter().position(|x| x == h).unwrap_or_else(|| {
                        panic!("template {name} has no column {h}: {headers:?}")
                    });
                    line[j] = v.clone();
                }
                full.insert(hr + 1 + k, line);
            }
        }
        sh.rows = full;
        out.push(sh);
    }
    out
}

#[test]
fn every_template_kind_round_trips_through_validate() {
    let w = Workdir::new();
    let c = generate(51, 1, 1, 1, 22);
    let reg = registry(&w, &c);
    let cm = &c.communities[0];
    let period = s("2026Q3");

    assert_eq!(
        w.run(&["template", "--kind", "community", "-o", "t/c.xlsx"])
            .code,
        0
    );
    let roster: Vec<Vec<(&str, V)>> = cm
        .members
        .iter()
        .map(|m| {
            vec![
                ("姓名", s(m.name.clone())),
                ("身份证号", s(m.id.clone())),
                ("性别", s(if m.male { "男" } else { "女" })),
                (
                    "报到日期",
                    V::D(m.registered_on.0, m.registered_on.1, m.registered_on.2),
                ),
                ("服务次数", n(m.service_count as f64)),
                ("服务时长", n(m.service_hours)),
            ]
        })
        .collect();
    let meetings: Vec<Vec<(&str, V)>> = cm
        .meetings
        .iter()
        .map(|m| {
            vec![
                ("日期", V::D(m.date.0, m.date.1, m.date.2)),
                ("会议类型", s(m.kind.clone())),
                ("应到人数", n(m.expected as f64)),
                ("实到人数", n(m.attended as f64)),
            ]
        })
        .collect();
    let issues: Vec<Vec<(&str, V)>> = cm
        .issues
        .iter()
        .map(|i| {
            vec![
                ("事项编号", s(i.id.clone())),
                ("受理日期", V::D(i.received.0, i.received.1, i.received.2)),
                ("类别", s(i.category.clone())),
                ("办理状态", s(i.status.clone())),
                (
                    "办结日期",
                    i.resolved_on.map(|d| V::D(d.0, d.1, d.2)).unwrap_or(V::E),
                ),
                ("满意度", s(i.satisfaction.clone())),
            ]
        })
        .collect();
    let cover = [
        ("单位名称", s(cm.name.clone())),
        ("单位代码", s(cm.code.clone())),
        ("报告期", period.clone()),
        ("填表人", s("王芳")),
        ("负责人", s("李强")),
    ];
    let filled = fill(
        &w.path("t/c.xlsx"),
        &cover,
        &[
            ("在职党员报到", roster),
            ("会议活动", meetings),
            ("民生事项", issues),
        ],
    );
    w.book("filled/c.xlsx", &filled);

    assert_eq!(
        w.run(&["template", "--kind", "unit", "-o", "t/u.xlsx"])
            .code,
        0
    );
    let u = &c.units[0];
    let cover = [
        ("单位名称", s(u.name.clone())),
        ("单位代码", s(u.code.clone())),
        ("报告期", period.clone()),
        ("填表人", s("王芳")),
        ("负责人", s("李强")),
        ("结对社区代码", s(u.community.clone())),
    ];
    let members: Vec<Vec<(&str, V)>> = u
        .members
        .iter()
        .map(|m| {
            vec![
                ("姓名", s(m.name.clone())),
                ("身份证号", s(m.id.clone())),
                ("报到社区代码", s(m.community.clone())),
                (
                    "报到日期",
                    V::D(m.registered_on.0, m.registered_on.1, m.registered_on.2),
                ),
            ]
        })
        .collect();
    let acts = vec![vec![
        ("日期", V::D(2026, 8, 8)),
        ("社区代码", s(u.community.clone())),
        ("活动内容", s("义诊")),
    ]];
    let projects = vec![vec![
        ("项目名称", s("助学")),
        ("社区代码", s(u.community.clone())),
        ("状态", s("进行中")),
    ]];
    let filled = fill(
        &w.path("t/u.xlsx"),
        &cover,
        &[
            ("报到党员名单", members),
            ("共建活动", acts),
            ("认领项目", projects),
        ],
    );
    w.book("filled/u.xlsx", &filled);

    assert_eq!(
        w.run(&["template", "--kind", "meetings", "-o", "t/m.xlsx"])
            .code,
        0
    );
    let st = &c.streets[0];
    let cover = [
        ("单位名称", s(st.name.clone())),
        ("单位代码", s(st.code.clone())),
        ("报告期", period.clone()),
        ("填表人", s("王芳")),
        ("负责人", s("李强")),
    ];
    let ms: Vec<Vec<(&str, V)>> = st
        .meetings
        .iter()
        .map(|m| {
            vec![
                ("日期", V::D(m.date.0, m.date.1, m.date.2)),
                ("会议类型", s(m.kind.clone())),
                ("应到人数", n(m.expected as f64)),
                ("实到人数", n(m.attended as f64)),
            ]
        })
        .collect();
    let filled = fill(&w.path("t/m.xlsx"), &cover, &[("会议活动", ms)]);
    w.book("filled/m.xlsx", &filled);

    let (r, d) = w.validate_json(&["filled", "--period", "2026Q3", "--registry", &reg]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);
    let _ = street_book;

    assert_eq!(
        w.run(&["template", "--kind", "registry", "-o", "t/r.xlsx"])
            .code,
        0
    );
    let rows: Vec<Vec<(&str, V)>> = vec![
        vec![
            ("代码", s("429901")),
            ("名称", s("示例县")),
            ("类型", s("区县")),
            ("应报", s("否")),
        ],
        vec![
            ("代码", s(st.code.clone())),
            ("名称", s(st.name.clone())),
            ("类型", s("街道")),
            ("上级代码", s("429901000000")),
        ],
        vec![
            ("代码", s(cm.code.clone())),
            ("名称", s(cm.name.clone())),
            ("类型", s("社区")),
            ("上级代码", s(st.code.clone())),
        ],
    ];
    let filled = fill(&w.path("t/r.xlsx"), &[], &[("报送单位名录", rows)]);
    w.book("filled-registry.xlsx", &filled);
    let (r, d) = w.validate_json(&[
        "filled",
        "--period",
        "2026Q3",
        "--registry",
        "filled-registry.xlsx",
    ]);
    // The filled registry lists no units: only the unit's own code is unknown.
    assert!(
        d.iter().all(|x| x["file"] != "filled-registry.xlsx"),
        "{}",
        pretty(&d)
    );
    let _ = r;

    // The template carries drop-downs, hints and text-formatted code columns.
    let f = std::fs::File::open(w.path("t/c.xlsx")).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut xml = String::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        if e.name().unwrap().starts_with("xl/worksheets/sheet") {
            e.read_to_string(&mut xml).unwrap();
        }
    }
    assert!(
        xml.contains("type=\"list\"") && xml.contains("联席会议"),
        "drop-down on 会议类型"
    );
    assert!(
        xml.contains("type=\"date\"") && xml.contains("type=\"textLength\""),
        "date and length validation"
    );
    assert!(xml.contains("promptTitle"), "input hints");
}

#[test]
fn prefilled_templates_per_expected_organisation() {
    let w = Workdir::new();
    let c = generate(61, 1, 2, 2, 22);
    registry(&w, &c);
    let r = w.run(&[
        "template",
        "--registry",
        "registry.xlsx",
        "--period",
        "2026Q3",
        "-o",
        "pre",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut files: Vec<String> = std::fs::read_dir(w.path("pre"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "two communities and two units: {files:?}");
    let want = format!("{}_{}.xlsx", c.communities[0].code, c.communities[0].name);
    assert!(files.contains(&want), "{files:?}");
    let unit = files
        .iter()
        .find(|f| f.starts_with(&c.units[0].code[..4]) || f.starts_with(&c.units[0].code))
        .unwrap();
    let mut wb: Xlsx<_> = open_workbook(w.path(&format!("pre/{unit}"))).unwrap();
    let cover = wb.worksheet_range("封面").unwrap();
    let cells: Vec<String> = cover
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        cells.contains(&c.units[0].community),
        "a unit's 结对社区代码 is pre-filled"
    );
    assert!(cells.contains(&"2026Q3".to_string()));
    // Only one kind, on request; names that are not safe for a file are made safe.
    let r = w.run(&[
        "template",
        "--registry",
        "registry.xlsx",
        "--period",
        "2026Q3",
        "--kind",
        "unit",
        "-o",
        "units",
    ]);
    assert_eq!(r.code, 0);
    assert_eq!(std::fs::read_dir(w.path("units")).unwrap().count(), 2);
    assert_eq!(
        w.run(&["template", "--registry", "registry.xlsx", "-o", "x"])
            .code,
        2,
        "needs --period"
    );
    assert_eq!(w.run(&["template"]).code, 2, "needs --kind");
}

#[test]
fn a_template_file_name_never_escapes_its_folder() {
    let w = Workdir::new();
    let c = generate(71, 1, 1, 0, 22);
    let mut reg = crate::support::county::registry_book(&c);
    let row = reg[0]
        .rows
        .iter_mut()
        .find(|r| matches!(r.get(1), Some(V::S(t)) if *t == c.communities[0].code))
        .unwrap();
    row[2] = s("../../逃逸/社区:名*?");
    w.book("registry.xlsx", &reg);
    assert_eq!(
        w.run(&[
            "template",
            "--registry",
            "registry.xlsx",
            "--period",
            "2026Q3",
            "-o",
            "pre"
        ])
        .code,
        0
    );
    let files: Vec<String> = std::fs::read_dir(w.path("pre"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(
        !files[0].contains('/') && !files[0].contains(':') && !files[0].contains('*'),
        "{files:?}"
    );
    assert!(!w.path("逃逸").exists());
}

/// An annotated copy of a styled workbook keeps its look: fonts, fills and
/// borders of the original (here, a template), with the flags on top.
#[test]
fn annotated_copy_keeps_the_original_styles() {
    let w = Workdir::new();
    assert_eq!(
        w.run(&["template", "--kind", "community", "-o", "in/c.xlsx"])
            .code,
        0
    );
    let r = w.run(&["validate", "in", "--period", "2026Q3", "--annotate", "back"]);
    assert_eq!(r.code, 1);
    let styles = |p: &std::path::Path| -> String {
        let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
        let mut t = String::new();
        z.by_name("xl/styles.xml")
            .unwrap()
            .read_to_string(&mut t)
            .unwrap();
        t
    };
    let copy = styles(&w.path("back/c.xlsx"));
    assert!(copy.contains("FFD9E1F2"), "the header fill of the original");
    assert!(
        copy.contains("FFC00000"),
        "the red font of required headers"
    );
    assert!(copy.contains("FFFFC7CE"), "the error fill");
    assert!(copy.contains("<b/>"), "bold labels");
    assert!(copy.contains("thin"), "borders");
}

/// Regression: check and aggregate built the 催报 list each their own way
/// and disagreed on `parent_code` for a parent missing from the registry
/// (check said null, summary.json the registry's code). One list now: the
/// parent the registry names, with no name where the registry lacks it.
#[test]
fn missing_list_names_the_registry_parent_even_when_absent() {
    let w = Workdir::new();
    let c = county();
    let mut reg = crate::support::county::registry_book(&c);
    reg[0].rows.push(vec![
        n(91),
        s("429901001150"),
        s("孤儿社区"),
        s("社区"),
        s("429901077000"),
        s("是"),
    ]);
    w.book("registry.xlsx", &reg);
    write_county(&w, &c, "in");
    let r = w.run(&[
        "check",
        "in",
        "--period",
        "2026Q3",
        "--registry",
        "registry.xlsx",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "the registry's unknown parent is an error");
    let v = r.json();
    let m = v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == "429901001150")
        .unwrap_or_else(|| panic!("not on the 催报 list: {}", v["missing"]));
    assert_eq!(m["parent_code"], "429901077000");
    assert!(m["parent_name"].is_null());
    assert_eq!(m["name"], "孤儿社区");
    assert_eq!(m["level"], "community");
}

/// The per-rule summary (审核汇总): every declared check with the rows it
/// checked, passed and failed by level, most-failed first — in check's
/// JSON, in summary.json and as a sheet of report.xlsx.
#[test]
fn per_rule_summary_counts_checked_passed_and_failed_rows() {
    let w = Workdir::new();
    let c = county();
    let reg = crate::workdir::registry(&w, &c);
    let mut book = plain_community(&c);
    put(&mut book, "会议活动", "F2", n(999));
    let meetings = book
        .iter()
        .find(|s| s.name == "会议活动")
        .unwrap()
        .rows
        .len()
        - 1;
    w.book("in/a.xlsx", &book);
    let rules = w.check_rules(&["in", "--period", "2026Q3", "--registry", &reg]);
    let first = &rules[0];
    assert_eq!(
        first["rule"], "meeting.attendance_exceeds_expected",
        "{first}"
    );
    assert_eq!(first["ledger"], "meetings");
    assert_eq!(first["field"], "attended");
    assert_eq!(first["level"], "community");
    assert_eq!(first["failed"], 1);
    assert_eq!(first["checked"], meetings as u64);
    assert_eq!(first["passed"], meetings as u64 - 1);
    assert!(rules.iter().skip(1).all(|r| r["failed"] == 0));
    assert!(rules
        .iter()
        .any(|r| r["rule"] == "cell.required" && r["ledger"] == "roster"));

    // aggregate: the same in summary.json and a sheet of the workbook.
    let r = w.run(&[
        "aggregate",
        "in",
        "--period",
        "2026Q3",
        "--registry",
        &reg,
        "-o",
        "out",
        "--exclude-invalid",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["rules"][0]["rule"], "meeting.attendance_exceeds_expected");
    let mut wb: Xlsx<_> = open_workbook(w.path("out/report.xlsx")).unwrap();
    let sh = wb.worksheet_range("审核汇总").expect("a 审核汇总 sheet");
    assert_eq!(
        sh.get_value((2, 0)),
        Some(&Data::String("meeting.attendance_exceeds_expected".into()))
    );
    assert_eq!(sh.get_value((2, 6)), Some(&Data::Float(1.0)));
}

/// Regression: the per-rule summary left out every CSV export, which has
/// no level of its own, so a county's roster sent as CSV was never in
/// 审核汇总. Its rows count at the level of the organisation each names,
/// and a failure on a CSV line (no sheet) counts at its row.
#[test]
fn regression_per_rule_summary_counts_a_csv_exports_rows() {
    let w = Workdir::new();
    let c = county();
    let reg = crate::workdir::registry(&w, &c);
    let (a, b) = (&c.communities[0].code, &c.communities[1].code);
    let id = |k| make_id("420923", "19800101", k, true);
    w.write(
        "in/在职党员报到.csv",
        format!(
            "单位代码,姓名,身份证号,性别,报到日期,服务次数,服务时长\n\
             {a},张三,{},男,2026-07-02,2,5\n\
             {a},李四,{},男,2026-13-01,1,2\n\
             {b},王五,{},男,2026-08-01,1,1\n",
            id(1),
            id(2),
            id(3)
        ),
    );
    let rules = w.check_rules(&["in", "--period", "2026Q3", "--registry", &reg]);
    let first = &rules[0];
    assert_eq!(first["rule"], "cell.type", "{first}");
    assert_eq!(first["ledger"], "roster");
    assert_eq!(first["field"], "registered_on");
    assert_eq!(first["level"], "community");
    assert_eq!(first["checked"], 3);
    assert_eq!(first["failed"], 1);
    assert!(rules
        .iter()
        .any(|r| r["rule"] == "cell.required" && r["field"] == "name" && r["checked"] == 3));
}

/// Regression: the per-rule summary listed only the checks of the ledgers'
/// own schema files. The covers' checks between sheets (one row per
/// cover) and the audits across submissions that judge a ledger's rows
/// (`[[unique]]`, `[[listed]]`) are rules of the rule files too, and are
/// counted with them.
#[test]
fn regression_per_rule_summary_counts_cover_checks_and_audits_across() {
    let w = Workdir::new();
    let c = planted(&w);
    let rules = w.check_rules(&["in", "--period", "2026Q3", "--registry", "registry.xlsx"]);
    let rule = |code: &str| {
        rules
            .iter()
            .find(|x| x["rule"] == code)
            .unwrap_or_else(|| panic!("no {code} in {rules:?}"))
    };
    // Every community workbook but the one never sent, and its copy.
    let covers = c.communities.len() as u64;
    let paired = rule("cross.paired_units_mismatch");
    assert_eq!(paired["ledger"], "cover_community");
    assert_eq!(paired["sheet"], "封面");
    assert_eq!(paired["field"], "paired_units");
    assert_eq!(paired["level"], "community");
    assert_eq!(paired["checked"], covers);
    assert_eq!(paired["failed"], 1);
    let dup = rule("cross.duplicate_registration");
    assert_eq!(dup["ledger"], "roster");
    assert_eq!(dup["field"], "id_number");
    assert!(dup["failed"].as_u64().unwrap() >= 2, "{dup}");
    let unit = rule("cross.unit_member_not_on_roster");
    assert_eq!(unit["ledger"], "unit_members");
    assert_eq!(unit["level"], "unit");
    // As many rows failed as the audit flagged, the planted one among them.
    let (_, d) = check_json(
        &w,
        &["in", "--period", "2026Q3", "--registry", "registry.xlsx"],
    );
    let on = with_code(&d, "cross.unit_member_not_on_roster");
    assert!(!on.is_empty());
    assert_eq!(unit["failed"], on.len(), "{}", pretty(&d));
}
