//! Organisations and their codes (forms.md §1): levels, the organisation
//! code shapes and their hierarchy, 统一社会信用代码 (GB 32100-2015) and
//! 公民身份号码 (GB 11643-1999). Below the schema, so that forms, the
//! registry and the readers all judge a code the same way.

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    /// Not 17 digits and a check character.
    Format,
    /// Characters 7–14 are not a real date.
    Birthdate,
    /// Wrong check character; carries the right one.
    Checksum(char),
}

/// Upper-case the trailing `x` and strip nothing else: the caller has already
/// trimmed and width-normalised the text.
pub fn normalize_id(s: &str) -> String {
    s.to_ascii_uppercase()
}

pub fn id_check_char(first17: &[u8]) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .iter()
        .zip(W)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

/// Check an ID number; returns its birth date when the shape and date are good
/// (the date is returned even when only the checksum is wrong).
pub fn check_id(id: &str) -> (Option<NaiveDate>, Option<IdProblem>) {
    let b = id.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X')
    {
        return (None, Some(IdProblem::Format));
    }
    // Digits checked above: read YYYYMMDD without a format-string parser.
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |n, d| n * 10 + (d - b'0') as u32);
    let birth = NaiveDate::from_ymd_opt(num(6..10) as i32, num(10..12), num(12..14));
    let Some(birth) = birth else {
        return (None, Some(IdProblem::Birthdate));
    };
    let want = id_check_char(&b[..17]);
    if want != b[17] as char {
        return (Some(birth), Some(IdProblem::Checksum(want)));
    }
    (Some(birth), None)
}

/// The 17th digit: odd for men.
pub fn id_is_male(id: &str) -> Option<bool> {
    id.as_bytes()
        .get(16)
        .filter(|b| b.is_ascii_digit())
        .map(|b| (b - b'0') % 2 == 1)
}

const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccProblem {
    Format,
    Checksum(char),
}

/// Each ASCII character's value in the credit-code alphabet (255: none).
const USCC_VALUES: [u8; 128] = {
    let mut t = [255u8; 128];
    let a = USCC_ALPHABET.as_bytes();
    let mut i = 0;
    while i < a.len() {
        t[a[i] as usize] = i as u8;
        i += 1;
    }
    t
};

pub fn uscc_value(c: char) -> Option<u32> {
    let v = *USCC_VALUES.get(c as usize)?;
    (v != 255).then_some(v as u32)
}

pub fn check_uscc(code: &str) -> Option<UsccProblem> {
    // Every character of the alphabet is ASCII: work on bytes.
    let b = code.as_bytes();
    if b.len() != 18 {
        return Some(UsccProblem::Format);
    }
    let mut vals = [0u32; 18];
    for (v, &c) in vals.iter_mut().zip(b) {
        match USCC_VALUES.get(c as usize) {
            Some(&x) if x != 255 => *v = x as u32,
            _ => return Some(UsccProblem::Format),
        }
    }
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = vals[..17].iter().zip(W).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    (vals[17] != check)
        .then(|| UsccProblem::Checksum(USCC_ALPHABET.as_bytes()[check as usize] as char))
}

/// An organisation's level, from forms.md §1.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    // The Chinese names too, as a statistician writes a level in the
    // schema files (`levels = ["街道", "社区"]`); [`Level::parse`] likewise.
    #[serde(alias = "区县")]
    County,
    #[serde(alias = "街道")]
    Street,
    #[serde(alias = "社区")]
    Community,
    #[serde(alias = "驻区单位")]
    Unit,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::County => "county",
            Level::Street => "street",
            Level::Community => "community",
            Level::Unit => "unit",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Level::County => "区县",
            Level::Street => "街道",
            Level::Community => "社区",
            Level::Unit => "驻区单位",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "county" | "区县" => Some(Level::County),
            "street" | "街道" => Some(Level::Street),
            "community" | "社区" => Some(Level::Community),
            "unit" | "驻区单位" => Some(Level::Unit),
            _ => None,
        }
    }
}

/// Normalise a county's 6-digit code to its 12-digit form; other codes are
/// returned as they are.
pub fn normalize_org_code(code: &str) -> String {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("{code}000000")
    } else {
        code.to_string()
    }
}

/// Why a code has no level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeError {
    /// Not 6 or 12 digits, nor 18 credit-code characters: the length found.
    Length(usize),
    /// Street part 000 under a non-zero community part.
    ZeroStreet,
    StreetPart(u32),
    CommunityPart(u32),
}

impl ShapeError {
    pub fn describe(&self, lang: crate::lang::Lang) -> String {
        match self {
            ShapeError::Length(n) => lang.t(format!("共{n}位"), format!("{n} characters")),
            ShapeError::ZeroStreet => lang.t(
                "街道段为000而社区段不为000",
                "street part 000 with a community part",
            ),
            ShapeError::StreetPart(s) => lang.t(
                format!("街道段{s:03}不在001–399"),
                format!("street part {s:03} outside 001–399"),
            ),
            ShapeError::CommunityPart(c) => lang.t(
                format!("社区段{c:03}不在001–199"),
                format!("community part {c:03} outside 001–199"),
            ),
        }
    }
}

/// The level a code's shape says, or why it has none.
pub fn level_of_code(code: &str) -> Result<Level, ShapeError> {
    let all_digits = code.bytes().all(|b| b.is_ascii_digit());
    if code.len() == 18 && code.chars().all(|c| uscc_value(c).is_some()) {
        return Ok(Level::Unit);
    }
    if all_digits && code.len() == 6 {
        return Ok(Level::County);
    }
    if !all_digits || code.len() != 12 {
        return Err(ShapeError::Length(code.chars().count()));
    }
    let sss: u32 = code[6..9].parse().expect("digits");
    let nnn: u32 = code[9..12].parse().expect("digits");
    match (sss, nnn) {
        (0, 0) => Ok(Level::County),
        (1..=399, 0) => Ok(Level::Street),
        (1..=399, 1..=199) => Ok(Level::Community),
        (0, _) => Err(ShapeError::ZeroStreet),
        (400.., _) => Err(ShapeError::StreetPart(sss)),
        (_, _) => Err(ShapeError::CommunityPart(nnn)),
    }
}

/// The code its parent must have by prefix, for streets and communities.
pub fn prefix_parent(code: &str, level: Level) -> Option<String> {
    match level {
        Level::Street => Some(format!("{}000000", &code[..6])),
        Level::Community => Some(format!("{}000", &code[..9])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known-good ID numbers built by the GB 11643 rule; the first is the
    // standard's own worked example (11010519491231002X).
    #[test]
    fn id_known_good_and_bad() {
        assert_eq!(check_id("11010519491231002X").1, None);
        assert_eq!(check_id("440524188001010014").1, None);
        assert_eq!(
            check_id("110105194912310021").1,
            Some(IdProblem::Checksum('X'))
        );
        assert_eq!(check_id("11010519491231002").1, Some(IdProblem::Format));
        assert_eq!(check_id("1101051949123100AX").1, Some(IdProblem::Format));
        assert_eq!(check_id("110105194902300021").1, Some(IdProblem::Birthdate));
        assert_eq!(id_is_male("11010519491231002X"), Some(false));
        assert_eq!(id_is_male("440524188001010014"), Some(true));
    }

    #[test]
    fn uscc_known_good_and_bad() {
        // Published codes of well-known organisations.
        assert_eq!(check_uscc("91350100M000100Y43"), None);
        assert_eq!(check_uscc("911100001000044477"), None);
        assert_eq!(
            check_uscc("91350100M000100Y44"),
            Some(UsccProblem::Checksum('3'))
        );
        assert_eq!(check_uscc("91350100M000100Y4"), Some(UsccProblem::Format));
        assert_eq!(check_uscc("91350100I000100Y43"), Some(UsccProblem::Format));
    }

    #[test]
    fn org_code_shapes() {
        assert_eq!(level_of_code("429901"), Ok(Level::County));
        assert_eq!(level_of_code("429901000000"), Ok(Level::County));
        assert_eq!(level_of_code("429901001000"), Ok(Level::Street));
        assert_eq!(level_of_code("429901001001"), Ok(Level::Community));
        assert!(level_of_code("429901001200").is_err());
        assert!(level_of_code("429901400000").is_err());
        assert!(level_of_code("42990100100").is_err());
        assert_eq!(level_of_code("91350100M000100Y43"), Ok(Level::Unit));
        assert_eq!(normalize_org_code("429901"), "429901000000");
        assert_eq!(
            prefix_parent("429901001001", Level::Community).unwrap(),
            "429901001000"
        );
    }
}
