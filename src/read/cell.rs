//! Cell coercions of forms.md §6: what a careful clerk reads in a cell.

use calamine::Data;
use chrono::NaiveDate;
use std::borrow::Cow;

pub use crate::text::{
    date_from_serial, date_from_text, fold, is_blank_marker, normalize_text, number_text, squeezed,
    trim_text,
};

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

/// A time cell as read (forms.md §4.10): the date it carries, if any, and
/// the seconds since that day's midnight.
pub type TimeOfDay = (Option<NaiveDate>, u32);

/// A day fraction as a clock time, rounded to the nearest second.
fn secs_of_fraction(f: f64) -> u32 {
    ((f * 86_400.0).round() as u32).min(86_399)
}

/// A number as a time: below 1 a fraction of a day, else a date serial
/// with its fraction.
fn time_from_number(v: f64) -> Option<TimeOfDay> {
    if !(0.0..2_958_466.0).contains(&v) {
        return None;
    }
    if v < 1.0 {
        return Some((None, secs_of_fraction(v)));
    }
    let date = date_from_serial(v)?;
    let mut secs = (v.fract() * 86_400.0).round() as u32;
    // A fraction that rounds up to midnight is the next day's start.
    let date = if secs >= 86_400 {
        secs = 0;
        date.succ_opt()?
    } else {
        date
    };
    Some((Some(date), secs))
}

/// A clock time written as text: `9:05`, `09:05:30`, `9时05分`,
/// `9时5分30秒`, `9点05分` (digits already folded).
fn clock_from_text(t: &str) -> Option<u32> {
    let digits = |s: &str, max: u32, min_len: usize| -> Option<u32> {
        let ok = (min_len..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        let n: u32 = s.parse().ok().filter(|_| ok)?;
        (n <= max).then_some(n)
    };
    if t.contains(':') {
        let parts: Vec<&str> = t.split(':').collect();
        let (h, m, s) = match parts.as_slice() {
            [h, m] => (h, m, &"00"),
            [h, m, s] => (h, m, s),
            _ => return None,
        };
        let (h, m, s) = (digits(h, 23, 1)?, digits(m, 59, 2)?, digits(s, 59, 2)?);
        return Some(h * 3600 + m * 60 + s);
    }
    let (h, rest) = t.split_once(['时', '点'])?;
    let (m, rest) = rest.split_once('分')?;
    let sec = if rest.is_empty() {
        "0"
    } else {
        rest.strip_suffix('秒')?
    };
    Some(digits(h, 23, 1)? * 3600 + digits(m, 59, 1)? * 60 + digits(sec, 59, 1)?)
}

/// A time as text: a clock time, or a date (any form of [`date_from_text`])
/// followed by one, with or without a space.
fn time_from_text(t: &str) -> Option<TimeOfDay> {
    let t = normalize_text(t);
    let t = t.trim();
    if let Some(secs) = clock_from_text(t) {
        return Some((None, secs));
    }
    let (date, clock) = if let Some((d, c)) = t.split_once([' ', 'T']) {
        (d.trim(), c.trim())
    } else if let Some(i) = t.find('日') {
        (&t[..i + '日'.len_utf8()], &t[i + '日'.len_utf8()..])
    } else {
        return None;
    };
    Some((Some(date_from_text(date)?), clock_from_text(clock)?))
}

/// Read a time cell (forms.md §4.10): an Excel time or date-time, a
/// number (below 1 a fraction of a day, else a date serial with its
/// fraction), or text. Anything else — `0905`, `上午9:05`, `24:00`,
/// `9:60` — is not a time.
#[allow(clippy::result_unit_err)] // Err: "not a time"; the caller words the message.
pub fn parse_time(d: &Data) -> Result<Option<TimeOfDay>, ()> {
    match d {
        Data::Empty => Ok(None),
        Data::DateTime(dt) => time_from_number(dt.as_f64()).map(Some).ok_or(()),
        Data::Float(f) => time_from_number(*f).map(Some).ok_or(()),
        Data::Int(i) => time_from_number(*i as f64).map(Some).ok_or(()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => time_from_text(s).map(Some).ok_or(()),
        Data::String(_) => match text_ref(d) {
            None => Ok(None),
            Some(t) => time_from_text(&t).map(Some).ok_or(()),
        },
        _ => Err(()),
    }
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

    /// Every form of forms.md §4.10, and the ones it refuses.
    #[test]
    fn times_in_every_form_the_spec_lists() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        let clock = |h: u32, m: u32, sec: u32| Ok(Some((None, h * 3600 + m * 60 + sec)));
        let at = |h: u32, m: u32, sec: u32| Ok(Some((d(2026, 7, 15), h * 3600 + m * 60 + sec)));
        for (text, want) in [
            ("9:05", clock(9, 5, 0)),
            ("09:05", clock(9, 5, 0)),
            ("9:05:30", clock(9, 5, 30)),
            ("09:05:30", clock(9, 5, 30)),
            ("9时05分", clock(9, 5, 0)),
            ("9时5分30秒", clock(9, 5, 30)),
            ("9点05分", clock(9, 5, 0)),
            ("０９：０５", clock(9, 5, 0)),
            (" 23:59:59 ", clock(23, 59, 59)),
            ("0:00", clock(0, 0, 0)),
            ("2026-07-15 09:05", at(9, 5, 0)),
            ("2026/7/15 9:05:30", at(9, 5, 30)),
            ("2026年7月15日9时05分", at(9, 5, 0)),
            ("2026年7月15日 9:05", at(9, 5, 0)),
            ("2026-07-15T09:05:00", at(9, 5, 0)),
        ] {
            assert_eq!(parse_time(&s(text)), want, "{text}");
        }
        for bad in [
            "0905",
            "上午9:05",
            "24:00",
            "9:60",
            "9:5",
            "9时",
            "9时5",
            "9时5分30",
            "2026-07-15",
            "9:05:61",
            "abc",
        ] {
            assert_eq!(parse_time(&s(bad)), Err(()), "{bad}");
        }
        // Excel times: a fraction of a day, rounded to the second.
        assert_eq!(parse_time(&Data::Float(0.378472)), clock(9, 5, 0));
        assert_eq!(parse_time(&Data::Float(0.0)), clock(0, 0, 0));
        // A number of 1 or more: a date serial with its fraction.
        assert_eq!(
            parse_time(&Data::Float(46218.378472)),
            Ok(Some((d(2026, 7, 15), 9 * 3600 + 5 * 60)))
        );
        assert_eq!(parse_time(&Data::Float(-0.5)), Err(()));
        assert_eq!(parse_time(&Data::Empty), Ok(None));
        assert_eq!(parse_time(&s("—")), Ok(None), "a blank marker");
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
