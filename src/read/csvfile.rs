//! CSV files: UTF-8 (with or without BOM) or GB18030/GBK, told apart without
//! flags; anything else is refused rather than read as mojibake.

use calamine::{Data, Range};
use std::path::Path;

use super::{msg, Format, ReadError, Sheet, Workbook};

pub use crate::text::Encoding;

/// Decode CSV bytes; the error names what the bytes look like.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), ReadError> {
    crate::text::decode(bytes).map_err(|why| {
        let (zh, en) = why.words("CSV");
        ReadError::Encoding(msg(zh, en))
    })
}

/// A CSV file becomes one sheet named after the file; row numbers are the
/// file's line numbers.
pub fn read_csv(bytes: &[u8], path: &Path) -> Result<Workbook, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Unreadable(msg(
            "空文件（0 字节）",
            "empty file (0 bytes)",
        )));
    }
    let (text, _) = decode(bytes)?;
    let delimiter = sniff_delimiter(&text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    let mut max_row = 0u32;
    let mut max_col = 0u32;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            ReadError::Unreadable(msg(
                format!("CSV 格式错误（{e}）"),
                format!("malformed CSV: {e}"),
            ))
        })?;
        let line = rec.position().map(|p| p.line() as u32).unwrap_or(1).max(1) - 1;
        for (c, field) in rec.iter().enumerate() {
            if !field.is_empty() {
                cells.push((line, c as u32, field.to_string()));
                max_col = max_col.max(c as u32);
            }
        }
        max_row = max_row.max(line);
    }
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("csv")
        .to_string();
    let range = if cells.is_empty() {
        Range::empty()
    } else {
        let mut r = Range::new((0, 0), (max_row, max_col));
        for (row, col, v) in cells {
            r.set_value((row, col), Data::String(v));
        }
        r
    };
    Ok(Workbook {
        format: Format::Csv,
        sheets: vec![Sheet::new(name, 0, range)],
    })
}

/// Comma unless the first line has more semicolons or tabs than commas.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let count = |ch: char| first.matches(ch).count();
    let (c, s, t) = (count(','), count(';'), count('\t'));
    if t > c && t >= s {
        b'\t'
    } else if s > c {
        b';'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let (s, e) = decode("姓名,身份证号".as_bytes()).unwrap();
        assert_eq!((s.as_str(), e), ("姓名,身份证号", Encoding::Utf8));
        let (s, _) = decode(b"\xEF\xBB\xBFa,b").unwrap();
        assert_eq!(s, "a,b");
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,身份证号");
        let (s, e) = decode(&gbk).unwrap();
        assert_eq!((s.as_str(), e), ("姓名,身份证号", Encoding::Gb18030));
        assert!(matches!(
            decode(b"\xFF\xFEa\x00"),
            Err(ReadError::Encoding(_))
        ));
        assert!(matches!(
            decode(b"\x81\x20\xFF\xFF"),
            Err(ReadError::Encoding(_))
        ));
    }
}
