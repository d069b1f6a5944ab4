//! Reporting periods: a month, a quarter or a year (forms.md §2).

use chrono::NaiveDate;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub year: i32,
    pub kind: PeriodKind,
    /// Month 1–12, quarter 1–4, or 0 for a year.
    pub n: u32,
}

impl Period {
    pub fn month(year: i32, m: u32) -> Option<Period> {
        (1..=12).contains(&m).then_some(Period {
            year,
            kind: PeriodKind::Month,
            n: m,
        })
    }
    pub fn quarter(year: i32, q: u32) -> Option<Period> {
        (1..=4).contains(&q).then_some(Period {
            year,
            kind: PeriodKind::Quarter,
            n: q,
        })
    }
    pub fn year(year: i32) -> Period {
        Period {
            year,
            kind: PeriodKind::Year,
            n: 0,
        }
    }

    pub fn start(&self) -> NaiveDate {
        let m = match self.kind {
            PeriodKind::Month => self.n,
            PeriodKind::Quarter => (self.n - 1) * 3 + 1,
            PeriodKind::Year => 1,
        };
        NaiveDate::from_ymd_opt(self.year, m, 1).expect("valid period start")
    }

    pub fn end(&self) -> NaiveDate {
        let last_month = match self.kind {
            PeriodKind::Month => self.n,
            PeriodKind::Quarter => self.n * 3,
            PeriodKind::Year => 12,
        };
        let (y, m) = if last_month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, last_month + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1)
            .expect("valid month")
            .pred_opt()
            .expect("a day before")
    }

    /// The period of the same length that follows.
    pub fn next(&self) -> Period {
        match self.kind {
            PeriodKind::Month if self.n == 12 => Period {
                year: self.year + 1,
                n: 1,
                ..*self
            },
            PeriodKind::Quarter if self.n == 4 => Period {
                year: self.year + 1,
                n: 1,
                ..*self
            },
            PeriodKind::Year => Period::year(self.year + 1),
            _ => Period {
                n: self.n + 1,
                ..*self
            },
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }

    /// The months it covers, in order.
    pub fn months(&self) -> Vec<Period> {
        let first = match self.kind {
            PeriodKind::Month => self.n,
            PeriodKind::Quarter => (self.n - 1) * 3 + 1,
            PeriodKind::Year => 1,
        };
        let count = match self.kind {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Year => 12,
        };
        (first..first + count)
            .filter_map(|m| Period::month(self.year, m))
            .collect()
    }

    /// Whether every month of `other` is one of this period's.
    pub fn covers(&self, other: &Period) -> bool {
        other.start() >= self.start() && other.end() <= self.end()
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        d >= self.start() && d <= self.end()
    }

    /// How a person reads it: 2026年第三季度.
    pub fn display_zh(&self) -> String {
        const Q: [&str; 4] = ["一", "二", "三", "四"];
        match self.kind {
            PeriodKind::Month => format!("{}年{}月", self.year, self.n),
            PeriodKind::Quarter => format!("{}年第{}季度", self.year, Q[(self.n - 1) as usize]),
            PeriodKind::Year => format!("{}年度", self.year),
        }
    }

    /// Parse every spelling forms.md §2 allows, after width/space normalisation.
    pub fn parse(raw: &str) -> Option<Period> {
        let s: String = crate::text::normalize_text(raw)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let s = s.to_uppercase();
        let year_of = |t: &str| -> Option<i32> {
            (t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse().ok())
                .flatten()
                .filter(|y| (1900..=2999).contains(y))
        };
        if let Some(y) = year_of(&s) {
            return Some(Period::year(y));
        }
        // 2026Q3, 2026-Q3
        if let Some((y, q)) = s.split_once('Q') {
            let y = y.trim_end_matches('-');
            return Period::quarter(year_of(y)?, q.parse().ok()?);
        }
        // 2026-09, 2026-9, 2026/09, 2026.09
        for sep in ['-', '/', '.'] {
            if let Some((y, m)) = s.split_once(sep) {
                if m.bytes().all(|b| b.is_ascii_digit()) && !m.is_empty() && m.len() <= 2 {
                    return Period::month(year_of(y)?, m.parse().ok()?);
                }
            }
        }
        // 202609
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Period::month(year_of(&s[..4])?, s[4..].parse().ok()?);
        }
        // Chinese forms: 2026年第三季度, 2026年第3季度, 2026年3季度, 2026年9月, 2026年, 2026年度
        let (y, rest) = s.split_once('年')?;
        let y = year_of(y)?;
        let rest = rest.trim_end_matches("份");
        if rest.is_empty() || rest == "度" || rest == "全年" {
            return Some(Period::year(y));
        }
        if let Some(q) = rest.strip_suffix("季度") {
            let q = q.trim_start_matches('第');
            let n = match q {
                "一" | "1" => 1,
                "二" | "2" => 2,
                "三" | "3" => 3,
                "四" | "4" => 4,
                _ => return None,
            };
            return Period::quarter(y, n);
        }
        if let Some(m) = rest.strip_suffix('月') {
            return Period::month(y, parse_month_zh(m)?);
        }
        None
    }
}

fn parse_month_zh(m: &str) -> Option<u32> {
    if let Ok(n) = m.parse::<u32>() {
        return Some(n);
    }
    const NAMES: [&str; 12] = [
        "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
    ];
    NAMES.iter().position(|n| *n == m).map(|i| i as u32 + 1)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Month => write!(f, "{}-{:02}", self.year, self.n),
            PeriodKind::Quarter => write!(f, "{}Q{}", self.year, self.n),
            PeriodKind::Year => write!(f, "{}", self.year),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_forms_md() {
        let q3 = Period::quarter(2026, 3).unwrap();
        for s in [
            "2026Q3",
            "2026-Q3",
            "2026年第三季度",
            "2026年第3季度",
            "2026年3季度",
            "２０２６Ｑ３",
            "2026q3",
        ] {
            assert_eq!(Period::parse(s), Some(q3), "{s}");
        }
        let sep = Period::month(2026, 9).unwrap();
        for s in ["2026-09", "2026年9月", "202609", "2026年09月"] {
            assert_eq!(Period::parse(s), Some(sep), "{s}");
        }
        for s in ["2026", "2026年", "2026年度"] {
            assert_eq!(Period::parse(s), Some(Period::year(2026)), "{s}");
        }
        for s in ["", "2026Q5", "2026-13", "第三季度", "abc"] {
            assert_eq!(Period::parse(s), None, "{s}");
        }
    }

    #[test]
    fn bounds() {
        let q3 = Period::quarter(2026, 3).unwrap();
        assert_eq!(q3.start(), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert_eq!(q3.end(), NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
        assert_eq!(
            Period::month(2026, 12).unwrap().end(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(
            Period::month(2024, 2).unwrap().end(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert_eq!(q3.display_zh(), "2026年第三季度");
    }
}
