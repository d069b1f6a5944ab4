//! The requirements file (forms.md §5): minimums per period kind, which
//! satisfaction levels count as satisfied, and the abnormal-change share.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use crate::org::Level;
use crate::period::{Period, PeriodKind};

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PerPeriod {
    pub month: u32,
    pub quarter: u32,
    pub year: u32,
}

impl PerPeriod {
    pub fn for_period(&self, p: &Period) -> u32 {
        match p.kind {
            PeriodKind::Month => self.month,
            PeriodKind::Quarter => self.quarter,
            PeriodKind::Year => self.year,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingRequirement {
    pub level: Level,
    /// The meeting type, as a value of the meetings schema's `type` enum.
    #[serde(rename = "type")]
    pub meeting_type: String,
    #[serde(flatten)]
    pub minimum: PerPeriod,
}

/// A number of the requirements a rule may name: one for every period, or
/// one per kind of period.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Param {
    Number(f64),
    PerPeriod { month: f64, quarter: f64, year: f64 },
}

impl Param {
    pub fn for_period(&self, p: &Period) -> f64 {
        match *self {
            Param::Number(x) => x,
            Param::PerPeriod {
                month,
                quarter,
                year,
            } => match p.kind {
                PeriodKind::Month => month,
                PeriodKind::Quarter => quarter,
                PeriodKind::Year => year,
            },
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Requirements {
    /// Satisfaction levels that count as satisfied.
    pub satisfied_levels: Vec<String>,
    /// `check --previous` flags a count that moved by more than this share.
    pub abnormal_change: f64,
    /// Registered members a community must have.
    pub registration_minimum: PerPeriod,
    /// 共建活动 a resident unit must hold to count as active.
    pub unit_activity_minimum: PerPeriod,
    pub meetings: Vec<MeetingRequirement>,
    /// Any other number a county's rules name (`{name}` in audits.toml):
    /// a number, or `{ month, quarter, year }`.
    #[serde(flatten)]
    pub params: std::collections::BTreeMap<String, Param>,
}

impl Requirements {
    pub fn check(&self, file: &str) -> Result<()> {
        // Written so that NaN is refused too.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !(self.abnormal_change > 0.0) {
            bail!(crate::lang::tr(
                format!("考核要求文件 {file} 有误：abnormal_change 必须大于 0"),
                format!("invalid requirements file {file}: abnormal_change must be above 0"),
            ));
        }
        if self.satisfied_levels.is_empty() {
            bail!(crate::lang::tr(
                format!("考核要求文件 {file} 有误：satisfied_levels 为空"),
                format!("invalid requirements file {file}: satisfied_levels is empty"),
            ));
        }
        Ok(())
    }

    /// A number a rule names, for `p`.
    pub fn param(&self, name: &str, p: &Period) -> Option<f64> {
        match name {
            "abnormal_change" => Some(self.abnormal_change),
            "registration_minimum" => Some(self.registration_minimum.for_period(p) as f64),
            "unit_activity_minimum" => Some(self.unit_activity_minimum.for_period(p) as f64),
            _ => self.params.get(name).map(|v| v.for_period(p)),
        }
    }

    /// Meeting minimums above 0 for this level and period.
    pub fn meeting_minimums(&self, level: Level, p: &Period) -> Vec<(&str, u32)> {
        self.meetings
            .iter()
            .filter(|m| m.level == level)
            .map(|m| (m.meeting_type.as_str(), m.minimum.for_period(p)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}
