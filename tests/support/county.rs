//! A county in memory — registry, communities, resident units, streets —
//! generated deterministically, and written out as submission workbooks in
//! a plain or a messy hand (every tolerance of forms.md §6).
#![allow(dead_code)]

use super::book::{make_id, n, s, uscc, SheetSpec, V};

pub type Ymd = (u16, u8, u8);

#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    pub id: String,
    pub male: bool,
    pub employer: String,
    pub employer_code: String,
    pub registered_on: Ymd,
    pub post: String,
    pub service_count: u32,
    pub service_hours: f64,
}

#[derive(Clone, Debug)]
pub struct Meeting {
    pub date: Ymd,
    pub kind: String,
    pub topic: String,
    pub expected: u32,
    pub attended: u32,
    pub resolved: u32,
}

#[derive(Clone, Debug)]
pub struct Issue {
    pub id: String,
    pub received: Ymd,
    pub source: String,
    pub category: String,
    pub status: String,
    pub resolved_on: Option<Ymd>,
    pub satisfaction: String,
}

#[derive(Clone, Debug)]
pub struct Community {
    pub code: String,
    pub name: String,
    pub street: String,
    pub members: Vec<Member>,
    pub meetings: Vec<Meeting>,
    pub issues: Vec<Issue>,
    pub paired_units: u32,
    pub preparer: String,
    pub head: String,
    /// The optional sheets it keeps (forms.md §4.8–§4.13), if any.
    pub practices: Option<super::practices::Practices>,
}

#[derive(Clone, Debug)]
pub struct UnitMember {
    pub name: String,
    pub id: String,
    pub community: String,
    pub registered_on: Ymd,
}

#[derive(Clone, Debug)]
pub struct Activity {
    pub date: Ymd,
    pub community: String,
    pub activity: String,
    pub participants: u32,
    pub beneficiaries: u32,
}

#[derive(Clone, Debug)]
pub struct Project {
    pub name: String,
    pub category: String,
    pub community: String,
    pub status: String,
    pub beneficiaries: u32,
}

#[derive(Clone, Debug)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub community: String,
    pub unit_type: String,
    pub members: Vec<UnitMember>,
    pub activities: Vec<Activity>,
    pub projects: Vec<Project>,
}

#[derive(Clone, Debug)]
pub struct Street {
    pub code: String,
    pub name: String,
    pub meetings: Vec<Meeting>,
    /// Its 大工委's 兼职委员 (the first street keeps the sheet).
    pub part_time: Vec<super::practices::PartTime>,
}

#[derive(Clone, Debug)]
pub struct County {
    pub code: String,
    pub name: String,
    pub streets: Vec<Street>,
    pub communities: Vec<Community>,
    pub units: Vec<Unit>,
    /// Year and quarter of the period.
    pub year: u16,
    pub quarter: u8,
    /// Set when the county reports for one month of that quarter.
    pub month: Option<u8>,
}

/// A tiny deterministic generator (no dependency, same output everywhere).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "建国", "红梅", "志强", "海燕", "文斌",
];
const EMPLOYERS: &[&str] = &[
    "县人民医院",
    "县第一中学",
    "县税务局",
    "县供电公司",
    "县农商银行",
    "县自然资源局",
    "县实验小学",
    "县人社局",
];
const POSTS: &[&str] = &[
    "政策宣传员",
    "矛盾调解员",
    "环境监督员",
    "文明劝导员",
    "志愿服务队员",
    "网格协管员",
    "",
];
pub const MEETING_TYPES: &[&str] = &[
    "联席会议",
    "主题党日",
    "支部党员大会",
    "支委会",
    "党小组会",
    "党课",
    "网格例会",
    "组织生活会",
    "其他",
];
pub const CATEGORIES: &[&str] = &[
    "扶贫助困",
    "环境整治",
    "交通疏导",
    "助医助学",
    "环保公益",
    "矛盾调解",
    "公共设施",
    "其他",
];
const SOURCES: &[&str] = &["网格走访", "群众来访", "热线转办", "联席会议", "其他"];
const SATISFACTION: &[&str] = &["非常满意", "满意", "满意", "基本满意", "不满意", "未评价"];
const TOPICS: &[&str] = &[
    "老旧小区改造",
    "垃圾分类推进",
    "停车难问题",
    "困难群众帮扶",
    "防汛准备",
    "文明城市创建",
    "社区养老服务",
];
const UNIT_TYPES: &[&str] = &["党政机关", "事业单位", "国有企业", "非公企业", "社会组织"];
const PROJECT_CATS: &[&str] = &[
    "社会保障",
    "环境整治",
    "教育医疗",
    "法律服务",
    "文体活动",
    "其他",
];

pub fn name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

impl County {
    pub fn period(&self) -> String {
        match self.month {
            Some(m) => format!("{}-{m:02}", self.year),
            None => format!("{}Q{}", self.year, self.quarter),
        }
    }

    /// Every date of the county's books, mapped by `f`.
    fn map_dates(&mut self, f: &dyn Fn(Ymd) -> Ymd) {
        for c in &mut self.communities {
            for m in &mut c.members {
                m.registered_on = f(m.registered_on);
            }
            for m in &mut c.meetings {
                m.date = f(m.date);
            }
            for i in &mut c.issues {
                i.received = f(i.received);
                i.resolved_on = i.resolved_on.map(f);
            }
            if let Some(p) = &mut c.practices {
                p.map_dates(f);
            }
        }
        for u in &mut self.units {
            for m in &mut u.members {
                m.registered_on = f(m.registered_on);
            }
            for a in &mut u.activities {
                a.date = f(a.date);
            }
        }
        for st in &mut self.streets {
            for m in &mut st.meetings {
                m.date = f(m.date);
            }
            for m in &mut st.part_time {
                m.appointed = f(m.appointed);
            }
        }
    }

    /// The same county in another quarter of its year: every date moved by
    /// whole quarters (days stay at most 28, so every date exists).
    pub fn in_quarter(&self, q: u8) -> County {
        let mut c = self.clone();
        let dm = (q as i32 - self.quarter as i32) * 3;
        c.map_dates(&|(y, m, d)| {
            let k = y as i32 * 12 + m as i32 - 1 + dm;
            ((k / 12) as u16, (k % 12 + 1) as u8, d)
        });
        c.quarter = q;
        c.month = None;
        c
    }

    /// The same county reporting for month `m` of its quarter: the
    /// quarter's days are squeezed into that month in order (a resolution
    /// stays after its receipt); dates before the quarter stay.
    pub fn in_month(&self, m: u8) -> County {
        let first = self.first_month();
        assert!(
            (first..first + 3).contains(&m),
            "month {m} outside the quarter"
        );
        let year = self.year;
        let mut c = self.clone();
        c.map_dates(&|(y, mo, d)| {
            if y != year || mo < first || mo >= first + 3 {
                return (y, mo, d);
            }
            let k = (mo - first) as u32 * 28 + (d.min(28) - 1) as u32;
            (y, m, (k / 3 + 1) as u8)
        });
        c.month = Some(m);
        c
    }
    pub fn first_month(&self) -> u8 {
        (self.quarter - 1) * 3 + 1
    }
    /// A day inside the period.
    pub fn day_in(&self, rng: &mut Rng) -> Ymd {
        (
            self.year,
            self.first_month() + rng.below(3) as u8,
            1 + rng.below(28) as u8,
        )
    }
    pub fn street_of(&self, community: &str) -> &Street {
        self.streets
            .iter()
            .find(|s| s.code[..9] == community[..9])
            .expect("street")
    }
}

/// Generate a county: `streets` × `per_street` communities, `units` resident
/// units, each community with about `members` roster rows.
pub fn generate(
    seed: u64,
    streets: usize,
    per_street: usize,
    units: usize,
    members: usize,
) -> County {
    generate_in("429901", seed, streets, per_street, units, members)
}

/// The same, for a county with the given 6-digit code.
pub fn generate_in(
    county_code: &str,
    seed: u64,
    streets: usize,
    per_street: usize,
    units: usize,
    members: usize,
) -> County {
    let mut rng = Rng::new(seed);
    let county_code = county_code.to_string();
    // ID numbers differ between counties (the sample county keeps its own region).
    let region = if county_code == "429901" {
        "420923".to_string()
    } else {
        county_code.clone()
    };
    let street_names = [
        "城关街道",
        "东城街道",
        "西城街道",
        "南湖街道",
        "北山街道",
        "新区街道",
        "河西街道",
        "开发区街道",
    ];
    let comm_names = [
        "南门", "北门", "西关", "东湖", "新华", "滨江", "文昌", "和平", "幸福", "光明", "友谊",
        "民主", "建设", "人民", "团结", "繁荣",
    ];
    let mut county = County {
        code: county_code.clone(),
        name: "示例县".into(),
        streets: Vec::new(),
        communities: Vec::new(),
        units: Vec::new(),
        year: 2026,
        quarter: 3,
        month: None,
    };
    let mut id_seq = 0u32;
    let mut seen_ids = std::collections::HashSet::new();
    for si in 0..streets {
        let scode = format!("{county_code}{:03}000", si + 1);
        let sname = if si < street_names.len() {
            street_names[si].to_string()
        } else {
            format!("第{}街道", si + 1)
        };
        let mut st = Street {
            code: scode.clone(),
            name: sname,
            meetings: Vec::new(),
            part_time: Vec::new(),
        };
        if si == 0 {
            st.part_time = (0..3)
                .map(|k| super::practices::PartTime {
                    name: format!("工委委员{}", k + 1),
                    employer: ["县委组织部", "县供电公司", "城关派出所"][k].to_string(),
                    employer_code: None,
                    source: ["驻区单位", "驻区单位", "社区民警"][k],
                    appointed: (2025, 3, 1),
                    duties: Some("联系社区".into()),
                })
                .collect();
        }
        for _ in 0..3 {
            let d = county.day_in(&mut rng);
            st.meetings.push(Meeting {
                date: d,
                kind: "联席会议".into(),
                topic: rng.pick(TOPICS).to_string(),
                expected: 20,
                attended: 18,
                resolved: 2,
            });
        }
        county.streets.push(st);
        for ci in 0..per_street {
            let ccode = format!("{}{:03}", &scode[..9], ci + 1);
            let base = comm_names[(si * per_street + ci) % comm_names.len()];
            let cname = if si * per_street + ci < comm_names.len() {
                format!("{base}社区")
            } else {
                format!("{base}{}社区", si * per_street + ci)
            };
            let nmem = members / 2 + rng.below(members as u64 + 1) as usize;
            let mut ms = Vec::new();
            for _ in 0..nmem {
                id_seq += 1;
                let male = rng.below(2) == 0;
                let birth = format!(
                    "19{}{:02}{:02}",
                    60 + rng.below(40),
                    1 + rng.below(12),
                    1 + rng.below(28)
                );
                let emp = rng.below(EMPLOYERS.len() as u64) as usize;
                let count = rng.below(6) as u32;
                // One person, one ID: at province scale random birth dates repeat.
                let mut id = make_id(&region, &birth, id_seq, male);
                let mut tries = 0u32;
                while !seen_ids.insert(id.clone()) {
                    id_seq += 1;
                    tries += 1;
                    // A region holds ≈2.7 million of these IDs: a county of
                    // 10,000 communities needs its neighbours' codes too
                    // (after many tries only, so smaller counties keep
                    // exactly the IDs they had).
                    let r = if tries > 50 {
                        let n: u32 = region.parse().expect("a numeric region");
                        (n + tries / 50).to_string()
                    } else {
                        region.to_string()
                    };
                    id = make_id(&r, &birth, id_seq + id_seq / 100, male);
                }
                ms.push(Member {
                    name: name(&mut rng),
                    id,
                    male,
                    employer: EMPLOYERS[emp].to_string(),
                    employer_code: uscc(&format!("12429901MB{:07}", 1000 + emp)),
                    registered_on: if rng.below(4) == 0 {
                        county.day_in(&mut rng)
                    } else {
                        (2025, 1 + rng.below(12) as u8, 1 + rng.below(28) as u8)
                    },
                    post: rng.pick(POSTS).to_string(),
                    service_count: count,
                    service_hours: (count as f64) * (1.0 + rng.below(4) as f64)
                        + if count > 0 && rng.below(3) == 0 {
                            0.5
                        } else {
                            0.0
                        },
                });
            }
            let mut meetings = Vec::new();
            for (t, k) in [
                ("联席会议", 3),
                ("主题党日", 3),
                ("支委会", 3),
                ("党小组会", 2 + rng.below(2)),
                ("支部党员大会", 1),
                ("党课", rng.below(2)),
                ("网格例会", rng.below(3)),
            ] {
                for _ in 0..k {
                    let exp = 8 + rng.below(30) as u32;
                    meetings.push(Meeting {
                        date: county.day_in(&mut rng),
                        kind: t.into(),
                        topic: rng.pick(TOPICS).to_string(),
                        expected: exp,
                        attended: exp - rng.below(4).min(exp as u64) as u32,
                        resolved: rng.below(3) as u32,
                    });
                }
            }
            meetings.sort_by_key(|m| m.date);
            let mut issues = Vec::new();
            let nis = 5 + rng.below(10) as usize;
            for k in 0..nis {
                let rec = county.day_in(&mut rng);
                let roll = rng.below(10);
                let status = if roll < 7 {
                    "已办结"
                } else if roll < 9 {
                    "办理中"
                } else {
                    "未办理"
                };
                let resolved_on = (status == "已办结").then(|| {
                    let d = rec.2.saturating_add(1 + rng.below(10) as u8).min(28);
                    let m = if rec.1 < county.first_month() + 2 && rng.below(2) == 0 {
                        rec.1 + 1
                    } else {
                        rec.1
                    };
                    (
                        rec.0,
                        m,
                        if m > rec.1 {
                            1 + rng.below(28) as u8
                        } else {
                            d
                        },
                    )
                });
                let sat = if status == "已办结" {
                    rng.pick(SATISFACTION).to_string()
                } else {
                    "未评价".into()
                };
                issues.push(Issue {
                    id: format!("MS{}{:03}", &ccode[9..], k + 1),
                    received: rec,
                    source: rng.pick(SOURCES).to_string(),
                    category: rng.pick(CATEGORIES).to_string(),
                    status: status.into(),
                    resolved_on,
                    satisfaction: sat,
                });
            }
            let index = county.communities.len();
            let practices =
                super::practices::generate(index, &ccode, county.year, county.first_month());
            county.communities.push(Community {
                code: ccode,
                name: cname,
                street: scode.clone(),
                members: ms,
                meetings,
                issues,
                paired_units: 0,
                preparer: name(&mut rng),
                head: name(&mut rng),
                practices,
            });
        }
    }
    for ui in 0..units {
        let ci = ui % county.communities.len();
        let comm = county.communities[ci].code.clone();
        let unit_type = UNIT_TYPES[ui % UNIT_TYPES.len()].to_string();
        let code = uscc(&format!("11{}{:09}", county_code, 100 + ui));
        let mut members = Vec::new();
        // Unit members registered at the paired community also appear on its roster.
        let roster = &county.communities[ci].members;
        for m in roster.iter().skip(ui % 3).step_by(7).take(3) {
            members.push(UnitMember {
                name: m.name.clone(),
                id: m.id.clone(),
                community: comm.clone(),
                registered_on: m.registered_on,
            });
        }
        let mut activities = Vec::new();
        for _ in 0..(rng.below(3)) {
            activities.push(Activity {
                date: county.day_in(&mut rng),
                community: comm.clone(),
                activity: format!("{}志愿服务", rng.pick(TOPICS)),
                participants: 3 + rng.below(10) as u32,
                beneficiaries: 10 + rng.below(90) as u32,
            });
        }
        let mut projects = Vec::new();
        for k in 0..(1 + rng.below(2)) {
            projects.push(Project {
                name: format!("{}项目{}", rng.pick(PROJECT_CATS), k + 1),
                category: rng.pick(PROJECT_CATS).to_string(),
                community: comm.clone(),
                status: ["已完成", "进行中", "未启动"][rng.below(3) as usize].into(),
                beneficiaries: rng.below(200) as u32,
            });
        }
        county.communities[ci].paired_units += 1;
        county.units.push(Unit {
            code,
            name: format!("驻区单位{}（{}）", ui + 1, unit_type),
            community: comm,
            unit_type,
            members,
            activities,
            projects,
        });
    }
    county
}

// ---------------------------------------------------------------- writing

/// How a workbook is filled in: `plain` is the template as designed; each
/// messy flag is one tolerance of forms.md §6.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hand {
    pub title_rows: bool,
    pub merged_header: bool,
    pub decorated_headers: bool,
    pub aliases: bool,
    pub reorder: bool,
    pub text_numbers: bool,
    pub serial_dates: bool,
    pub text_dates: bool,
    pub total_row: bool,
    pub footer: bool,
    pub blank_rows: bool,
    pub fullwidth: bool,
    pub column_numbers: bool,
    pub inline_cover: bool,
    pub alias_sheets: bool,
    pub extra_sheet: bool,
    pub template_tail: bool,
}

impl Hand {
    pub fn plain() -> Hand {
        Hand::default()
    }
    /// A different mix of habits for each k.
    pub fn messy(k: usize) -> Hand {
        let bit = |b: usize| (k >> b) & 1 == 1 || k == usize::MAX;
        Hand {
            title_rows: true,
            merged_header: bit(0),
            decorated_headers: bit(1),
            aliases: bit(2),
            reorder: bit(3),
            text_numbers: bit(0) || bit(2),
            serial_dates: bit(1),
            text_dates: bit(2) && !bit(1),
            total_row: true,
            footer: true,
            blank_rows: bit(3) || bit(0),
            fullwidth: bit(1),
            column_numbers: bit(2),
            inline_cover: bit(0),
            alias_sheets: bit(1),
            extra_sheet: bit(3),
            template_tail: bit(2),
        }
    }
}

fn date_cell(d: Ymd, hand: &Hand, k: usize) -> V {
    if hand.serial_dates && k.is_multiple_of(2) {
        // An unformatted serial (a pasted value).
        let serial = chrono_serial(d);
        return V::N(serial as f64);
    }
    if hand.text_dates {
        return match k % 4 {
            0 => s(format!("{}年{}月{}日", d.0, d.1, d.2)),
            1 => s(format!("{}/{}/{}", d.0, d.1, d.2)),
            2 => s(format!("{}.{}.{}", d.0, d.1, d.2)),
            _ => s(format!("{}{:02}{:02}", d.0, d.1, d.2)),
        };
    }
    V::D(d.0, d.1, d.2)
}

/// Excel serial of a date (1900 system, dates after March 1900).
pub fn chrono_serial(d: Ymd) -> i64 {
    let days_from_civil = |y: i64, m: i64, d: i64| {
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    };
    days_from_civil(d.0 as i64, d.1 as i64, d.2 as i64) - days_from_civil(1899, 12, 30)
}

fn num_cell(x: f64, hand: &Hand, k: usize) -> V {
    if hand.fullwidth && k % 5 == 1 {
        let t: String = crate::support::book_num_text(x)
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap()
                } else {
                    c
                }
            })
            .collect();
        return s(t);
    }
    if hand.text_numbers && k.is_multiple_of(3) {
        return s(crate::support::book_num_text(x));
    }
    n(x)
}

/// A ledger sheet: title rows, header (maybe two-row with a merged group),
/// rows, 合计, footer — as the hand writes it.
pub struct LedgerSpec<'a> {
    pub sheet: String,
    pub title: String,
    pub org_name: &'a str,
    /// (header, alias, group): group joins two columns under one merged cell.
    pub columns: Vec<(&'a str, &'a str, Option<&'a str>)>,
    pub rows: Vec<Vec<V>>,
    /// Columns (by index in `columns`) that a 合计 row sums.
    pub sum_cols: Vec<usize>,
}

pub fn ledger_sheet(spec: LedgerSpec, hand: &Hand) -> SheetSpec {
    let ncol = spec.columns.len() + 1;
    let mut order: Vec<usize> = (0..spec.columns.len()).collect();
    if hand.reorder {
        order.rotate_left(1);
        // Keep grouped columns adjacent after the rotation.
        order.sort_by_key(|&i| (spec.columns[i].2.is_some(), i));
    }
    let mut sh = SheetSpec::new(&spec.sheet);
    let mut r: u32 = 0;
    if hand.title_rows {
        sh.rows.push(vec![s(spec.title.clone())]);
        sh.merges.push((0, 0, 0, (ncol - 1) as u16));
        sh.rows.push(vec![
            s(format!("填报单位：{}", spec.org_name)),
            V::E,
            V::E,
            s("单位：人、次"),
        ]);
        sh.rows.push(vec![]);
        r = 3;
    }
    let two_rows = hand.merged_header && spec.columns.iter().any(|c| c.2.is_some());
    let header_text = |i: usize| -> String {
        let (h, a, g) = spec.columns[i];
        // A grouped column's alias is a sub-header: it needs its group above.
        let alias_ok = !a.is_empty() && (g.is_none() || two_rows);
        let base = if hand.aliases && alias_ok { a } else { h };
        if hand.decorated_headers {
            match i % 3 {
                0 => format!("*{base}"),
                1 => {
                    let cs: Vec<char> = base.chars().collect();
                    if cs.len() > 2 {
                        format!(
                            "{}\n{}",
                            cs[..2].iter().collect::<String>(),
                            cs[2..].iter().collect::<String>()
                        )
                    } else {
                        format!("{base} ")
                    }
                }
                _ => format!("　{base}"),
            }
        } else {
            base.to_string()
        }
    };
    let mut top = vec![s("序号")];
    let mut low = vec![V::E];
    for (pos, &i) in order.iter().enumerate() {
        let c = pos + 1;
        match (two_rows, spec.columns[i].2) {
            (true, Some(g)) => {
                let first_of_group = pos == 0 || spec.columns[order[pos - 1]].2 != Some(g);
                top.push(if first_of_group { s(g) } else { V::E });
                if first_of_group {
                    let span = order[pos..]
                        .iter()
                        .take_while(|&&j| spec.columns[j].2 == Some(g))
                        .count();
                    if span > 1 {
                        sh.merges.push((r, c as u16, r, (c + span - 1) as u16));
                    }
                }
                low.push(s(header_text(i)));
            }
            (true, None) => {
                top.push(s(header_text(i)));
                low.push(V::E);
                sh.merges.push((r, c as u16, r + 1, c as u16));
            }
            _ => top.push(s(header_text(i))),
        }
    }
    if two_rows {
        sh.merges.push((r, 0, r + 1, 0));
        sh.rows.push(top);
        sh.rows.push(low);
        r += 2;
    } else {
        sh.rows.push(top);
        r += 1;
    }
    if hand.column_numbers {
        let mut nums = vec![s("甲")];
        nums.extend((1..ncol).map(|i| n(i as f64)));
        sh.rows.push(nums);
        r += 1;
    }
    let first_data = r;
    for (k, row) in spec.rows.iter().enumerate() {
        if hand.blank_rows && k == 2 {
            sh.rows.push(vec![]);
        }
        let mut out = vec![n((k + 1) as f64)];
        for &i in &order {
            out.push(row.get(i).cloned().unwrap_or(V::E));
        }
        sh.rows.push(out);
    }
    let _ = first_data;
    if hand.total_row && !spec.sum_cols.is_empty() {
        let mut tot = vec![s("合计")];
        for &i in &order {
            if spec.sum_cols.contains(&i) {
                // Excel's SUM skips numbers stored as text; the cached value
                // here is the true sum, as a careful filler would type it.
                let sum: f64 = spec.rows.iter().map(|row| value_of(row.get(i))).sum();
                tot.push(n(sum));
            } else {
                tot.push(V::E);
            }
        }
        sh.rows.push(tot);
    }
    if hand.template_tail {
        let len = spec.rows.len();
        for k in 0..5 {
            sh.rows.push(vec![n((len + k + 1) as f64)]);
        }
    }
    if hand.footer {
        sh.rows.push(vec![]);
        sh.rows
            .push(vec![s("填表人：王芳"), V::E, V::E, s("审核人：李强")]);
        sh.rows.push(vec![s("说明：本表按季度报送。")]);
    }
    sh
}

pub fn value_of(v: Option<&V>) -> f64 {
    match v {
        Some(V::N(x)) => *x,
        Some(V::S(t)) => {
            let t: String = t
                .chars()
                .map(|c| {
                    if ('０'..='９').contains(&c) {
                        char::from_u32(c as u32 - 0xFEE0).unwrap()
                    } else {
                        c
                    }
                })
                .collect();
            t.replace(',', "").trim().parse().unwrap_or(0.0)
        }
        _ => 0.0,
    }
}

pub fn cover_sheet(name: &str, pairs: &[(&str, V)], hand: &Hand) -> SheetSpec {
    let mut sh = SheetSpec::new(name);
    sh.rows.push(vec![s("城市基层党建统计报表")]);
    sh.rows.push(vec![]);
    if hand.inline_cover {
        // Two pairs a row, some as `标签：值` in one cell.
        for (k, chunk) in pairs.chunks(2).enumerate() {
            let mut row = Vec::new();
            for (j, (l, v)) in chunk.iter().enumerate() {
                if (k + j) % 2 == 0 {
                    if let V::S(t) = v {
                        row.push(s(format!("{l}：{t}")));
                        row.push(V::E);
                        continue;
                    }
                }
                row.push(s(format!("{l}:")));
                row.push(v.clone());
            }
            sh.rows.push(row);
        }
    } else {
        for (l, v) in pairs {
            sh.rows.push(vec![s(*l), v.clone()]);
        }
    }
    sh
}

pub fn community_book(county: &County, c: &Community, hand: &Hand) -> Vec<SheetSpec> {
    let period = if hand.aliases && county.month.is_none() {
        format!(
            "{}年第{}季度",
            county.year,
            ["一", "二", "三", "四"][county.quarter as usize - 1]
        )
    } else {
        county.period()
    };
    let cover = cover_sheet(
        if hand.alias_sheets {
            "基本情况"
        } else {
            "封面"
        },
        &[
            ("单位名称", s(c.name.clone())),
            ("单位代码", s(c.code.clone())),
            ("报告期", s(period)),
            ("填表人", s(c.preparer.clone())),
            ("审核人", s("赵敏")),
            ("负责人", s(c.head.clone())),
            ("联系电话", s("0710-1234567")),
            (
                "网格数",
                n(c.practices
                    .as_ref()
                    .filter(|p| !p.grids.is_empty())
                    .map_or(6, |p| p.grids.len()) as f64),
            ),
            ("结对单位数", n(c.paired_units as f64)),
        ]
        .into_iter()
        .chain(c.practices.iter().flat_map(super::practices::cover_lines))
        .collect::<Vec<_>>(),
        hand,
    );
    let roster_rows: Vec<Vec<V>> = c
        .members
        .iter()
        .enumerate()
        .map(|(k, m)| {
            vec![
                s(m.name.clone()),
                s(m.id.clone()),
                s(if m.male { "男" } else { "女" }),
                s(m.employer.clone()),
                s(m.employer_code.clone()),
                date_cell(m.registered_on, hand, k),
                s(m.post.clone()),
                num_cell(m.service_count as f64, hand, k),
                num_cell(m.service_hours, hand, k + 1),
            ]
        })
        .collect();
    let roster = ledger_sheet(
        LedgerSpec {
            sheet: if hand.alias_sheets {
                "报到名单".into()
            } else {
                "在职党员报到".into()
            },
            title: format!(
                "{}{}年第{}季度在职党员报到登记表",
                c.name, county.year, county.quarter
            ),
            org_name: &c.name,
            columns: vec![
                ("姓名", "", None),
                ("身份证号", "公民身份号码", None),
                ("性别", "", None),
                ("工作单位", "所在单位", None),
                ("工作单位代码", "单位统一社会信用代码", None),
                ("报到日期", "报到时间", None),
                ("认领岗位", "服务岗位", None),
                ("服务次数", "次数", Some("本期服务")),
                ("服务时长（小时）", "时长（小时）", Some("本期服务")),
            ],
            rows: roster_rows,
            sum_cols: vec![7, 8],
        },
        hand,
    );
    let meeting_rows: Vec<Vec<V>> = c
        .meetings
        .iter()
        .enumerate()
        .map(|(k, m)| {
            vec![
                date_cell(m.date, hand, k),
                s(if hand.aliases && m.kind == "支委会" {
                    "支部委员会".to_string()
                } else {
                    m.kind.clone()
                }),
                s(m.topic.clone()),
                num_cell(m.expected as f64, hand, k),
                num_cell(m.attended as f64, hand, k + 2),
                num_cell(m.resolved as f64, hand, k),
            ]
        })
        .collect();
    let meetings = ledger_sheet(
        LedgerSpec {
            sheet: if hand.alias_sheets {
                "会议台账".into()
            } else {
                "会议活动".into()
            },
            title: format!("{}会议活动台账", c.name),
            org_name: &c.name,
            columns: vec![
                ("日期", "会议日期", None),
                ("会议类型", "类型", None),
                ("议题", "主题", None),
                ("应到人数", "应到", Some("出席情况")),
                ("实到人数", "实到", Some("出席情况")),
                ("解决问题数", "议定事项数", None),
            ],
            rows: meeting_rows,
            sum_cols: vec![3, 4, 5],
        },
        hand,
    );
    let issue_rows: Vec<Vec<V>> = c
        .issues
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let status = if hand.aliases && i.status == "已办结" && k % 2 == 0 {
                "办结".to_string()
            } else {
                i.status.clone()
            };
            vec![
                s(i.id.clone()),
                date_cell(i.received, hand, k),
                s(i.source.clone()),
                s(i.category.clone()),
                s(status),
                i.resolved_on
                    .map(|d| date_cell(d, hand, k + 1))
                    .unwrap_or(V::E),
                if i.satisfaction == "未评价" && hand.blank_rows {
                    V::E
                } else {
                    s(i.satisfaction.clone())
                },
            ]
        })
        .collect();
    let issues = ledger_sheet(
        LedgerSpec {
            sheet: if hand.alias_sheets {
                "问题清单".into()
            } else {
                "民生事项".into()
            },
            title: format!("{}民生事项办理台账", c.name),
            org_name: &c.name,
            columns: vec![
                ("事项编号", "编号", None),
                ("受理日期", "受理时间", None),
                ("来源", "事项来源", None),
                ("类别", "事项类别", None),
                ("办理状态", "是否办结", None),
                ("办结日期", "办结时间", None),
                ("满意度", "群众评价", None),
            ],
            rows: issue_rows,
            sum_cols: vec![],
        },
        hand,
    );
    let mut book = vec![cover, roster, meetings, issues];
    if let Some(p) = &c.practices {
        let habits = super::practices::Habits {
            aliases: hand.alias_sheets,
            blank_row: hand.blank_rows,
            footer: hand.footer,
        };
        book.extend(super::practices::sheets(p, habits));
    }
    if hand.extra_sheet {
        book.push(
            SheetSpec::new("填报说明")
                .row(vec![s("请按模板填写，勿改动表头。")])
                .hidden(),
        );
    }
    book
}

pub fn unit_book(county: &County, u: &Unit, hand: &Hand) -> Vec<SheetSpec> {
    let cover = cover_sheet(
        "封面",
        &[
            ("单位名称", s(u.name.clone())),
            ("统一社会信用代码", s(u.code.clone())),
            ("报告期", s(county.period())),
            ("填表人", s("刘洋")),
            ("负责人", s("陈静")),
            ("单位类型", s(u.unit_type.clone())),
            ("党员数", n(u.members.len() as f64 + 5.0)),
            ("结对社区代码", s(u.community.clone())),
        ],
        hand,
    );
    let members = ledger_sheet(
        LedgerSpec {
            sheet: "报到党员名单".into(),
            title: format!("{}在职党员到社区报到名单", u.name),
            org_name: &u.name,
            columns: vec![
                ("姓名", "", None),
                ("身份证号", "公民身份号码", None),
                ("报到社区代码", "社区代码", None),
                ("报到日期", "", None),
            ],
            rows: u
                .members
                .iter()
                .enumerate()
                .map(|(k, m)| {
                    vec![
                        s(m.name.clone()),
                        s(m.id.clone()),
                        s(m.community.clone()),
                        date_cell(m.registered_on, hand, k),
                    ]
                })
                .collect(),
            sum_cols: vec![],
        },
        hand,
    );
    let activities = ledger_sheet(
        LedgerSpec {
            sheet: "共建活动".into(),
            title: format!("{}共建活动台账", u.name),
            org_name: &u.name,
            columns: vec![
                ("日期", "活动日期", None),
                ("社区代码", "共建社区代码", None),
                ("活动内容", "活动名称", None),
                ("参与党员数", "", None),
                ("服务群众人次", "", None),
            ],
            rows: u
                .activities
                .iter()
                .enumerate()
                .map(|(k, a)| {
                    vec![
                        date_cell(a.date, hand, k),
                        s(a.community.clone()),
                        s(a.activity.clone()),
                        num_cell(a.participants as f64, hand, k),
                        num_cell(a.beneficiaries as f64, hand, k),
                    ]
                })
                .collect(),
            sum_cols: vec![3, 4],
        },
        hand,
    );
    let projects = ledger_sheet(
        LedgerSpec {
            sheet: "认领项目".into(),
            title: format!("{}认领服务项目", u.name),
            org_name: &u.name,
            columns: vec![
                ("项目名称", "", None),
                ("类别", "项目类别", None),
                ("社区代码", "", None),
                ("状态", "项目状态", None),
                ("受益人数", "", None),
            ],
            rows: u
                .projects
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    vec![
                        s(p.name.clone()),
                        s(p.category.clone()),
                        s(p.community.clone()),
                        s(p.status.clone()),
                        num_cell(p.beneficiaries as f64, hand, k),
                    ]
                })
                .collect(),
            sum_cols: vec![4],
        },
        hand,
    );
    vec![cover, members, activities, projects]
}

pub fn street_book(county: &County, st: &Street, hand: &Hand) -> Vec<SheetSpec> {
    let cover = cover_sheet(
        "封面",
        &[
            ("单位名称", s(st.name.clone())),
            ("单位代码", s(st.code.clone())),
            ("报告期", s(county.period())),
            ("填表人", s("孙磊")),
            ("负责人", s("周华")),
        ],
        hand,
    );
    let meetings = ledger_sheet(
        LedgerSpec {
            sheet: "会议活动".into(),
            title: format!("{}会议活动台账", st.name),
            org_name: &st.name,
            columns: vec![
                ("日期", "会议日期", None),
                ("会议类型", "类型", None),
                ("议题", "主题", None),
                ("应到人数", "应到", Some("出席情况")),
                ("实到人数", "实到", Some("出席情况")),
                ("解决问题数", "", None),
            ],
            rows: st
                .meetings
                .iter()
                .enumerate()
                .map(|(k, m)| {
                    vec![
                        date_cell(m.date, hand, k),
                        s(m.kind.clone()),
                        s(m.topic.clone()),
                        n(m.expected as f64),
                        n(m.attended as f64),
                        n(m.resolved as f64),
                    ]
                })
                .collect(),
            sum_cols: vec![3, 4, 5],
        },
        hand,
    );
    let mut book = vec![cover, meetings];
    if !st.part_time.is_empty() {
        book.push(super::practices::part_time_sheet(&st.part_time));
    }
    book
}

pub fn registry_book(county: &County) -> Vec<SheetSpec> {
    let mut sh = SheetSpec::new("报送单位名录");
    sh.rows.push(vec![s(format!(
        "{}城市基层党建统计报送单位名录",
        county.name
    ))]);
    sh.rows.push(vec![
        s("序号"),
        s("代码"),
        s("名称"),
        s("类型"),
        s("上级代码"),
        s("应报"),
    ]);
    let mut k = 0;
    let mut push =
        |sh: &mut SheetSpec, code: &str, name: &str, kind: &str, parent: &str, expected: &str| {
            k += 1;
            sh.rows.push(vec![
                n(k as f64),
                s(code),
                s(name),
                s(kind),
                if parent.is_empty() { V::E } else { s(parent) },
                if expected.is_empty() {
                    V::E
                } else {
                    s(expected)
                },
            ]);
        };
    push(&mut sh, &county.code, &county.name, "区县", "", "否");
    for st in &county.streets {
        push(
            &mut sh,
            &st.code,
            &st.name,
            "街道",
            &format!("{}000000", county.code),
            "否",
        );
        for c in county.communities.iter().filter(|c| c.street == st.code) {
            push(&mut sh, &c.code, &c.name, "社区", &st.code, "是");
            for u in county.units.iter().filter(|u| u.community == c.code) {
                push(&mut sh, &u.code, &u.name, "驻区单位", &c.code, "");
            }
        }
    }
    vec![sh]
}
