//! The seeds' other practices (forms.md §4.8–§4.13): the optional sheets
//! read, every new code planted and asserted by code, cell and exit status,
//! and the time cells of §4.10.

use crate::support::book::{make_id, n, s, SheetSpec, V};
use crate::workdir::*;

fn sheet(name: &str, header: &[&str], rows: Vec<Vec<V>>) -> SheetSpec {
    let mut sh = SheetSpec::new(name);
    sh.rows.push(header.iter().map(|h| s(*h)).collect());
    sh.rows.extend(rows);
    sh
}

const PART_TIME: &[&str] = &[
    "姓名",
    "身份证号",
    "工作单位",
    "单位代码",
    "委员来源",
    "聘任日期",
    "岗位职责",
];
const GRID: &[&str] = &[
    "网格编号",
    "网格名称",
    "网格党组织",
    "党支部名称",
    "党小组数",
    "党员中心户数",
    "党员数",
    "户数",
    "网格长",
    "楼栋长数",
    "单元长数",
    "走访人次",
    "收集社情民意",
    "解决问题数",
    "上报事项",
    "办结数",
];
const REQUESTS: &[&str] = &[
    "日期",
    "求助时间",
    "联系上时间",
    "到场时间",
    "处置结果",
    "网格编号",
];
const REPS: &[&str] = &["姓名", "身份证号", "类别", "单位", "当选日期"];
const GROUPS: &[&str] = &["姓名", "身份证号", "所在支部", "党小组"];
const NEEDS: &[&str] = &["征集日期", "需求内容", "认领单位", "状态", "完成日期"];

fn part_time_rows(k: usize) -> Vec<Vec<V>> {
    (0..k)
        .map(|i| {
            vec![
                s(format!("委员{i}")),
                V::E,
                s(format!("单位{i}")),
                V::E,
                s(["驻区单位", "社区民警", "物业公司"][i % 3]),
                V::D(2026, 7, 1),
                s("联系辖区单位"),
            ]
        })
        .collect()
}

/// A grid row: code, org kind, branch, households, then the work columns.
fn grid_row(code: &str, kind: &str, branch: &str, households: u32, work: [u32; 5]) -> Vec<V> {
    let mut r = vec![
        s(code),
        s(format!("{code}网格")),
        s(kind),
        if branch.is_empty() { V::E } else { s(branch) },
        n(1),
        n(2),
        n(10),
        n(households),
        s("张网格"),
        n(3),
        n(6),
    ];
    r.extend(work.iter().map(|w| n(*w)));
    r
}

fn community_book_with(extra: Vec<SheetSpec>, cover: &[(&str, V)]) -> Vec<SheetSpec> {
    let c = county();
    let mut b = plain_community(&c);
    for (l, v) in cover {
        b[0].rows.push(vec![s(*l), v.clone()]);
    }
    b.extend(extra);
    b
}

fn validate(book: &[SheetSpec], check: bool) -> (Run, Vec<serde_json::Value>) {
    let w = Workdir::new();
    let c = county();
    let reg = registry(&w, &c);
    w.book("sub/x.xlsx", book);
    if check {
        let r = w.run(&[
            "check",
            "sub",
            "--period",
            "2026Q3",
            "--registry",
            &reg,
            "--format",
            "json",
        ]);
        let d = r.json()["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        return (r, d);
    }
    w.validate_json(&["sub", "--period", "2026Q3", "--registry", &reg])
}

/// A submission with every optional sheet, filled in consistently, is as
/// clean as one without; a blank optional sheet (a template's) is absent.
#[test]
fn optional_sheets_filled_in_are_clean_and_blank_ones_absent() {
    let c = county();
    let cm = &c.communities[0];
    let grids = vec![
        grid_row("G1", "网格党支部", "一支部", 120, [30, 12, 6, 4, 10]),
        grid_row("G2", "党小组", "", 80, [20, 8, 4, 4, 8]),
        grid_row("G3", "联合党支部", "联合支部", 60, [10, 2, 1, 1, 2]),
        grid_row("G4", "无", "", 40, [5, 0, 0, 0, 0]),
        grid_row("G5", "网格党支部", "一支部", 50, [5, 1, 1, 0, 1]),
        grid_row("G6", "网格党支部", "二支部", 50, [5, 1, 1, 0, 1]),
    ];
    let book = community_book_with(
        vec![
            sheet("兼职委员", PART_TIME, part_time_rows(4)),
            sheet("网格", GRID, grids),
            sheet(
                "应急求助",
                REQUESTS,
                vec![
                    vec![
                        V::D(2026, 7, 15),
                        s("9:05"),
                        s("9:06"),
                        s("9:12"),
                        s("现场处置"),
                        s("G1"),
                    ],
                    vec![
                        V::E,
                        s("2026-08-02 23:56"),
                        s("23:58"),
                        s("00:04"),
                        s("现场处置"),
                        s("G2"),
                    ],
                    vec![
                        V::D(2026, 9, 1),
                        n(0.5),
                        s("12:01"),
                        V::E,
                        s("电话处置"),
                        V::E,
                    ],
                ],
            ),
            sheet(
                "社区代表",
                REPS,
                vec![
                    vec![s("代表甲"), V::E, s("居民代表"), V::E, V::D(2026, 1, 5)],
                    vec![
                        s("代表乙"),
                        V::E,
                        s("单位代表"),
                        s("某单位"),
                        V::D(2026, 1, 5),
                    ],
                ],
            ),
            sheet(
                "党员编组",
                GROUPS,
                vec![
                    vec![
                        s("党员甲"),
                        s(make_id("420923", "19800101", 1, true)),
                        s("一支部"),
                        s("第一小组"),
                    ],
                    vec![
                        s("党员乙"),
                        s(make_id("420923", "19810101", 2, false)),
                        s("一支部"),
                        V::E,
                    ],
                ],
            ),
            sheet(
                "需求清单",
                NEEDS,
                vec![
                    vec![
                        V::D(2026, 7, 1),
                        s("修路灯"),
                        s("供电所"),
                        s("已完成"),
                        V::D(2026, 7, 20),
                    ],
                    vec![V::D(2026, 6, 1), s("助老"), V::E, s("待认领"), V::E],
                ],
            ),
            // A template's blank optional sheet: headers, no rows.
            sheet("兼职委员（备用）", PART_TIME, vec![]),
        ],
        &[
            ("兼职委员数", n(4)),
            ("社区总人口", n(600)),
            ("总户数", n(400)),
        ],
    );
    let (r, d) = validate(&book, false);
    let not_notes: Vec<_> = d.iter().filter(|x| x["severity"] != "note").collect();
    assert!(not_notes.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);
    // The next-day reading is said, as a note, at the cell read so.
    let nd = expect_at(&d, "response.next_day", "D3");
    assert_eq!(nd["severity"], "note");
    assert!(nd["message"].as_str().unwrap().contains("8 分钟"), "{nd}");
    assert_eq!(
        cm.code,
        d.first()
            .map(|x| x["org_code"].as_str().unwrap().to_string())
            .unwrap_or(cm.code.clone())
    );
}

#[test]
fn cover_figures_against_the_optional_sheets() {
    let grids = vec![
        grid_row("G1", "网格党支部", "一支部", 250, [30, 12, 6, 4, 10]),
        grid_row("G2", "党小组", "", 250, [20, 8, 4, 4, 8]),
    ];
    let book = community_book_with(
        vec![
            sheet("兼职委员", PART_TIME, part_time_rows(3)),
            sheet("网格", GRID, grids),
            sheet(
                "社区代表",
                REPS,
                vec![vec![
                    s("代表甲"),
                    V::E,
                    s("居民代表"),
                    V::E,
                    V::D(2026, 1, 5),
                ]],
            ),
        ],
        &[("兼职委员数", n(5)), ("总户数", n(400))],
    );
    let (r, d) = validate(&book, false);
    assert_eq!(r.code, 0, "warnings only: {}", pretty(&d));
    let pt = expect_at(&d, "part_time.count_mismatch", "B12");
    assert_eq!(pt["severity"], "warning");
    assert_eq!(pt["sheet"], "封面");
    assert!(
        pt["message"]
            .as_str()
            .unwrap()
            .contains("兼职委员表有 3 人"),
        "{pt}"
    );
    // The plain cover says 6 grids; the sheet has 2.
    let gc = expect_at(&d, "grid.count_mismatch", "B10");
    assert!(
        gc["message"]
            .as_str()
            .unwrap()
            .contains("网格表有 2 个网格"),
        "{gc}"
    );
    let gh = expect_at(&d, "grid.households_exceed", "B13");
    assert!(
        gh["message"].as_str().unwrap().contains("户数合计 500"),
        "{gh}"
    );
    let pm = expect_code(&d, "representative.population_missing");
    assert_eq!(pm["sheet"], "封面");
    assert_eq!(pm["severity"], "warning");
    // Without the optional sheets, none of these is said.
    let (_, d) = validate(
        &community_book_with(vec![], &[("兼职委员数", n(5)), ("总户数", n(1))]),
        false,
    );
    assert!(d.is_empty(), "{}", pretty(&d));
}

#[test]
fn grid_rows_and_requests_naming_grids() {
    let grids = vec![
        grid_row("G1", "网格党支部", "一支部", 100, [30, 12, 6, 4, 10]),
        // 办结数 13 > 收集 12; 解决 10 + 上报 3 > 12; 解决 10 > 办结 … no: 10 < 13.
        grid_row("G2", "党小组", "", 100, [20, 12, 10, 3, 13]),
        // 解决 5 > 办结 4.
        grid_row("G3", "网格党支部", "", 100, [20, 12, 5, 0, 4]),
    ];
    let book = community_book_with(
        vec![
            sheet("网格", GRID, grids),
            sheet(
                "应急求助",
                REQUESTS,
                vec![vec![
                    V::D(2026, 7, 15),
                    s("9:05"),
                    s("9:06"),
                    s("9:12"),
                    s("现场处置"),
                    s("G9"),
                ]],
            ),
        ],
        &[],
    );
    let (r, d) = validate(&book, false);
    assert_eq!(r.code, 1);
    let ex: Vec<_> = with_code(&d, "grid.exceeds_collected");
    assert!(
        ex.iter().any(|x| x["cell"] == "P3"),
        "办结数: {}",
        pretty(&d)
    );
    assert!(
        ex.iter().any(|x| x["cell"] == "N3"),
        "解决+上报: {}",
        pretty(&d)
    );
    expect_at(&d, "grid.solved_exceeds_closed", "N4");
    // A 网格党支部 without its branch's name.
    let req = expect_at(&d, "cell.required", "D4");
    assert_eq!(req["sheet"], "网格");
    let gu = expect_at(&d, "grid.unknown", "F2");
    assert_eq!(gu["severity"], "warning");
    assert_eq!(gu["sheet"], "应急求助");
    assert!(gu["message"].as_str().unwrap().contains("G9"));
}

#[test]
fn request_times_in_order_on_their_day() {
    let rows = vec![
        // 2: 求助时间's own date differs from 日期.
        vec![
            V::D(2026, 7, 15),
            s("2026-07-16 9:05"),
            s("9:06"),
            s("9:12"),
            s("现场处置"),
            V::E,
        ],
        // 3: on site before the call, not within 12 hours the next day.
        vec![
            V::D(2026, 7, 15),
            s("9:05"),
            s("9:06"),
            s("9:01"),
            s("现场处置"),
            V::E,
        ],
        // 4: contacted more than a day later.
        vec![
            V::D(2026, 7, 15),
            s("9:05"),
            s("2026-07-17 9:00"),
            V::E,
            s("电话处置"),
            V::E,
        ],
        // 5: 现场处置 without 到场时间.
        vec![
            V::D(2026, 7, 15),
            s("9:05"),
            s("9:06"),
            V::E,
            s("现场处置"),
            V::E,
        ],
        // 6: 到场时间 on a 电话处置 row.
        vec![
            V::D(2026, 7, 15),
            s("9:05"),
            s("9:06"),
            s("9:10"),
            s("电话处置"),
            V::E,
        ],
        // 7: not a time.
        vec![
            V::D(2026, 7, 15),
            s("0905"),
            s("9:06"),
            V::E,
            s("电话处置"),
            V::E,
        ],
        // 8: no date anywhere.
        vec![V::E, s("9:05"), s("9:06"), V::E, s("电话处置"), V::E],
    ];
    let (r, d) = validate(
        &community_book_with(vec![sheet("应急求助", REQUESTS, rows)], &[]),
        false,
    );
    assert_eq!(r.code, 1);
    let dm = expect_at(&d, "response.date_mismatch", "B2");
    assert_eq!(dm["severity"], "error");
    let to = expect_at(&d, "response.time_order", "D3");
    assert!(to["message"].as_str().unwrap().contains("09:01"), "{to}");
    let di = expect_at(&d, "response.duration_implausible", "C4");
    assert_eq!(di["severity"], "warning");
    expect_at(&d, "response.arrival_missing", "D5");
    expect_at(&d, "response.arrival_unexpected", "D6");
    let ty = expect_at(&d, "cell.type", "B7");
    assert!(ty["message"].as_str().unwrap().contains("0905"));
    let rq = expect_at(&d, "cell.required", "A8");
    assert!(rq["message"].as_str().unwrap().contains("日期"), "{rq}");
    // 1310 lateness is a target: check says it, validate does not.
    assert!(with_code(&d, "target.response_late").is_empty());
}

#[test]
fn late_responses_are_targets_of_check_one_per_request() {
    let rows = vec![
        // 2: on time (contact 1 min, on site 7 min).
        vec![
            V::D(2026, 7, 15),
            s("9:05"),
            s("9:06"),
            s("9:12"),
            s("现场处置"),
            V::E,
        ],
        // 3: contacted at 3:01 — late.
        vec![
            V::D(2026, 7, 15),
            s("9:05:00"),
            s("9:08:01"),
            s("9:10"),
            s("现场处置"),
            V::E,
        ],
        // 4: exactly the limits — on time.
        vec![
            V::D(2026, 7, 15),
            s("9:05"),
            s("9:08"),
            s("9:15"),
            s("转办"),
            V::E,
        ],
        // 5: 转办 and nobody arrived — late.
        vec![
            V::D(2026, 7, 15),
            s("9:05"),
            s("9:06"),
            V::E,
            s("转办"),
            V::E,
        ],
        // 6: by phone, no arrival needed — on time.
        vec![
            V::D(2026, 7, 15),
            s("9:05"),
            s("9:07"),
            V::E,
            s("电话处置"),
            V::E,
        ],
    ];
    let (r, d) = validate(
        &community_book_with(vec![sheet("应急求助", REQUESTS, rows)], &[]),
        true,
    );
    assert_eq!(r.code, 0, "{}", pretty(&d));
    let late = with_code(&d, "target.response_late");
    let cells: Vec<&str> = late.iter().map(|x| x["cell"].as_str().unwrap()).collect();
    assert_eq!(cells, ["B3", "B5"], "{}", pretty(&d));
    assert_eq!(
        late[0]["message"],
        "求助时间 09:05：181 秒后联系上，300 秒后到场（现场处置）；要求 3 分钟内联系上，需到场的 10 分钟内到场"
    );
    assert!(
        late[1]["message"]
            .as_str()
            .unwrap()
            .contains("无人到场（转办）"),
        "{}",
        late[1]
    );
    assert_eq!(late[0]["severity"], "warning");
}

#[test]
fn needs_and_representatives_rules() {
    let needs = vec![
        vec![V::D(2026, 7, 1), s("修路灯"), V::E, s("已认领"), V::E],
        vec![V::D(2026, 7, 1), s("助老"), s("某单位"), s("已完成"), V::E],
        vec![
            V::D(2026, 7, 1),
            s("助学"),
            s("某单位"),
            s("未认领"),
            V::D(2026, 7, 9),
        ],
        vec![
            V::D(2026, 7, 10),
            s("清淤"),
            s("某单位"),
            s("已完成"),
            V::D(2026, 7, 9),
        ],
    ];
    let reps = vec![vec![
        s("代表乙"),
        V::E,
        s("单位代表"),
        V::E,
        V::D(2026, 1, 5),
    ]];
    let (r, d) = validate(
        &community_book_with(
            vec![
                sheet("需求清单", NEEDS, needs),
                sheet("社区代表", REPS, reps),
            ],
            &[("社区总人口", n(900))],
        ),
        false,
    );
    assert_eq!(r.code, 1);
    expect_at(&d, "need.claimer_missing", "C2");
    expect_at(&d, "need.done_date_missing", "E3");
    expect_at(&d, "need.done_date_unexpected", "E4");
    expect_at(&d, "need.done_before_raised", "E5");
    let u = expect_at(&d, "cell.required", "D2");
    assert_eq!(u["sheet"], "社区代表");
}

#[test]
fn a_member_in_two_communities_groups_and_sheets_a_unit_does_not_take() {
    let w = Workdir::new();
    let c = county();
    let reg = registry(&w, &c);
    let id = make_id("420923", "19800101", 1, true);
    let groups = |name: &str| {
        sheet(
            "党员编组",
            GROUPS,
            vec![vec![s(name), s(id.clone()), s("一支部"), s("一组")]],
        )
    };
    let mut a = crate::support::county::community_book(
        &c,
        &c.communities[0],
        &crate::support::county::Hand::plain(),
    );
    a.push(groups("党员甲"));
    let mut other = c.communities[1].clone();
    other.practices = None;
    let mut b =
        crate::support::county::community_book(&c, &other, &crate::support::county::Hand::plain());
    b.push(groups("党员甲"));
    w.book("sub/a.xlsx", &a);
    w.book("sub/b.xlsx", &b);
    // A unit's 网格 sheet is not read.
    let mut u = plain_unit(&c);
    u.push(sheet(
        "网格",
        GRID,
        vec![grid_row("G1", "无", "", 10, [0, 0, 0, 0, 0])],
    ));
    w.book("sub/u.xlsx", &u);
    let r = w.run(&[
        "check",
        "sub",
        "--period",
        "2026Q3",
        "--registry",
        &reg,
        "--format",
        "json",
    ]);
    let d = r.json()["diagnostics"].as_array().cloned().unwrap();
    let dup = with_code(&d, "cross.duplicate_member");
    assert_eq!(dup.len(), 2, "{}", pretty(&d));
    assert!(dup
        .iter()
        .all(|x| x["cell"] == "B2" && x["severity"] == "warning"));
    assert!(dup.iter().all(|x| !x.to_string().contains(&id)), "masked");
    let unknown = with_code(&d, "sheet.unknown");
    assert!(
        unknown
            .iter()
            .any(|x| x["file"] == "sub/u.xlsx" && x["sheet"] == "网格"),
        "{}",
        pretty(&d)
    );
    // validate sees each file alone: no duplicate member.
    let (_, d) = w.validate_json(&["sub", "--period", "2026Q3", "--registry", &reg]);
    assert!(with_code(&d, "cross.duplicate_member").is_empty());
}

/// T5–T10 and T6b are written on every run; when no submission carries a
/// form, its tables have their rows at zero, blank rates, and 说明 says why.
#[test]
fn tables_of_forms_nobody_carried_are_written_and_said() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let w = Workdir::new();
    let c = county();
    registry(&w, &c);
    // The communities without practices only.
    for cm in c.communities.iter().filter(|cm| cm.practices.is_none()) {
        w.book(
            &format!("in/{}.xlsx", cm.code),
            &crate::support::county::community_book(&c, cm, &crate::support::county::Hand::plain()),
        );
    }
    let r = w.aggregate("in", "out", &["--exclude-invalid"]);
    assert!(r.code <= 1, "{}", r.stderr);
    for file in [
        "t5_party_committee",
        "t6_grids",
        "t7_emergency_response",
        "t8_representatives",
        "t9_org_life",
        "t10_needs",
    ] {
        let rows = crate::aggregate::read_csv(&w.path(&format!("out/tables/{file}.csv")));
        assert!(!rows.is_empty(), "{file} has its rows");
        for r in &rows {
            for (k, v) in r {
                if k.ends_with("_rate") || k.starts_with("arrive_minutes") {
                    assert_eq!(v, "", "{file} {k}: blank");
                } else if !["level", "code", "name", "parent_code"].contains(&k.as_str()) {
                    assert_eq!(v, "0", "{file} {k}: zero");
                }
            }
        }
        assert!(w.path(&format!("out/tables/{file}.parquet")).exists());
    }
    let t6b = crate::aggregate::read_csv(&w.path("out/tables/t6b_grid_detail.csv"));
    assert!(t6b.is_empty(), "no grids, no rows");
    let mut wb: Xlsx<_> = open_workbook(w.path("out/report.xlsx")).unwrap();
    let names = wb.sheet_names();
    let t4 = names.iter().position(|n| n == "T4完成率与满意度").unwrap();
    assert_eq!(
        &names[t4 + 1..t4 + 8],
        [
            "T5大党委兼职委员",
            "T6网格党建",
            "T6b网格明细",
            "T7应急求助响应",
            "T8社区代表",
            "T9组织生活覆盖",
            "T10需求清单"
        ],
        "after T4, in table order"
    );
    let notes: Vec<String> = wb
        .worksheet_range("说明")
        .unwrap()
        .rows()
        .flat_map(|r| r.iter().cloned())
        .filter_map(|d| match d {
            Data::String(s) => Some(s),
            _ => None,
        })
        .collect();
    for (id, form) in [
        ("T5", "兼职委员"),
        ("T6", "网格"),
        ("T6B", "网格"),
        ("T7", "应急求助"),
        ("T8", "社区代表"),
        ("T9", "党员编组"),
        ("T10", "需求清单"),
    ] {
        assert!(
            notes
                .iter()
                .any(|n| n.contains(&format!("本期无单位填报“{form}”表：{id} "))),
            "{id}: {notes:?}"
        );
    }
    // T7's headers name the configured limits.
    let t7 = wb.worksheet_range("T7应急求助响应").unwrap();
    let heads: Vec<String> = t7
        .rows()
        .nth(2)
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert!(
        heads.contains(&"3分钟内联系上件数".to_string())
            && heads.contains(&"10分钟到场率".to_string()),
        "{heads:?}"
    );
    // With every community, the forms some carry are no longer said absent.
    write_county(&w, &c, "all");
    let r = w.aggregate("all", "out2", &["--exclude-invalid"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let mut wb: Xlsx<_> = open_workbook(w.path("out2/report.xlsx")).unwrap();
    let notes: Vec<String> = wb
        .worksheet_range("说明")
        .unwrap()
        .rows()
        .flat_map(|r| r.iter().cloned())
        .filter_map(|d| match d {
            Data::String(s) => Some(s),
            _ => None,
        })
        .collect();
    let carried: Vec<&crate::support::practices::Practices> = c
        .communities
        .iter()
        .filter_map(|cm| cm.practices.as_ref())
        .collect();
    assert!(carried.iter().any(|p| !p.grids.is_empty()));
    assert!(
        !notes.iter().any(|n| n.contains("本期无单位填报“网格”表")),
        "{notes:?}"
    );
}

/// A sheet's rows to fill into a template: its name, each row's (header, value).
type Filled<'a> = (&'a str, Vec<Vec<(&'a str, V)>>);

/// `template --kind community` writes the optional sheets after the
/// required ones, each under its form's name with a 选填 title; filled in,
/// every sheet validates clean, and left blank they are absent. `--kind
/// meetings` carries 兼职委员 for a street's 大工委.
#[test]
fn templates_carry_the_optional_sheets_and_round_trip() {
    use crate::check::fill;
    use calamine::{open_workbook, Reader, Xlsx};
    let w = Workdir::new();
    let c = county();
    let reg = registry(&w, &c);
    let cm = &c.communities[0];
    assert_eq!(
        w.run(&["template", "--kind", "community", "-o", "t/c.xlsx"])
            .code,
        0
    );
    let wb: Xlsx<_> = open_workbook(w.path("t/c.xlsx")).unwrap();
    let names = wb.sheet_names();
    assert_eq!(
        names,
        [
            "封面",
            "在职党员报到",
            "会议活动",
            "民生事项",
            "兼职委员",
            "网格",
            "应急求助",
            "社区代表",
            "党员编组",
            "需求清单",
            "说明"
        ],
        "the optional sheets after the required ones, in forms.md's order"
    );
    let m = &cm.members[0];
    let required: Vec<Filled> = vec![
        (
            "在职党员报到",
            vec![vec![
                ("姓名", s(m.name.clone())),
                ("身份证号", s(m.id.clone())),
                ("报到日期", V::D(2026, 7, 1)),
            ]],
        ),
        (
            "会议活动",
            vec![vec![
                ("日期", V::D(2026, 7, 2)),
                ("会议类型", s("联席会议")),
                ("应到人数", n(10)),
                ("实到人数", n(9)),
            ]],
        ),
        (
            "民生事项",
            vec![vec![
                ("事项编号", s("M1")),
                ("受理日期", V::D(2026, 7, 3)),
                ("类别", s("其他")),
                ("办理状态", s("办理中")),
            ]],
        ),
    ];
    let cover = [
        ("单位名称", s(cm.name.clone())),
        ("单位代码", s(cm.code.clone())),
        ("报告期", s("2026Q3")),
        ("填表人", s("王芳")),
        ("负责人", s("李强")),
        ("网格数", n(2)),
        ("兼职委员数", n(3)),
        ("社区总人口", n(1000)),
        ("总户数", n(500)),
    ];
    // Only the required sheets: the blank optional ones are absent.
    w.book("only/c.xlsx", &fill(&w.path("t/c.xlsx"), &cover, &required));
    let (r, d) = w.validate_json(&["only", "--period", "2026Q3", "--registry", &reg]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);
    // Every optional sheet filled, one at a time and all together.
    let optional: Vec<Filled> = vec![
        (
            "兼职委员",
            (0..3)
                .map(|k| {
                    vec![
                        ("姓名", s(format!("委员{k}"))),
                        ("工作单位", s("县供电公司")),
                        ("委员来源", s("驻区单位")),
                        ("聘任日期", V::D(2026, 7, 1)),
                    ]
                })
                .collect(),
        ),
        (
            "网格",
            vec![
                vec![
                    ("网格编号", s("G1")),
                    ("网格党组织", s("网格党支部")),
                    ("党支部名称", s("一支部")),
                    ("户数", n(200)),
                ],
                vec![
                    ("网格编号", s("G2")),
                    ("网格党组织", s("无")),
                    ("户数", n(100)),
                ],
            ],
        ),
        (
            "应急求助",
            vec![
                vec![
                    ("日期", V::D(2026, 7, 15)),
                    ("求助时间", s("9:05")),
                    ("联系上时间", s("9:06")),
                    ("到场时间", s("9:12")),
                    ("处置结果", s("现场处置")),
                    ("网格编号", s("G1")),
                ],
                vec![
                    ("求助时间", s("2026-07-16 10:00")),
                    ("联系上时间", s("10:01")),
                    ("处置结果", s("电话处置")),
                ],
            ],
        ),
        (
            "社区代表",
            (0..3)
                .map(|k| {
                    vec![
                        ("姓名", s(format!("代表{k}"))),
                        ("类别", s("居民代表")),
                        ("当选日期", V::D(2026, 1, 5)),
                    ]
                })
                .collect(),
        ),
        (
            "党员编组",
            vec![vec![
                ("姓名", s("党员甲")),
                (
                    "身份证号",
                    s(crate::support::book::make_id("420923", "19800101", 5, true)),
                ),
                ("所在支部", s("一支部")),
            ]],
        ),
        (
            "需求清单",
            vec![vec![
                ("征集日期", V::D(2026, 7, 1)),
                ("需求内容", s("修路灯")),
                ("认领单位", s("供电所")),
                ("状态", s("已认领")),
            ]],
        ),
    ];
    for (k, sheet) in optional.iter().enumerate() {
        let mut rows = required.clone();
        rows.push(sheet.clone());
        w.book(
            &format!("each/{k}.xlsx"),
            &fill(&w.path("t/c.xlsx"), &cover, &rows),
        );
        let (r, d) = w.validate_json(&[
            &format!("each/{k}.xlsx"),
            "--period",
            "2026Q3",
            "--registry",
            &reg,
        ]);
        assert!(d.is_empty(), "{}: {}", sheet.0, pretty(&d));
        assert_eq!(r.code, 0);
    }
    let mut rows = required.clone();
    rows.extend(optional.iter().cloned());
    w.book("all/c.xlsx", &fill(&w.path("t/c.xlsx"), &cover, &rows));
    let (r, d) = w.validate_json(&["all", "--period", "2026Q3", "--registry", &reg]);
    assert!(d.is_empty(), "{}", pretty(&d));
    assert_eq!(r.code, 0);
    // The time columns are hh:mm with a hint; the enums have drop-downs.
    let f = std::fs::File::open(w.path("t/c.xlsx")).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut xml = String::new();
    for i in 0..z.len() {
        use std::io::Read;
        let mut e = z.by_index(i).unwrap();
        let name = e.name().unwrap().to_string();
        if name.starts_with("xl/worksheets/sheet") || name == "xl/styles.xml" {
            e.read_to_string(&mut xml).unwrap();
        }
    }
    assert!(xml.contains("hh:mm"), "time format");
    assert!(
        xml.contains("现场处置") && xml.contains("网格党支部"),
        "drop-downs"
    );
    assert!(xml.contains("2026-07-15 9:05"), "the time hint");
    // A street's workbook carries 兼职委员 for its 大工委.
    assert_eq!(
        w.run(&["template", "--kind", "meetings", "-o", "t/m.xlsx"])
            .code,
        0
    );
    let wb: Xlsx<_> = open_workbook(w.path("t/m.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), ["封面", "会议活动", "兼职委员", "说明"]);
}

/// The optional forms' requirements, planted: each judged only where the
/// form is carried, on the form's sheet, by check (exit 0: warnings).
#[test]
fn the_optional_forms_requirements() {
    let grids = vec![
        grid_row("G1", "网格党支部", "一支部", 100, [5, 1, 1, 0, 1]),
        grid_row("G2", "无", "", 100, [5, 1, 1, 0, 1]),
        grid_row("G3", "无", "", 100, [5, 1, 1, 0, 1]),
    ];
    let reps = (0..2)
        .map(|k| {
            vec![
                s(format!("代表{k}")),
                V::E,
                s("居民代表"),
                V::E,
                V::D(2026, 1, 5),
            ]
        })
        .collect();
    let groups = vec![
        vec![
            s("甲"),
            s(make_id("420923", "19800101", 1, true)),
            s("一支部"),
            V::E,
        ],
        vec![
            s("乙"),
            s(make_id("420923", "19800101", 2, true)),
            V::E,
            V::E,
        ],
        vec![
            s("丙"),
            s(make_id("420923", "19800101", 3, true)),
            V::E,
            V::E,
        ],
    ];
    let book = community_book_with(
        vec![
            sheet("兼职委员", PART_TIME, part_time_rows(2)),
            sheet("网格", GRID, grids),
            sheet("社区代表", REPS, reps),
            sheet("党员编组", GROUPS, groups),
        ],
        &[
            ("兼职委员数", n(2)),
            ("社区总人口", n(1001)),
            ("总户数", n(400)),
        ],
    );
    let c = county();
    let name = &c.communities[0].name;
    let (r, d) = validate(&book, true);
    assert_eq!(r.code, 0, "warnings only: {}", pretty(&d));
    let pt = expect_code(&d, "target.part_time_below");
    assert_eq!(pt["sheet"], "兼职委员");
    assert_eq!(pt["severity"], "warning");
    assert_eq!(
        pt["message"],
        format!("{name}大党委在任兼职委员 2 人，少于考核要求的 3 人")
    );
    let gc = expect_code(&d, "target.grid_coverage_below");
    assert_eq!(gc["sheet"], "网格");
    assert_eq!(
        gc["message"],
        format!("{name}网格党组织覆盖 1 个网格（共 3 个），低于 100% 的目标；网格党组织为“无”的网格：G2、G3")
    );
    // ⌈3‰ × 1001⌉ = 4 (3.003, rounded up).
    let rq = expect_code(&d, "target.representatives_below");
    assert_eq!(rq["sheet"], "社区代表");
    assert!(
        rq["message"].as_str().unwrap().contains("少于名额 4 人"),
        "{rq}"
    );
    let ol = expect_code(&d, "target.org_life_below");
    assert_eq!(ol["sheet"], "党员编组");
    assert!(
        ol["message"]
            .as_str()
            .unwrap()
            .contains("居民党员 3 人，编入支部或党小组 1 人，2 人未编入"),
        "{ol}"
    );
    // validate says none of them; without the sheets, check says none either.
    let (_, d) = validate(&book, false);
    assert!(
        d.iter()
            .all(|x| !x["code"].as_str().unwrap().starts_with("target.")),
        "{}",
        pretty(&d)
    );
    let (_, d) = validate(
        &community_book_with(vec![], &[("社区总人口", n(1001))]),
        true,
    );
    for code in [
        "target.part_time_below",
        "target.grid_coverage_below",
        "target.representatives_below",
        "target.org_life_below",
    ] {
        assert!(with_code(&d, code).is_empty(), "{code} without the form");
    }
}

/// The response limits are requirements: changed in requirements.toml,
/// T7 counts and headers follow.
#[test]
fn response_limits_are_the_requirements() {
    let w = Workdir::new();
    let c = county();
    let reg = registry(&w, &c);
    assert_eq!(w.run(&["schema", "export", "s"]).code, 0);
    let p = w.path("s/requirements.toml");
    let t = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        t.replace(
            "response_contact_minutes = 3",
            "response_contact_minutes = 5",
        ),
    )
    .unwrap();
    let rows = vec![
        vec![
            V::D(2026, 7, 15),
            s("9:05"),
            s("9:09"),
            s("9:12"),
            s("现场处置"),
            V::E,
        ],
        vec![
            V::D(2026, 7, 15),
            s("9:05"),
            s("9:11"),
            s("9:12"),
            s("现场处置"),
            V::E,
        ],
    ];
    w.book(
        "in/x.xlsx",
        &community_book_with(vec![sheet("应急求助", REQUESTS, rows)], &[]),
    );
    let r = w.run(&[
        "aggregate",
        "in",
        "--period",
        "2026Q3",
        "--registry",
        &reg,
        "--schemas",
        "s",
        "-o",
        "out",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let t7 = crate::aggregate::read_csv(&w.path("out/tables/t7_emergency_response.csv"));
    let row = t7
        .iter()
        .find(|r| r["code"] == c.communities[0].code)
        .unwrap();
    assert_eq!(
        row["contacted_in_limit"], "1",
        "4 minutes is within 5, 6 is not"
    );
    assert_eq!(row["arrived_in_limit"], "2");
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(w.path("out/report.xlsx")).unwrap();
    let sheet = wb.worksheet_range("T7应急求助响应").unwrap();
    let heads: Vec<String> = sheet
        .rows()
        .nth(2)
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert!(
        heads.contains(&"5分钟内联系上件数".to_string()),
        "{heads:?}"
    );
    assert!(heads.contains(&"5分钟联系率".to_string()), "{heads:?}");
}
