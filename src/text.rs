//! Text as a careful clerk compares it: full-width folding, the many white
//! spaces of pasted text, blank markers, header normalising; and text files
//! decoded as they are saved (UTF-8 or GBK). The lowest layer above `lang`:
//! the schema, the reader and the period parser all compare and decode
//! text the same way through these.

use chrono::{Duration, NaiveDate};
use std::borrow::Cow;

/// Whether normalisation changes a character: full-width ASCII, the
/// ideographic space and the other spaces Excel users paste in.
fn folds(c: char) -> bool {
    matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200B}' | '\u{FEFF}')
}

/// One character as normalisation reads it.
pub fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200B}' | '\u{FEFF}' => ' ',
        _ => c,
    }
}

/// Full-width ASCII and the ideographic space folded to half-width; ends trimmed
/// of every kind of white space (including U+3000 and NBSP). Borrows unless a
/// character had to change: this runs on every cell, and most need nothing.
pub fn normalize_text(s: &str) -> Cow<'_, str> {
    // Every folded character's UTF-8 starts with one of these bytes; most
    // cells hold none of them, and the byte scan is cheaper than decoding.
    let maybe = s.bytes().any(|b| matches!(b, 0xC2 | 0xE2 | 0xE3 | 0xEF));
    if !maybe || !s.chars().any(folds) {
        return Cow::Borrowed(s.trim());
    }
    let out: String = s.chars().map(fold).collect();
    match out.trim() {
        t if t.len() == out.len() => Cow::Owned(out),
        t => Cow::Owned(t.to_string()),
    }
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

/// A date written as text: 2026-07-15, 2026/7/15, 2026.7.15, 2026年7月15日,
/// 20260715 (a time after it dropped), or a serial typed as text. Cells
/// are read with it, and a condition's date literals, so that a date a
/// cell takes is one a rule may compare with.
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

/// The characters of a text with normalisation applied and every white
/// space dropped: for comparing labels (合 计, 填表人：) without allocating.
pub fn squeezed(s: &str) -> impl Iterator<Item = char> + Clone + '_ {
    s.chars().map(fold).filter(|c| !c.is_whitespace())
}

/// Trim every kind of white space from both ends, keeping the text itself
/// as typed (names keep their full-width brackets).
pub fn trim_text(s: &str) -> &str {
    // Most cells need no trimming; tell that from their first and last
    // bytes. A white-space character (as trimmed here) begins with an
    // ASCII byte up to 0x20 or with 0xC2, 0xE1, 0xE2, 0xE3 or 0xEF.
    let may_trim = |b: u8| b <= 0x20 || matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF);
    let bytes = s.as_bytes();
    let last_lead = bytes.iter().rev().find(|&&b| b & 0xC0 != 0x80);
    if let (Some(&first), Some(&last)) = (bytes.first(), last_lead) {
        if !may_trim(first) && !may_trim(last) {
            return s;
        }
    }
    s.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '\u{3000}' | '\u{00A0}' | '\u{FEFF}' | '\u{200B}')
    })
}

/// The texts that mean "nothing here" on a hand-filled form.
pub fn is_blank_marker(s: &str) -> bool {
    matches!(
        s,
        "" | "—" | "——" | "-" | "--" | "/" | "无" | "N/A" | "n/a" | "NA"
    )
}

/// A number as pbstat prints it: whole numbers in full digits, without a
/// spurious `.0`.
pub fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i128)
    } else {
        format!("{f}")
    }
}

/// Header text as compared: width-folded, without spaces, line breaks, `*`
/// markers, a trailing colon or a trailing bracketed unit; ASCII lower-cased.
pub fn normalize_header(s: &str) -> String {
    // One buffer, trimmed in place: this runs on every cell of the rows
    // searched for a header, for every form a sheet might be.
    let mut t = String::with_capacity(s.len());
    t.extend(squeezed(s).filter(|c| !matches!(c, '*' | '＊' | '※')));
    loop {
        let before = t.len();
        let kept = t.trim_end_matches([':', '：']).len();
        t.truncate(kept);
        for (open, close) in [('(', ')'), ('[', ']'), ('【', '】'), ('〔', '〕')] {
            if t.ends_with(close) {
                if let Some(i) = t.rfind(open) {
                    if i > 0 {
                        t.truncate(i);
                    }
                }
            }
        }
        if t.len() == before {
            break;
        }
    }
    if t.is_ascii() {
        t.make_ascii_lowercase();
    } else if t
        .chars()
        .any(|c| c.is_ascii_uppercase() || !(c.is_ascii() || is_caseless(c)))
    {
        t = t.to_lowercase();
    }
    t
}

/// CJK ideographs and punctuation, kana and full-width forms: no case.
fn is_caseless(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FFEF}')
}

/// Texts kept once and shared: a province's rows repeat a few thousand
/// codes, names, paths and column keys hundreds of thousands of times.
#[derive(Debug, Default)]
pub struct Shared(foldhash::HashSet<std::sync::Arc<str>>);

impl Shared {
    /// The one shared copy of `s`.
    pub fn get(&mut self, s: &str) -> std::sync::Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: std::sync::Arc<str> = s.into();
        self.0.insert(a.clone());
        a
    }
}

/// How a text file was written: pbstat's users save CSV exports and their
/// own schema files from Excel and Notepad, in UTF-8 or the GB18030/GBK of
/// Chinese Windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gb18030,
}

/// Why bytes are not text pbstat reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotText {
    /// A UTF-8 BOM before bytes that are not UTF-8.
    BadBom,
    /// UTF-16 (Excel's "Unicode text").
    Utf16,
    /// NUL bytes: a binary file.
    Binary,
    /// Neither UTF-8 nor GB18030/GBK.
    Neither,
}

impl NotText {
    /// (zh, en), `kind` naming what the file should have been ("CSV").
    pub fn words(self, kind: &str) -> (String, String) {
        match self {
            NotText::BadBom => (
                "文件以 UTF-8 标记开头，内容却不是有效的 UTF-8".into(),
                "starts with a UTF-8 BOM but is not valid UTF-8".into(),
            ),
            NotText::Utf16 => (
                "文件是 UTF-16 编码（Excel 的“Unicode 文本”）".into(),
                "the file is UTF-16 (Excel's \"Unicode text\")".into(),
            ),
            NotText::Binary => (
                format!("文件含有 NUL 字节，是二进制文件而不是 {kind} 文本"),
                format!("the file holds NUL bytes: it is binary, not {kind} text"),
            ),
            NotText::Neither => (
                "既不是 UTF-8 也不是 GB18030/GBK".into(),
                "neither UTF-8 nor GB18030/GBK".into(),
            ),
        }
    }
}

/// Decode a text file's bytes: UTF-8 (with or without BOM) or
/// GB18030/GBK, told apart without flags; anything else is refused rather
/// than read as mojibake.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), NotText> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_string(), Encoding::Utf8))
            .map_err(|_| NotText::BadBom);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(NotText::Utf16);
    }
    if bytes.contains(&0) {
        return Err(NotText::Binary);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), Encoding::Utf8));
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(NotText::Neither);
    }
    Ok((text.into_owned(), Encoding::Gb18030))
}

/// A text file the user keeps (a schema file, pbstat.toml), decoded as
/// [`decode`] does; an error names the file.
pub fn read_file(path: &std::path::Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| crate::lang::io_error(path, &e))?;
    decode(&bytes).map(|(s, _)| s).map_err(|why| {
        let (zh, en) = why.words("TOML");
        anyhow::anyhow!(crate::lang::tr(
            format!("{}：{zh}；请另存为 UTF-8 编码", path.display()),
            format!("{}: {en}; save it as UTF-8", path.display()),
        ))
    })
}
