//! Text as a careful clerk compares it: full-width folding, the many white
//! spaces of pasted text, blank markers, header normalising. The lowest
//! layer above `lang`: the schema, the reader and the period parser all
//! compare text the same way through these.

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
