//! docs/howto.md, done: each recipe carried out with files in a `--schemas`
//! folder only (no code), and its result checked against the county model
//! the workbooks were written from.

use crate::aggregate::{read_csv, Row};
use crate::support::county::{County, Hand};
use crate::workdir::*;

fn num(r: &Row, k: &str) -> f64 {
    let v = r.get(k).unwrap_or_else(|| panic!("no column {k} in {r:?}"));
    v.parse().unwrap_or_else(|_| panic!("{k}={v}"))
}

/// Insert `text` before the first line that starts `before`.
fn insert_before(path: &std::path::Path, before: &str, text: &str) {
    let t = std::fs::read_to_string(path).unwrap();
    let at = t
        .find(&format!("\n{before}"))
        .unwrap_or_else(|| panic!("{} has no {before}", path.display()))
        + 1;
    let mut t = t;
    t.insert_str(at, text);
    std::fs::write(path, t).unwrap();
}

fn append(path: &std::path::Path, text: &str) {
    let mut t = std::fs::read_to_string(path).unwrap();
    t.push_str(text);
    std::fs::write(path, t).unwrap();
}

/// A workdir with the test county's model and the schemas exported to `s`.
fn exported() -> (Workdir, County) {
    let w = Workdir::new();
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    (w, county())
}

/// The county written out under `in`, with its registry, and the schemas
/// exported to `s`.
fn setup() -> (Workdir, County) {
    let (w, c) = exported();
    write_county(&w, &c, "in");
    registry(&w, &c);
    (w, c)
}

fn aggregate(w: &Workdir) {
    let r = w.run(&[
        "aggregate",
        "in",
        "--period",
        "2026Q3",
        "--registry",
        "registry.xlsx",
        "--schemas",
        "s",
        "-o",
        "out",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Add a column: 联席会议的应到、实到人次 in T2, and their rate (with its
/// numerator and denominator) in T4.
#[test]
fn howto_add_a_column() {
    let (w, c) = setup();
    append(
        &w.path("s/measures.toml"),
        r#"
[[measure]]
key = "joint_expected"
ledger = "meetings"
sum = "expected"
where = "type = '联席会议'"
period = "flow"

[[measure]]
key = "joint_attended"
ledger = "meetings"
sum = "attended"
where = "type = '联席会议'"
period = "flow"
"#,
    );
    let tables = w.path("s/tables.toml");
    insert_before(
        &tables,
        "[[table]]\nid = \"t3\"",
        r#"[[table.column]]
key = "joint_attended"
header = "联席会议实到人次"
en = "Joint meeting attendance"
def = "会议类型为联席会议的行的实到人数之和"

"#,
    );
    insert_before(
        &tables,
        "[[table]]\nid = \"t5\"",
        r#"[[table.column]]
key = "joint_attendance_rate"
header = "联席会议出席率"
en = "Joint meeting attendance rate"
def = "联席会议实到人次 ÷ 应到人次"
rate = ["joint_attended", "joint_expected"]
parts = true

"#,
    );
    aggregate(&w);
    let t2 = read_csv(&w.path("out/tables/t2_meetings.csv"));
    let t4 = read_csv(&w.path("out/tables/t4_rates.csv"));
    let joint = |code: Option<&str>| -> (f64, f64) {
        let mut e = 0.0;
        let mut a = 0.0;
        for cm in c
            .communities
            .iter()
            .filter(|m| code.is_none_or(|k| m.code == k))
        {
            for m in cm.meetings.iter().filter(|m| m.kind == "联席会议") {
                e += m.expected as f64;
                a += m.attended as f64;
            }
        }
        (e, a)
    };
    let mut seen = 0;
    for (r2, r4) in t2.iter().zip(&t4) {
        assert_eq!(r2["code"], r4["code"]);
        let code = r2["code"].as_str();
        let (e, a) = match r2["level"].as_str() {
            "community" => joint(Some(code)),
            _ => joint(None),
        };
        assert_eq!(num(r2, "joint_attended"), a, "{code}");
        assert_eq!(num(r4, "joint_attendance_rate_num"), a, "{code}");
        assert_eq!(num(r4, "joint_attendance_rate_den"), e, "{code}");
        assert!(e > 0.0, "the county holds joint meetings");
        let rate = num(r4, "joint_attendance_rate");
        assert!((rate - a / e).abs() < 1e-6, "{code}: {rate} ≠ {a}/{e}");
        seen += 1;
    }
    assert_eq!(
        seen,
        1 + 1 + c.communities.len(),
        "county, street, communities"
    );
    // The new columns stand after the ones before them, with their headers,
    // in report.xlsx and summary.json too.
    let h2 = std::fs::read_to_string(w.path("out/tables/t2_meetings.csv")).unwrap();
    let head = h2.lines().next().unwrap();
    assert!(
        head.ends_with("units_active,joint_attended"),
        "T2 header: {head}"
    );
    let summary = std::fs::read_to_string(w.path("out/summary.json")).unwrap();
    assert!(summary.contains("\"joint_attendance_rate_den\""));
}

/// Add a chart: the new rate by street, on report.xlsx's 图表 sheet (cells
/// linked to T4) and in the HTML summary.
#[test]
fn howto_add_a_chart() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let (w, c) = setup();
    append(
        &w.path("s/tables.toml"),
        r#"
[[chart]]
table = "t2"
rows = "children"
columns = ["meetings", "joint"]
title = "各{by}会议总数与联席会议次数（{scope}：{meetings} 次）"
"#,
    );
    aggregate(&w);
    let texts = sheet_strings(&w.path("out/report.xlsx"), "图表");
    let mut wb: Xlsx<_> = open_workbook(w.path("out/report.xlsx")).unwrap();
    let sheet = wb.worksheet_range("图表").unwrap();
    assert!(
        texts.iter().any(|t| t == "各街道会议总数、联席会议"),
        "{texts:?}"
    );
    let t2 = read_csv(&w.path("out/tables/t2_meetings.csv"));
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let h = rows
        .iter()
        .position(|r| r.first() == Some(&Data::String("各街道会议总数、联席会议".into())))
        .unwrap();
    let number = |d: &Data| match d {
        Data::Float(x) => *x,
        Data::Int(x) => *x as f64,
        d => panic!("{d:?}"),
    };
    let mut seen = 0;
    for street in t2.iter().filter(|r| r["level"] == "street") {
        let at = rows[h + 2..]
            .iter()
            .take_while(|r| r.first().is_some_and(|d| *d != Data::Empty))
            .find(|r| r[0] == Data::String(street["name"].clone()))
            .expect("the street's row in the chart's block");
        assert_eq!(number(&at[1]), num(street, "meetings"), "linked to T2");
        assert_eq!(number(&at[2]), num(street, "joint"));
        seen += 1;
    }
    assert!(seen > 0);
    let r = w.run(&["report", "out", "--schemas", "s", "--format", "html"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let total: u32 = c
        .communities
        .iter()
        .map(|cm| cm.meetings.len() as u32)
        .sum();
    assert!(
        r.stdout.contains(&format!(
            "各街道会议总数与联席会议次数（{}：{total} 次）",
            c.name
        )),
        "the chart's title with the scope's figure"
    );
}

/// Add a table: 民生事项来源统计表 (T11), a row per organisation and 来源,
/// with a new breakdown of the issues ledger.
#[test]
fn howto_add_a_table() {
    let (w, c) = setup();
    append(
        &w.path("s/measures.toml"),
        r#"
[[breakdown]]
key = "sources"
ledger = "issues"
by = "COALESCE(source, '其他')"
measures = ["received", "resolved"]
"#,
    );
    insert_before(
        &w.path("s/tables.toml"),
        "# The headline figures",
        r#"[[table]]
id = "t11"
file = "t11_issue_sources"
title = "民生事项来源统计表"
title_en = "Livelihood issues by source"
sheet = "T11民生事项来源"
levels = ["county", "street", "community"]
by = "sources"

[[table.column]]
key = "source"
header = "来源"
en = "Source"
def = "民生事项来源，按模板顺序"
value = "category"

[[table.column]]
key = "received"
header = "受理数"
en = "Received"
def = "该来源的事项行数"

[[table.column]]
key = "resolved"
header = "已办结"
en = "Resolved"
def = "其中已办结"

[[table.column]]
key = "completion_rate"
header = "办结率"
en = "Completion rate"
def = "已办结 ÷ 受理数"
rate = ["resolved", "received"]

"#,
    );
    aggregate(&w);
    let t5 = read_csv(&w.path("out/tables/t11_issue_sources.csv"));
    assert!(w.path("out/tables/t11_issue_sources.parquet").exists());
    let sources = ["网格走访", "群众来访", "热线转办", "联席会议", "其他"];
    // One row per organisation (county, street, communities) and source.
    assert_eq!(t5.len(), (2 + c.communities.len()) * sources.len());
    let mut total = 0.0;
    for r in &t5 {
        let code = r["code"].as_str();
        let src = r["source"].as_str();
        assert!(sources.contains(&src), "{src}");
        let (mut rec, mut res) = (0.0, 0.0);
        for cm in c
            .communities
            .iter()
            .filter(|m| r["level"] != "community" || m.code == code)
        {
            for i in cm.issues.iter().filter(|i| i.source == src) {
                rec += 1.0;
                res += (i.status == "已办结") as u8 as f64;
            }
        }
        assert_eq!(num(r, "received"), rec, "{code} {src}");
        assert_eq!(num(r, "resolved"), res, "{code} {src}");
        match r["completion_rate"].as_str() {
            "" => assert_eq!(rec, 0.0, "{code} {src}: a blank rate has no denominator"),
            v => assert!((v.parse::<f64>().unwrap() - res / rec).abs() < 1e-6),
        }
        if r["level"] == "county" {
            total += rec;
        }
    }
    let all: usize = c.communities.iter().map(|m| m.issues.len()).sum();
    assert_eq!(
        total, all as f64,
        "every issue under one source at the county"
    );
    // The sheet of report.xlsx, right after T10's, the last table before it.
    let book: calamine::Xlsx<_> = calamine::open_workbook(w.path("out/report.xlsx")).unwrap();
    let names = calamine::Reader::sheet_names(&book);
    let t10 = names.iter().position(|n| n == "T10需求清单").unwrap();
    assert_eq!(names[t10 + 1], "T11民生事项来源", "{names:?}");
    let summary = std::fs::read_to_string(w.path("out/summary.json")).unwrap();
    assert!(summary.contains("\"t11\""));
    // 逐级汇总: a city aggregating the county's report.xlsx gets the same
    // county rows of T11 (they travel in its hidden _data_sources sheet).
    std::fs::create_dir(w.path("up")).unwrap();
    std::fs::copy(w.path("out/report.xlsx"), w.path("up/county.xlsx")).unwrap();
    let r = w.run(&[
        "aggregate",
        "up",
        "--period",
        "2026Q3",
        "--schemas",
        "s",
        "-o",
        "city",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let city = read_csv(&w.path("city/tables/t11_issue_sources.csv"));
    let county_rows: Vec<&Row> = t5.iter().filter(|r| r["level"] == "county").collect();
    for lv in ["city", "county"] {
        let rows: Vec<&Row> = city.iter().filter(|r| r["level"] == lv).collect();
        assert_eq!(rows.len(), sources.len(), "{lv}");
        for (a, b) in rows.iter().zip(&county_rows) {
            assert_eq!(a["source"], b["source"]);
            assert_eq!(
                num(a, "received"),
                num(b, "received"),
                "{lv} {}",
                a["source"]
            );
            assert_eq!(
                num(a, "resolved"),
                num(b, "resolved"),
                "{lv} {}",
                a["source"]
            );
        }
    }
}

/// Add a check with the generic field checks of a form: 议题 required, and
/// at most 10 解决问题数 per meeting. (A check of its own code and message
/// waits for rules as data; docs/howto.md says so.)
#[test]
fn howto_add_a_check() {
    use crate::support::book::{n, V};
    let (w, c) = exported();
    let p = w.path("s/meetings.toml");
    let t = std::fs::read_to_string(&p).unwrap();
    let t = t.replacen(
        "key = \"topic\"\nheader = \"议题\"\naliases = [\"主题\"]\ntype = \"text\"\n",
        "key = \"topic\"\nheader = \"议题\"\naliases = [\"主题\"]\ntype = \"text\"\nrequired = true\n",
        1,
    );
    assert!(t.contains("type = \"text\"\nrequired = true"));
    let at = t.find("key = \"resolved\"").unwrap();
    let mut t = t;
    let eol = at + t[at..].find('\n').unwrap() + 1;
    t.insert_str(eol, "max = 10\n");
    std::fs::write(&p, t).unwrap();
    let mut b = plain_community(&c);
    put(&mut b, "会议活动", "D2", V::E);
    put(&mut b, "会议活动", "G3", n(11.0));
    w.book("a.xlsx", &b);
    // With the embedded schemas both cells are fine.
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3"]);
    assert!(
        with_code(&d, "cell.required").is_empty() && with_code(&d, "cell.range").is_empty(),
        "{}",
        r.stdout
    );
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3", "--schemas", "s"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let req = expect_at(&d, "cell.required", "D2");
    assert_eq!(req["sheet"], "会议活动");
    let range = expect_at(&d, "cell.range", "G3");
    assert!(range["message"].as_str().unwrap().contains("10"), "{range}");
}

const OWN_CHECKS: &str = r#"
[[checks]]
code = "local.meeting.resolved_over_attended"
severity = "error"
field = "resolved"
assert = "resolved <= attended"
message = "解决问题数（{resolved}）多于实到人数（{attended}）"
message_en = "{resolved} issues resolved with only {attended} attending"

[[checks]]
code = "local.meeting.joint_topic"
severity = "warning"
field = "topic"
when = "type = '联席会议'"
assert = "topic IS NOT NULL AND length(topic) >= 4"
message = "联席会议的议题“{topic}”过短，请写明议题"
message_en = "the joint meeting's topic “{topic}” is too short"
levels = ["community"]
"#;

/// Add checks of the county's own: codes in `local.…`, a severity, SQL
/// conditions and messages showing the row's values, in meetings.toml.
#[test]
fn howto_add_a_check_of_your_own() {
    use crate::support::book::s as text;
    let (w, c) = exported();
    append(&w.path("s/meetings.toml"), OWN_CHECKS);
    let mut b = plain_community(&c);
    put(&mut b, "会议活动", "C2", text("联席会议"));
    put(&mut b, "会议活动", "D2", text("会议"));
    put(&mut b, "会议活动", "F3", crate::support::book::n(5.0));
    put(&mut b, "会议活动", "G3", crate::support::book::n(9.0));
    w.book("a.xlsx", &b);
    // The embedded schemas have neither check.
    let (_, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3"]);
    assert!(d
        .iter()
        .all(|d| !d["code"].as_str().unwrap().starts_with("local.")));
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3", "--schemas", "s"]);
    assert_eq!(
        r.code, 1,
        "an error of one's own fails the file: {}",
        r.stderr
    );
    let e = expect_at(&d, "local.meeting.resolved_over_attended", "G3");
    assert_eq!(e["severity"], "error");
    assert_eq!(e["sheet"], "会议活动");
    assert_eq!(e["message"], "解决问题数（9）多于实到人数（5）");
    let wn = expect_at(&d, "local.meeting.joint_topic", "D2");
    assert_eq!(wn["severity"], "warning");
    assert_eq!(wn["message"], "联席会议的议题“会议”过短，请写明议题");
    assert_eq!(
        with_code(&d, "local.meeting.resolved_over_attended").len(),
        1,
        "only the planted row"
    );
    let (_, d) = w.validate_json(&[
        "a.xlsx",
        "--period",
        "2026Q3",
        "--schemas",
        "s",
        "--lang",
        "en",
    ]);
    let e = expect_at(&d, "local.meeting.resolved_over_attended", "G3");
    assert_eq!(e["message"], "9 issues resolved with only 5 attending");
    // In 审核汇总: every meeting row checked, the planted one failed.
    let rules = w.check_rules(&["a.xlsx", "--period", "2026Q3", "--schemas", "s"]);
    let own = rules
        .iter()
        .find(|x| x["rule"] == "local.meeting.resolved_over_attended")
        .unwrap_or_else(|| panic!("no summary of the own check in {rules:?}"));
    assert_eq!(own["failed"], 1);
    assert_eq!(own["field"], "resolved");
    assert_eq!(own["checked"], c.communities[0].meetings.len());
    // Without the error, a warning alone leaves the file clean enough to aggregate.
    put(&mut b, "会议活动", "G3", crate::support::book::n(1.0));
    w.book("a.xlsx", &b);
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3", "--schemas", "s"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    expect_at(&d, "local.meeting.joint_topic", "D2");
}

/// Regression: a check of some levels only (`levels = ["community"]`)
/// counted a street's meeting rows in 审核汇总 as checked and passed,
/// though it never applies to them.
#[test]
fn regression_a_check_of_one_level_counts_no_rows_of_another() {
    let (w, c) = exported();
    append(&w.path("s/meetings.toml"), OWN_CHECKS);
    w.book("in/a.xlsx", &plain_community(&c));
    w.book(
        "in/st.xlsx",
        &crate::support::county::street_book(&c, &c.streets[0], &Hand::plain()),
    );
    let rules = w.check_rules(&["in", "--period", "2026Q3", "--schemas", "s"]);
    let of = |code: &str| -> Vec<String> {
        rules
            .iter()
            .filter(|x| x["rule"] == code)
            .map(|x| x["level"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        of("local.meeting.joint_topic"),
        vec!["community"],
        "{rules:?}"
    );
    let mut all = of("local.meeting.resolved_over_attended");
    all.sort();
    assert_eq!(all, vec!["community", "street"], "a check of every level");
}

/// Compare a date with a date written as text, the way a cell's date may
/// be written (`date >= '2026/8/1'`, `'2026年8月1日'`, `BETWEEN`, `IN`),
/// in a check of one's own: each spelling flags the rows the county model
/// says, and `DATE '…'` prints no notice of polars' on standard error.
#[test]
fn howto_compare_with_a_date() {
    let (w, c) = exported();
    w.book("a.xlsx", &plain_community(&c));
    let good = std::fs::read_to_string(w.path("s/meetings.toml")).unwrap();
    let meetings = &c.communities[0].meetings;
    // The rows a condition over a meeting's date leaves unmet, as cells of
    // its date column (B, after 序号).
    let unmet = |holds: &dyn Fn((u16, u8, u8)) -> bool| -> Vec<String> {
        let mut v: Vec<String> = meetings
            .iter()
            .enumerate()
            .filter(|(_, m)| !holds(m.date))
            .map(|(i, _)| format!("B{}", i + 2))
            .collect();
        v.sort();
        v
    };
    let first = meetings[0].date;
    let from_august = |d: (u16, u8, u8)| d >= (2026, 8, 1);
    let cases: Vec<(String, Vec<String>)> = vec![
        ("date >= '2026/8/1'".into(), unmet(&from_august)),
        ("date >= DATE '2026-08-01'".into(), unmet(&from_august)),
        ("date >= DATE('2026年8月1日')".into(), unmet(&from_august)),
        ("NOT ('2026年8月1日' > date)".into(), unmet(&from_august)),
        (
            "date BETWEEN '2026-08-01' AND '20260915'".into(),
            unmet(&|d| from_august(d) && d <= (2026, 9, 15)),
        ),
        (
            format!("date IN ('{}-{}-{}')", first.0, first.1, first.2),
            unmet(&|d| d == first),
        ),
        (
            format!("date NOT IN ('{}.{}.{}')", first.0, first.1, first.2),
            unmet(&|d| d != first),
        ),
    ];
    for (assert, want) in cases {
        assert!(
            !want.is_empty() && want.len() < meetings.len(),
            "{assert}: {want:?}"
        );
        std::fs::write(
            w.path("s/meetings.toml"),
            format!(
                "{good}\n[[checks]]\ncode = \"local.meeting.early\"\nseverity = \"warning\"\nfield = \"date\"\nassert = \"{assert}\"\nmessage = \"会议日期 {{date}} 不合要求\"\nmessage_en = \"meeting on {{date}}\"\n"
            ),
        )
        .unwrap();
        let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3", "--schemas", "s"]);
        assert_eq!(r.code, 0, "{assert}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{assert}: {}", r.stderr);
        let mut got: Vec<String> = with_code(&d, "local.meeting.early")
            .iter()
            .map(|x| x["cell"].as_str().unwrap().to_string())
            .collect();
        got.sort();
        assert_eq!(got, want, "{assert}");
    }
}

const SHEET_CHECKS: &str = r#"
[[checks]]
code = "local.cover.paired_units_blank"
severity = "warning"
field = "paired_units"
when = "registry.units > 0"
assert = "paired_units IS NOT NULL"
message = "名录中有 {registry.units} 个驻区单位与本社区结对，请填写结对单位数"
message_en = "the registry pairs {registry.units} units with this community: fill in 结对单位数"

[[checks]]
code = "local.cover.resolved_over_received"
severity = "warning"
field = "issues"
when = "issues.rows > 0"
assert = "meetings.resolved <= 2 * issues.rows"
message = "会议解决问题数合计 {meetings.resolved}，超过民生事项受理数 {issues.rows} 的两倍，请核实"
message_en = "meetings resolved {meetings.resolved} issues, more than twice the {issues.rows} received"
"#;

/// Add checks between the sheets of one submission, in the cover's schema:
/// a cover figure required when the registry pairs units with the
/// community, and one ledger's sum against another's rows, flagged on a
/// sheet.
#[test]
fn howto_add_a_check_between_sheets() {
    use crate::support::book::{n, V};
    let (w, c) = exported();
    registry(&w, &c);
    append(&w.path("s/cover_community.toml"), SHEET_CHECKS);
    let cm = &c.communities[0];
    assert!(
        cm.paired_units > 0,
        "the model pairs units with the community"
    );
    let mut b = plain_community(&c);
    put(&mut b, "封面", "B11", V::E);
    put(&mut b, "会议活动", "G3", n(1000.0));
    w.book("a.xlsx", &b);
    let resolved: u32 =
        cm.meetings.iter().map(|m| m.resolved).sum::<u32>() - cm.meetings[1].resolved + 1000;
    let args = [
        "a.xlsx",
        "--period",
        "2026Q3",
        "--registry",
        "registry.xlsx",
        "--schemas",
        "s",
    ];
    let (r, d) = w.validate_json(&args);
    assert_eq!(r.code, 0, "warnings only: {}", r.stdout);
    let p = expect_at(&d, "local.cover.paired_units_blank", "B11");
    assert_eq!(p["sheet"], "封面");
    assert_eq!(p["severity"], "warning");
    assert_eq!(
        p["message"],
        format!(
            "名录中有 {} 个驻区单位与本社区结对，请填写结对单位数",
            cm.paired_units
        )
    );
    let o = expect_code(&d, "local.cover.resolved_over_received");
    assert_eq!(o["sheet"], "民生事项");
    assert!(o["cell"].is_null(), "a sheet, no cell: {o}");
    assert_eq!(
        o["message"],
        format!(
            "会议解决问题数合计 {resolved}，超过民生事项受理数 {} 的两倍，请核实",
            cm.issues.len()
        )
    );
    // Without a registry, registry.units is NULL: not judged.
    let (_, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3", "--schemas", "s"]);
    assert!(with_code(&d, "local.cover.paired_units_blank").is_empty());
    // The workbook as the county wrote it passes both.
    w.book("a.xlsx", &plain_community(&c));
    let (_, d) = w.validate_json(&args);
    assert!(
        d.iter()
            .all(|x| !x["code"].as_str().unwrap().starts_with("local.")),
        "{d:?}"
    );
    // A name neither the cover's nor a ledger's stops the run at load.
    let p = w.path("s/cover_community.toml");
    let t = std::fs::read_to_string(&p).unwrap();
    for (from, to, named) in [
        ("issues.rows > 0", "isues.rows > 0", "isues"),
        ("meetings.resolved <=", "meetings.solved <=", "solved"),
        ("field = \"issues\"", "field = \"isues\"", "isues"),
    ] {
        std::fs::write(&p, t.replacen(from, to, 1)).unwrap();
        let r = w.run(&["validate", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
        assert_eq!(r.code, 2, "{to}: {}", r.stderr);
        assert!(
            r.stderr.contains("cover_community.toml") && r.stderr.contains(named),
            "{}",
            r.stderr
        );
    }
}

const AUDITS: &str = r#"
[[unique]]
code = "local.unit_member_twice"
severity = "warning"
ledger = "unit_members"
key = "id_number"
message = "此党员也在其他单位的报到党员名单上：{others}"
message_en = "this member is also on another unit's list: {others}"

[[previous]]
code = "local.meetings_fell"
severity = "warning"
counts = ["meetings"]
levels = ["community"]
when = "before > 0"
assert = "now >= before / 2"
message = "{header}由上期 {before} 降为 {now}（{change}），不足上期一半"
message_en = "{header} fell from {before} to {now} ({change}), below half"
"#;

/// Add rules across submissions and against the previous period, in
/// audits.toml: one member on the lists of two units, and a community's
/// meetings falling below half of last quarter's.
#[test]
fn howto_add_a_rule_across_submissions_and_periods() {
    let (w, c) = setup();
    last_quarter_output(&w, &c, "before");
    append(&w.path("s/audits.toml"), AUDITS);
    let mut c2 = c.clone();
    c2.units[1].members[0] = c.units[0].members[0].clone();
    let before = c.communities[0].meetings.len();
    c2.communities[0].meetings.truncate(1);
    w.book(
        &format!("in/{}.xlsx", c2.units[1].code),
        &crate::support::county::unit_book(&c2, &c2.units[1], &Hand::plain()),
    );
    w.book(
        &format!("in/{}.xlsx", c2.communities[0].code),
        &crate::support::county::community_book(&c2, &c2.communities[0], &Hand::plain()),
    );
    let run = |extra: &[&str]| {
        let mut a = vec![
            "check",
            "in",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "--schemas",
            "s",
            "--format",
            "json",
        ];
        a.extend_from_slice(extra);
        let r = w.run(&a);
        assert!(r.code <= 1, "{}", r.stderr);
        r.json()["diagnostics"].as_array().unwrap().clone()
    };
    let d = run(&["--previous", "before"]);
    let twice = with_code(&d, "local.unit_member_twice");
    assert_eq!(twice.len(), 2, "once in each unit's file: {}", pretty(&d));
    for x in &twice {
        assert_eq!(x["cell"], "C2");
        assert_eq!(x["severity"], "warning");
        assert!(!x.to_string().contains(&c.units[0].members[0].id), "masked");
    }
    let first = twice
        .iter()
        .find(|x| x["file"].as_str().unwrap().contains(&c.units[0].code))
        .expect("unit 0's file");
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .contains(&c.units[1].code),
        "{first}"
    );
    let fell = expect_code(&d, "local.meetings_fell");
    assert_eq!(fell["org_code"], c.communities[0].code);
    assert_eq!(fell["sheet"], "会议活动");
    let change = format!("{:+.1}%", (1.0 - before as f64) / before as f64 * 100.0);
    assert_eq!(
        fell["message"],
        format!("会议总数由上期 {before} 降为 1（{change}），不足上期一半")
    );
    assert_eq!(
        with_code(&d, "local.meetings_fell").len(),
        1,
        "only the planted community"
    );
    // Without --previous there is nothing to compare.
    let d = run(&[]);
    assert!(with_code(&d, "local.meetings_fell").is_empty());
    // A count no table has, or a requirement that does not exist, stops the run.
    let p = w.path("s/audits.toml");
    let t = std::fs::read_to_string(&p).unwrap();
    for (from, to, named) in [
        (
            "counts = [\"meetings\"]",
            "counts = [\"meeting\"]",
            "meeting",
        ),
        ("now >= before / 2", "now >= before * {half}", "half"),
        // A text against the counts: before, found only in a run with
        // --previous, in polars' words.
        ("now >= before / 2", "now >= 'half'", "local.meetings_fell"),
        (
            "key = \"id_number\"\nmessage = \"此党员",
            "key = \"id\"\nmessage = \"此党员",
            "`id`",
        ),
    ] {
        std::fs::write(&p, t.replacen(from, to, 1)).unwrap();
        let r = w.run(&["check", "in", "--period", "2026Q3", "--schemas", "s"]);
        assert_eq!(r.code, 2, "{to}: {}", r.stderr);
        assert!(
            r.stderr.contains("audits.toml") && r.stderr.contains("第 "),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains(named), "{named}: {}", r.stderr);
    }
}

/// Add a target (考核项): service of at least `service_per_member` per
/// registered member, a number of the county's own in requirements.toml;
/// the warning, the below-target line of `report`, and a T1 column
/// counting the communities that meet it.
#[test]
fn howto_add_a_target() {
    let (w, c) = setup();
    // Each community's service per member; the requirement between the
    // least and the most, so that some meet it and some do not.
    let ratio = |cm: &crate::support::county::Community| {
        let sc: u32 = cm.members.iter().map(|m| m.service_count).sum();
        (sc as f64, cm.members.len() as f64)
    };
    let mut ratios: Vec<f64> = c
        .communities
        .iter()
        .map(|cm| {
            let (s, n) = ratio(cm);
            s / n
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let per = ((ratios[0] + ratios[ratios.len() - 1]) / 2.0 * 10.0).round() / 10.0;
    insert_before(
        &w.path("s/requirements.toml"),
        "[[meetings]]",
        &format!("# 每名报到党员本期至少服务的次数（本县自定）。\nservice_per_member = {{ month = 1, quarter = {per}, year = 8 }}\n\n"),
    );
    append(
        &w.path("s/audits.toml"),
        r#"
[[target]]
key = "service"
code = "local.target.service_below"
severity = "warning"
level = "community"
figure = "service_count"
minimum = "CEIL(registered_members * {service_per_member})"
sheet = "roster"
message = "{name}本期服务 {figure} 次，低于每名报到党员 {service_per_member} 次的要求（{minimum} 次）"
message_en = "{name} served {figure} times, below {service_per_member} per registered member ({minimum})"
listed = "{name}（{code}）：服务 {figure} 次，要求不少于 {minimum} 次"
listed_en = "{name} ({code}): served {figure} times, at least {minimum} required"
"#,
    );
    append(
        &w.path("s/measures.toml"),
        r#"
[[measure]]
key = "communities_serving"
of = "organisations"
level = "community"
meets = "service"
period = "judged"
"#,
    );
    insert_before(
        &w.path("s/tables.toml"),
        "[[table]]\nid = \"t2\"",
        r#"[[table.column]]
key = "communities_serving"
header = "服务达标社区数"
en = "Communities serving enough"
def = "本期服务次数达到每名报到党员要求次数的社区数"

"#,
    );
    aggregate(&w);
    let d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/diagnostics.json")).unwrap())
            .unwrap();
    let d = d["diagnostics"].as_array().unwrap().clone();
    let t1 = read_csv(&w.path("out/tables/t1_registrations.csv"));
    let mut failing = 0;
    for cm in &c.communities {
        let (sc, n) = ratio(cm);
        let minimum = (n * per).ceil();
        let meets = sc >= minimum;
        let row = t1
            .iter()
            .find(|r| r["code"] == cm.code)
            .expect("a community row");
        assert_eq!(
            num(row, "communities_serving"),
            meets as u8 as f64,
            "{}",
            cm.code
        );
        let mine: Vec<_> = with_code(&d, "local.target.service_below")
            .into_iter()
            .filter(|x| x["org_code"] == cm.code)
            .collect();
        if meets {
            assert!(mine.is_empty(), "{}: {mine:?}", cm.code);
            continue;
        }
        failing += 1;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["sheet"], "在职党员报到");
        assert_eq!(
            mine[0]["message"],
            format!(
                "{}本期服务 {sc} 次，低于每名报到党员 {per} 次的要求（{minimum} 次）",
                cm.name
            )
        );
    }
    assert!(
        failing > 0 && failing < c.communities.len(),
        "some meet it, some do not"
    );
    let total: f64 = t1
        .iter()
        .filter(|r| r["level"] == "community")
        .map(|r| num(r, "communities_serving"))
        .sum();
    assert_eq!(
        num(&t1[0], "communities_serving"),
        total,
        "the county sums its communities"
    );
    // `report` lists the shortfalls with the target's own line.
    let r = w.run(&["report", "out", "--schemas", "s"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let cm = c
        .communities
        .iter()
        .find(|cm| {
            let (s, n) = ratio(cm);
            s < (n * per).ceil()
        })
        .unwrap();
    assert!(
        r.stdout
            .contains(&format!("{}（{}）：服务 ", cm.name, cm.code)),
        "{}",
        r.stdout
    );
    // A target naming an unknown count, or a `meets` naming no target,
    // stops the run at load.
    let a = w.path("s/audits.toml");
    let t = std::fs::read_to_string(&a).unwrap();
    std::fs::write(
        &a,
        t.replacen(
            "figure = \"service_count\"",
            "figure = \"service_counts\"",
            1,
        ),
    )
    .unwrap();
    let r = w.run(&["check", "in", "--period", "2026Q3", "--schemas", "s"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("audits.toml") && r.stderr.contains("service_counts"),
        "{}",
        r.stderr
    );
    std::fs::write(&a, t.replacen("key = \"service\"", "key = \"services\"", 1)).unwrap();
    let r = w.run(&["check", "in", "--period", "2026Q3", "--schemas", "s"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("communities_serving") && r.stderr.contains("service"),
        "{}",
        r.stderr
    );
}

const OWN_FORM: &str = r#"# 志愿服务: the county's own form
name = "volunteer"
title = "志愿服务"
kind = "ledger"
aliases = ["志愿服务台账"]
optional_for = ["community"]
ignored_columns = ["序号", "备注"]

[[fields]]
key = "date"
header = "日期"
type = "date"
required = true
within = "period"

[[fields]]
key = "activity"
header = "活动内容"
type = "text"
required = true

[[fields]]
key = "volunteers"
header = "志愿者人数"
type = "integer"
min = 0
default = "0"

[[checks]]
code = "local.volunteer.too_many"
severity = "warning"
field = "volunteers"
assert = "volunteers <= 500"
message = "志愿者人数 {volunteers} 超过 500，请核实"
message_en = "{volunteers} volunteers is over 500: check it"
"#;

/// Add a form: a county's own 志愿服务 ledger, declared in a schema file of
/// its own, counted by two measures into two T2 columns, with a check of
/// its own. It arrives as a sheet of one community's workbook and as a CSV
/// export for the other; the community template carries its sheet.
#[test]
fn howto_add_a_form() {
    use crate::support::book::{n, s as text, SheetSpec};
    use calamine::Reader;
    let (w, c) = setup();
    w.write("s/volunteer.toml", OWN_FORM);
    append(
        &w.path("s/measures.toml"),
        r#"
[[measure]]
key = "volunteer_rows"
ledger = "volunteer"
period = "flow"

[[measure]]
key = "volunteer_people"
ledger = "volunteer"
sum = "volunteers"
period = "flow"
"#,
    );
    insert_before(
        &w.path("s/tables.toml"),
        "[[table]]\nid = \"t3\"",
        r#"[[table.column]]
key = "volunteer_rows"
header = "志愿服务次数"
en = "Volunteer activities"
def = "志愿服务台账的行数"

[[table.column]]
key = "volunteer_people"
header = "志愿服务人次"
en = "Volunteers"
def = "志愿服务台账志愿者人数之和"

"#,
    );
    // The first community keeps the sheet in its workbook …
    let (a, b) = (&c.communities[0], &c.communities[1]);
    let mut book = crate::support::county::community_book(&c, a, &Hand::plain());
    book.insert(
        book.len() - 1,
        SheetSpec::new("志愿服务")
            .row(vec![
                text("序号"),
                text("日期"),
                text("活动内容"),
                text("志愿者人数"),
            ])
            .row(vec![n(1), text("2026-07-05"), text("清扫街巷"), n(12)])
            .row(vec![n(2), text("2026-08-09"), text("义诊"), n(30)]),
    );
    w.book(&format!("in/{}.xlsx", a.code), &book);
    // … the second sends an export of it, its rows naming the submitter.
    w.write(
        "in/志愿服务.csv",
        format!(
            "单位代码,日期,活动内容,志愿者人数\n{0},2026-07-20,助老,8\n{0},2026-09-01,运动会服务,600\n",
            b.code
        ),
    );
    let r = w.run(&[
        "template",
        "--kind",
        "community",
        "--schemas",
        "s",
        "-o",
        "t.xlsx",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sheets = calamine::open_workbook_auto(w.path("t.xlsx"))
        .unwrap()
        .sheet_names();
    assert!(
        sheets.iter().any(|s| s == "志愿服务"),
        "the template carries the county's form: {sheets:?}"
    );
    aggregate(&w);
    let t2 = read_csv(&w.path("out/tables/t2_meetings.csv"));
    let want = |code: &str| -> (f64, f64) {
        if code == a.code {
            (2.0, 42.0)
        } else if code == b.code {
            (2.0, 608.0)
        } else if c.communities.iter().any(|m| m.code == code) {
            (0.0, 0.0)
        } else {
            (4.0, 650.0)
        }
    };
    let mut seen = 0;
    for r in t2.iter().filter(|r| r["level"] != "unit") {
        let (rows, people) = want(&r["code"]);
        assert_eq!(num(r, "volunteer_rows"), rows, "{}", r["code"]);
        assert_eq!(num(r, "volunteer_people"), people, "{}", r["code"]);
        seen += 1;
    }
    assert_eq!(
        seen,
        1 + 1 + c.communities.len(),
        "county, street, communities"
    );
    // The check of its own, on the CSV's row, as a warning that leaves the
    // file in the tables.
    let diags: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/diagnostics.json")).unwrap())
            .unwrap();
    let own = with_code(
        diags["diagnostics"].as_array().unwrap(),
        "local.volunteer.too_many",
    );
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0]["severity"], "warning");
    assert_eq!(own[0]["row"], 3);
    assert!(own[0]["file"].as_str().unwrap().ends_with("志愿服务.csv"));
    assert_eq!(own[0]["message"], "志愿者人数 600 超过 500，请核实");
    // The embedded schemas know no such form.
    let r = w.run(&["schema", "show", "volunteer", "--schemas", "s"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("志愿者人数"), "{}", r.stdout);
    assert_ne!(w.run(&["schema", "show", "volunteer"]).code, 0);
}

/// The county's own form across periods: three months' outputs rolled up
/// into the quarter add up a `flow` measure and take a `stock` measure at
/// the quarter's end, as measures.toml declares each; the months' inputs
/// are CSV exports alone.
#[test]
fn a_countys_own_form_rolls_up_by_each_measures_period() {
    let (w, c) = exported();
    registry(&w, &c);
    w.write("s/volunteer.toml", OWN_FORM);
    append(
        &w.path("s/measures.toml"),
        r#"
[[measure]]
key = "volunteer_people"
ledger = "volunteer"
sum = "volunteers"
period = "flow"

[[measure]]
key = "volunteer_teams"
ledger = "volunteer"
period = "stock"
"#,
    );
    insert_before(
        &w.path("s/tables.toml"),
        "[[table]]\nid = \"t3\"",
        r#"[[table.column]]
key = "volunteer_people"
header = "志愿服务人次"
en = "Volunteers"
def = "志愿服务台账志愿者人数之和"

[[table.column]]
key = "volunteer_teams"
header = "志愿服务队数"
en = "Volunteer teams"
def = "期末志愿服务台账的行数"

"#,
    );
    let (a, b) = (&c.communities[0].code, &c.communities[1].code);
    // Per month: a's people and rows, b's people and rows.
    let months = [
        (7u8, (10.0, 1), (2.0, 1)),
        (8, (20.0, 2), (0.0, 0)),
        (9, (5.0, 1), (7.0, 2)),
    ];
    for (m, (pa, na), (pb, nb)) in months {
        let mut csv = String::from("单位代码,日期,活动内容,志愿者人数\n");
        for (code, people, n) in [(a, pa, na), (b, pb, nb)] {
            for k in 0..n {
                let v = if k == 0 { people } else { 0.0 };
                csv.push_str(&format!("{code},2026-{m:02}-1{k},服务,{v}\n"));
            }
        }
        w.write(&format!("in{m}/志愿服务.csv"), csv);
        let r = w.aggregate_month(m, &["--schemas", "s"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = w.rollup(&["m7", "m8", "m9"], "2026Q3", "q3", &["--schemas", "s"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let t2 = read_csv(&w.path("q3/tables/t2_meetings.csv"));
    let row = |code: &str| t2.iter().find(|r| r["code"] == code).unwrap();
    assert_eq!(num(row(a), "volunteer_people"), 35.0);
    assert_eq!(num(row(a), "volunteer_teams"), 1.0, "a's September rows");
    assert_eq!(num(row(b), "volunteer_people"), 9.0);
    assert_eq!(num(row(b), "volunteer_teams"), 2.0, "b's September rows");
    let county = t2.iter().find(|r| r["level"] == "county").unwrap();
    assert_eq!(num(county, "volunteer_people"), 44.0);
    assert_eq!(num(county, "volunteer_teams"), 3.0);
}

/// A check naming a field the form lacks, an own code without severity, a
/// code that is neither built-in nor local, a message showing an unknown
/// field, or a condition that does not fit its fields' types stops the run
/// at load with the file and line.
#[test]
fn a_broken_check_stops_the_run() {
    let (w, c) = exported();
    w.book("a.xlsx", &plain_community(&c));
    let p = w.path("s/meetings.toml");
    let good = std::fs::read_to_string(&p).unwrap();
    for (from, to, named) in [
        (
            "assert = \"resolved <= attended\"",
            "assert = \"resolved <= atended\"",
            "atended",
        ),
        ("severity = \"error\"\n", "", "severity"),
        (
            "code = \"local.meeting.joint_topic\"",
            "code = \"meeting.joint_topic\"",
            "local.",
        ),
        (
            "多于实到人数（{attended}）",
            "多于实到人数（{attendance}）",
            // Said as the message's, not as a condition's.
            "消息中的 `{attendance}` 既不是 `meetings` 的字段",
        ),
        // A text compared with a number: before, said on every file as a
        // warning that the check could not be computed.
        (
            "assert = \"resolved <= attended\"",
            "assert = \"topic <= attended\"",
            "local.meeting.resolved_over_attended",
        ),
    ] {
        let edited = format!("{good}{}", OWN_CHECKS.replacen(from, to, 1));
        std::fs::write(&p, &edited).unwrap();
        let r = w.run(&["validate", "a.xlsx", "--schemas", "s", "--period", "2026Q3"]);
        assert_eq!(r.code, 2, "{to}: {}", r.stderr);
        assert!(
            r.stderr.contains("meetings.toml") && r.stderr.contains("第 "),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains(named), "{named}: {}", r.stderr);
    }
}

/// `levels` of a table set to county and communities (T4 without street
/// rows): its two `rows = "children"` charts were left out of report.xlsx
/// and the HTML summary with no word, as no row sat right under the
/// county. They now chart the highest level the table has below it, the
/// communities, named so in their titles. A chart of one level the table
/// leaves out (T1's communities, T1 without them) stops the load at the
/// chart.
#[test]
fn regression_a_childrens_chart_of_a_table_without_street_rows_charts_its_communities() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let (w, c) = setup();
    let p = w.path("s/tables.toml");
    let good = std::fs::read_to_string(&p).unwrap();
    let set_levels = |id: &str, levels: &str| {
        let at = good.find(&format!("id = \"{id}\"\n")).unwrap();
        let from = at + good[at..].find("levels = [").unwrap();
        let to = from + good[from..].find('\n').unwrap();
        format!("{}levels = {levels}{}", &good[..from], &good[to..])
    };
    std::fs::write(&p, set_levels("t1", "[\"county\", \"street\"]")).unwrap();
    let r = w.run(&["schema", "show", "tables", "--schemas", "s"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("图表的 rows = \"community\"，而表 `t1` 没有这一级的行"),
        "{}",
        r.stderr
    );
    std::fs::write(&p, set_levels("t4", "[\"county\", \"community\"]")).unwrap();
    aggregate(&w);
    let t4 = read_csv(&w.path("out/tables/t4_rates.csv"));
    assert!(t4.iter().all(|r| r["level"] != "street"));
    let mut wb: Xlsx<_> = open_workbook(w.path("out/report.xlsx")).unwrap();
    let sheet = wb.worksheet_range("图表").unwrap();
    let firsts: Vec<String> = sheet
        .rows()
        .filter_map(|r| match r.first() {
            Some(Data::String(s)) => Some(s.clone()),
            _ => None,
        })
        .collect();
    // The block's first column: each community of T4, under its header.
    let h = firsts
        .iter()
        .position(|t| t.starts_with("各社区") && t.contains("办结率"))
        .unwrap_or_else(|| panic!("{firsts:?}"));
    for cm in &c.communities {
        assert!(firsts[h..].contains(&cm.name), "{}: {firsts:?}", cm.name);
    }
    let r = w.run(&["report", "out", "--schemas", "s", "--format", "html"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("各社区办结率与满意率"), "{}", r.stdout);
    assert!(r.stdout.contains("各社区报送率"), "{}", r.stdout);
}

/// `minimum = 30` in a county's [[target]], as a statistician writes a
/// number, stopped the load with "类型不对：写的是整数 30，应为加引号的文本".
/// A bare number is now read as the same SQL as `"30"`: at the least
/// meetings any community held nobody is flagged, one more and each
/// community holding the least is, alike either way.
#[test]
fn regression_a_targets_minimum_written_as_a_bare_number_is_read() {
    let (w, c) = setup();
    let good = std::fs::read_to_string(w.path("s/audits.toml")).unwrap();
    let least = c
        .communities
        .iter()
        .map(|cm| cm.meetings.len())
        .min()
        .unwrap();
    let short = c
        .communities
        .iter()
        .filter(|cm| cm.meetings.len() == least)
        .count();
    for (minimum, flagged) in [(least, false), (least + 1, true)] {
        let mut said = Vec::new();
        for written in [format!("{minimum}"), format!("\"{minimum}\"")] {
            std::fs::write(
                w.path("s/audits.toml"),
                format!(
                    "{good}\n[[target]]\nkey = \"meetings_min\"\ncode = \"local.meetings_low\"\nseverity = \"warning\"\nlevel = \"community\"\nfigure = \"meetings\"\nminimum = {written}\nsheet = \"meetings\"\nmessage = \"{{name}}会议 {{figure}} 次，少于 {{minimum}} 次\"\nmessage_en = \"x\"\nlisted = \"{{name}}\"\nlisted_en = \"{{name}}\"\n"
                ),
            )
            .unwrap();
            let r = w.run(&["check", "in", "--period", "2026Q3", "--schemas", "s"]);
            assert_ne!(r.code, 2, "{written}: {}", r.stderr);
            let lines: Vec<&str> = r
                .stdout
                .lines()
                .filter(|l| l.contains("local.meetings_low"))
                .collect();
            said.push(lines.len());
            let text = format!("会议 {least} 次，少于 {minimum} 次");
            assert_eq!(
                lines.iter().filter(|l| l.contains(&text)).count(),
                if flagged { short } else { 0 },
                "{written}: {}",
                r.stdout
            );
        }
        assert_eq!(said[0], said[1], "{minimum}");
    }
}
