//! Cell coercions of forms.md §6: what a careful clerk reads in a cell.

use calamine::Data;
use chrono::{Duration, NaiveDate};
use std::borrow::Cow;

pub use crate::text::{fold, is_blank_marker, normalize_text, number_text, squeezed, trim_text};

/// A string cell's text as a clerk reads it: trimmed, None when blank or a
/// blank marker.
fn str_text(s: &str) -> Option<&str> {
    let t = trim_text(s);
    // A blank marker has at most three characters, and after trimming
    // normalisation keeps every character: longer texts are never blank;
    // nor are texts that start with anything a marker cannot start with.
    let first = t.chars().next()?;
    let may_mark = matches!(
        first,
        '—' | '-' | '/' | '无' | 'N' | 'n' | '－' | '／' | 'Ｎ' | 'ｎ'
    );
    if !may_mark || t.len() > 12 || t.chars().nth(3).is_some() {
        return Some(t);
    }
    (!is_blank_marker(&normalize_text(t))).then_some(t)
}

/// Whether a cell is blank to a clerk: empty, an error value, white space
/// or a blank marker. Never allocates.
pub fn is_blank(d: &Data) -> bool {
    match d {
        Data::Empty | Data::Error(_) => true,
        Data::String(s) => str_text(s).is_none(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => is_blank_marker(&normalize_text(s)),
        Data::Int(_) | Data::Float(_) | Data::Bool(_) | Data::DateTime(_) => false,
    }
}

/// A cell's value as text, or None when it is blank (or a blank marker).
/// Numbers print without a spurious `.0`, whole numbers in full digits.
/// Text cells are borrowed, not copied.
pub fn text_ref(d: &Data) -> Option<Cow<'_, str>> {
    match d {
        Data::Empty | Data::Error(_) => None,
        Data::String(s) => str_text(s).map(Cow::Borrowed),
        Data::DateTimeIso(s) | Data::DurationIso(s) => {
            (!is_blank_marker(&normalize_text(s))).then_some(Cow::Borrowed(s.as_str()))
        }
        Data::Int(i) => Some(Cow::Owned(i.to_string())),
        Data::Float(f) => Some(Cow::Owned(number_text(*f))),
        Data::Bool(b) => Some(Cow::Borrowed(if *b { "TRUE" } else { "FALSE" })),
        Data::DateTime(dt) => Some(Cow::Owned(match dt.as_datetime() {
            Some(t) => {
                use chrono::{Datelike, Timelike};
                let d = format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day());
                if t.time() == chrono::NaiveTime::MIN {
                    d
                } else {
                    format!("{d} {:02}:{:02}", t.hour(), t.minute())
                }
            }
            None => number_text(dt.as_f64()),
        })),
    }
}

/// [`text_ref`] as an owned string.
pub fn text_of(d: &Data) -> Option<String> {
    text_ref(d).map(Cow::into_owned)
}

/// The Excel error a cell holds, if any (`#DIV/0!`, `#REF!`, …).
pub fn error_of(d: &Data) -> Option<String> {
    match d {
        Data::Error(e) => Some(e.to_string()),
        Data::String(s) => {
            // An error text starts with '#', after white space at most.
            let t = trim_text(s);
            if !t.starts_with('#') {
                return None;
            }
            const ERRS: [&str; 8] = [
                "#DIV/0!",
                "#REF!",
                "#VALUE!",
                "#NAME?",
                "#N/A",
                "#NUM!",
                "#NULL!",
                "#GETTING_DATA",
            ];
            ERRS.contains(&t).then(|| t.to_string())
        }
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    pub value: f64,
    /// Stored as text: Excel's SUM skips it, which explains some 合计 mismatches.
    pub from_text: bool,
}

/// Read a number: number cells, numbers stored as text, `1,234`, full-width digits.
#[allow(clippy::result_unit_err)] // Err: "not a number"; the caller words the message.
pub fn parse_number(d: &Data) -> Result<Option<Number>, ()> {
    match d {
        Data::Int(i) => Ok(Some(Number {
            value: *i as f64,
            from_text: false,
        })),
        Data::Float(f) => Ok(Some(Number {
            value: *f,
            from_text: false,
        })),
        Data::Empty => Ok(None),
        Data::String(_) => {
            let Some(t) = text_ref(d) else {
                return Ok(None);
            };
            number_from_text(&t)
                .map(|v| {
                    Some(Number {
                        value: v,
                        from_text: true,
                    })
                })
                .ok_or(())
        }
        _ => Err(()),
    }
}

fn number_from_text(t: &str) -> Option<f64> {
    // A number stored as text is usually plain digits: parse it directly.
    if t.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+')
    {
        return t.parse::<f64>().ok().filter(|v| v.is_finite());
    }
    let t: String = normalize_text(t)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let t = t.replace('，', ",");
    let plain = if t.contains(',') {
        // Thousands separators only in their places: 1,234 or 12,345.6
        let (int, frac) = t
            .split_once('.')
            .map_or((t.as_str(), None), |(a, b)| (a, Some(b)));
        let int = int.strip_prefix('-').unwrap_or(int);
        let groups: Vec<&str> = int.split(',').collect();
        let ok = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return None;
        }
        let mut s = String::new();
        if t.starts_with('-') {
            s.push('-');
        }
        s.push_str(&groups.concat());
        if let Some(f) = frac {
            s.push('.');
            s.push_str(f);
        }
        s
    } else {
        t
    };
    if !plain
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+')
    {
        return None;
    }
    plain.parse::<f64>().ok().filter(|v| v.is_finite())
}

pub fn is_integer(v: f64) -> bool {
    v.fract() == 0.0 && v.abs() < 9.0e15
}

/// Excel's serial day numbers (the 1900 system; Lotus's leap-year bug kept).
pub fn date_from_serial(v: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&v) {
        return None;
    }
    let days = v.floor() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = if days < 61 { days + 1 } else { days };
    base.checked_add_signed(Duration::days(days))
}

/// Read a date: date cells, serials in unformatted cells, and the texts
/// 2026-07-15, 2026/7/15, 2026.7.15, 2026年7月15日, 20260715.
#[allow(clippy::result_unit_err)] // Err: "not a date"; the caller words the message.
pub fn parse_date(d: &Data) -> Result<Option<NaiveDate>, ()> {
    match d {
        Data::Empty => Ok(None),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                return Err(());
            }
            dt.as_datetime().map(|t| Some(t.date())).ok_or(())
        }
        Data::DateTimeIso(s) => date_from_text(s).map(Some).ok_or(()),
        Data::Int(i) => date_from_number(*i as f64).map(Some).ok_or(()),
        Data::Float(f) => date_from_number(*f).map(Some).ok_or(()),
        Data::String(_) => {
            let Some(t) = text_ref(d) else {
                return Ok(None);
            };
            date_from_text(&t).map(Some).ok_or(())
        }
        _ => Err(()),
    }
}

fn date_from_number(v: f64) -> Option<NaiveDate> {
    if is_integer(v) && (19_000_101.0..=29_991_231.0).contains(&v) {
        return date_from_text(&format!("{}", v as i64));
    }
    date_from_serial(v)
}

pub fn date_from_text(t: &str) -> Option<NaiveDate> {
    let t = normalize_text(t);
    // Drop a time part: "2026-07-15 00:00:00", "2026-07-15T00:00".
    let t = t.split([' ', 'T']).next().unwrap_or("");
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    if t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit()) {
        // A serial typed into a text cell (a pasted value).
        return date_from_serial(t.parse().ok()?);
    }
    let t = t.trim_end_matches('日').trim_end_matches('号');
    let mut split = t.split(['-', '/', '.', '年', '月']);
    let parts = [split.next()?, split.next()?, split.next()?];
    if split.next().is_some()
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if parts[0].len() != 4 {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A code as text: whole numbers as their digits (never 4.29901001001E11),
/// full-width folded, inner spaces and a leading apostrophe dropped, upper case.
pub fn code_of(d: &Data) -> Option<String> {
    let t = text_ref(d)?;
    // Most codes are plain ASCII with nothing to fold, drop or strip.
    if t.bytes().all(|b| b.is_ascii_graphic() && b != b'\'') {
        let mut s = t.into_owned();
        s.make_ascii_uppercase();
        return Some(s);
    }
    let mut out = String::with_capacity(t.len());
    out.extend(squeezed(&t).map(|c| c.to_ascii_uppercase()));
    let quotes = out.len() - out.trim_start_matches('\'').len();
    out.drain(..quotes);
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Data {
        Data::String(x.to_string())
    }

    #[test]
    fn blanks() {
        for b in [
            "",
            "  ",
            "—",
            "-",
            "－",
            "/",
            "无",
            "N/A",
            "\u{3000}",
            "\u{00A0}－\u{00A0}",
        ] {
            assert_eq!(text_of(&s(b)), None, "{b:?}");
        }
        assert_eq!(text_of(&s("\u{3000}张三 ")), Some("张三".into()));
        assert_eq!(
            text_of(&s(" 驻区单位（党政机关）")),
            Some("驻区单位（党政机关）".into())
        );
    }

    #[test]
    fn numbers() {
        let n = |x: &str| parse_number(&s(x)).unwrap().map(|n| n.value);
        assert_eq!(n("1,234"), Some(1234.0));
        assert_eq!(n("１２"), Some(12.0));
        assert_eq!(n("12.0"), Some(12.0));
        assert_eq!(n(" 12.5 "), Some(12.5));
        assert_eq!(n("—"), None);
        assert!(parse_number(&s("12个")).is_err());
        assert!(parse_number(&s("1,23")).is_err());
        assert!(!parse_number(&Data::Float(3.0)).unwrap().unwrap().from_text);
        assert!(parse_number(&s("3")).unwrap().unwrap().from_text);
        assert!(is_integer(12.0) && !is_integer(12.5));
    }

    #[test]
    fn dates() {
        let want = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        for t in [
            "2026-07-15",
            "2026/7/15",
            "2026.7.15",
            "2026年7月15日",
            "20260715",
            "２０２６-07-15",
            "2026-07-15 00:00:00",
        ] {
            assert_eq!(parse_date(&s(t)).unwrap(), Some(want), "{t}");
        }
        assert_eq!(parse_date(&Data::Float(46218.0)).unwrap(), Some(want));
        assert_eq!(parse_date(&Data::Int(20260715)).unwrap(), Some(want));
        assert_eq!(parse_date(&s("46218")).unwrap(), Some(want));
        assert!(parse_date(&s("2026-02-30")).is_err());
        assert!(parse_date(&s("七月十五")).is_err());
        assert_eq!(date_from_serial(1.0), NaiveDate::from_ymd_opt(1900, 1, 1));
    }

    #[test]
    fn codes() {
        assert_eq!(
            code_of(&Data::Float(429901001001.0)).as_deref(),
            Some("429901001001")
        );
        assert_eq!(code_of(&s("４２９９０１ ")).as_deref(), Some("429901"));
        assert_eq!(
            code_of(&s("'91350100m000100y43")).as_deref(),
            Some("91350100M000100Y43")
        );
    }
}
