//! Every column of every report table (reports.md §2), defined once: its
//! key (the CSV/JSON name), its Chinese header and its definition (the
//! workbook's 说明 sheet).

/// Base counts: additive, summed up the tree. Rates are never summed; they
/// are recomputed from these at every row.
pub const BASE: &[(&str, bool)] = &[
    // (key, is_decimal)
    ("expected", false),
    ("submitted", false),
    ("accepted", false),
    ("errors", false),
    ("warnings", false),
    ("communities", false),
    ("communities_accepted", false),
    ("communities_on_target", false),
    ("registered_members", false),
    ("new_registrations", false),
    ("employer_units", false),
    ("members_with_posts", false),
    ("service_count", false),
    ("service_hours", true),
    ("unit_reported_members", false),
    ("meetings", false),
    ("joint", false),
    ("theme_day", false),
    ("branch_general", false),
    ("branch_committee", false),
    ("group", false),
    ("lecture", false),
    ("grid", false),
    ("org_life", false),
    ("other", false),
    ("expected_attendance", false),
    ("attendance", false),
    ("resolved_at_meetings", false),
    ("requirements", false),
    ("requirements_met", false),
    ("unit_activities", false),
    ("units", false),
    ("units_active", false),
    ("received", false),
    ("resolved", false),
    ("in_progress", false),
    ("not_started", false),
    ("rated", false),
    ("very_satisfied", false),
    ("satisfied", false),
    ("basically_satisfied", false),
    ("dissatisfied", false),
    ("very_dissatisfied", false),
    ("satisfied_total", false),
    ("projects_claimed", false),
    ("projects_completed", false),
];

pub const fn base_index(key: &str) -> usize {
    let mut i = 0;
    while i < BASE.len() {
        if const_eq(BASE[i].0, key) {
            return i;
        }
        i += 1;
    }
    panic!("unknown base count")
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The position of a base count, found when compiling (a misspelt key
/// does not compile): counting runs on every row of every ledger.
#[macro_export]
macro_rules! base {
    ($key:literal) => {{
        const I: usize = $crate::schema::columns::base_index($key);
        I
    }};
}

/// The base positions of a key table's columns, computed when compiling.
const fn positions<const N: usize>(keys: &[(&str, &str)]) -> [usize; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = base_index(keys[i].1);
        i += 1;
    }
    out
}

/// Base positions of MEETING_KEYS' columns, in the same order.
pub const MEETING_BASE: [usize; MEETING_KEYS.len()] = positions(MEETING_KEYS);
/// Base positions of SATISFACTION_KEYS' columns, in the same order.
pub const SATISFACTION_BASE: [usize; SATISFACTION_KEYS.len()] = positions(SATISFACTION_KEYS);

/// Meeting types of the meetings schema and their T2 columns.
pub const MEETING_KEYS: &[(&str, &str)] = &[
    ("联席会议", "joint"),
    ("主题党日", "theme_day"),
    ("支部党员大会", "branch_general"),
    ("支委会", "branch_committee"),
    ("党小组会", "group"),
    ("党课", "lecture"),
    ("网格例会", "grid"),
    ("组织生活会", "org_life"),
    ("其他", "other"),
];

pub const SATISFACTION_KEYS: &[(&str, &str)] = &[
    ("非常满意", "very_satisfied"),
    ("满意", "satisfied"),
    ("基本满意", "basically_satisfied"),
    ("不满意", "dissatisfied"),
    ("非常不满意", "very_dissatisfied"),
];

/// Per-category counts of T3b.
pub const CATEGORY_BASE: &[&str] = &["received", "resolved", "rated", "satisfied_total"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Level,
    Code,
    Name,
    Parent,
    Category,
    Count,
    Hours,
    Rate,
    /// A rate's numerator or denominator.
    Part,
    Text,
}

#[derive(Debug, Clone)]
pub struct Col {
    pub key: String,
    pub header: String,
    pub kind: Kind,
    pub def: String,
}

fn col(key: &str, header: &str, kind: Kind, def: &str) -> Col {
    Col {
        key: key.into(),
        header: header.into(),
        kind,
        def: def.into(),
    }
}

/// A rate: key, header, numerator base key, denominator base key, definition.
pub const RATES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "submission_rate",
        "报送率",
        "accepted",
        "expected",
        "纳入汇总数 ÷ 应报单位数（T0）",
    ),
    (
        "registration_target_rate",
        "报到达标率",
        "communities_on_target",
        "communities_accepted",
        "达标社区数 ÷ 纳入汇总的社区数（T1）",
    ),
    (
        "meeting_compliance_rate",
        "会议达标率",
        "requirements_met",
        "requirements",
        "已达标项数 ÷ 应达标项数（T2）",
    ),
    (
        "attendance_rate",
        "出席率",
        "attendance",
        "expected_attendance",
        "实到人次 ÷ 应到人次（T2）",
    ),
    (
        "completion_rate",
        "办结率",
        "resolved",
        "received",
        "已办结 ÷ 受理数（T3）",
    ),
    (
        "satisfaction_rate",
        "满意率",
        "satisfied_total",
        "rated",
        "满意数 ÷ 已评价（T3）",
    ),
    (
        "rating_rate",
        "参评率",
        "rated",
        "resolved",
        "已评价 ÷ 已办结（T3）",
    ),
    (
        "unit_activity_rate",
        "共建活动开展率",
        "units_active",
        "units",
        "开展共建单位数 ÷ 驻区单位数（T2）",
    ),
    (
        "project_completion_rate",
        "项目完成率",
        "projects_completed",
        "projects_claimed",
        "已完成项目数 ÷ 认领项目数（认领项目中填写本辖区社区的行）",
    ),
];

#[derive(Debug, Clone)]
pub struct TableDef {
    /// t0 … t4, t3b
    pub id: &'static str,
    /// File stem: t1_registrations
    pub file: &'static str,
    pub title: &'static str,
    pub sheet: &'static str,
    /// Whether unit rows appear (T0 only).
    pub with_units: bool,
    pub cols: Vec<Col>,
}

fn keys() -> Vec<Col> {
    vec![
        col(
            "level",
            "级别",
            Kind::Level,
            "区县、街道、社区、驻区单位（逐级汇总时另有市、省、全部）",
        ),
        col("code", "代码", Kind::Code, "组织代码或统一社会信用代码"),
        col("name", "名称", Kind::Name, "名录中的名称；无名录时取封面"),
        col(
            "parent_code",
            "上级代码",
            Kind::Parent,
            "上级组织的代码；根行为空",
        ),
    ]
}

pub fn tables() -> Vec<TableDef> {
    let c = |k: &str, h: &str, d: &str| col(k, h, Kind::Count, d);
    let mut t0 = keys();
    t0.extend([
        c(
            "expected",
            "应报单位数",
            "本行及下级中应报为“是”的单位数（无名录时为空）",
        ),
        c("submitted", "实报单位数", "其中已收到报表的单位数"),
        c("accepted", "纳入汇总数", "其中报表纳入汇总的单位数"),
        c(
            "errors",
            "错误数",
            "本行及下级报表的错误数（校验与表间审核）",
        ),
        c("warnings", "警告数", "本行及下级报表的警告数"),
        col(
            "files",
            "文件",
            Kind::Text,
            "本单位自己的报表文件，多个以“;”分隔",
        ),
    ]);
    let mut t1 = keys();
    t1.extend([
        c(
            "communities",
            "社区数",
            "辖区内社区数（社区行为 1），无论是否报送",
        ),
        c(
            "registered_members",
            "报到党员数",
            "在职党员报到名单行数（按身份证号去重）",
        ),
        c(
            "new_registrations",
            "本期新增报到",
            "报到日期在本期内的行数",
        ),
        c(
            "employer_units",
            "涉及单位数",
            "社区内不同的工作单位代码数，逐级相加",
        ),
        c("members_with_posts", "认领岗位人数", "认领岗位不为空的行数"),
        c("service_count", "服务次数", "服务次数之和"),
        col(
            "service_hours",
            "服务时长",
            Kind::Hours,
            "服务时长之和（小时，保留两位小数）",
        ),
        c(
            "communities_on_target",
            "达标社区数",
            "报到党员数达到考核要求的社区数",
        ),
        c(
            "unit_reported_members",
            "单位申报报到数",
            "驻区单位报到党员名单中填写本辖区社区的行数",
        ),
    ]);
    let mut t2 = keys();
    t2.push(c("meetings", "会议总数", "会议活动台账行数"));
    for (zh, k) in MEETING_KEYS {
        t2.push(c(k, zh, &format!("会议类型为“{zh}”的行数")));
    }
    t2.extend([
        c("expected_attendance", "应到人次", "应到人数之和"),
        c("attendance", "实到人次", "实到人数之和"),
        c("resolved_at_meetings", "会议解决问题数", "解决问题数之和"),
        c(
            "requirements",
            "应达标项数",
            "纳入汇总的单位 × 本期最低次数大于 0 的会议类型",
        ),
        c(
            "requirements_met",
            "已达标项数",
            "其中会议次数达到最低次数的项数",
        ),
        c(
            "unit_activities",
            "共建活动次数",
            "驻区单位共建活动中填写本辖区社区的行数",
        ),
        c("units", "驻区单位数", "辖区内报表纳入汇总的驻区单位数"),
        c(
            "units_active",
            "开展共建单位数",
            "其中共建活动次数达到考核要求的单位数",
        ),
    ]);
    let mut t3 = keys();
    t3.extend([
        c("received", "受理数", "民生事项台账行数"),
        c("resolved", "已办结", "办理状态为已办结的行数"),
        c("in_progress", "办理中", "办理状态为办理中的行数"),
        c("not_started", "未办理", "办理状态为未办理的行数"),
        c("rated", "已评价", "满意度不为“未评价”的行数"),
    ]);
    for (zh, k) in SATISFACTION_KEYS {
        t3.push(c(k, zh, &format!("满意度为“{zh}”的行数")));
    }
    t3.extend([
        c(
            "satisfied_total",
            "满意数",
            "满意度计为满意的行数（见考核要求）",
        ),
        c("resolved_at_meetings", "会议解决问题数", "同 T2，供参考"),
    ]);
    let mut t3b = keys();
    t3b.extend([
        col(
            "category",
            "类别",
            Kind::Category,
            "民生事项类别，按模板顺序",
        ),
        c("received", "受理数", "该类别的事项行数"),
        c("resolved", "已办结", "其中已办结"),
        c("rated", "已评价", "其中已评价"),
        c("satisfied_total", "满意数", "其中计为满意"),
        col("completion_rate", "办结率", Kind::Rate, "已办结 ÷ 受理数"),
        col("satisfaction_rate", "满意率", Kind::Rate, "满意数 ÷ 已评价"),
    ]);
    let mut t4 = keys();
    for (k, h, _, _, d) in RATES {
        t4.push(col(k, h, Kind::Rate, d));
        t4.push(col(
            &format!("{k}_num"),
            &format!("{h}分子"),
            Kind::Part,
            &format!("{h}的分子"),
        ));
        t4.push(col(
            &format!("{k}_den"),
            &format!("{h}分母"),
            Kind::Part,
            &format!("{h}的分母"),
        ));
    }
    vec![
        TableDef {
            id: "t0",
            file: "t0_submissions",
            title: "报送情况表",
            sheet: "T0报送情况",
            with_units: true,
            cols: t0,
        },
        TableDef {
            id: "t1",
            file: "t1_registrations",
            title: "在职党员报到情况统计表",
            sheet: "T1在职党员报到",
            with_units: false,
            cols: t1,
        },
        TableDef {
            id: "t2",
            file: "t2_meetings",
            title: "会议活动开展情况统计表",
            sheet: "T2会议活动",
            with_units: false,
            cols: t2,
        },
        TableDef {
            id: "t3",
            file: "t3_issues",
            title: "民生事项办理情况统计表",
            sheet: "T3民生事项",
            with_units: false,
            cols: t3,
        },
        TableDef {
            id: "t3b",
            file: "t3b_issue_categories",
            title: "民生事项分类统计表",
            sheet: "T3b民生事项分类",
            with_units: false,
            cols: t3b,
        },
        TableDef {
            id: "t4",
            file: "t4_rates",
            title: "完成率与满意度统计表",
            sheet: "T4完成率与满意度",
            with_units: false,
            cols: t4,
        },
    ]
}

/// Tables that get `_prev`/`_change` columns with `--previous` (reports.md §3).
pub const COMPARED: &[&str] = &["t1", "t3", "t4"];
