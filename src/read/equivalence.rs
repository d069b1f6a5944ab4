//! The fast text paths of the cell layer (borrowed texts, byte-level
//! trimming, first-character checks) against the plain implementations
//! they replaced, on random texts built from the characters that matter:
//! full-width forms, every kind of space, blank markers, CJK, colons,
//! brackets, apostrophes. Any difference in behaviour fails.

use super::cell::{code_of, fold, normalize_text, text_of, trim_text};
use super::table::{is_footer, total_kind, TotalKind};
use crate::org::{check_uscc, UsccProblem};
use crate::text::normalize_header;
use calamine::Data;

/// The previous implementations, kept as the reference.
mod plain {
    use super::*;

    pub fn normalize_text(s: &str) -> String {
        s.chars().map(fold).collect::<String>().trim().to_string()
    }

    pub fn trim_text(s: &str) -> &str {
        s.trim_matches(|c: char| {
            c.is_whitespace() || matches!(c, '\u{3000}' | '\u{00A0}' | '\u{FEFF}' | '\u{200B}')
        })
    }

    fn is_blank_marker(s: &str) -> bool {
        matches!(
            s,
            "" | "—" | "——" | "-" | "--" | "/" | "无" | "N/A" | "n/a" | "NA"
        )
    }

    pub fn text_of(s: &str) -> Option<String> {
        let t = trim_text(s).to_string();
        (!is_blank_marker(&normalize_text(&t))).then_some(t)
    }

    pub fn code_of(s: &str) -> Option<String> {
        let t = normalize_text(&text_of(s)?);
        let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        let t = t.trim_start_matches('\'').to_ascii_uppercase();
        (!t.is_empty()).then_some(t)
    }

    pub fn normalize_header(s: &str) -> String {
        let t = normalize_text(s);
        let mut t: String = t
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '*' && *c != '＊' && *c != '※')
            .collect();
        loop {
            let before = t.len();
            t = t.trim_end_matches([':', '：']).to_string();
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
        t.to_lowercase()
    }

    pub fn is_footer(first: &str) -> bool {
        let t: String = normalize_text(first)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        ["填表人", "审核人", "负责人", "单位负责人", "制表人"]
            .iter()
            .any(|p| t.starts_with(p))
            || ["说明", "注", "备注", "附注"].iter().any(|p| {
                t.strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('：'))
            })
    }

    pub fn total_kind(first: &str) -> Option<TotalKind> {
        let t: String = normalize_text(first)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        match t.trim_end_matches([':', '：']) {
            "合计" | "总计" => Some(TotalKind::Grand),
            "小计" => Some(TotalKind::Sub),
            _ => None,
        }
    }

    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    pub fn check_uscc(code: &str) -> Option<UsccProblem> {
        let value = |c: char| ALPHABET.find(c).map(|i| i as u32);
        if code.chars().count() != 18 || !code.chars().all(|c| value(c).is_some()) {
            return Some(UsccProblem::Format);
        }
        const W: [u32; 17] = [
            1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
        ];
        let sum: u32 = code
            .chars()
            .zip(W)
            .map(|(c, w)| value(c).unwrap() * w)
            .sum();
        let want = ALPHABET
            .chars()
            .nth(((31 - sum % 31) % 31) as usize)
            .unwrap();
        (code.as_bytes()[17] as char != want).then_some(UsccProblem::Checksum(want))
    }
}

/// The pieces random texts are made of.
const PIECES: &[&str] = &[
    " ",
    "\u{3000}",
    "\u{00A0}",
    "\u{2002}",
    "\u{200A}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{0085}",
    "\u{2028}",
    "\t",
    "\n",
    "—",
    "-",
    "－",
    "/",
    "／",
    "无",
    "N",
    "n",
    "A",
    "a",
    "Ｎ",
    "Ａ",
    "合",
    "计",
    "总",
    "小",
    "填表人",
    "注",
    "说明",
    "备注",
    ":",
    "：",
    "(",
    ")",
    "（",
    "）",
    "【",
    "】",
    "*",
    "＊",
    "※",
    "'",
    "＇",
    "1",
    "９",
    "0",
    "X",
    "x",
    "M",
    "Y",
    "I",
    "O",
    "Z",
    "张三",
    "社区",
    "É",
    "ǅ",
    "#",
    "#REF!",
    "e",
    ".",
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn text(&mut self) -> String {
        let n = self.below(7);
        (0..n).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }
}

#[test]
fn fast_text_paths_behave_as_the_plain_ones() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..250_000 {
        let s = rng.text();
        assert_eq!(
            normalize_text(&s),
            plain::normalize_text(&s),
            "normalize {s:?}"
        );
        assert_eq!(trim_text(&s), plain::trim_text(&s), "trim {s:?}");
        let d = Data::String(s.clone());
        assert_eq!(text_of(&d), plain::text_of(&s), "text_of {s:?}");
        assert_eq!(code_of(&d), plain::code_of(&s), "code_of {s:?}");
        assert_eq!(
            normalize_header(&s),
            plain::normalize_header(&s),
            "header {s:?}"
        );
        assert_eq!(is_footer(&s), plain::is_footer(&s), "footer {s:?}");
        assert_eq!(total_kind(&s), plain::total_kind(&s), "total {s:?}");
    }
}

#[test]
fn credit_codes_behave_as_before() {
    let mut rng = Rng(42);
    let alphabet: Vec<char> = "0123456789ABCDEFGHJKLMNPQRTUWXYIOZ中".chars().collect();
    for _ in 0..200_000 {
        let len = 16 + rng.below(4);
        let code: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        assert_eq!(check_uscc(&code), plain::check_uscc(&code), "{code}");
    }
    // Valid ones too: make the check character right.
    for _ in 0..20_000 {
        let body: String = (0..17)
            .map(|_| "0123456789ABCDEFGHJKLMNPQRTUWXY".as_bytes()[rng.below(31)] as char)
            .collect();
        for last in "0123456789ABCDEFGHJKLMNPQRTUWXY".chars() {
            let code = format!("{body}{last}");
            assert_eq!(check_uscc(&code), plain::check_uscc(&code), "{code}");
        }
    }
}
