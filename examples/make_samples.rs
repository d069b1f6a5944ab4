//! Writes data-samples/: a small sample county for 2026Q3, filled in by
//! several messy hands, and data-samples/broken/ with planted problems.
//!
//!     cargo run --example make_samples [-- OUT_DIR]
//!
//! The output is deterministic; the committed data-samples/ is what this
//! program writes.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use support::book::{break_id, make_id, n, s, uscc, write_book, SheetSpec, V};
use support::county::{community_book, generate, registry_book, street_book, unit_book, Hand};

fn main() {
    let out: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("data-samples"));
    let county = generate(7, 2, 3, 10, 26);
    write_book(&out.join("registry.xlsx"), &registry_book(&county));

    for (k, c) in county.communities.iter().enumerate() {
        let street = county.street_of(&c.code);
        let hand = if k == 0 {
            Hand::plain()
        } else {
            Hand::messy(k)
        };
        let mut book = community_book(&county, c, &hand);
        if k == 4 {
            // A cover without 填表人: the one expected warning of the clean set.
            book[0]
                .rows
                .retain(|r| !matches!(r.first(), Some(V::S(t)) if t.starts_with("填表人")));
        }
        write_book(
            &out.join(&street.name).join(format!("{}.xlsx", c.name)),
            &book,
        );
    }
    for (k, u) in county.units.iter().enumerate() {
        let hand = if k % 2 == 0 {
            Hand::plain()
        } else {
            Hand::messy(k)
        };
        write_book(
            &out.join("驻区单位").join(format!("{}.xlsx", u.name)),
            &unit_book(&county, u, &hand),
        );
    }
    let st = &county.streets[0];
    write_book(
        &out.join(&st.name).join(format!("{}会议活动.xlsx", st.name)),
        &street_book(&county, st, &Hand::messy(3)),
    );

    // The quarter before, so that the demo shows --previous and --history:
    // the same county, a member more on every third roster (gone by the
    // third quarter) and fewer meetings and issues here and there.
    let mut q2 = county.in_quarter(2);
    let strangers = generate(8, 2, 3, 0, 4);
    for (k, c) in q2.communities.iter_mut().enumerate() {
        if k % 3 == 0 {
            let mut m = strangers.communities[k].members[0].clone();
            m.registered_on = (2026, 5, 12);
            c.members.push(m);
        }
        let keep = c.meetings.len().saturating_sub(k % 2);
        c.meetings.truncate(keep);
        let keep = c.issues.len().saturating_sub(k % 3);
        c.issues.truncate(keep);
    }
    let q2_dir = out.join("2026Q2");
    for c in &q2.communities {
        let street = q2.street_of(&c.code);
        write_book(
            &q2_dir.join(&street.name).join(format!("{}.xlsx", c.name)),
            &community_book(&q2, c, &Hand::plain()),
        );
    }
    for u in &q2.units {
        write_book(
            &q2_dir.join("驻区单位").join(format!("{}.xlsx", u.name)),
            &unit_book(&q2, u, &Hand::plain()),
        );
    }

    broken(&out.join("broken"), &county);
    std::fs::write(
        out.join("broken/README.md"),
        include_str!("broken-README.md"),
    )
    .expect("write README");
    std::fs::write(
        out.join(".pbstatignore"),
        "# Folders and files pbstat skips when it searches this folder.\n# The broken examples are checked on their own: pbstat validate data-samples/broken\nbroken\n# The quarter before, aggregated on its own: pbstat aggregate data-samples/2026Q2 --period 2026Q2\n2026Q2\n",
    )
    .expect("write .pbstatignore");
    println!("wrote {}", out.display());
}

/// Each broken workbook carries a few planted problems, listed in its README.
fn broken(dir: &Path, county: &support::county::County) {
    // 1. A community with cell problems in every ledger.
    let mut c = county.communities[0].clone();
    c.name = "南门社区".into();
    c.members[1].id = break_id(&c.members[1].id); // id.checksum at C3 of 在职党员报到
    c.members[2].id = c.members[0].id.clone(); // row.duplicate_key
    c.meetings[0].attended = c.meetings[0].expected + 3; // meeting.attendance_exceeds_expected
    c.meetings[1].date = (2026, 6, 30); // date.out_of_period
    c.meetings[2].kind = "座谈会".into(); // cell.enum
    if let Some(i) = c.issues.iter_mut().find(|i| i.status == "已办结") {
        i.resolved_on = None; // issue.resolved_date_missing
    }
    c.issues.push(support::county::Issue {
        id: "MS001099".into(),
        received: (2026, 8, 20),
        source: "群众来访".into(),
        category: "公共设施".into(),
        status: "已办结".into(),
        resolved_on: Some((2026, 8, 12)), // issue.resolved_before_received
        satisfaction: "满意".into(),
    });
    if let Some(i) = c.issues.iter_mut().find(|i| i.status != "已办结") {
        i.satisfaction = "满意".into(); // issue.rating_unresolved
    }
    let mut book = community_book(county, &c, &Hand::plain());
    // total.mismatch: a 合计 row under the meetings that does not add up.
    let meet = &mut book[2];
    let rows = meet.rows.len();
    meet.rows
        .push(vec![s("合计"), V::E, V::E, V::E, n(999), V::E, V::E]);
    let _ = rows;
    write_book(&dir.join("南门社区_多处错误.xlsx"), &book);

    // 2. A resident unit whose cover code is wrong and who names an unknown community.
    let mut u = county.units[0].clone();
    u.code = format!("{}0", &u.code[..17]); // uscc.checksum (unless 0 is right)
    if u.code == county.units[0].code {
        u.code = format!("{}1", &u.code[..17]);
    }
    if let Some(a) = u.activities.first_mut() {
        a.community = "429901009001".into(); // cross.unknown_community (with --registry)
    } else {
        u.activities.push(support::county::Activity {
            date: (2026, 8, 3),
            community: "429901009001".into(),
            activity: "义诊".into(),
            participants: 3,
            beneficiaries: 40,
        });
    }
    write_book(
        &dir.join("驻区单位_代码错误.xlsx"),
        &unit_book(county, &u, &Hand::plain()),
    );

    // 3. A community that filled in last quarter's cover and lost a sheet.
    let c = &county.communities[1];
    let mut book = community_book(county, c, &Hand::plain());
    if let Some(V::S(t)) = book[0]
        .rows
        .iter_mut()
        .find(|r| matches!(r.first(), Some(V::S(t)) if t == "报告期"))
        .and_then(|r| r.get_mut(1))
    {
        *t = "2026Q2".into(); // cover.period_mismatch
    }
    book.remove(3); // sheet.missing 民生事项
    write_book(&dir.join("北门社区_报告期错误.xlsx"), &book);

    // 4. ID numbers typed into number cells, a formula error, an ID of wrong length.
    let c = &county.communities[2];
    let mut book = community_book(county, c, &Hand::plain());
    let roster = &mut book[1];
    roster.rows[1][2] = V::N(c.members[0].id[..17].parse::<f64>().unwrap() * 10.0); // id.format (stored as number)
    roster.rows[2][2] = s(&c.members[1].id[..15]); // id.format (15 characters)
    roster.rows[3][8] = V::F("=1/0".into(), "#DIV/0!".into()); // cell.formula_error
    write_book(&dir.join("西关社区_数字格式.xlsx"), &book);

    // 5. Not workbooks at all.
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("损坏的文件.xlsx"),
        b"PK\x03\x04 this zip was cut off in the middle of sending",
    )
    .unwrap();
    std::fs::write(
        dir.join("其实是文本.xls"),
        "姓名,身份证号\n张三,420923199001011234\n",
    )
    .unwrap();

    // 6. A GBK CSV roster export with a bad ID and a bad date.
    let id_ok = make_id("420923", "19850312", 7, true);
    let text = format!(
        "单位代码,姓名,身份证号,性别,报到日期,服务次数,服务时长\n{c0},赵伟,{id_ok},男,2026-07-02,2,5\n{c0},钱芳,{bad},女,2026-13-01,1,2\n",
        c0 = county.communities[3].code,
        bad = break_id(&make_id("420923", "19900101", 8, false))
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(dir.join("在职党员报到_导出.csv"), &gbk).unwrap();

    // 7. A registry-unknown community with a mistyped code shape.
    let mut c = county.communities[3].clone();
    c.code = "42990100201".into(); // code.format on the cover
    c.members.truncate(5);
    c.members[0].employer_code = uscc("91429901MA0000001").replace('A', "I"); // uscc.format
    let book: Vec<SheetSpec> = community_book(county, &c, &Hand::plain());
    write_book(&dir.join("东湖社区_代码格式.xlsx"), &book);
}
