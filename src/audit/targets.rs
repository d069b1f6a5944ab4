//! The requirements of forms.md §5 against one organisation's own counts:
//! shared by `check` (target.* warnings) and `aggregate` (达标 counts and
//! the below-target list of `report`).

pub use crate::summary::{Shortfall, What};

use crate::diag::{Code, Diagnostic};
use crate::facts::Extract;
use crate::lang::Lang;
use crate::schema::SchemaSet;
use crate::validate::submission::SubmissionKind;
use crate::validate::Registry;

use crate::facts::Counts;
use crate::org::Level;
use crate::period::Period;
use crate::schema::{MeasureSet, Requirements};

/// What an organisation's counts mean against the requirements.
pub struct Judgement {
    pub shortfalls: Vec<Shortfall>,
    /// (organisation, meeting type) pairs with a minimum above 0.
    pub requirements: usize,
    pub requirements_met: usize,
}

pub fn judge(
    code: &str,
    name: &str,
    level: Level,
    c: &Counts,
    measures: &MeasureSet,
    reqs: &Requirements,
    period: &Period,
) -> Judgement {
    let mut out = Vec::new();
    let short = |what, meeting_type: Option<&str>, figure: i64, minimum: i64| Shortfall {
        code: code.to_string(),
        name: name.to_string(),
        level: level.as_str().to_string(),
        what,
        meeting_type: meeting_type.map(str::to_string),
        figure,
        minimum,
    };
    if level == Level::Community {
        let min = reqs.registration_minimum.for_period(period) as i64;
        let have = measures
            .index("registered_members")
            .map_or(0.0, |i| c.value(i)) as i64;
        if have < min {
            out.push(short(What::Registration, None, have, min));
        }
    }
    let pairs = match level {
        Level::Unit => Vec::new(),
        l => reqs.meeting_minimums(l, period),
    };
    for (t, min) in &pairs {
        let have = c.broken_down("meeting_types", t, 0) as i64;
        if have < *min as i64 {
            out.push(short(What::Meeting, Some(t), have, *min as i64));
        }
    }
    if level == Level::Unit {
        let min = reqs.unit_activity_minimum.for_period(period) as i64;
        let have = c.aux("unit_activity_rows") as i64;
        if have < min {
            out.push(short(What::UnitActivity, None, have, min));
        }
    }
    let missed = out.iter().filter(|s| s.what == What::Meeting).count();
    Judgement {
        requirements: pairs.len(),
        requirements_met: pairs.len() - missed,
        shortfalls: out,
    }
}

pub(crate) fn sheet_of<'a>(e: &'a Extract, schema: &str) -> Option<&'a (String, usize)> {
    e.sheets.get(schema)
}

/// target.*: each submission's own counts against the requirements, as
/// warnings on the submission (check and aggregate alike).
pub fn diagnose(
    extracts: &mut [Extract],
    schemas: &SchemaSet,
    period: &Period,
    registry: Option<&Registry>,
    lang: Lang,
) {
    for e in extracts.iter_mut() {
        if e.kind != SubmissionKind::Workbook {
            continue;
        }
        let (Some(org), Some(level)) = (e.org.clone(), e.level) else {
            continue;
        };
        // No rows at all counts as zero, not as nothing to judge.
        let none = Counts::default();
        let c = e.counts.get(&org).unwrap_or(&none);
        let name = registry
            .and_then(|r| r.get(&org))
            .map(|r| r.name.clone())
            .or(e.org_name.clone())
            .unwrap_or_else(|| org.clone());
        let j = judge(
            &org,
            &name,
            level,
            c,
            &schemas.measures,
            &schemas.requirements,
            period,
        );
        for s in j.shortfalls {
            let (code, schema, msg) = match s.what {
                What::Registration => (
                    Code::TargetRegistrationBelow,
                    "roster",
                    lang.t(
                        format!("{name}报到党员 {} 人，低于考核要求的 {} 人", s.figure, s.minimum),
                        format!("{name} has {} registered members, below the required {}", s.figure, s.minimum),
                    ),
                ),
                What::Meeting => {
                    let t = s.meeting_type.clone().unwrap_or_default();
                    (
                        Code::TargetMeetingShortfall,
                        "meetings",
                        lang.t(
                            format!("{name}本期{t} {} 次，少于考核要求的 {} 次", s.figure, s.minimum),
                            format!("{name} held {t} {} times this period, fewer than the required {}", s.figure, s.minimum),
                        ),
                    )
                }
                What::UnitActivity => (
                    Code::TargetUnitInactive,
                    "unit_activities",
                    lang.t(
                        format!("{name}本期共建活动 {} 次，少于考核要求的 {} 次", s.figure, s.minimum),
                        format!("{name} held {} joint activities this period, fewer than the required {}", s.figure, s.minimum),
                    ),
                ),
            };
            let mut d = Diagnostic::new(code, &e.file, msg)
                .org(Some(&org))
                .value(s.figure.to_string());
            if let Some(t) = &s.meeting_type {
                d = d.field(t);
            }
            if let Some((sh, idx)) = sheet_of(e, schema) {
                d = d.sheet(sh, *idx);
            }
            e.diagnostics.push(d);
        }
    }
}
