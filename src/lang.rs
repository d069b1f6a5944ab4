//! Message language. Chinese is the default: the people reading messages
//! fill in Chinese forms.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Pick the text for this language.
    pub fn t(self, zh: impl Into<String>, en: impl Into<String>) -> String {
        match self {
            Lang::Zh => zh.into(),
            Lang::En => en.into(),
        }
    }
}

use std::sync::atomic::{AtomicU8, Ordering};

/// The language of the run, for messages made far from the command line
/// (the input walk, the output folder, schema loading). Set once, before
/// any work, by `set`; Chinese until then.
static CURRENT: AtomicU8 = AtomicU8::new(0);

pub fn set(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

pub fn current() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::En,
        _ => Lang::Zh,
    }
}

/// Pick the text for the run's language.
pub fn tr(zh: impl Into<String>, en: impl Into<String>) -> String {
    current().t(zh, en)
}

/// An operating-system error as a person reads it, in the run's language
/// (the system's own words are English and name no file).
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let (zh, en) = match e.kind() {
        K::NotFound => ("不存在", "does not exist"),
        K::PermissionDenied => (
            "没有权限（请检查文件夹的读写权限，或换一个位置）",
            "permission denied (check the folder's permissions, or choose another place)",
        ),
        K::AlreadyExists => ("已存在", "already exists"),
        K::ReadOnlyFilesystem => ("所在磁盘只读", "the disk is read-only"),
        K::StorageFull => ("磁盘已满", "the disk is full"),
        K::ResourceBusy => ("正被占用", "is in use"),
        K::IsADirectory => ("是文件夹，不是文件", "is a folder, not a file"),
        K::NotADirectory => ("不是文件夹", "is not a folder"),
        K::DirectoryNotEmpty => ("文件夹不为空", "the folder is not empty"),
        K::InvalidFilename => ("文件名无效", "the file name is not valid"),
        K::CrossesDevices => ("跨磁盘无法移动", "cannot be moved across disks"),
        _ => {
            return tr(
                format!("无法访问（{e}）"),
                format!("cannot be accessed ({e})"),
            )
        }
    };
    tr(zh, en)
}

/// `PATH：reason` for an operating-system error on `path`.
pub fn io_error(path: &std::path::Path, e: &std::io::Error) -> anyhow::Error {
    let sep = if current() == Lang::Zh { "：" } else { ": " };
    anyhow::anyhow!("{}{sep}{}", path.display(), io_reason(e))
}

/// A TOML file's error (toml's and serde's words, English) said in
/// Chinese: a county's statistician edits these files, and "invalid type:
/// string, expected a sequence" told them nothing. The kinds serde and
/// toml report are said with the names they quote; any other (a syntax
/// error's detail) is kept in parentheses after a Chinese lead.
pub fn toml_reason_zh(message: &str) -> String {
    let m = message.trim();
    // `a`, `b` or `c` → `a`、`b`、`c`
    let listed = |s: &str| {
        s.trim_start_matches("one of ")
            .replace("`, `", "`、`")
            .replace("` or `", "`、`")
    };
    if let Some(f) = m.strip_prefix("missing field ") {
        return format!("缺少必填项 {f}");
    }
    if let Some(rest) = m.strip_prefix("unknown field ") {
        return match rest.split_once(", expected ") {
            Some((f, one_of)) => format!("{f} 不是可写的项；可写的有 {}", listed(one_of)),
            None => match rest.split_once(", there are no fields") {
                Some((f, _)) => format!("{f} 不是可写的项；这里不能写任何项"),
                None => format!("{rest} 不是可写的项"),
            },
        };
    }
    if let Some(rest) = m.strip_prefix("unknown variant ") {
        return match rest.split_once(", expected ") {
            Some((v, one_of)) => format!("{v} 不是可用的取值；应为 {} 之一", listed(one_of)),
            None => format!("{rest} 不是可用的取值"),
        };
    }
    for (lead, zh) in [
        ("invalid type: ", "类型不对"),
        ("invalid value: ", "取值不对"),
    ] {
        if let Some((got, want)) = m
            .strip_prefix(lead)
            .and_then(|r| r.split_once(", expected "))
        {
            return format!(
                "{zh}：写的是{}，应为{}",
                toml_unexpected(got),
                toml_expected(want)
            );
        }
    }
    if let Some((n, want)) = m
        .strip_prefix("invalid length ")
        .and_then(|r| r.split_once(", expected "))
    {
        return format!("个数不对：写了 {n} 个，应为{}", toml_expected(want));
    }
    if m.starts_with("duplicate key") {
        return format!("同一项写了两次（{m}）");
    }
    format!("TOML 写法有误（{m}）")
}

/// serde's "what was written": `string "x"`, `integer `5``, `sequence` …
fn toml_unexpected(s: &str) -> String {
    let tick = |t: &str| t.trim_matches('`').to_string();
    for (en, zh) in [
        ("string ", "文本 "),
        ("integer ", "整数 "),
        ("floating point ", "小数 "),
        ("boolean ", "真假值 "),
    ] {
        if let Some(v) = s.strip_prefix(en) {
            return format!("{zh}{}", tick(v));
        }
    }
    match s {
        "sequence" => "列表".into(),
        "map" => "表".into(),
        _ => s.into(),
    }
}

/// serde's "what was expected": `a sequence`, `a string`, `u32` …
fn toml_expected(s: &str) -> String {
    match s {
        "a sequence" => "列表（如 [\"a\", \"b\"]）".into(),
        "a string" | "a borrowed string" => "加引号的文本".into(),
        "a text or a number" => "数字或加引号的文本".into(),
        "a share (0.5) or a percentage (\"50%\")" => "比例（如 0.5）或百分数（如 \"50%\"）".into(),
        "a number or { month, quarter, year }" => {
            "不小于 0 的整数，或 { month = …, quarter = …, year = … }".into()
        }
        "a boolean" => "true 或 false".into(),
        "a map" => "表".into(),
        "a character" => "一个字符".into(),
        "f32" | "f64" => "数字".into(),
        // A negative number where a count goes (`month = -1`) is "an
        // integer" too: "expected an integer" would read as nonsense.
        "u8" | "u16" | "u32" | "u64" | "usize" => "不小于 0 的整数".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "整数".into(),
        _ if s.starts_with("struct ") => "表".into(),
        // `present = ["是"]`: "an array of length 2", "a tuple of size 2".
        _ if s.starts_with("an array of length ") || s.starts_with("a tuple of size ") => {
            format!(" {} 个", s.rsplit(' ').next().unwrap_or_default())
        }
        // Left in serde's words, apart from the Chinese before it.
        _ => format!(" {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::toml_reason_zh;

    #[test]
    fn toml_reasons_in_chinese_keep_the_names_they_quote() {
        for (en, zh) in [
            ("missing field `assert`", "缺少必填项 `assert`"),
            (
                "unknown variant `fatal`, expected `error` or `warning`",
                "`fatal` 不是可用的取值；应为 `error`、`warning` 之一",
            ),
            (
                "unknown field `x`, there are no fields",
                "`x` 不是可写的项；这里不能写任何项",
            ),
            (
                "invalid type: floating point `1.5`, expected u32",
                "类型不对：写的是小数 1.5，应为不小于 0 的整数",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "取值不对：写的是整数 -1，应为不小于 0 的整数",
            ),
            (
                "invalid type: floating point `1.5`, expected i64",
                "类型不对：写的是小数 1.5，应为整数",
            ),
            (
                "invalid length 1, expected a tuple of size 2",
                "个数不对：写了 1 个，应为 2 个",
            ),
            (
                "invalid length 1, expected an array of length 2",
                "个数不对：写了 1 个，应为 2 个",
            ),
            (
                "invalid basic string, expected `\"`",
                "TOML 写法有误（invalid basic string, expected `\"`）",
            ),
        ] {
            assert_eq!(toml_reason_zh(en), zh);
        }
    }
}
