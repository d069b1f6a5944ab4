//! The requirements of forms.md §5 against one organisation's own counts:
//! shared by `check` (target.* warnings) and `aggregate` (达标 counts and
//! the below-target list of `report`).

use serde::Serialize;

use crate::aggregate::facts::Counts;
use crate::period::Period;
use crate::schema::Requirements;
use crate::validate::codes::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum What {
    Registration,
    Meeting,
    UnitActivity,
}

/// One requirement an organisation falls short of.
#[derive(Debug, Clone, Serialize)]
pub struct Shortfall {
    pub code: String,
    pub name: String,
    pub level: String,
    pub what: What,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_type: Option<String>,
    pub figure: i64,
    pub minimum: i64,
}

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
        let have = c.ids.len() as i64;
        if have < min {
            out.push(short(What::Registration, None, have, min));
        }
    }
    let pairs = match level {
        Level::Unit => Vec::new(),
        l => reqs.meeting_minimums(l, period),
    };
    for (t, min) in &pairs {
        let have = c.meeting_types.get(*t).copied().unwrap_or(0);
        if have < *min as i64 {
            out.push(short(What::Meeting, Some(t), have, *min as i64));
        }
    }
    if level == Level::Unit {
        let min = reqs.unit_activity_minimum.for_period(period) as i64;
        if c.unit_activity_rows < min {
            out.push(short(What::UnitActivity, None, c.unit_activity_rows, min));
        }
    }
    let missed = out.iter().filter(|s| s.what == What::Meeting).count();
    Judgement {
        requirements: pairs.len(),
        requirements_met: pairs.len() - missed,
        shortfalls: out,
    }
}
