//! `pbstat aggregate` and `pbstat report` on fixture counties with known
//! answers: the expected value of every column at every level is computed
//! here, independently, from the county model the workbooks were written from.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::book::{break_id, s, V};
use crate::support::county::{
    community_book, generate, generate_in, registry_book, street_book, unit_book, County, Hand, Rng,
};
use crate::workdir::*;

pub(crate) type Row = BTreeMap<String, String>;

/// The default requirements for a community's meetings (schemas/requirements.toml).
const COMMUNITY_MEETINGS: &[(&str, usize)] = &[
    ("联席会议", 3),
    ("主题党日", 3),
    ("支委会", 3),
    ("党小组会", 3),
    ("支部党员大会", 1),
    ("党课", 1),
];

pub(crate) fn read_csv(path: &std::path::Path) -> Vec<Row> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "{} has no BOM",
        path.display()
    );
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            h.iter()
                .zip(rec.unwrap().iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn table(w: &Workdir, out: &str, file: &str) -> Vec<Row> {
    read_csv(&w.path(&format!("{out}/tables/{file}.csv")))
}

fn num(r: &Row, k: &str) -> Option<f64> {
    let v = r.get(k).unwrap_or_else(|| panic!("no column {k} in {r:?}"));
    (!v.is_empty()).then(|| v.parse().unwrap_or_else(|_| panic!("{k}={v}")))
}

/// What the fixture did with each organisation.
#[derive(Default)]
struct Plan {
    missing: BTreeSet<String>,
    excluded: BTreeSet<String>,
    street_submits: BTreeSet<String>,
}

/// The expected own base counts of each node, from the county model.
#[allow(clippy::type_complexity)]
fn oracle(
    c: &County,
    plan: &Plan,
) -> (
    BTreeMap<String, BTreeMap<&'static str, f64>>,
    BTreeMap<String, BTreeMap<String, [f64; 4]>>,
    BTreeMap<String, Option<String>>,
) {
    let mut own: BTreeMap<String, BTreeMap<&'static str, f64>> = BTreeMap::new();
    let mut cats: BTreeMap<String, BTreeMap<String, [f64; 4]>> = BTreeMap::new();
    let mut parent: BTreeMap<String, Option<String>> = BTreeMap::new();
    let county = format!("{}000000", c.code);
    parent.insert(county.clone(), None);
    let add = |own: &mut BTreeMap<String, BTreeMap<&'static str, f64>>,
               code: &str,
               k: &'static str,
               v: f64| {
        *own.entry(code.to_string())
            .or_default()
            .entry(k)
            .or_default() += v;
    };
    let meetings = |own: &mut BTreeMap<String, BTreeMap<&'static str, f64>>,
                    code: &str,
                    ms: &[crate::support::county::Meeting]| {
        const KEYS: [(&str, &str); 9] = [
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
        for m in ms {
            add(own, code, "meetings", 1.0);
            add(
                own,
                code,
                KEYS.iter().find(|(z, _)| *z == m.kind).unwrap().1,
                1.0,
            );
            add(own, code, "expected_attendance", m.expected as f64);
            add(own, code, "attendance", m.attended as f64);
            add(own, code, "resolved_at_meetings", m.resolved as f64);
        }
    };
    for st in &c.streets {
        parent.insert(st.code.clone(), Some(county.clone()));
        if plan.street_submits.contains(&st.code) {
            meetings(&mut own, &st.code, &st.meetings);
            let n = st.meetings.iter().filter(|m| m.kind == "联席会议").count();
            add(&mut own, &st.code, "requirements", 1.0);
            add(
                &mut own,
                &st.code,
                "requirements_met",
                (n >= 3) as u8 as f64,
            );
            // Each requirement not met is a target.* warning (check's, and
            // aggregate's alike).
            add(&mut own, &st.code, "warnings", (n < 3) as u8 as f64);
            // Its 大工委 (forms.md §4.8).
            if !st.part_time.is_empty() {
                add(&mut own, &st.code, "part_time_streets", 1.0);
                add(
                    &mut own,
                    &st.code,
                    "street_part_time_members",
                    st.part_time.len() as f64,
                );
                let units: BTreeSet<&str> = st
                    .part_time
                    .iter()
                    .map(|m| m.employer_code.as_deref().unwrap_or(&m.employer))
                    .collect();
                add(
                    &mut own,
                    &st.code,
                    "street_member_units",
                    units.len() as f64,
                );
            }
        }
    }
    for cm in &c.communities {
        let code = cm.code.as_str();
        parent.insert(cm.code.clone(), Some(cm.street.clone()));
        add(&mut own, code, "communities", 1.0);
        add(&mut own, code, "expected", 1.0);
        if plan.missing.contains(code) {
            continue;
        }
        add(&mut own, code, "submitted", 1.0);
        // The optional forms' targets (and a 社区代表 sheet without 社区总人口).
        if let Some(p) = &cm.practices {
            add(
                &mut own,
                code,
                "warnings",
                crate::support::practices::warnings(p) as f64,
            );
        }
        if plan.excluded.contains(code) {
            add(&mut own, code, "errors", 1.0);
            // Its requirements are judged all the same (check's warnings).
            let ids: BTreeSet<&str> = cm.members.iter().map(|m| m.id.as_str()).collect();
            let short = (ids.len() < 20) as usize
                + COMMUNITY_MEETINGS
                    .iter()
                    .filter(|(t, min)| cm.meetings.iter().filter(|m| m.kind == *t).count() < *min)
                    .count();
            add(&mut own, code, "warnings", short as f64);
            continue;
        }
        add(&mut own, code, "accepted", 1.0);
        add(&mut own, code, "communities_accepted", 1.0);
        if let Some(p) = &cm.practices {
            let start = (c.year, c.first_month(), 1);
            let end = (c.year, c.first_month() + 2, 31);
            for (k, v) in crate::support::practices::own_counts(p, start, end) {
                add(&mut own, code, k, v);
            }
        }
        let ids: BTreeSet<&str> = cm.members.iter().map(|m| m.id.as_str()).collect();
        add(&mut own, code, "registered_members", ids.len() as f64);
        add(
            &mut own,
            code,
            "communities_on_target",
            (ids.len() >= 20) as u8 as f64,
        );
        add(&mut own, code, "warnings", (ids.len() < 20) as u8 as f64);
        let in_q3 = |d: (u16, u8, u8)| d.0 == 2026 && (7..=9).contains(&d.1);
        add(
            &mut own,
            code,
            "new_registrations",
            cm.members.iter().filter(|m| in_q3(m.registered_on)).count() as f64,
        );
        add(
            &mut own,
            code,
            "employer_units",
            cm.members
                .iter()
                .map(|m| m.employer_code.as_str())
                .collect::<BTreeSet<_>>()
                .len() as f64,
        );
        add(
            &mut own,
            code,
            "members_with_posts",
            cm.members.iter().filter(|m| !m.post.is_empty()).count() as f64,
        );
        add(
            &mut own,
            code,
            "service_count",
            cm.members.iter().map(|m| m.service_count as f64).sum(),
        );
        add(
            &mut own,
            code,
            "service_hours",
            cm.members.iter().map(|m| m.service_hours).sum(),
        );
        meetings(&mut own, code, &cm.meetings);
        for &(t, min) in COMMUNITY_MEETINGS {
            add(&mut own, code, "requirements", 1.0);
            let n = cm.meetings.iter().filter(|m| m.kind == t).count();
            add(&mut own, code, "requirements_met", (n >= min) as u8 as f64);
            add(&mut own, code, "warnings", (n < min) as u8 as f64);
        }
        for i in &cm.issues {
            let resolved = i.status == "已办结";
            let rated = i.satisfaction != "未评价";
            let sat = ["非常满意", "满意", "基本满意"].contains(&i.satisfaction.as_str());
            add(&mut own, code, "received", 1.0);
            add(
                &mut own,
                code,
                match i.status.as_str() {
                    "已办结" => "resolved",
                    "办理中" => "in_progress",
                    _ => "not_started",
                },
                1.0,
            );
            if rated {
                add(&mut own, code, "rated", 1.0);
                let k = match i.satisfaction.as_str() {
                    "非常满意" => "very_satisfied",
                    "满意" => "satisfied",
                    "基本满意" => "basically_satisfied",
                    "不满意" => "dissatisfied",
                    _ => "very_dissatisfied",
                };
                add(&mut own, code, k, 1.0);
            }
            if sat {
                add(&mut own, code, "satisfied_total", 1.0);
            }
            let e = cats
                .entry(code.to_string())
                .or_default()
                .entry(i.category.clone())
                .or_default();
            e[0] += 1.0;
            e[1] += resolved as u8 as f64;
            e[2] += rated as u8 as f64;
            e[3] += sat as u8 as f64;
        }
    }
    for u in &c.units {
        parent.insert(u.code.clone(), Some(u.community.clone()));
        add(&mut own, &u.code, "expected", 1.0);
        add(&mut own, &u.code, "submitted", 1.0);
        add(&mut own, &u.code, "accepted", 1.0);
        add(&mut own, &u.code, "units", 1.0);
        add(
            &mut own,
            &u.code,
            "units_active",
            (!u.activities.is_empty()) as u8 as f64,
        );
        add(
            &mut own,
            &u.code,
            "warnings",
            u.activities.is_empty() as u8 as f64,
        );
        for m in &u.members {
            add(&mut own, &m.community, "unit_reported_members", 1.0);
        }
        for a in &u.activities {
            add(&mut own, &a.community, "unit_activities", 1.0);
        }
        for p in &u.projects {
            add(&mut own, &p.community, "projects_claimed", 1.0);
            add(
                &mut own,
                &p.community,
                "projects_completed",
                (p.status == "已完成") as u8 as f64,
            );
        }
    }
    (own, cats, parent)
}

fn subtree_sum<T: Clone>(
    code: &str,
    parent: &BTreeMap<String, Option<String>>,
    own: &BTreeMap<String, T>,
    add: impl Fn(&mut T, &T),
    zero: T,
) -> T {
    let mut acc = zero;
    for (c, _) in parent.iter() {
        let mut cur = Some(c.clone());
        while let Some(x) = cur {
            if x == code {
                if let Some(v) = own.get(c) {
                    add(&mut acc, v);
                }
                break;
            }
            cur = parent.get(&x).cloned().flatten();
        }
    }
    acc
}

const RATES: [(&str, &str, &str); 9] = [
    ("submission_rate", "accepted", "expected"),
    (
        "registration_target_rate",
        "communities_on_target",
        "communities_accepted",
    ),
    (
        "meeting_compliance_rate",
        "requirements_met",
        "requirements",
    ),
    ("attendance_rate", "attendance", "expected_attendance"),
    ("completion_rate", "resolved", "received"),
    ("satisfaction_rate", "satisfied_total", "rated"),
    ("rating_rate", "rated", "resolved"),
    ("unit_activity_rate", "units_active", "units"),
    (
        "project_completion_rate",
        "projects_completed",
        "projects_claimed",
    ),
];

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() < 1e-6,
        _ => false,
    }
}

fn check_all_tables(w: &Workdir, out: &str, c: &County, plan: &Plan) {
    let (own, cats, parent) = oracle(c, plan);
    let sum = |code: &str| -> BTreeMap<&'static str, f64> {
        subtree_sum(
            code,
            &parent,
            &own,
            |a, b| {
                for (k, v) in b {
                    *a.entry(k).or_default() += v;
                }
            },
            BTreeMap::new(),
        )
    };
    let get = |m: &BTreeMap<&'static str, f64>, k: &str| m.get(k).copied().unwrap_or(0.0);
    let cols: [(&str, &[&str]); 4] = [
        (
            "t0_submissions",
            &["expected", "submitted", "accepted", "errors", "warnings"],
        ),
        (
            "t1_registrations",
            &[
                "communities",
                "registered_members",
                "new_registrations",
                "employer_units",
                "members_with_posts",
                "service_count",
                "service_hours",
                "communities_on_target",
                "unit_reported_members",
            ],
        ),
        (
            "t2_meetings",
            &[
                "meetings",
                "joint",
                "theme_day",
                "branch_general",
                "branch_committee",
                "group",
                "lecture",
                "grid",
                "org_life",
                "other",
                "expected_attendance",
                "attendance",
                "resolved_at_meetings",
                "requirements",
                "requirements_met",
                "unit_activities",
                "units",
                "units_active",
            ],
        ),
        (
            "t3_issues",
            &[
                "received",
                "resolved",
                "in_progress",
                "not_started",
                "rated",
                "very_satisfied",
                "satisfied",
                "basically_satisfied",
                "dissatisfied",
                "very_dissatisfied",
                "satisfied_total",
                "resolved_at_meetings",
            ],
        ),
    ];
    let mut checked = 0;
    for (file, keys) in cols {
        let rows = table(w, out, file);
        let want_rows = parent
            .keys()
            .filter(|k| file == "t0_submissions" || k.len() == 12)
            .count();
        assert_eq!(
            rows.len(),
            want_rows,
            "{file}: one row per organisation of its levels"
        );
        for r in &rows {
            let want = sum(&r["code"]);
            for k in keys {
                let w = get(&want, k);
                let w = if *k == "service_hours" {
                    (w * 100.0).round() / 100.0
                } else {
                    w
                };
                assert!(
                    close(num(r, k), Some(w)),
                    "{file} {} {}: got {:?}, want {w}",
                    r["code"],
                    k,
                    r[*k]
                );
                checked += 1;
            }
        }
    }
    // Depth-first, each total above its parts, children by code.
    let t1 = table(w, out, "t1_registrations");
    assert_eq!(t1[0]["level"], "county");
    assert_eq!(t1[0]["parent_code"], "");
    for (i, r) in t1.iter().enumerate().skip(1) {
        let p = &r["parent_code"];
        let pi = t1
            .iter()
            .position(|x| &x["code"] == p)
            .expect("parent present");
        assert!(pi < i, "parent above child");
    }
    // T4: every rate from its own numerator and denominator.
    for r in table(w, out, "t4_rates") {
        let want = sum(&r["code"]);
        for (rate, n, d) in RATES {
            let (wn, wd) = (get(&want, n), get(&want, d));
            assert!(
                close(num(&r, &format!("{rate}_num")), Some(wn)),
                "{} {rate}_num",
                r["code"]
            );
            assert!(
                close(num(&r, &format!("{rate}_den")), Some(wd)),
                "{} {rate}_den",
                r["code"]
            );
            let wr = (wd != 0.0).then(|| ((wn / wd) * 1e6).round() / 1e6);
            assert!(
                close(num(&r, rate), wr),
                "{} {rate}: got {:?}, want {wr:?}",
                r["code"],
                r[rate]
            );
            checked += 3;
        }
    }
    // T3b: every organisation × every category, in the schema's order.
    let order = [
        "扶贫助困",
        "环境整治",
        "交通疏导",
        "助医助学",
        "环保公益",
        "矛盾调解",
        "公共设施",
        "其他",
    ];
    let t3b = table(w, out, "t3b_issue_categories");
    assert_eq!(t3b.len(), t1.len() * order.len());
    for (i, r) in t3b.iter().enumerate() {
        assert_eq!(r["category"], order[i % order.len()]);
        let want = subtree_sum(
            &r["code"],
            &parent,
            &cats,
            |a, b| {
                for (k, v) in b {
                    let e = a.entry(k.clone()).or_insert([0.0; 4]);
                    for j in 0..4 {
                        e[j] += v[j];
                    }
                }
            },
            BTreeMap::new(),
        );
        let v = want.get(&r["category"]).copied().unwrap_or([0.0; 4]);
        for (j, k) in ["received", "resolved", "rated", "satisfied_total"]
            .iter()
            .enumerate()
        {
            assert!(
                close(num(r, k), Some(v[j])),
                "t3b {} {} {k}",
                r["code"],
                r["category"]
            );
        }
        let cr = (v[0] != 0.0).then(|| ((v[1] / v[0]) * 1e6).round() / 1e6);
        let sr = (v[2] != 0.0).then(|| ((v[3] / v[2]) * 1e6).round() / 1e6);
        assert!(close(num(r, "completion_rate"), cr));
        assert!(close(num(r, "satisfaction_rate"), sr));
        checked += 6;
    }
    checked += check_optional_tables(w, out, c, plan, &sum);
    assert!(checked > 500, "checked {checked} cells");
}

/// T5–T10, T6b and the new T4 rates: every column at every level against
/// the practices of the county model (tests/support/practices.rs).
fn check_optional_tables(
    w: &Workdir,
    out: &str,
    c: &County,
    plan: &Plan,
    sum: &dyn Fn(&str) -> BTreeMap<&'static str, f64>,
) -> usize {
    let get = |m: &BTreeMap<&'static str, f64>, k: &str| m.get(k).copied().unwrap_or(0.0);
    let tables: [(&str, &[(&str, &str)]); 6] = [
        (
            "t5_party_committee",
            &[
                ("communities_reporting", "part_time_communities"),
                ("part_time_members", "part_time_members"),
                ("from_units", "from_units"),
                ("from_police", "from_police"),
                ("from_property", "from_property"),
                ("from_owners", "from_owners"),
                ("from_two_new", "from_two_new"),
                ("from_other", "from_other"),
                ("new_part_time", "new_part_time"),
                ("with_duties", "with_duties"),
                ("member_units", "member_units"),
                ("communities_on_target", "part_time_on_target"),
                ("streets_reporting", "part_time_streets"),
                ("street_part_time_members", "street_part_time_members"),
                ("street_member_units", "street_member_units"),
            ],
        ),
        (
            "t6_grids",
            &[
                ("communities_reporting", "grid_communities"),
                ("grids", "grids"),
                ("grids_covered", "grids_covered"),
                ("grids_with_branch", "grids_with_branch"),
                ("grid_branches", "grid_branches"),
                ("party_groups", "party_groups"),
                ("central_households", "central_households"),
                ("grid_members", "grid_members"),
                ("households", "households"),
                ("grid_heads", "grid_heads"),
                ("building_heads", "building_heads"),
                ("unit_heads", "unit_heads"),
                ("visits", "visits"),
                ("opinions", "opinions"),
                ("solved_in_grid", "solved_in_grid"),
                ("referred", "referred"),
                ("closed", "closed"),
            ],
        ),
        (
            "t7_emergency_response",
            &[
                ("communities_reporting", "request_communities"),
                ("requests", "requests"),
                ("contacted_in_limit", "contacted_in_limit"),
                ("onsite_required", "onsite_required"),
                ("arrived", "arrived"),
                ("arrived_in_limit", "arrived_in_limit"),
                ("on_site", "on_site"),
                ("by_phone", "by_phone"),
                ("transferred", "transferred"),
                ("pending", "pending"),
                ("arrive_seconds", "arrive_seconds"),
            ],
        ),
        (
            "t8_representatives",
            &[
                ("communities_reporting", "rep_communities"),
                ("representatives", "representatives"),
                ("resident_reps", "resident_reps"),
                ("unit_reps", "unit_reps"),
                ("two_new_reps", "two_new_reps"),
                ("other_reps", "other_reps"),
                ("quota_communities", "quota_communities"),
                ("population", "population"),
                ("quota", "quota"),
                ("communities_on_quota", "reps_on_quota"),
            ],
        ),
        (
            "t9_org_life",
            &[
                ("communities_reporting", "org_life_communities"),
                ("members", "org_members"),
                ("members_placed", "members_placed"),
                ("branches", "branches"),
                ("groups", "groups"),
                ("communities_on_target", "org_life_on_target"),
            ],
        ),
        (
            "t10_needs",
            &[
                ("communities_reporting", "need_communities"),
                ("needs", "needs"),
                ("needs_new", "needs_new"),
                ("needs_unclaimed", "needs_unclaimed"),
                ("needs_claimed", "needs_claimed"),
                ("needs_done", "needs_done"),
            ],
        ),
    ];
    // Rates (and an average) from their parts: (table, column, num, den, scale).
    let rates: &[(&str, &str, &str, &str, f64)] = &[
        (
            "t5_party_committee",
            "part_time_target_rate",
            "part_time_on_target",
            "part_time_communities",
            1.0,
        ),
        (
            "t6_grids",
            "grid_coverage_rate",
            "grids_covered",
            "grids",
            1.0,
        ),
        (
            "t6_grids",
            "grid_branch_rate",
            "grids_with_branch",
            "grids",
            1.0,
        ),
        (
            "t6_grids",
            "grid_completion_rate",
            "closed",
            "opinions",
            1.0,
        ),
        (
            "t7_emergency_response",
            "response_contact_rate",
            "contacted_in_limit",
            "requests",
            1.0,
        ),
        (
            "t7_emergency_response",
            "response_arrival_rate",
            "arrived_in_limit",
            "onsite_required",
            1.0,
        ),
        (
            "t7_emergency_response",
            "arrive_minutes_avg",
            "arrive_seconds",
            "arrived",
            60.0,
        ),
        (
            "t8_representatives",
            "representative_quota_rate",
            "reps_on_quota",
            "quota_communities",
            1.0,
        ),
        (
            "t9_org_life",
            "org_life_coverage_rate",
            "members_placed",
            "org_members",
            1.0,
        ),
        (
            "t10_needs",
            "need_claim_rate",
            "needs_claimed_or_done",
            "needs",
            1.0,
        ),
        (
            "t10_needs",
            "need_completion_rate",
            "needs_done",
            "needs",
            1.0,
        ),
        (
            "t4_rates",
            "part_time_target_rate",
            "part_time_on_target",
            "part_time_communities",
            1.0,
        ),
        (
            "t4_rates",
            "grid_coverage_rate",
            "grids_covered",
            "grids",
            1.0,
        ),
        (
            "t4_rates",
            "grid_completion_rate",
            "closed",
            "opinions",
            1.0,
        ),
        (
            "t4_rates",
            "response_contact_rate",
            "contacted_in_limit",
            "requests",
            1.0,
        ),
        (
            "t4_rates",
            "response_arrival_rate",
            "arrived_in_limit",
            "onsite_required",
            1.0,
        ),
        (
            "t4_rates",
            "representative_quota_rate",
            "reps_on_quota",
            "quota_communities",
            1.0,
        ),
        (
            "t4_rates",
            "org_life_coverage_rate",
            "members_placed",
            "org_members",
            1.0,
        ),
        (
            "t4_rates",
            "need_claim_rate",
            "needs_claimed_or_done",
            "needs",
            1.0,
        ),
        (
            "t4_rates",
            "need_completion_rate",
            "needs_done",
            "needs",
            1.0,
        ),
    ];
    let accepted = |code: &str| !plan.missing.contains(code) && !plan.excluded.contains(code);
    let mut checked = 0;
    let mut seen_values = 0.0;
    for (file, cols) in tables {
        let rows = table(w, out, file);
        assert_eq!(
            rows.len(),
            1 + c.streets.len() + c.communities.len(),
            "{file}: county, streets, communities"
        );
        for r in &rows {
            let want = sum(&r["code"]);
            for (col, m) in cols {
                let v = get(&want, m);
                seen_values += v;
                assert!(
                    close(num(r, col), Some(v)),
                    "{file} {} {col}: got {:?}, want {v}",
                    r["code"],
                    r[*col]
                );
                checked += 1;
            }
        }
    }
    assert!(
        seen_values > 100.0,
        "the model's practices reach the tables"
    );
    for (file, col, n, d, scale) in rates {
        for r in table(w, out, file) {
            let want = sum(&r["code"]);
            let (wn, wd) = (get(&want, n), get(&want, d));
            let places = if *scale == 60.0 { 10.0 } else { 1e6 };
            let wr = (wd != 0.0).then(|| ((wn / wd / scale) * places).round() / places);
            assert!(
                close(num(&r, col), wr),
                "{file} {} {col}: got {:?}, want {wr:?}",
                r["code"],
                r[*col]
            );
            if *file == "t4_rates" {
                assert!(
                    close(num(&r, &format!("{col}_num")), Some(wn)),
                    "{} {col}_num",
                    r["code"]
                );
                assert!(
                    close(num(&r, &format!("{col}_den")), Some(wd)),
                    "{} {col}_den",
                    r["code"]
                );
            }
            checked += 1;
        }
    }
    // The longest arrival: a maximum over the subtree, blank without one.
    let own_max: BTreeMap<&str, u32> = c
        .communities
        .iter()
        .filter(|cm| accepted(&cm.code))
        .filter_map(|cm| {
            let p = cm.practices.as_ref()?;
            let m = p
                .requests
                .iter()
                .filter(|r| r.result != "电话处置")
                .filter_map(|r| r.arrive)
                .max()?;
            Some((cm.code.as_str(), m))
        })
        .collect();
    for r in table(w, out, "t7_emergency_response") {
        let code = r["code"].as_str();
        let m = own_max
            .iter()
            .filter(|(k, _)| k.starts_with(code.trim_end_matches('0')) || *k == &code)
            .map(|(_, v)| *v)
            .max();
        let want = m.map(|x| ((x as f64 / 60.0) * 10.0).round() / 10.0);
        assert!(
            close(num(&r, "arrive_minutes_max"), want),
            "{code} arrive_minutes_max: got {:?}, want {want:?}",
            r["arrive_minutes_max"]
        );
        checked += 1;
    }
    // T6b: a row per grid of the accepted communities, in code order.
    let t6b = table(w, out, "t6b_grid_detail");
    let mut want: Vec<(
        &crate::support::county::Community,
        &crate::support::practices::Grid,
    )> = c
        .communities
        .iter()
        .filter(|cm| accepted(&cm.code))
        .flat_map(|cm| {
            cm.practices
                .iter()
                .flat_map(move |p| p.grids.iter().map(move |g| (cm, g)))
        })
        .collect();
    want.sort_by(|a, b| a.0.code.cmp(&b.0.code));
    assert_eq!(t6b.len(), want.len(), "one T6b row per grid");
    assert!(!want.is_empty());
    for (r, (cm, g)) in t6b.iter().zip(&want) {
        assert_eq!(r["community_code"], cm.code);
        assert_eq!(r["community_name"], cm.name);
        assert_eq!(r["grid_code"], g.code);
        assert_eq!(r["grid_name"], g.name);
        assert_eq!(r["org_kind"], g.kind);
        assert_eq!(r["branch_name"], g.branch.clone().unwrap_or_default());
        assert_eq!(r["grid_head"], if g.head.is_some() { "是" } else { "否" });
        for (k, v) in [
            ("party_groups", g.party_groups),
            ("central_households", g.central),
            ("grid_members", g.members),
            ("households", g.households),
            ("building_heads", g.building_heads),
            ("unit_heads", g.unit_heads),
            ("visits", g.visits),
            ("opinions", g.opinions),
            ("solved_in_grid", g.solved),
            ("referred", g.referred),
            ("closed", g.closed),
        ] {
            assert!(close(num(r, k), Some(v as f64)), "T6b {} {k}", g.code);
        }
        let p = cm.practices.as_ref().unwrap();
        let requests = p
            .requests
            .iter()
            .filter(|q| q.grid.as_deref() == Some(g.code.as_str()))
            .count();
        assert!(
            close(num(r, "requests"), Some(requests as f64)),
            "T6b {} requests",
            g.code
        );
        let rate =
            (g.opinions != 0).then(|| ((g.closed as f64 / g.opinions as f64) * 1e6).round() / 1e6);
        assert!(close(num(r, "grid_completion_rate"), rate));
        checked += 20;
    }
    checked
}

/// The fixture county: one street submits its own meetings, one community
/// never submits, one has an error (excluded with --exclude-invalid), one
/// has no issues at all (zero denominators).
fn fixture(w: &Workdir) -> (County, Plan) {
    let mut c = generate(21, 2, 3, 6, 26);
    let plan = Plan {
        missing: [c.communities[5].code.clone()].into(),
        excluded: [c.communities[1].code.clone()].into(),
        street_submits: [c.streets[0].code.clone()].into(),
    };
    c.communities[2].issues.clear();
    registry(w, &c);
    for (k, cm) in c.communities.iter().enumerate() {
        if plan.missing.contains(&cm.code) {
            continue;
        }
        let mut b = community_book(
            &c,
            cm,
            &if k % 2 == 0 {
                Hand::plain()
            } else {
                Hand::messy(k)
            },
        );
        if plan.excluded.contains(&cm.code) {
            let sh = b
                .iter_mut()
                .find(|s| s.name == "在职党员报到" || s.name == "报到名单")
                .unwrap();
            // The first data row, wherever the messy hand put it: break its ID.
            let row = sh
                .rows
                .iter_mut()
                .find(|r| {
                    r.iter()
                        .any(|v| matches!(v, V::S(t) if *t == cm.members[0].id))
                })
                .unwrap();
            for v in row.iter_mut() {
                if matches!(v, V::S(t) if *t == cm.members[0].id) {
                    *v = s(break_id(&cm.members[0].id));
                }
            }
        }
        w.book(&format!("in/{}/{}.xlsx", &cm.street, cm.name), &b);
    }
    for u in &c.units {
        w.book(
            &format!("in/units/{}.xlsx", u.code),
            &unit_book(&c, u, &Hand::plain()),
        );
    }
    w.book(
        "in/street.xlsx",
        &street_book(&c, &c.streets[0], &Hand::plain()),
    );
    (c, plan)
}

#[test]
fn every_column_of_every_table_at_every_level() {
    let w = Workdir::new();
    let (c, plan) = fixture(&w);
    // Without --exclude-invalid an error stops the report: only diagnostics.
    let r = w.aggregate("in", "out", &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let names: Vec<String> = std::fs::read_dir(w.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".pbstat-output")
        .collect();
    assert_eq!(names, vec!["diagnostics.json".to_string()]);
    assert!(r.stdout.contains("id.checksum"));

    let r = w.aggregate("in", "out", &["--exclude-invalid"]);
    assert_eq!(
        r.code, 1,
        "errors were found, even though the rest was aggregated: {}",
        r.stderr
    );
    check_all_tables(&w, "out", &c, &plan);

    // The excluded submission is listed with its reason; the missing one is in the 催报 list.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/summary.json")).unwrap())
            .unwrap();
    let excl = summary["excluded"].as_array().unwrap();
    assert_eq!(excl.len(), 1);
    assert_eq!(excl[0]["org_code"], c.communities[1].code.as_str());
    assert!(excl[0]["reasons"][0]
        .as_str()
        .unwrap()
        .contains("id.checksum"));
    let missing = summary["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["code"], c.communities[5].code.as_str());
    let inputs = summary["inputs"].as_array().unwrap();
    assert!(inputs
        .iter()
        .all(|i| i["sha256"].as_str().unwrap().len() == 64));
    assert_eq!(summary["period"], "2026Q3");
    assert_eq!(summary["scope"]["code"], "429901000000");
    let diags: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/diagnostics.json")).unwrap())
            .unwrap();
    let notes: Vec<&serde_json::Value> = diags["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "submission.missing")
        .collect();
    assert_eq!(notes.len(), 1);

    // A zero denominator is blank, never 0 or 100%.
    let t4 = table(&w, "out", "t4_rates");
    let empty = t4
        .iter()
        .find(|r| r["code"] == c.communities[2].code)
        .unwrap();
    assert_eq!(empty["completion_rate"], "");
    assert_eq!(empty["completion_rate_den"], "0");

    // The report command summarises the same folder.
    let r = w.run(&["report", "out"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains(&c.communities[5].name),
        "催报 names the missing community:\n{}",
        r.stdout
    );
    assert!(r.stdout.contains("未纳入汇总（1 份）"));
    let r = w.run(&["report", "out", "--format", "json"]);
    let v = r.json();
    assert_eq!(v["missing"][0]["code"], c.communities[5].code.as_str());
    assert!(v["headline"]["completion_rate"].is_number());
    let r = w.run(&["report", "out", "--format", "markdown"]);
    assert!(r.stdout.starts_with("# ") && r.stdout.contains("| 报送率 |"));
    assert_eq!(w.run(&["report", "nowhere"]).code, 2);
}

#[test]
fn the_workbook_reads_back_and_outputs_are_deterministic() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let w = Workdir::new();
    let (_c, _plan) = fixture(&w);
    let args = |o: &str, j: &str| {
        vec![
            "aggregate",
            "in",
            "--period",
            "2026Q3",
            "--registry",
            "registry.xlsx",
            "--exclude-invalid",
            "-o",
            o,
            "-j",
            j,
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let a = args("a", "1");
    let b = args("b", "3");
    w.run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    w.run(&b.iter().map(String::as_str).collect::<Vec<_>>());
    for f in [
        // Its large sheets are written in parallel: formats are numbered
        // in a fixed order all the same (docs/decisions.md).
        "report.xlsx",
        "summary.json",
        "diagnostics.json",
        "tables/t0_submissions.csv",
        "tables/t4_rates.csv",
        "tables/t3b_issue_categories.csv",
        "tables/t1_registrations.parquet",
        "tables/t4_rates.parquet",
    ] {
        assert_eq!(
            std::fs::read(w.path(&format!("a/{f}"))).unwrap(),
            std::fs::read(w.path(&format!("b/{f}"))).unwrap(),
            "{f} differs between runs"
        );
    }
    let mut wb: Xlsx<_> = open_workbook(w.path("a/report.xlsx")).unwrap();
    let names = wb.sheet_names();
    for s in [
        "T0报送情况",
        "T1在职党员报到",
        "T2会议活动",
        "T3民生事项",
        "T3b民生事项分类",
        "T4完成率与满意度",
        "未纳入汇总",
        "说明",
        "_meta",
        "_data_base",
        "_data_categories",
    ] {
        assert!(names.iter().any(|n| n == s), "sheet {s} missing: {names:?}");
    }
    // The tables are not repeated in hidden sheets: tables/ has them.
    assert!(
        !names.iter().any(|n| n.starts_with("_data_t")),
        "no hidden copies of the tables: {names:?}"
    );
    let hidden: Vec<String> = wb
        .sheets_metadata()
        .iter()
        .filter(|m| m.visible != calamine::SheetVisible::Visible)
        .map(|m| m.name.clone())
        .collect();
    assert!(hidden.contains(&"_meta".to_string()) && hidden.contains(&"_data_base".to_string()));
    let t1 = wb.worksheet_range("T1在职党员报到").unwrap();
    assert_eq!(
        t1.get_value((0, 0)),
        Some(&Data::String(
            "示例县2026年第三季度在职党员报到情况统计表".into()
        ))
    );
    assert!(matches!(t1.get_value((1, 0)), Some(Data::String(s)) if s.contains("填报单位")));
    assert_eq!(
        t1.get_value((2, 5)),
        Some(&Data::String("报到党员数".into()))
    );
    assert_eq!(t1.get_value((3, 0)), Some(&Data::String("区县".into())));
    let t4 = wb.worksheet_range("T4完成率与满意度").unwrap();
    let mut dashes = 0;
    let mut rates = 0;
    for row in t4.rows().skip(3) {
        for cell in row {
            match cell {
                Data::String(s) if s == "—" => dashes += 1,
                Data::Float(f) if (0.0..=1.0).contains(f) => rates += 1,
                _ => {}
            }
        }
    }
    assert!(
        dashes >= 1 && rates > 10,
        "rates as numbers, blanks as —: {dashes} {rates}"
    );
    let ex = wb.worksheet_range("未纳入汇总").unwrap();
    assert!(ex.rows().any(|r| r
        .iter()
        .any(|c| matches!(c, Data::String(s) if s.contains("id.checksum")))));
    let footer = t1.rows().any(|r| {
        r.iter()
            .any(|c| matches!(c, Data::String(s) if s.starts_with("填表人")))
    });
    assert!(footer, "footer line");
    // When LibreOffice is on the machine, the workbook must also convert to PDF.
    if let Ok(out) = std::process::Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(w.path("pdf"))
        .arg(w.path("a/report.xlsx"))
        .output()
    {
        if out.status.success() {
            let pdf = std::fs::read(w.path("pdf/report.pdf")).unwrap();
            assert!(pdf.starts_with(b"%PDF") && pdf.len() > 10_000);
        }
    }
}

#[test]
fn roll_up_of_county_reports_to_the_city() {
    let w = Workdir::new();
    for (code, seed) in [("429901", 3u64), ("429902", 4)] {
        let c = generate_in(code, seed, 2, 3, 3, 22);
        w.book(&format!("{code}/registry.xlsx"), &registry_book(&c));
        for cm in &c.communities {
            w.book(
                &format!("{code}/in/{}.xlsx", cm.code),
                &community_book(&c, cm, &Hand::plain()),
            );
        }
        for u in &c.units {
            w.book(
                &format!("{code}/in/{}.xlsx", u.code),
                &unit_book(&c, u, &Hand::plain()),
            );
        }
        let r = w.run(&[
            "aggregate",
            &format!("{code}/in"),
            "--period",
            "2026Q3",
            "--registry",
            &format!("{code}/registry.xlsx"),
            "-o",
            &format!("{code}/out"),
        ]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    let r = w.run(&[
        "aggregate",
        "429901/out/report.xlsx",
        "429902/out/report.xlsx",
        "--period",
        "2026Q3",
        "-o",
        "city",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for file in [
        "t0_submissions",
        "t1_registrations",
        "t2_meetings",
        "t3_issues",
    ] {
        let city = table(&w, "city", file);
        assert_eq!(city.len(), 3, "{file}: the city and its two counties");
        assert_eq!(city[0]["code"], "429900000000");
        assert_eq!(city[0]["level"], "city");
        let a = &table(&w, "429901/out", file)[0];
        let b = &table(&w, "429902/out", file)[0];
        assert_eq!(city[1]["code"], "429901000000");
        for k in a
            .keys()
            .filter(|k| !["level", "code", "name", "parent_code", "files"].contains(&k.as_str()))
        {
            let want = num(a, k).unwrap_or(0.0) + num(b, k).unwrap_or(0.0);
            assert!(
                close(num(&city[0], k), Some(want)),
                "{file} {k}: city {:?} ≠ {want}",
                city[0][k]
            );
            assert!(close(num(&city[1], k), num(a, k)), "{file} {k}: county row");
        }
    }
    // The optional forms' counts likewise; the longest arrival is the
    // longest of the counties'; T6b's grids are listed, counties in order.
    for file in [
        "t5_party_committee",
        "t6_grids",
        "t7_emergency_response",
        "t8_representatives",
        "t9_org_life",
        "t10_needs",
    ] {
        let city = table(&w, "city", file);
        let a = &table(&w, "429901/out", file)[0];
        let b = &table(&w, "429902/out", file)[0];
        for k in a.keys().filter(|k| {
            !["level", "code", "name", "parent_code"].contains(&k.as_str())
                && !k.ends_with("_rate")
                && !k.starts_with("arrive_minutes")
        }) {
            let want = num(a, k).unwrap_or(0.0) + num(b, k).unwrap_or(0.0);
            assert!(
                close(num(&city[0], k), Some(want)),
                "{file} {k}: city {:?} ≠ {want}",
                city[0][k]
            );
        }
        if file == "t7_emergency_response" {
            let want = [num(a, "arrive_minutes_max"), num(b, "arrive_minutes_max")]
                .into_iter()
                .flatten()
                .reduce(f64::max);
            assert!(
                close(num(&city[0], "arrive_minutes_max"), want),
                "a maximum, not a sum"
            );
        }
    }
    let grids = |dir: &str| table(&w, dir, "t6b_grid_detail");
    let (a, b, city) = (grids("429901/out"), grids("429902/out"), grids("city"));
    assert!(!a.is_empty() && !b.is_empty());
    assert_eq!(city.len(), a.len() + b.len(), "T6b rows listed, not summed");
    assert_eq!(
        city[..a.len()],
        a[..],
        "the first county's grids first, as they were"
    );
    assert_eq!(city[a.len()..], b[..]);
    // Rates recomputed from the summed parts, never averaged.
    let t4 = table(&w, "city", "t4_rates");
    for (rate, _, _) in RATES {
        let (n, d) = (
            num(&t4[0], &format!("{rate}_num")).unwrap(),
            num(&t4[0], &format!("{rate}_den")).unwrap(),
        );
        let want = (d != 0.0).then(|| ((n / d) * 1e6).round() / 1e6);
        assert!(close(num(&t4[0], rate), want), "{rate}");
    }
    // A county report for another period is refused, not summed.
    let r = w.run(&[
        "aggregate",
        "429901/out/report.xlsx",
        "--period",
        "2026Q2",
        "-o",
        "x",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("cover.period_mismatch"));
}

#[test]
fn previous_period_columns() {
    let w = Workdir::new();
    let c = generate(5, 1, 2, 2, 24);
    registry(&w, &c);
    write_county(&w, &c, "q");
    // Last quarter's output, then this quarter's: one community has fewer
    // members and issues.
    last_quarter_output(&w, &c, "before");
    let mut c2 = c.clone();
    c2.communities[0].members.truncate(10);
    c2.communities[0].issues.truncate(2);
    w.book(
        &format!("q/{}.xlsx", c2.communities[0].code),
        &community_book(&c2, &c2.communities[0], &Hand::plain()),
    );
    let r = w.aggregate("q", "after", &["--previous", "before"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = table(&w, "before", "t1_registrations");
    let after = table(&w, "after", "t1_registrations");
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a["registered_members_prev"], b["registered_members"]);
        let change = num(a, "registered_members").unwrap() - num(b, "registered_members").unwrap();
        assert!(close(num(a, "registered_members_change"), Some(change)));
    }
    assert!(num(&after[0], "registered_members_change").unwrap() < 0.0);
    let t4b = table(&w, "before", "t4_rates");
    let t4a = table(&w, "after", "t4_rates");
    for (b, a) in t4b.iter().zip(&t4a) {
        assert!(close(
            num(a, "completion_rate_prev"),
            num(b, "completion_rate")
        ));
        let want = match (num(a, "completion_rate"), num(b, "completion_rate")) {
            (Some(x), Some(y)) => Some(x - y),
            _ => None,
        };
        assert!(close(
            num(a, "completion_rate_change").map(|x| (x * 1e6).round() / 1e6),
            want.map(|x| (x * 1e6).round() / 1e6)
        ));
    }
    let t3 = table(&w, "after", "t3_issues");
    assert!(t3[0].contains_key("received_prev") && t3[0].contains_key("received_change"));
    // T0 and T2 are not compared.
    assert!(!table(&w, "after", "t2_meetings")[0].contains_key("meetings_prev"));
    // The comparison shows in the workbook too.
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(w.path("after/report.xlsx")).unwrap();
    let t1 = wb.worksheet_range("T1在职党员报到").unwrap();
    assert!(t1
        .rows()
        .nth(2)
        .unwrap()
        .iter()
        .any(|c| matches!(c, Data::String(s) if s == "报到党员数（上期）")));
    // A folder that is not an aggregate output stops the run, and so does
    // an output of this very period.
    for prev in ["q", "after"] {
        let r = w.run(&[
            "aggregate",
            "q",
            "--period",
            "2026Q3",
            "--previous",
            prev,
            "-o",
            "x",
        ]);
        assert_eq!(r.code, 2, "--previous {prev}: {}", r.stderr);
        assert!(r.stderr.contains("--previous"), "{}", r.stderr);
        assert!(!w.path("x").exists(), "nothing written");
    }
    let r = w.run(&[
        "aggregate",
        "q",
        "--period",
        "2026Q3",
        "--previous",
        "after",
        "-o",
        "x",
    ]);
    assert!(r.stderr.contains("不在本期"), "{}", r.stderr);
}

/// For random counties: every parent row equals the sum of its children,
/// and every rate equals its own numerator over its denominator.
#[test]
fn property_parents_sum_children_and_rates_are_their_parts() {
    let mut rng = Rng::new(2026);
    for round in 0..4 {
        let w = Workdir::new();
        let streets = 1 + rng.below(3) as usize;
        let per = 1 + rng.below(3) as usize;
        let units = rng.below(5) as usize;
        let c = generate(
            100 + round,
            streets,
            per,
            units,
            10 + rng.below(30) as usize,
        );
        let with_registry = round % 2 == 0;
        if with_registry {
            registry(&w, &c);
        }
        for (k, cm) in c.communities.iter().enumerate() {
            if rng.below(5) == 0 {
                continue; // did not submit
            }
            w.book(
                &format!("in/{}.xlsx", cm.code),
                &community_book(&c, cm, &Hand::messy(k + round as usize)),
            );
        }
        for u in &c.units {
            w.book(
                &format!("in/{}.xlsx", u.code),
                &unit_book(&c, u, &Hand::plain()),
            );
        }
        let mut args = vec!["aggregate", "in", "--period", "2026Q3", "-o", "out"];
        if with_registry {
            args.extend(["--registry", "registry.xlsx"]);
        }
        let r = w.run(&args);
        assert!(r.code == 0, "round {round}: {}{}", r.stdout, r.stderr);
        for file in [
            "t0_submissions",
            "t1_registrations",
            "t2_meetings",
            "t3_issues",
            "t4_rates",
        ] {
            let rows = table(&w, "out", file);
            for p in &rows {
                let kids: Vec<&Row> = rows
                    .iter()
                    .filter(|r| r["parent_code"] == p["code"])
                    .collect();
                if kids.is_empty() {
                    continue;
                }
                for k in p.keys().filter(|k| {
                    !["level", "code", "name", "parent_code", "files"].contains(&k.as_str())
                        && !k.ends_with("_rate")
                }) {
                    if file == "t4_rates" && !k.ends_with("_num") && !k.ends_with("_den") {
                        continue;
                    }
                    if file == "t1_registrations" && k == "communities"
                        || file == "t0_submissions" && p["level"] == "community"
                    {
                        // A community's row adds its own count to its units'.
                        continue;
                    }
                    let sum: f64 = kids.iter().map(|r| num(r, k).unwrap_or(0.0)).sum();
                    let got = num(p, k);
                    if got.is_none() {
                        assert!(
                            k.starts_with("expected") || k.starts_with("submission_rate"),
                            "{file} {k}"
                        );
                        continue;
                    }
                    assert!(
                        close(got, Some(sum)),
                        "round {round} {file} {} {k}: {got:?} ≠ Σ children {sum}",
                        p["code"]
                    );
                }
            }
            if file == "t4_rates" {
                for r in &rows {
                    for (rate, _, _) in RATES {
                        let (n, d) = (
                            num(r, &format!("{rate}_num")),
                            num(r, &format!("{rate}_den")),
                        );
                        let want = match (n, d) {
                            (Some(n), Some(d)) if d != 0.0 => Some(((n / d) * 1e6).round() / 1e6),
                            _ => None,
                        };
                        assert!(
                            close(num(r, rate), want),
                            "round {round} {} {rate}",
                            r["code"]
                        );
                    }
                }
            }
        }
        if !with_registry {
            // Without a registry nobody is expected: the submission rate is blank.
            assert_eq!(table(&w, "out", "t0_submissions")[0]["expected"], "");
            assert_eq!(table(&w, "out", "t4_rates")[0]["submission_rate"], "");
        }
    }
}

#[test]
fn aggregate_refuses_what_it_cannot_do() {
    let w = Workdir::new();
    let c = county();
    w.book("in/a.xlsx", &plain_community(&c));
    // No period: the command cannot run.
    assert_eq!(w.run(&["aggregate", "in", "-o", "out"]).code, 2);
    // The output path is a file: nothing is written, exit 2.
    w.write("taken", "a file");
    let r = w.run(&["aggregate", "in", "--period", "2026Q3", "-o", "taken"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(w.path("taken")).unwrap(), "a file");
    // A successful run replaces an earlier output whole.
    assert_eq!(
        w.run(&["aggregate", "in", "--period", "2026Q3", "-o", "out"])
            .code,
        0
    );
    w.write("out/stale.txt", "old");
    assert_eq!(
        w.run(&["aggregate", "in", "--period", "2026Q3", "-o", "out"])
            .code,
        0
    );
    assert!(!w.path("out/stale.txt").exists());
    let leftovers: Vec<String> = std::fs::read_dir(w.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary folders left: {leftovers:?}"
    );
}

#[test]
fn cross_submission_audits() {
    let w = Workdir::new();
    let c = county();
    registry(&w, &c);
    let a = &c.communities[0];
    let b = &c.communities[1];
    let mut book_b = community_book(&c, b, &Hand::plain());
    // b's roster row 2 carries a's first member: registered at two communities.
    put(
        &mut book_b,
        "在职党员报到",
        "C2",
        s(a.members[0].id.clone()),
    );
    put(
        &mut book_b,
        "在职党员报到",
        "D2",
        s(if a.members[0].male { "男" } else { "女" }),
    );
    // b's cover claims 9 paired units.
    put(&mut book_b, "封面", "B11", V::N(9.0));
    w.book("in/a.xlsx", &community_book(&c, a, &Hand::plain()));
    w.book("in/b.xlsx", &book_b);
    w.book("in/a-again.xlsx", &community_book(&c, a, &Hand::plain()));
    // A unit lists someone a's roster does not have.
    let mut u = c.units[0].clone();
    u.community = a.code.clone();
    u.members[0].community = a.code.clone();
    u.members[0].id = crate::support::book::make_id("420923", "19700101", 77, true);
    w.book("in/u.xlsx", &unit_book(&c, &u, &Hand::plain()));
    let r = w.aggregate("in", "out", &[]);
    assert_eq!(r.code, 1);
    let d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/diagnostics.json")).unwrap())
            .unwrap();
    let d = d["diagnostics"].as_array().unwrap().clone();
    let dup = with_code(&d, "file.duplicate_submission");
    assert_eq!(dup.len(), 2, "once in each file: {}", pretty(&d));
    assert!(dup
        .iter()
        .any(|x| x["message"].as_str().unwrap().contains("a-again.xlsx")));
    let reg = with_code(&d, "cross.duplicate_registration");
    assert!(
        reg.iter().any(|x| x["file"] == "in/b.xlsx"
            && x["cell"] == "C2"
            && x["message"].as_str().unwrap().contains(&a.name)),
        "{}",
        pretty(&d)
    );
    assert!(reg
        .iter()
        .any(|x| x["file"] == "in/a.xlsx" && x["message"].as_str().unwrap().contains(&b.name)));
    assert!(
        reg.iter()
            .all(|x| !x.to_string().contains(&a.members[0].id)),
        "ID masked"
    );
    let nr = expect_code(&d, "cross.unit_member_not_on_roster");
    assert_eq!(nr["file"], "in/u.xlsx");
    assert_eq!(nr["cell"], "C2");
    assert_eq!(nr["severity"], "warning");
    let pu = expect_code(&d, "cross.paired_units_mismatch");
    assert_eq!(pu["file"], "in/b.xlsx");
    assert_eq!(pu["cell"], "B11");
    // Nothing else but diagnostics was written.
    assert!(!w.path("out/report.xlsx").exists());
}

/// summary.json is one type for its writer and its readers: a key missing
/// from it stops `report` and `--previous` at load, naming the key, where
/// it used to print `—` or compare against nothing.
#[test]
fn summary_missing_a_key_fails_at_load_naming_it() {
    let w = Workdir::new();
    let c = county();
    registry(&w, &c);
    last_quarter_output(&w, &c, "prev");
    let text = std::fs::read_to_string(w.path("prev/summary.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_object_mut().unwrap().remove("period_name");
    w.write("prev/summary.json", serde_json::to_string(&v).unwrap());
    let r = w.run(&["report", "prev"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("period_name"), "{}", r.stderr);
    assert!(r.stdout.is_empty());

    write_county(&w, &c, "in");
    let r = w.aggregate("in", "out", &["--previous", "prev"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("--previous prev") && r.stderr.contains("period_name"),
        "{}",
        r.stderr
    );
    assert!(!w.path("out").exists(), "nothing is written on error");

    // A column missing from a table is named too.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["tables"]["t4"][0]
        .as_object_mut()
        .unwrap()
        .remove("submission_rate");
    w.write("prev/summary.json", serde_json::to_string(&v).unwrap());
    let r = w.run(&["report", "prev", "--format", "json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("tables.t4.submission_rate"),
        "{}",
        r.stderr
    );

    // And a damaged file says so.
    w.write("prev/summary.json", &text[..text.len() / 2]);
    let r = w.run(&["report", "prev"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("已损坏"), "{}", r.stderr);
}
