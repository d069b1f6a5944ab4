//! Tolerant reading, forms.md §6: every habit of a hand-filled workbook is
//! read as a careful clerk would, and problems are still found at the cell
//! a person sees.

use crate::support::book::{break_id, make_id, n, s, SheetSpec, V};
use crate::support::county::{community_book, registry_book, unit_book, Hand};
use crate::workdir::*;

/// Every messy hand the generator knows validates clean.
#[test]
fn every_messy_hand_reads_clean() {
    let w = Workdir::new();
    let c = county();
    let reg = registry(&w, &c);
    for k in 0..16 {
        let mut hand = Hand::messy(k);
        hand.extra_sheet = false;
        w.book(
            &format!("in/c{k}.xlsx"),
            &community_book(&c, &c.communities[k % 2], &hand),
        );
        w.book(
            &format!("in/u{k}.xlsx"),
            &unit_book(&c, &c.units[k % 2], &hand),
        );
    }
    let (r, d) = w.validate_json(&["in", "--period", "2026Q3", "--registry", &reg]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);
    assert_eq!(r.json()["summary"]["files"], 32);
}

/// Title rows, a 填报单位 line, a two-row merged header and a 栏次 row move
/// the data down; cells are still named as Excel shows them.
#[test]
fn cells_are_named_as_excel_shows_them_below_title_rows() {
    let w = Workdir::new();
    let c = county();
    let hand = Hand {
        title_rows: true,
        merged_header: true,
        column_numbers: true,
        ..Hand::plain()
    };
    let mut b = community_book(&c, &c.communities[0], &hand);
    // Rows: 1 title, 2 填报单位, 3 blank, 4–5 header, 6 栏次, data from 7.
    let id = c.communities[0].members[1].id.clone();
    put(&mut b, "在职党员报到", "C8", s(break_id(&id)));
    put(&mut b, "会议活动", "F7", n(999));
    w.book("a.xlsx", &b);
    let (_, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3"]);
    let x = expect_at(&d, "id.checksum", "C8");
    assert_eq!(x["row"], 8);
    expect_at(&d, "meeting.attendance_exceeds_expected", "F7");
    assert_eq!(d.len(), 2, "{}", pretty(&d));
}

/// A group header over sub-headers: matched by the lowest cell, or joined
/// (本期服务 + 次数 → 本期服务次数) when the lowest alone is unknown; with or
/// without merge information.
#[test]
fn merged_group_headers_joined_bottom_up() {
    let w = Workdir::new();
    let c = county();
    let hand = Hand {
        merged_header: true,
        aliases: true,
        ..Hand::plain()
    };
    let b = community_book(&c, &c.communities[0], &hand);
    let roster = b.iter().find(|s| s.name == "在职党员报到").unwrap();
    assert!(
        matches!(&roster.rows[1][8], V::S(t) if t == "次数"),
        "fixture has a bare sub-header"
    );
    let mut b2 = b.clone();
    put(&mut b2, "在职党员报到", "I3", s("很多"));
    w.book("merged.xlsx", &b2);
    let (_, d) = w.validate_json(&["merged.xlsx", "--period", "2026Q3"]);
    let x = expect_at(&d, "cell.type", "I3");
    assert_eq!(x["field"], "service_count");
    assert_eq!(d.len(), 1, "{}", pretty(&d));

    // The same header as CSV: no merge information, the group written once.
    let csv =
        "单位代码,姓名,身份证号,本期服务,\n,,,次数,时长（小时）\n429901001001,张三,ID,2,很多\n";
    let id = make_id("420923", "19800101", 1, true);
    w.write("在职党员报到.csv", csv.replace("ID", &id));
    let (_, d) = w.validate_json(&["在职党员报到.csv", "--period", "2026Q3"]);
    let x = expect_code(&d, "cell.type");
    assert_eq!(x["field"], "service_hours");
    assert_eq!(x["row"], 3);
    assert!(
        x.get("cell").is_none(),
        "CSV diagnostics carry the line, not a cell"
    );
    expect_code(&d, "header.missing_column"); // 报到日期 is required and absent
}

#[test]
fn header_normalisation_aliases_and_free_order() {
    let w = Workdir::new();
    let c = county();
    let hand = Hand {
        decorated_headers: true,
        aliases: true,
        reorder: true,
        fullwidth: true,
        ..Hand::plain()
    };
    w.book("a.xlsx", &community_book(&c, &c.communities[0], &hand));
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3"]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);
    // Width, spaces, line breaks, * and a bracketed unit are ignored.
    let mut b = plain_community(&c);
    put(&mut b, "在职党员报到", "B1", s("＊姓　名"));
    put(&mut b, "在职党员报到", "C1", s("身份\n证号"));
    put(&mut b, "在职党员报到", "J1", s("服务时长(小时)"));
    put(&mut b, "在职党员报到", "J2", s("九"));
    w.book("b.xlsx", &b);
    let (_, d) = w.validate_json(&["b.xlsx", "--period", "2026Q3"]);
    let x = expect_at(&d, "cell.type", "J2");
    assert_eq!(x["field"], "service_hours");
}

/// Footers end the data; blank rows and 序号-only template rows are skipped;
/// a 合计 row is checked, not counted.
#[test]
fn footers_blank_rows_and_totals() {
    let w = Workdir::new();
    let c = county();
    let hand = Hand {
        footer: true,
        blank_rows: true,
        total_row: true,
        template_tail: true,
        text_numbers: true,
        ..Hand::plain()
    };
    let mut b = community_book(&c, &c.communities[0], &hand);
    // Junk below the footer is not data.
    let sh = b.iter_mut().find(|s| s.name == "会议活动").unwrap();
    sh.rows
        .push(vec![s("2026-13-45"), s("不是会议"), V::E, s("x")]);
    w.book("a.xlsx", &b);
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3"]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);
}

#[test]
fn cell_coercions() {
    let w = Workdir::new();
    let c = county();
    let mut b = plain_community(&c);
    // Numbers: full-width, text, thousands separator, 12.0 — all fine.
    put(&mut b, "会议活动", "E2", s("１２"));
    put(&mut b, "会议活动", "F2", s("12.0"));
    put(&mut b, "会议活动", "E3", s("1,234"));
    put(&mut b, "会议活动", "F3", n(1000));
    put(&mut b, "会议活动", "G3", s("—"));
    // Dates: every text form, an unformatted serial, a formula's cached value.
    put(&mut b, "会议活动", "B2", s("2026年7月15日"));
    put(&mut b, "会议活动", "B3", s("2026/7/15"));
    put(&mut b, "会议活动", "B4", s("2026.7.15"));
    put(&mut b, "会议活动", "B5", s("20260715"));
    put(&mut b, "会议活动", "B6", n(46218));
    put(
        &mut b,
        "会议活动",
        "B7",
        V::F("=DATE(2026,7,15)".into(), "46218".into()),
    );
    put(&mut b, "会议活动", "G4", V::F("=1+1".into(), "2".into()));
    // Blank markers in optional cells; whitespace around text.
    put(&mut b, "在职党员报到", "H2", s("无"));
    put(&mut b, "在职党员报到", "E2", s("/"));
    put(&mut b, "在职党员报到", "B2", s("\u{3000}张三\u{00A0}"));
    w.book("a.xlsx", &b);
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3"]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);

    // 12.5 is not an integer; a code typed into a number cell reads as digits.
    let mut b = plain_community(&c);
    put(&mut b, "会议活动", "E2", s("12.5"));
    put(
        &mut b,
        "封面",
        "B4",
        n(c.communities[0].code.parse::<f64>().unwrap()),
    );
    w.book("b.xlsx", &b);
    let reg = registry(&w, &c);
    let (_, d) = w.validate_json(&["b.xlsx", "--period", "2026Q3", "--registry", &reg]);
    expect_at(&d, "cell.type", "E2");
    expect_none(&d, "code.format");
    expect_none(&d, "cover.unknown_org");
}

#[test]
fn merged_cells_in_data_columns_read_blank_beyond_the_first() {
    let w = Workdir::new();
    let c = county();
    let mut b = plain_community(&c);
    // 会议类型 merged over rows 2–3: row 3 reads blank, so it is required there.
    let sh = b.iter_mut().find(|s| s.name == "会议活动").unwrap();
    sh.merges.push((1, 2, 2, 2));
    w.book("a.xlsx", &b);
    let (_, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3"]);
    expect_at(&d, "cell.required", "C3");
    assert_eq!(d.len(), 1, "{}", pretty(&d));
}

#[test]
fn cover_layouts() {
    let w = Workdir::new();
    let c = county();
    let com = &c.communities[0];
    // Labels in any order, colons, `标签：值` in one cell, two pairs a row.
    let cover = SheetSpec::new("基本情况").rows(vec![
        vec![s("社区基本情况表")],
        vec![
            s("报告期："),
            s("2026年第3季度"),
            s("填报单位："),
            s(com.name.clone()),
        ],
        vec![
            s(format!("社区代码：{}", com.code)),
            V::E,
            s("填表人"),
            s("王芳"),
        ],
        vec![
            s("负责人:"),
            s("李强"),
            s("联系电话"),
            V::E,
            s("审核人"),
            s("赵敏"),
        ],
    ]);
    let mut b = plain_community(&c);
    b[0] = cover;
    let reg = registry(&w, &c);
    w.book("a.xlsx", &b);
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3", "--registry", &reg]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);

    // A blank value followed by another label reads as blank.
    let mut b = plain_community(&c);
    b[0] = SheetSpec::new("封面").rows(vec![
        vec![
            s("单位名称"),
            s(com.name.clone()),
            s("单位代码"),
            s(com.code.clone()),
        ],
        vec![s("报告期"), s("2026Q3")],
        vec![s("填表人"), V::E, s("负责人"), s("李强")],
    ]);
    w.book("b.xlsx", &b);
    let (_, d) = w.validate_json(&["b.xlsx", "--period", "2026Q3"]);
    let x = expect_at(&d, "cover.missing_field", "B3");
    assert_eq!(x["field"], "preparer");
    assert_eq!(d.len(), 1, "{}", pretty(&d));
}

#[test]
fn sheets_by_alias_by_header_and_hidden() {
    let w = Workdir::new();
    let c = county();
    let mut b = community_book(
        &c,
        &c.communities[0],
        &Hand {
            alias_sheets: true,
            ..Hand::plain()
        },
    );
    // One ledger under a name nobody declared: found by its header.
    b[3].name = "Sheet3".into();
    b[2].hidden = true;
    w.book("a.xlsx", &b);
    let (r, d) = w.validate_json(&["a.xlsx", "--period", "2026Q3"]);
    let x = expect_code(&d, "sheet.matched_by_header");
    assert_eq!(x["sheet"], "Sheet3");
    assert_eq!(x["severity"], "note");
    assert_eq!(d.len(), 1, "{}", pretty(&d));
    assert_eq!(r.code, 0);

    // The hidden sheet was read: a problem in it is found.
    put(&mut b, "会议台账", "F2", n(999));
    w.book("b.xlsx", &b);
    let (_, d) = w.validate_json(&["b.xlsx", "--period", "2026Q3"]);
    expect_at(&d, "meeting.attendance_exceeds_expected", "F2");
}

#[test]
fn csv_in_utf8_bom_and_gbk() {
    let w = Workdir::new();
    let id1 = make_id("420923", "19800101", 1, true);
    let id2 = make_id("420923", "19810101", 2, false);
    let text = format!(
        "单位代码,姓名,身份证号,性别,报到日期,服务次数,服务时长\n429901001001,张三,{id1},男,2026-07-02,2,5\n429901001001,李四,{},女,2026/8/1,1,2\n429901001002,王五,{id1},男,20260801,1,1\n",
        break_id(&id2)
    );
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(text.as_bytes());
    w.write("utf8/在职党员报到.csv", &bom);
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    w.write("gbk/在职党员报到.csv", &gbk);
    for dir in ["utf8", "gbk"] {
        let (r, d) = w.validate_json(&[dir, "--period", "2026Q3"]);
        let x = expect_code(&d, "id.checksum");
        assert_eq!(x["row"], 3, "{dir}");
        assert_eq!(x["org_code"], "429901001001");
        // The same ID under two submitters is not a repeat within one submission.
        expect_none(&d, "row.duplicate_key");
        assert_eq!(d.len(), 1, "{dir}: {}", pretty(&d));
        assert_eq!(r.code, 1);
    }
}

#[test]
fn csv_form_named_by_flag_when_the_file_name_does_not_say() {
    let w = Workdir::new();
    let text = "单位代码,事项编号,受理日期,类别,办理状态,办结日期\n429901001001,A1,2026-07-02,其他,已办结,\n";
    w.write("export.csv", text);
    let (_, d) = w.validate_json(&["export.csv", "--period", "2026Q3", "--form", "issues"]);
    expect_code(&d, "issue.resolved_date_missing");
    // Without the flag the header alone says which ledger it is.
    let (_, d) = w.validate_json(&["export.csv", "--period", "2026Q3"]);
    expect_code(&d, "issue.resolved_date_missing");
}

#[test]
fn folders_skip_lock_hidden_and_registry_files() {
    let w = Workdir::new();
    let c = county();
    w.book("in/a.xlsx", &plain_community(&c));
    w.write("in/~$a.xlsx", b"lock");
    w.write("in/.hidden.xlsx", b"junk");
    w.write("in/._a.xlsx", b"\x00\x05\x16\x07AppleDouble");
    w.write("in/readme.txt", b"not a workbook");
    w.book("in/registry.xlsx", &registry_book(&c));
    w.write("in/old/.pbstatignore", "skipped\n");
    w.write("in/old/skipped/bad.xlsx", b"junk");
    let (r, d) = w.validate_json(&["in", "--period", "2026Q3", "--registry", "in/registry.xlsx"]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.json()["summary"]["files"], 1);
    // Named explicitly, an ignored file is read.
    let (_, d) = w.validate_json(&["in/old/skipped/bad.xlsx"]);
    expect_code(&d, "file.unreadable");
}

#[test]
fn period_from_the_cover_when_not_given() {
    let w = Workdir::new();
    let c = county();
    let mut b = plain_community(&c);
    put(&mut b, "会议活动", "B2", V::D(2026, 6, 30));
    w.book("a.xlsx", &b);
    let (_, d) = w.validate_json(&["a.xlsx"]);
    expect_at(&d, "date.out_of_period", "B2");
    expect_none(&d, "cover.period_mismatch");
}

#[test]
fn a_registry_passed_as_input_is_checked_as_a_registry() {
    let w = Workdir::new();
    let c = county();
    let mut reg = registry_book(&c);
    reg[0].rows.push(vec![
        n(99),
        s("4299010011"),
        s("坏代码"),
        s("社区"),
        s("429901001000"),
    ]);
    w.book("registry.xlsx", &reg);
    let (_, d) = w.validate_json(&["registry.xlsx"]);
    let x = expect_code(&d, "code.format");
    assert_eq!(x["cell"], format!("B{}", reg[0].rows.len()));
}
