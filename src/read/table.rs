//! The rows below a header: data, 合计/小计 rows, and the footer that ends them.

use super::cell::{is_blank, squeezed, trim_text};
use super::header::{ColumnKind, HeaderLayout};
use super::Sheet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalKind {
    /// 合计, 总计: the sum of every data row above.
    Grand,
    /// 小计: the sum of the data rows since the previous 小计 or 合计.
    Sub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Data(u32),
    Total(u32, TotalKind),
}

/// Where the data of a ledger sheet stand, in sheet order.
#[derive(Debug, Clone)]
pub struct Table {
    pub entries: Vec<Entry>,
}

const FOOTER_PREFIXES: &[&str] = &["填表人", "审核人", "负责人", "单位负责人", "制表人"];
const FOOTER_WITH_COLON: &[&str] = &["说明", "注", "备注", "附注"];

/// Whether `chars` begins with `prefix`; returns what follows it.
fn after_prefix<I: Iterator<Item = char>>(mut chars: I, prefix: &str) -> Option<I> {
    prefix
        .chars()
        .all(|p| chars.next() == Some(p))
        .then_some(chars)
}

/// A footer line: 填表人…, or 说明:/注:/备注:/附注: (forms.md §6).
/// Runs on every row, so it compares characters instead of building strings.
pub fn is_footer(first: &str) -> bool {
    let t = squeezed(first);
    // Every footer label begins with one of these.
    if !t
        .clone()
        .next()
        .is_some_and(|c| "填审负单制说注备附".contains(c))
    {
        return false;
    }
    if FOOTER_PREFIXES
        .iter()
        .any(|p| after_prefix(t.clone(), p).is_some())
    {
        return true;
    }
    // Full-width colons are already folded to ':'.
    FOOTER_WITH_COLON
        .iter()
        .any(|p| after_prefix(t.clone(), p).is_some_and(|mut rest| rest.next() == Some(':')))
}

pub fn total_kind(first: &str) -> Option<TotalKind> {
    let mut t = squeezed(first);
    let kind = match (t.next()?, t.next()?) {
        ('合' | '总', '计') => TotalKind::Grand,
        ('小', '计') => TotalKind::Sub,
        _ => return None,
    };
    // Only colons may follow (合计：).
    t.all(|c| c == ':').then_some(kind)
}

pub fn read_table(sheet: &Sheet, layout: &HeaderLayout) -> Table {
    let data_cols: Vec<u32> = layout
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Field(_) | ColumnKind::OrgCode))
        .map(|c| c.col)
        .collect();
    let mut entries = Vec::new();
    for r in layout.data_start..sheet.end_row() {
        let first = (0..sheet.end_col())
            .map(|c| sheet.get(r, c))
            .find(|d| !is_blank(d));
        let Some(first) = first else { continue };
        // Only a text cell can carry a footer or a 合计 label.
        if let calamine::Data::String(s) = first {
            let label = trim_text(s);
            if is_footer(label) {
                break;
            }
            if let Some(k) = total_kind(label) {
                entries.push(Entry::Total(r, k));
                continue;
            }
        }
        // A row holding nothing but its 序号 or 备注 (pre-numbered template
        // rows) is blank to a clerk. A formula error still counts as content.
        let has_data = data_cols.iter().any(|&c| {
            let d = sheet.get(r, c);
            !is_blank(d) || matches!(d, calamine::Data::Error(_))
        });
        if has_data {
            entries.push(Entry::Data(r));
        }
    }
    Table { entries }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footers_and_totals() {
        assert!(is_footer("填表人：张三"));
        assert!(is_footer("单位负责人"));
        assert!(is_footer("注：本表按季度报送"));
        assert!(is_footer("备注: 无"));
        assert!(!is_footer("备注"));
        assert!(!is_footer("注意事项"));
        assert_eq!(total_kind("合 计"), Some(TotalKind::Grand));
        assert_eq!(total_kind("总计"), Some(TotalKind::Grand));
        assert_eq!(total_kind("小计"), Some(TotalKind::Sub));
        assert_eq!(total_kind("合计人数"), None);
    }
}
