//! The seeds' other practices in the county model (forms.md §4.8–§4.13):
//! what a community's optional sheets hold, generated for some communities
//! (as in a county where half keep grid ledgers), and the sheets written
//! from it. Generated from its own random stream, so that the rest of the
//! county is the same with or without them.
#![allow(dead_code)]

use super::book::{make_id, n, s, uscc, SheetSpec, V};
use super::county::{Rng, Ymd};

#[derive(Clone, Debug)]
pub struct PartTime {
    pub name: String,
    pub employer: String,
    pub employer_code: Option<String>,
    pub source: &'static str,
    pub appointed: Ymd,
    pub duties: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Grid {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub branch: Option<String>,
    pub party_groups: u32,
    pub central: u32,
    pub members: u32,
    pub households: u32,
    pub head: Option<String>,
    pub building_heads: u32,
    pub unit_heads: u32,
    pub visits: u32,
    pub opinions: u32,
    pub solved: u32,
    pub referred: u32,
    pub closed: u32,
}

#[derive(Clone, Debug)]
pub struct Request {
    pub date: Ymd,
    /// 求助时间, seconds after midnight.
    pub at: u32,
    /// Seconds from 求助时间 to 联系上时间, and to 到场时间.
    pub contact: u32,
    pub arrive: Option<u32>,
    pub result: &'static str,
    pub grid: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Rep {
    pub name: String,
    pub category: &'static str,
    pub unit: Option<String>,
    pub elected: Ymd,
}

#[derive(Clone, Debug)]
pub struct GroupMember {
    pub name: String,
    pub id: String,
    pub branch: Option<String>,
    pub group: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Need {
    pub raised: Ymd,
    pub content: String,
    pub claimed_by: Option<String>,
    pub status: &'static str,
    pub done: Option<Ymd>,
}

/// A community's optional sheets (an empty list: the sheet is not there).
#[derive(Clone, Debug, Default)]
pub struct Practices {
    pub part_time: Vec<PartTime>,
    pub grids: Vec<Grid>,
    pub requests: Vec<Request>,
    pub reps: Vec<Rep>,
    pub groups: Vec<GroupMember>,
    pub needs: Vec<Need>,
    /// The cover's 社区总人口 and 总户数.
    pub population: Option<u32>,
    pub households: u32,
}

const SOURCES: &[&str] = &[
    "驻区单位",
    "社区民警",
    "物业企业",
    "业主委员会",
    "两新组织",
    "其他",
];
const UNITS: &[&str] = &[
    "县供电公司",
    "县人民医院",
    "城关派出所",
    "惠民物业",
    "县农商银行",
    "县第一中学",
];
const KINDS: &[&str] = &["网格党支部", "网格党支部", "联合党支部", "党小组", "无"];
const BRANCHES: &[&str] = &["第一党支部", "第二党支部", "联合党支部", "小区党支部"];
const RESULTS: &[&str] = &["现场处置", "现场处置", "电话处置", "转办", "未处置"];
const REP_KINDS: &[&str] = &[
    "居民代表",
    "居民代表",
    "居民代表",
    "驻区单位代表",
    "两新组织代表",
    "其他",
];
const GROUPS: &[&str] = &["第一小组", "第二小组", "第三小组"];
const NEEDS: &[&str] = &[
    "修缮路灯",
    "清理楼道",
    "助老送餐",
    "课后托管",
    "增设休闲座椅",
    "疏通下水道",
];
const STATUS: &[&str] = &["未认领", "已认领", "已完成", "已完成"];

fn person(rng: &mut Rng, k: usize) -> String {
    let sur = ["钱", "孙", "郑", "冯", "蒋", "沈", "韩", "杨"];
    format!(
        "{}{}",
        sur[rng.below(sur.len() as u64) as usize],
        ["一", "二", "三", "四", "五", "六"][k % 6]
    )
}

/// The practices of the community with this index in the county (every
/// other one keeps some; none for index 0, the tests' plain community),
/// in the period starting at `first` (year, first month).
pub fn generate(index: usize, code: &str, year: u16, first: u8) -> Option<Practices> {
    if index.is_multiple_of(2) {
        return None;
    }
    let mut rng = Rng::new(9_000 + index as u64);
    let day = |rng: &mut Rng| (year, first + rng.below(3) as u8, 1 + rng.below(28) as u8);
    let mut p = Practices::default();
    let has = |rng: &mut Rng| rng.below(3) > 0;
    if has(&mut rng) {
        for k in 0..(2 + rng.below(4) as usize) {
            let u = rng.below(UNITS.len() as u64) as usize;
            p.part_time.push(PartTime {
                name: person(&mut rng, k),
                employer: UNITS[u].to_string(),
                employer_code: (rng.below(2) == 0)
                    .then(|| uscc(&format!("12429901MB{:07}", 5000 + u))),
                source: SOURCES[rng.below(SOURCES.len() as u64) as usize],
                appointed: if rng.below(3) == 0 {
                    day(&mut rng)
                } else {
                    (year - 1, 1 + rng.below(12) as u8, 1 + rng.below(28) as u8)
                },
                duties: (rng.below(3) > 0).then(|| "联系辖区单位、协调共建".to_string()),
            });
        }
    }
    if has(&mut rng) {
        for k in 0..(3 + rng.below(5) as usize) {
            let kind = KINDS[rng.below(KINDS.len() as u64) as usize];
            let opinions = 5 + rng.below(30) as u32;
            let closed = rng.below(opinions as u64 + 1) as u32;
            let solved = rng.below(closed as u64 + 1) as u32;
            let referred = rng.below((opinions - solved) as u64 + 1) as u32;
            p.grids.push(Grid {
                code: format!("G{:02}", k + 1),
                name: format!("第{}网格", k + 1),
                kind,
                branch: match kind {
                    "网格党支部" | "联合党支部" => {
                        Some(BRANCHES[rng.below(BRANCHES.len() as u64) as usize].to_string())
                    }
                    "党小组" => (rng.below(2) == 0).then(|| BRANCHES[0].to_string()),
                    _ => None,
                },
                party_groups: rng.below(4) as u32 + u32::from(kind == "党小组"),
                central: rng.below(5) as u32,
                members: 5 + rng.below(40) as u32,
                households: 50 + rng.below(200) as u32,
                head: (rng.below(4) > 0).then(|| person(&mut rng, k)),
                building_heads: rng.below(10) as u32,
                unit_heads: rng.below(20) as u32,
                visits: rng.below(200) as u32,
                opinions,
                solved,
                referred,
                closed,
            });
        }
    }
    p.households = p.grids.iter().map(|g| g.households).sum::<u32>() + rng.below(300) as u32;
    if has(&mut rng) {
        for _ in 0..(2 + rng.below(6) as usize) {
            let result = RESULTS[rng.below(RESULTS.len() as u64) as usize];
            let arrive = match result {
                "现场处置" => Some(120 + rng.below(900) as u32),
                "转办" | "未处置" => (rng.below(2) == 0).then(|| 120 + rng.below(900) as u32),
                _ => None,
            };
            p.requests.push(Request {
                date: day(&mut rng),
                // Between 8:00 and 20:00, so that no step crosses midnight.
                at: 8 * 3600
                    + rng.below(12 * 60) as u32 * 60
                    + if rng.below(3) == 0 {
                        rng.below(60) as u32
                    } else {
                        0
                    },
                contact: 20 + rng.below(280) as u32,
                arrive,
                result,
                grid: (!p.grids.is_empty() && rng.below(3) > 0).then(|| {
                    p.grids[rng.below(p.grids.len() as u64) as usize]
                        .code
                        .clone()
                }),
            });
        }
    }
    if has(&mut rng) {
        for k in 0..(3 + rng.below(6) as usize) {
            let category = REP_KINDS[rng.below(REP_KINDS.len() as u64) as usize];
            p.reps.push(Rep {
                name: person(&mut rng, k),
                category,
                unit: matches!(category, "驻区单位代表" | "两新组织代表")
                    .then(|| UNITS[rng.below(UNITS.len() as u64) as usize].to_string()),
                elected: (year - 1, 1 + rng.below(12) as u8, 1 + rng.below(28) as u8),
            });
        }
        // One community in four gives no population: its quota is not judged.
        p.population = (index % 4 != 3).then(|| 600 + rng.below(2400) as u32);
    }
    if has(&mut rng) {
        for k in 0..(4 + rng.below(10) as usize) {
            let placed = rng.below(5);
            p.groups.push(GroupMember {
                name: person(&mut rng, k),
                // Unique across the county: the birth date says the community.
                id: make_id(
                    "420981",
                    &format!(
                        "{}{:02}{:02}",
                        1940 + (index / 336) % 60,
                        1 + (index / 28) % 12,
                        1 + index % 28
                    ),
                    k as u32,
                    rng.below(2) == 0,
                ),
                branch: (placed > 0).then(|| BRANCHES[rng.below(2) as usize].to_string()),
                group: (placed > 1)
                    .then(|| GROUPS[rng.below(GROUPS.len() as u64) as usize].to_string()),
            });
        }
    }
    if has(&mut rng) {
        for k in 0..(3 + rng.below(6) as usize) {
            let status = STATUS[rng.below(STATUS.len() as u64) as usize];
            let raised = if rng.below(3) == 0 {
                // Raised in the month before the period.
                if first > 1 {
                    (year, first - 1, 1 + rng.below(28) as u8)
                } else {
                    (year - 1, 12, 1 + rng.below(28) as u8)
                }
            } else {
                day(&mut rng)
            };
            let done = (status == "已完成").then(|| {
                let (y, m, d) = raised;
                // Met inside the period, on or after it was raised.
                if (y, m) < (year, first) {
                    (year, first, d)
                } else {
                    (y, m, (d + rng.below(3) as u8).min(28))
                }
            });
            p.needs.push(Need {
                raised,
                content: NEEDS[k % NEEDS.len()].to_string(),
                claimed_by: (status != "未认领")
                    .then(|| UNITS[rng.below(UNITS.len() as u64) as usize].to_string()),
                status,
                done,
            });
        }
        // A need met before the period began: still on the list, counted nowhere.
        if first > 1 {
            p.needs.push(Need {
                raised: (year, first - 1, 2),
                content: "更换单元门禁".into(),
                claimed_by: Some(UNITS[0].to_string()),
                status: "已完成",
                done: Some((year, first - 1, 20)),
            });
        }
    }
    let _ = code;
    Some(p)
}

fn date(d: Ymd) -> V {
    V::D(d.0, d.1, d.2)
}

fn clock(secs: u32) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{h}:{m:02}")
    } else {
        format!("{h}:{m:02}:{s:02}")
    }
}

fn opt(t: &Option<String>) -> V {
    t.as_ref().map_or(V::E, |t| s(t.clone()))
}

/// How a hand writes an optional sheet: under another of its names, with
/// headers as other templates spell them, a blank row inside, a footer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Habits {
    pub aliases: bool,
    pub blank_row: bool,
    pub footer: bool,
}

/// The names and headers another template uses (forms.md §4.8–§4.13).
fn alias(t: &str) -> &str {
    match t {
        "兼职委员" => "大党委成员名单",
        "网格" => "网格基本情况表",
        "应急求助" => "1310台账",
        "社区代表" => "社区代表花名册",
        "党员编组" => "居民党员花名册",
        "需求清单" => "微心愿清单",
        "委员来源" => "人员类别",
        "聘任日期" => "任职日期",
        "网格党组织" => "党组织设置",
        "收集社情民意" => "民情信息数",
        "求助时间" => "来电时间",
        "联系上时间" => "响应时间",
        "处置结果" => "处置方式",
        "当选日期" => "推选日期",
        "所在支部" => "所在党支部",
        "党小组" => "党员活动小组",
        "征集日期" => "登记日期",
        "需求内容" => "心愿内容",
        "状态" => "认领状态",
        other => other,
    }
}

fn sheet_by(name: &str, header: &[&str], rows: Vec<Vec<V>>, h: Habits) -> SheetSpec {
    let name = if h.aliases { alias(name) } else { name };
    let mut sh = SheetSpec::new(name);
    sh.rows.push(vec![s(format!("{name}（选填）"))]);
    sh.rows.push(
        header
            .iter()
            .map(|x| s(if h.aliases { alias(x) } else { x }))
            .collect(),
    );
    let n = rows.len();
    for (k, r) in rows.into_iter().enumerate() {
        if h.blank_row && k == 1 && n > 2 {
            sh.rows.push(Vec::new());
        }
        sh.rows.push(r);
    }
    if h.footer {
        sh.rows
            .push(vec![s("填表人：王芳"), V::E, s("审核人：李强")]);
    }
    sh
}

fn sheet(name: &str, header: &[&str], rows: Vec<Vec<V>>) -> SheetSpec {
    sheet_by(name, header, rows, Habits::default())
}

/// The cover lines the practices add (兼职委员数, 社区总人口, 总户数; the
/// caller writes 网格数).
pub fn cover_lines(p: &Practices) -> Vec<(&'static str, V)> {
    let mut out = Vec::new();
    if !p.part_time.is_empty() {
        out.push(("兼职委员数", n(p.part_time.len() as f64)));
    }
    if let Some(pop) = p.population {
        out.push(("社区总人口", n(pop as f64)));
    }
    if !p.grids.is_empty() {
        out.push(("总户数", n(p.households as f64)));
    }
    out
}

const PART_TIME_HEADER: &[&str] = &[
    "序号",
    "姓名",
    "工作单位",
    "单位代码",
    "委员来源",
    "聘任日期",
    "岗位职责",
];

fn part_time_rows(rows: &[PartTime]) -> Vec<Vec<V>> {
    rows.iter()
        .enumerate()
        .map(|(k, m)| {
            vec![
                n((k + 1) as f64),
                s(m.name.clone()),
                s(m.employer.clone()),
                opt(&m.employer_code),
                s(m.source),
                date(m.appointed),
                opt(&m.duties),
            ]
        })
        .collect()
}

/// The 兼职委员 sheet of a community or a street.
pub fn part_time_sheet(rows: &[PartTime]) -> SheetSpec {
    sheet("兼职委员", PART_TIME_HEADER, part_time_rows(rows))
}

/// Every optional sheet the practices hold, in forms.md's order, as a
/// hand with these habits writes them.
pub fn sheets(p: &Practices, h: Habits) -> Vec<SheetSpec> {
    let sheet = |name: &str, header: &[&str], rows: Vec<Vec<V>>| sheet_by(name, header, rows, h);
    let mut out = Vec::new();
    if !p.part_time.is_empty() {
        out.push(sheet(
            "兼职委员",
            PART_TIME_HEADER,
            part_time_rows(&p.part_time),
        ));
    }
    if !p.grids.is_empty() {
        out.push(sheet(
            "网格",
            &[
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
            ],
            p.grids
                .iter()
                .map(|g| {
                    vec![
                        s(g.code.clone()),
                        s(g.name.clone()),
                        s(g.kind),
                        opt(&g.branch),
                        n(g.party_groups as f64),
                        n(g.central as f64),
                        n(g.members as f64),
                        n(g.households as f64),
                        opt(&g.head),
                        n(g.building_heads as f64),
                        n(g.unit_heads as f64),
                        n(g.visits as f64),
                        n(g.opinions as f64),
                        n(g.solved as f64),
                        n(g.referred as f64),
                        n(g.closed as f64),
                    ]
                })
                .collect(),
        ));
    }
    if !p.requests.is_empty() {
        out.push(sheet(
            "应急求助",
            &[
                "日期",
                "求助时间",
                "联系上时间",
                "到场时间",
                "处置结果",
                "网格编号",
            ],
            p.requests
                .iter()
                .map(|r| {
                    vec![
                        date(r.date),
                        s(clock(r.at)),
                        s(clock(r.at + r.contact)),
                        r.arrive.map_or(V::E, |a| s(clock(r.at + a))),
                        s(r.result),
                        opt(&r.grid),
                    ]
                })
                .collect(),
        ));
    }
    if !p.reps.is_empty() {
        out.push(sheet(
            "社区代表",
            &["姓名", "类别", "单位", "当选日期"],
            p.reps
                .iter()
                .map(|r| {
                    vec![
                        s(r.name.clone()),
                        s(r.category),
                        opt(&r.unit),
                        date(r.elected),
                    ]
                })
                .collect(),
        ));
    }
    if !p.groups.is_empty() {
        out.push(sheet(
            "党员编组",
            &["姓名", "身份证号", "所在支部", "党小组"],
            p.groups
                .iter()
                .map(|g| {
                    vec![
                        s(g.name.clone()),
                        s(g.id.clone()),
                        opt(&g.branch),
                        opt(&g.group),
                    ]
                })
                .collect(),
        ));
    }
    if !p.needs.is_empty() {
        out.push(sheet(
            "需求清单",
            &["征集日期", "需求内容", "认领单位", "状态", "完成日期"],
            p.needs
                .iter()
                .map(|x| {
                    vec![
                        date(x.raised),
                        s(x.content.clone()),
                        opt(&x.claimed_by),
                        s(x.status),
                        x.done.map_or(V::E, date),
                    ]
                })
                .collect(),
        ));
    }
    out
}

impl Practices {
    /// Every date, mapped by `f` (the county moved to another period).
    pub fn map_dates(&mut self, f: &dyn Fn(Ymd) -> Ymd) {
        for m in &mut self.part_time {
            m.appointed = f(m.appointed);
        }
        for r in &mut self.requests {
            r.date = f(r.date);
        }
        for r in &mut self.reps {
            r.elected = f(r.elected);
        }
        for x in &mut self.needs {
            x.raised = f(x.raised);
            x.done = x.done.map(f);
        }
    }
}

/// A request late by the default limits (3 minutes to contact, 10 on site).
pub fn late(r: &Request) -> bool {
    r.contact > 180 || (r.result != "电话处置" && r.arrive.is_none_or(|a| a > 600))
}

/// The default quota: ⌈3‰ × population⌉.
pub fn quota(population: u32) -> u32 {
    (population * 3).div_ceil(1000)
}

/// The warnings a community's practices earn from `check` and `aggregate`
/// with the default requirements: the targets, and a 社区代表 sheet without
/// 社区总人口.
pub fn warnings(p: &Practices) -> usize {
    let mut n = 0;
    n += usize::from(!p.part_time.is_empty() && p.part_time.len() < 3);
    n += usize::from(p.grids.iter().any(|g| g.kind == "无"));
    n += p.requests.iter().filter(|r| late(r)).count();
    if !p.reps.is_empty() {
        n += match p.population {
            None => 1,
            Some(pop) => usize::from((p.reps.len() as u32) < quota(pop)),
        };
    }
    n += usize::from(
        p.groups
            .iter()
            .any(|g| g.branch.is_none() && g.group.is_none()),
    );
    n
}

/// Names as the distinct counts compare them: white space dropped,
/// full-width folded.
fn squeezed(t: &str) -> String {
    t.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// A community's own counts of T5–T10 by measure key (the base counts of
/// schemas/measures.toml), for the period from `start` to `end`.
pub fn own_counts(p: &Practices, start: Ymd, end: Ymd) -> Vec<(&'static str, f64)> {
    use std::collections::BTreeSet;
    let within = |d: Ymd| d >= start && d <= end;
    let mut v: Vec<(&'static str, f64)> = Vec::new();
    let mut put = |k: &'static str, x: f64| v.push((k, x));
    let pt = &p.part_time;
    if !pt.is_empty() {
        put("part_time_communities", 1.0);
        put("part_time_members", pt.len() as f64);
        for (k, src) in [
            ("from_units", "驻区单位"),
            ("from_police", "社区民警"),
            ("from_property", "物业企业"),
            ("from_owners", "业主委员会"),
            ("from_two_new", "两新组织"),
            ("from_other", "其他"),
        ] {
            put(k, pt.iter().filter(|m| m.source == src).count() as f64);
        }
        put(
            "new_part_time",
            pt.iter().filter(|m| within(m.appointed)).count() as f64,
        );
        put(
            "with_duties",
            pt.iter().filter(|m| m.duties.is_some()).count() as f64,
        );
        let units: BTreeSet<String> = pt
            .iter()
            .map(|m| squeezed(m.employer_code.as_deref().unwrap_or(&m.employer)))
            .collect();
        put("member_units", units.len() as f64);
        put("part_time_on_target", (pt.len() >= 3) as u8 as f64);
    }
    let g = &p.grids;
    if !g.is_empty() {
        put("grid_communities", 1.0);
        put("grids", g.len() as f64);
        put(
            "grids_covered",
            g.iter().filter(|x| x.kind != "无").count() as f64,
        );
        let with: Vec<&Grid> = g
            .iter()
            .filter(|x| matches!(x.kind, "网格党支部" | "联合党支部"))
            .collect();
        put("grids_with_branch", with.len() as f64);
        let branches: BTreeSet<String> = with
            .iter()
            .filter_map(|x| x.branch.as_deref())
            .map(squeezed)
            .collect();
        put("grid_branches", branches.len() as f64);
        let sum = |f: fn(&Grid) -> u32| g.iter().map(|x| f(x) as f64).sum::<f64>();
        put("party_groups", sum(|x| x.party_groups));
        put("central_households", sum(|x| x.central));
        put("grid_members", sum(|x| x.members));
        put("households", sum(|x| x.households));
        put(
            "grid_heads",
            g.iter().filter(|x| x.head.is_some()).count() as f64,
        );
        put("building_heads", sum(|x| x.building_heads));
        put("unit_heads", sum(|x| x.unit_heads));
        put("visits", sum(|x| x.visits));
        put("opinions", sum(|x| x.opinions));
        put("solved_in_grid", sum(|x| x.solved));
        put("referred", sum(|x| x.referred));
        put("closed", sum(|x| x.closed));
    }
    let r = &p.requests;
    if !r.is_empty() {
        let onsite: Vec<&Request> = r.iter().filter(|x| x.result != "电话处置").collect();
        let arrived: Vec<u32> = onsite.iter().filter_map(|x| x.arrive).collect();
        put("request_communities", 1.0);
        put("requests", r.len() as f64);
        put(
            "contacted_in_limit",
            r.iter().filter(|x| x.contact <= 180).count() as f64,
        );
        put("onsite_required", onsite.len() as f64);
        put("arrived", arrived.len() as f64);
        put(
            "arrived_in_limit",
            arrived.iter().filter(|a| **a <= 600).count() as f64,
        );
        for (k, res) in [
            ("on_site", "现场处置"),
            ("by_phone", "电话处置"),
            ("transferred", "转办"),
            ("pending", "未处置"),
        ] {
            put(k, r.iter().filter(|x| x.result == res).count() as f64);
        }
        put("arrive_seconds", arrived.iter().map(|a| *a as f64).sum());
    }
    if !p.reps.is_empty() {
        put("rep_communities", 1.0);
        put("representatives", p.reps.len() as f64);
        for (k, cat) in [
            ("resident_reps", "居民代表"),
            ("unit_reps", "驻区单位代表"),
            ("two_new_reps", "两新组织代表"),
            ("other_reps", "其他"),
        ] {
            put(
                k,
                p.reps.iter().filter(|x| x.category == cat).count() as f64,
            );
        }
        if let Some(pop) = p.population {
            put("quota_communities", 1.0);
            put("population", pop as f64);
            put("quota", quota(pop) as f64);
            put(
                "reps_on_quota",
                (p.reps.len() as u32 >= quota(pop)) as u8 as f64,
            );
        }
    }
    let gm = &p.groups;
    if !gm.is_empty() {
        put("org_life_communities", 1.0);
        put("org_members", gm.len() as f64);
        let placed = gm
            .iter()
            .filter(|x| x.branch.is_some() || x.group.is_some())
            .count();
        put("members_placed", placed as f64);
        let branches: BTreeSet<String> = gm
            .iter()
            .filter_map(|x| x.branch.as_deref())
            .map(squeezed)
            .collect();
        put("branches", branches.len() as f64);
        let groups: BTreeSet<String> = gm
            .iter()
            .filter_map(|x| {
                Some(squeezed(&format!(
                    "{}|{}",
                    x.branch.as_deref().unwrap_or(""),
                    x.group.as_deref()?
                )))
            })
            .collect();
        put("groups", groups.len() as f64);
        put("org_life_on_target", (placed == gm.len()) as u8 as f64);
    }
    if !p.needs.is_empty() {
        put("need_communities", 1.0);
        // The period's needs: raised by its end, not met before it began.
        let period: Vec<&Need> = p
            .needs
            .iter()
            .filter(|x| {
                x.raised <= end && !(x.status == "已完成" && x.done.is_some_and(|d| d < start))
            })
            .collect();
        put("needs", period.len() as f64);
        put(
            "needs_new",
            period.iter().filter(|x| within(x.raised)).count() as f64,
        );
        put(
            "needs_unclaimed",
            period.iter().filter(|x| x.status == "未认领").count() as f64,
        );
        put(
            "needs_claimed",
            period.iter().filter(|x| x.status == "已认领").count() as f64,
        );
        put(
            "needs_done",
            period.iter().filter(|x| x.status == "已完成").count() as f64,
        );
        put(
            "needs_claimed_or_done",
            period.iter().filter(|x| x.status != "未认领").count() as f64,
        );
    }
    v
}
