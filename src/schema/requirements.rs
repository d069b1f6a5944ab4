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

/// The least abnormal_change that is refused: a change of ±1000% is no
/// threshold anyone sets, and 10 or more is a percentage written as one.
const ABNORMAL_CHANGE_MAX: f64 = 10.0;

/// A share: a number (0.5), or a percentage as text ("50%").
fn share<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = f64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a share (0.5) or a percentage (\"50%\")")
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<f64, E> {
            let t = v.trim();
            t.strip_suffix(['%', '％'])
                .and_then(|n| n.trim().parse::<f64>().ok())
                .map(|n| n / 100.0)
                .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
        }
    }
    d.deserialize_any(V)
}

/// `registration_minimum = 20`, one number for every kind of period (as
/// the county's own numbers may be written), or `{ month, quarter, year }`.
fn number_or_per_period<'de, D: serde::Deserializer<'de>>(d: D) -> Result<PerPeriod, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = PerPeriod;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a number or { month, quarter, year }")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<PerPeriod, E> {
            let n = u32::try_from(v)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &"u32"))?;
            Ok(PerPeriod {
                month: n,
                quarter: n,
                year: n,
            })
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<PerPeriod, E> {
            match u64::try_from(v) {
                Ok(u) => self.visit_u64(u),
                Err(_) => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &"u32")),
            }
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<PerPeriod, A::Error> {
            PerPeriod::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_any(V)
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
    #[serde(deserialize_with = "share")]
    pub abnormal_change: f64,
    /// Registered members a community must have.
    #[serde(deserialize_with = "number_or_per_period")]
    pub registration_minimum: PerPeriod,
    /// 共建活动 a resident unit must hold to count as active.
    #[serde(deserialize_with = "number_or_per_period")]
    pub unit_activity_minimum: PerPeriod,
    pub meetings: Vec<MeetingRequirement>,
    /// Any other number a county's rules name (`{name}` in audits.toml):
    /// a number, or `{ month, quarter, year }`.
    #[serde(flatten)]
    pub params: std::collections::BTreeMap<String, Param>,
}

/// The top-level keys of requirements.toml that are not a county's own
/// numbers.
const FIXED: &[&str] = &[
    "satisfied_levels",
    "abnormal_change",
    "registration_minimum",
    "unit_activity_minimum",
    "meetings",
];

impl Requirements {
    /// requirements.toml's text; an error names the file and line. A
    /// county's own number that is neither a number nor `{ month, quarter,
    /// year }` is found and named here: read through the flattened map,
    /// serde says only "data did not match any variant", at line 1.
    pub fn parse(text: &str, file: &str) -> Result<Requirements> {
        let parsed = super::parse_toml(text, file, super::REQUIREMENTS_FILE);
        if parsed.is_ok() {
            return parsed;
        }
        let Ok(table) = text.parse::<toml::Table>() else {
            return parsed;
        };
        let line_of = |key: &str, from: usize| {
            text.lines()
                .enumerate()
                .skip(from)
                .find(|(_, l)| {
                    let l = l.trim_start();
                    l == format!("[{key}]")
                        || l.strip_prefix(key)
                            .is_some_and(|r| r.trim_start().starts_with(['=', '.']))
                })
                .map(|(i, _)| i + 1)
                .unwrap_or(1)
        };
        // A number appended at the end of the file lands, by TOML's rules,
        // in the last [[meetings]] table, where it is an unknown key.
        let stray = table
            .get("meetings")
            .and_then(|m| m.as_array())
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_table())
            .flat_map(|m| m.keys())
            .find(|k| !["level", "type", "month", "quarter", "year"].contains(&k.as_str()));
        if let Some(key) = stray {
            let first = text
                .lines()
                .position(|l| l.trim_start().starts_with("[[meetings]]"))
                .unwrap_or(0);
            let line = line_of(key, first);
            bail!(crate::lang::tr(
                format!("考核要求文件 {file} 第 {line} 行 有误：`{key}` 写在了 [[meetings]] 之下，成了会议要求的一项；考核要求的数字请写在第一个 [[meetings]] 之前"),
                format!("invalid requirements file {file} (line {line}): `{key}` is below a [[meetings]] header, so it became part of that meeting requirement; write the requirements' numbers before the first [[meetings]]"),
            ));
        }
        let own_numbers = table
            .into_iter()
            .filter(|(k, _)| !FIXED.contains(&k.as_str()))
            .find(|(_, v)| Param::deserialize(v.clone()).is_err());
        let Some((key, _)) = own_numbers else {
            return parsed;
        };
        let line = line_of(&key, 0);
        bail!(crate::lang::tr(
            format!("考核要求文件 {file} 第 {line} 行 有误：`{key}` 应为一个数字，或 {{ month = 数字, quarter = 数字, year = 数字 }}"),
            format!("invalid requirements file {file} (line {line}): `{key}` must be a number, or {{ month = <number>, quarter = <number>, year = <number> }}"),
        ))
    }

    pub fn check(&self, file: &str, text: &str) -> Result<()> {
        let fail = |needle: &str, zh: String, en: String| {
            super::file_error(
                super::REQUIREMENTS_FILE,
                file,
                super::line_after(text, needle),
                zh,
                en,
            )
        };
        // Written so that NaN is refused too.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !(self.abnormal_change > 0.0) {
            bail!(fail(
                "abnormal_change",
                "abnormal_change 必须大于 0".into(),
                "abnormal_change must be above 0".into(),
            ));
        }
        // A share: `abnormal_change = 50` meant as ±50% would flag nothing
        // short of a fifty-fold change, with no word.
        if self.abnormal_change >= ABNORMAL_CHANGE_MAX {
            let x = self.abnormal_change;
            bail!(fail(
                "abnormal_change",
                format!(
                    "abnormal_change 是变动的比例：写的是 {x}，即 ±{:.0}%；±50% 写 0.5（或 \"50%\"）",
                    x * 100.0
                ),
                format!(
                    "abnormal_change is a share: {x} is ±{:.0}%; ±50% is written 0.5 (or \"50%\")",
                    x * 100.0
                ),
            ));
        }
        if self.satisfied_levels.is_empty() {
            bail!(fail(
                "satisfied_levels",
                "satisfied_levels 为空".into(),
                "satisfied_levels is empty".into(),
            ));
        }
        // Two minimums of one meeting type at one level: one of them would
        // be judged and the other silently not.
        for (i, m) in self.meetings.iter().enumerate() {
            if self.meetings[..i]
                .iter()
                .any(|o| o.level == m.level && o.meeting_type == m.meeting_type)
            {
                // Its own line: the type's (k+1)-th, after k earlier of
                // the type at any level.
                let needle = format!("type = \"{}\"", m.meeting_type);
                let k = self.meetings[..i]
                    .iter()
                    .filter(|o| o.meeting_type == m.meeting_type)
                    .count();
                bail!(fail(
                    &vec![needle; k + 1].join("\n"),
                    format!(
                        "{}级的会议类型 `{}` 已有一条 [[meetings]] 要求；同一级别的同一会议类型只写一条",
                        m.level.zh(),
                        m.meeting_type
                    ),
                    format!(
                        "the meeting type `{}` already has a [[meetings]] minimum at the {} level; write one per type and level",
                        m.meeting_type,
                        m.level.as_str()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The names of the numbers [`Requirements::param`] knows.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        [
            "abnormal_change",
            "registration_minimum",
            "unit_activity_minimum",
        ]
        .into_iter()
        .chain(self.params.keys().map(String::as_str))
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
