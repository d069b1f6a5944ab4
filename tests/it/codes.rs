//! Every per-submission code of rules.md, planted in an otherwise clean
//! workbook and asserted by code, cell and exit status.

use crate::support::book::{break_id, make_id, n, s, uscc, SheetSpec, V};
use crate::support::county::registry_book;
use crate::workdir::*;

/// Validate one workbook against the test county's registry and period.
fn check(book: &[SheetSpec]) -> (Run, Vec<serde_json::Value>) {
    let w = Workdir::new();
    let c = county();
    let reg = registry(&w, &c);
    w.book("sub/x.xlsx", book);
    w.validate_json(&["sub", "--period", "2026Q3", "--registry", &reg])
}

fn community_with(f: impl FnOnce(&mut Vec<SheetSpec>)) -> Vec<SheetSpec> {
    let c = county();
    let mut b = plain_community(&c);
    f(&mut b);
    b
}

#[test]
fn clean_community_and_unit_have_no_diagnostics() {
    let w = Workdir::new();
    let c = county();
    let reg = registry(&w, &c);
    w.book("a.xlsx", &plain_community(&c));
    w.book("b.xlsx", &plain_unit(&c));
    let (r, d) = w.validate_json(&["a.xlsx", "b.xlsx", "--period", "2026Q3", "--registry", &reg]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);
}

#[test]
fn id_checksum_names_the_right_check_character() {
    let c = county();
    let id = c.communities[0].members[1].id.clone();
    let (r, d) = check(&community_with(|b| {
        put(b, "在职党员报到", "C3", s(break_id(&id)))
    }));
    let x = expect_at(&d, "id.checksum", "C3");
    assert_eq!(x["sheet"], "在职党员报到");
    assert_eq!(x["row"], 3);
    assert_eq!(x["column"], "C");
    assert_eq!(x["field"], "id_number");
    assert_eq!(x["severity"], "error");
    assert!(x["message"]
        .as_str()
        .unwrap()
        .contains(&format!("应为 {}", &id[17..])));
    assert_eq!(
        x["value"].as_str().unwrap(),
        format!("{}********{}", &id[..6], &break_id(&id)[14..])
    );
    assert_eq!(x["org_code"], c.communities[0].code.as_str());
    assert_eq!(r.code, 1);
}

#[test]
fn id_format_birthdate_and_number_storage() {
    let c = county();
    let id = c.communities[0].members[0].id.clone();
    let (_, d) = check(&community_with(|b| {
        put(b, "在职党员报到", "C2", s(&id[..15]));
        put(
            b,
            "在职党员报到",
            "C3",
            n(id[..15].parse::<f64>().unwrap() * 1000.0),
        );
        // 2026-02-30 is no date; a birth after the period end is impossible.
        let bad_day = format!("420923{}", "20260230");
        put(b, "在职党员报到", "C4", s(format!("{bad_day}0011")));
        put(
            b,
            "在职党员报到",
            "C5",
            s(make_id("420923", "20261201", 3, true)),
        );
    }));
    expect_at(&d, "id.format", "C2");
    let num = expect_at(&d, "id.format", "C3");
    assert!(
        num["message"].as_str().unwrap().contains("文本"),
        "{}",
        num["message"]
    );
    expect_at(&d, "id.birthdate", "C4");
    expect_at(&d, "id.birthdate", "C5");
}

#[test]
fn gender_contradicting_the_id_is_a_warning() {
    let c = county();
    let m = &c.communities[0].members[0];
    let wrong = if m.male { "女" } else { "男" };
    let (r, d) = check(&community_with(|b| put(b, "在职党员报到", "D2", s(wrong))));
    let x = expect_at(&d, "id.gender_mismatch", "D2");
    assert_eq!(x["severity"], "warning");
    assert_eq!(r.code, 0, "warnings alone exit 0");
}

#[test]
fn uscc_checksum_and_format() {
    let good = uscc("91429901MA0000001");
    let wrong_check = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    let (_, d) = check(&community_with(|b| {
        put(b, "在职党员报到", "F2", s(&wrong_check));
        put(b, "在职党员报到", "F3", s("91429901MI00000019"));
        put(b, "在职党员报到", "F4", s("9142990"));
    }));
    expect_at(&d, "uscc.checksum", "F2");
    expect_at(&d, "uscc.format", "F3");
    expect_at(&d, "uscc.format", "F4");
}

#[test]
fn cell_required_type_enum_range_formula_error() {
    let (_, d) = check(&community_with(|b| {
        put(b, "在职党员报到", "B2", V::E); // 姓名 blank
        put(b, "在职党员报到", "I3", s("两次")); // not a number
        put(b, "在职党员报到", "I4", n(2.5)); // not an integer
        put(b, "会议活动", "C2", s("座谈会")); // not a meeting type
        put(b, "会议活动", "E3", n(0)); // 应到人数 ≥ 1
        put(
            b,
            "在职党员报到",
            "J5",
            V::F("=1/0".into(), "#DIV/0!".into()),
        );
    }));
    expect_at(&d, "cell.required", "B2");
    expect_at(&d, "cell.type", "I3");
    expect_at(&d, "cell.type", "I4");
    let e = expect_at(&d, "cell.enum", "C2");
    assert!(
        e["message"].as_str().unwrap().contains("联席会议"),
        "the message lists the values"
    );
    expect_at(&d, "cell.range", "E3");
    expect_at(&d, "cell.formula_error", "J5");
}

#[test]
fn dates_in_and_after_the_period() {
    let (_, d) = check(&community_with(|b| {
        put(b, "会议活动", "B2", V::D(2026, 6, 30)); // must be inside the period
        put(b, "在职党员报到", "G2", V::D(2026, 10, 1)); // must not be after the end
        put(b, "在职党员报到", "G3", V::D(2024, 1, 1)); // earlier is fine
    }));
    expect_at(&d, "date.out_of_period", "B2");
    expect_at(&d, "date.after_period", "G2");
    assert!(!d.iter().any(|x| x["cell"] == "G3"), "{}", pretty(&d));
}

#[test]
fn row_rules_stand_at_the_cell_the_rule_names() {
    let c = county();
    let first_id = c.communities[0].members[0].id.clone();
    let (_, d) = check(&community_with(|b| {
        put(b, "在职党员报到", "C4", s(&first_id)); // repeats C2
        put(b, "会议活动", "F2", n(500)); // 实到 > 应到
        put(b, "在职党员报到", "I2", n(1));
        put(b, "在职党员报到", "J2", n(30)); // 30 h for one service
                                             // Issues: rewrite rows 2–5 to plant each issue rule.
        put(b, "民生事项", "F2", s("已办结"));
        put(b, "民生事项", "G2", V::E);
        put(b, "民生事项", "H2", s("满意"));
        put(b, "民生事项", "F3", s("办理中"));
        put(b, "民生事项", "G3", V::D(2026, 9, 1));
        put(b, "民生事项", "H3", s("未评价"));
        put(b, "民生事项", "C4", V::D(2026, 8, 20));
        put(b, "民生事项", "F4", s("已办结"));
        put(b, "民生事项", "G4", V::D(2026, 8, 10));
        put(b, "民生事项", "H4", s("满意"));
        put(b, "民生事项", "F5", s("未办理"));
        put(b, "民生事项", "G5", V::E);
        put(b, "民生事项", "H5", s("不满意"));
        put(b, "民生事项", "B5", s("DUP-1"));
        put(b, "民生事项", "B6", s("DUP-1"));
    }));
    let dup = expect_at(&d, "row.duplicate_key", "C4");
    assert!(
        dup["message"].as_str().unwrap().contains("C2"),
        "names the first occurrence"
    );
    assert!(!dup.to_string().contains(&first_id), "ID masked");
    expect_at(&d, "row.duplicate_key", "B6");
    expect_at(&d, "meeting.attendance_exceeds_expected", "F2");
    let h = expect_at(&d, "roster.hours_implausible", "J2");
    assert_eq!(h["severity"], "warning");
    expect_at(&d, "issue.resolved_date_missing", "G2");
    expect_none(
        &d.iter()
            .filter(|x| x["cell"] == "G2")
            .cloned()
            .collect::<Vec<_>>(),
        "cell.required",
    );
    expect_at(&d, "issue.resolved_date_unexpected", "G3");
    expect_at(&d, "issue.resolved_before_received", "G4");
    expect_at(&d, "issue.rating_unresolved", "H5");
}

#[test]
fn total_row_mismatch_and_its_text_number_explanation() {
    let c = county();
    let ms = &c.communities[0].meetings;
    let n_rows = ms.len();
    let sum_exp: u32 = ms.iter().map(|m| m.expected).sum();
    let sum_att: u32 = ms.iter().map(|m| m.attended).sum();
    let first_exp = ms[0].expected;
    let total_row = n_rows + 2;
    let (r, d) = check(&community_with(|b| {
        // 应到 of the first row stored as text: Excel's SUM skips it.
        put(b, "会议活动", "E2", s(first_exp.to_string()));
        let t = format!("A{total_row}");
        put(b, "会议活动", &t, s("合计"));
        put(
            b,
            "会议活动",
            &format!("E{total_row}"),
            n((sum_exp - first_exp) as f64),
        );
        put(
            b,
            "会议活动",
            &format!("F{total_row}"),
            n((sum_att + 1) as f64),
        );
    }));
    let e = expect_at(&d, "total.mismatch", &format!("E{total_row}"));
    assert!(
        e["message"].as_str().unwrap().contains("文本"),
        "{}",
        e["message"]
    );
    let f = expect_at(&d, "total.mismatch", &format!("F{total_row}"));
    assert!(!f["message"].as_str().unwrap().contains("文本"));
    assert_eq!(r.code, 1);
    // The 合计 row is not data: no cell.required for its blank 日期.
    expect_none(&d, "cell.required");
}

#[test]
fn cover_fields_period_org_and_name() {
    let (r, d) = check(&community_with(|b| {
        put(b, "封面", "B3", s("别的社区")); // name differs from the registry
        put(b, "封面", "B5", s("2026Q2")); // period mismatch
        put(b, "封面", "B6", V::E); // 填表人 blank: warning
    }));
    expect_at(&d, "cover.name_mismatch", "B3");
    expect_at(&d, "cover.period_mismatch", "B5");
    let p = expect_at(&d, "cover.missing_field", "B6");
    assert_eq!(p["severity"], "warning");
    assert_eq!(r.code, 1);

    let (_, d) = check(&community_with(|b| {
        put(b, "封面", "B3", V::E); // 单位名称 blank: error
        put(b, "封面", "B4", s("429901001099")); // a community the registry lacks
    }));
    let m = expect_at(&d, "cover.missing_field", "B3");
    assert_eq!(m["severity"], "error");
    expect_at(&d, "cover.unknown_org", "B4");

    let (_, d) = check(&community_with(|b| put(b, "封面", "B4", s("42990100101"))));
    expect_at(&d, "code.format", "B4");
}

#[test]
fn cover_kind_mismatch_when_sheets_are_another_levels() {
    let c = county();
    let mut b = plain_unit(&c);
    // A unit's workbook under a community's code.
    put(&mut b, "封面", "B4", s(c.communities[1].code.clone()));
    let (r, d) = check(&b);
    expect_code(&d, "cover.kind_mismatch");
    expect_none(&d, "sheet.missing");
    assert_eq!(r.code, 1);
}

#[test]
fn sheets_missing_unknown_and_header_problems() {
    let c = county();
    let mut b = plain_community(&c);
    b.remove(3); // 民生事项
    b.push(SheetSpec::new("统计口径").row(vec![s("随便写的说明")]));
    let (_, d) = check(&b);
    let m = expect_code(&d, "sheet.missing");
    assert_eq!(m["field"], "issues");
    let u = expect_code(&d, "sheet.unknown");
    assert_eq!(u["severity"], "note");

    let (_, d) = check(&community_with(|b| {
        put(b, "在职党员报到", "C1", s("证件")); // 身份证号 header gone
        put(b, "在职党员报到", "K1", s("姓名")); // 姓名 twice
        put(b, "在职党员报到", "L1", s("政治面貌")); // unknown
    }));
    expect_code(&d, "header.missing_column");
    expect_at(&d, "header.duplicate_column", "K1");
    let u = expect_at(&d, "header.unknown_column", "L1");
    assert_eq!(u["severity"], "warning");

    let (_, d) = check(&community_with(|b| {
        let sh = b.iter_mut().find(|s| s.name == "会议活动").unwrap();
        sh.rows[0] = vec![s("甲"), s("乙"), s("丙")];
    }));
    let h = expect_code(&d, "header.not_found");
    assert_eq!(h["sheet"], "会议活动");
}

#[test]
fn unit_codes_against_the_registry() {
    let c = county();
    let mut b = plain_unit(&c);
    put(&mut b, "封面", "B11", V::E);
    // 结对社区代码 (B10 in the plain cover) names a community not in the registry.
    put(&mut b, "封面", "B10", s("429901001150"));
    put(&mut b, "报到党员名单", "D2", s("429901001150"));
    let (_, d) = check(&b);
    expect_at(&d, "cross.unknown_community", "B10");
    expect_at(&d, "cross.unknown_community", "D2");
}

#[test]
fn registry_rules() {
    let w = Workdir::new();
    let c = county();
    let mut reg = registry_book(&c);
    let sh = &mut reg[0];
    let com = c.communities[0].clone();
    // A repeated code, a parent not in the registry, a kind that disagrees,
    // and a community whose prefix is not its street's.
    sh.rows.push(vec![
        n(90),
        s(&com.code),
        s("重复社区"),
        s("社区"),
        s(&com.street),
        s("是"),
    ]);
    sh.rows.push(vec![
        n(91),
        s("429901001150"),
        s("孤儿社区"),
        s("社区"),
        s("429901077000"),
        s("是"),
    ]);
    sh.rows.push(vec![
        n(92),
        s("429901001151"),
        s("类型错了"),
        s("街道"),
        s(&com.street),
        s("是"),
    ]);
    sh.rows.push(vec![
        n(93),
        s("429901002152"),
        s("前缀不符"),
        s("社区"),
        s(&com.street),
        s("是"),
    ]);
    w.book("registry.xlsx", &reg);
    let b = plain_community(&c);
    w.book("sub/a.xlsx", &b);
    let (r, d) = w.validate_json(&["sub", "--period", "2026Q3", "--registry", "registry.xlsx"]);
    let rows = reg[0].rows.len();
    expect_at(&d, "registry.duplicate_code", &format!("B{}", rows - 3));
    expect_at(&d, "registry.unknown_parent", &format!("E{}", rows - 2));
    expect_at(&d, "registry.kind_mismatch", &format!("D{}", rows - 1));
    expect_at(&d, "code.hierarchy", &format!("E{rows}"));
    assert!(
        d.iter().all(|x| x["file"] == "registry.xlsx"),
        "{}",
        pretty(&d)
    );
    assert_eq!(r.code, 1);
}

#[test]
fn file_level_codes() {
    let w = Workdir::new();
    let c = county();
    w.book("in/good.xlsx", &plain_community(&c));
    w.write("in/truncated.xlsx", b"PK\x03\x04\x14\x00\x00\x00 cut off");
    w.write("in/text.xlsx", "这不是工作簿，只是改了扩展名的文本");
    w.write("in/empty.xlsx", b"");
    // An encrypted OOXML workbook is an OLE container holding EncryptedPackage.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend(std::iter::repeat_n(0u8, 504));
    ole.extend(
        "EncryptedPackage"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes()),
    );
    ole.extend(std::iter::repeat_n(0u8, 1024));
    w.write("in/locked.xlsx", &ole);
    w.write("in/latin1.csv", b"nom,pr\xe9nom\n\xff\xfe\x81\x20\n");
    w.write("in/report.docx", b"PK\x03\x04");
    let (r, d) = w.validate_json(&["in", "in/report.docx", "--period", "2026Q3"]);
    let of = |f: &str| {
        d.iter()
            .filter(|x| x["file"].as_str().unwrap().ends_with(f))
            .collect::<Vec<_>>()
    };
    for f in ["truncated.xlsx", "text.xlsx", "empty.xlsx", "locked.xlsx"] {
        let ds = of(f);
        assert_eq!(ds.len(), 1, "{f}: {}", pretty(&d));
        assert_eq!(ds[0]["code"], "file.unreadable", "{f}");
    }
    assert!(of("locked.xlsx")[0]["message"]
        .as_str()
        .unwrap()
        .contains("密码"));
    assert_eq!(of("latin1.csv")[0]["code"], "file.encoding");
    assert_eq!(of("report.docx")[0]["code"], "file.unsupported");
    assert!(
        of("good.xlsx").is_empty(),
        "the good file is still checked, and clean: {}",
        pretty(&d)
    );
    assert_eq!(r.json()["summary"]["files"], 7);
    assert_eq!(r.code, 1);
}

#[test]
fn zip_that_would_expand_past_the_limit_is_too_large() {
    let w = Workdir::new();
    let c = county();
    let p = w.book("bomb.xlsx", &plain_community(&c));
    // Make the central directory claim a 3 GB sheet: pbstat must refuse it
    // from the directory alone, before inflating anything.
    let mut bytes = std::fs::read(&p).unwrap();
    let sig = [0x50, 0x4B, 0x01, 0x02];
    let mut i = 0;
    while i + 46 < bytes.len() {
        if bytes[i..i + 4] == sig {
            let name_len = u16::from_le_bytes([bytes[i + 28], bytes[i + 29]]) as usize;
            let name = String::from_utf8_lossy(&bytes[i + 46..i + 46 + name_len]).to_string();
            if name.ends_with("sheet2.xml") {
                bytes[i + 24..i + 28].copy_from_slice(&3_000_000_000u32.to_le_bytes());
            }
        }
        i += 1;
    }
    std::fs::write(&p, &bytes).unwrap();
    let (r, d) = w.validate_json(&["bomb.xlsx", "--period", "2026Q3"]);
    expect_code(&d, "file.too_large");
    assert_eq!(r.code, 1);
}

#[test]
fn explicit_id_numbers_never_appear_whole_in_any_output() {
    let w = Workdir::new();
    let c = county();
    let mut b = plain_community(&c);
    let ids: Vec<String> = c.communities[0]
        .members
        .iter()
        .map(|m| m.id.clone())
        .collect();
    put(&mut b, "在职党员报到", "C3", s(break_id(&ids[1])));
    put(&mut b, "在职党员报到", "C4", s(&ids[0]));
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
    w.book("a.xlsx", &b);
    for fmt in ["text", "json", "csv"] {
        for lang in ["zh", "en"] {
            let r = w.run(&[
                "validate", "a.xlsx", "--period", "2026Q3", "--format", fmt, "--lang", lang,
            ]);
            assert_eq!(r.code, 1);
            for id in ids.iter().chain([&break_id(&ids[1])]) {
                assert!(!r.stdout.contains(id.as_str()), "{fmt}/{lang} leaks {id}");
                assert!(!r.stderr.contains(id.as_str()));
            }
        }
    }
}

/// A county that spells gender its own way (男性/女性, with a third value
/// 未知) declares which value says which on the rule: a real contradiction
/// is still flagged, in its words, and 未知 is compared with nothing.
#[test]
fn gender_check_reads_the_values_the_rule_declares() {
    let w = Workdir::new();
    let c = county();
    let reg = registry(&w, &c);
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    let p = w.path("s/roster.toml");
    let t = std::fs::read_to_string(&p).unwrap();
    assert!(t.contains("values = [\"男\", \"女\"]") && t.contains("male = \"男\""));
    let t = t
        .replace(
            "values = [\"男\", \"女\"]",
            "values = [\"未知\", \"男性\", \"女性\"]\nvalue_aliases = { \"男\" = \"男性\", \"女\" = \"女性\" }",
        )
        .replace("male = \"男\"", "male = \"男性\"")
        .replace("female = \"女\"", "female = \"女性\"");
    std::fs::write(&p, t).unwrap();
    let a = &c.communities[0].members[0];
    w.book(
        "x.xlsx",
        &community_with(|book| {
            put(
                book,
                "在职党员报到",
                "D2",
                s(if a.male { "女" } else { "男" }),
            );
            put(book, "在职党员报到", "D3", s("未知"));
        }),
    );
    let (r, d) = w.validate_json(&[
        "x.xlsx",
        "--period",
        "2026Q3",
        "--registry",
        &reg,
        "--schemas",
        "s",
    ]);
    let x = expect_at(&d, "id.gender_mismatch", "D2");
    let said = if a.male { "男性" } else { "女性" };
    assert!(
        x["message"]
            .as_str()
            .unwrap()
            .contains(&format!("表示{said}")),
        "{}",
        x["message"]
    );
    let flagged: Vec<_> = d
        .iter()
        .filter(|x| x["code"] == "id.gender_mismatch")
        .collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(r.code, 0, "{}", r.stderr);
}
