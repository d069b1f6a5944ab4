//! Entry points for the fuzz targets (fuzz/) and the smoke run in the test
//! suite: each feeds arbitrary bytes through one stage of the reader. Our
//! own code must never panic on any input; a panic inside the workbook
//! library is caught exactly as production catches it.

use crate::read::{self, cell, csvfile, header, table, Limits};
use crate::schema::SchemaSet;
use calamine::Data;

fn schemas() -> &'static SchemaSet {
    use std::sync::OnceLock;
    static S: OnceLock<SchemaSet> = OnceLock::new();
    S.get_or_init(|| SchemaSet::embedded().expect("embedded schemas load"))
}

/// Header detection and row reading against every schema, for every sheet.
fn tables_of(wb: &read::Workbook) {
    for sheet in &wb.sheets {
        for s in &schemas().schemas {
            if let Some(layout) = header::detect(sheet, s, true) {
                let t = table::read_table(sheet, &layout);
                std::hint::black_box(t.entries.len());
            }
        }
    }
}

/// The CSV reader: encoding detection, parsing, header detection.
pub fn csv(data: &[u8]) {
    if let Ok(wb) = csvfile::read_csv(data, std::path::Path::new("fuzz.csv")) {
        tables_of(&wb);
    }
}

/// For the workbook fuzz target: libFuzzer's hook aborts on every panic,
/// which would stop the run at the first panic inside the workbook library
/// although production contains it as `file.unreadable`. This hook lets a
/// guarded panic raised in a third-party crate unwind to the guard, as in
/// production; a panic in pbstat's own code still aborts: that is a bug.
pub fn contain_library_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_library = info.location().is_some_and(|l| {
            let f = l.file();
            f.contains("/registry/src/") || f.contains("/git/checkouts/")
        });
        if !(in_library && crate::panic_guard::is_guarded()) {
            previous(info);
        }
    }));
}

/// The workbook reader (any format, told by content) and header detection.
pub fn workbook(data: &[u8]) {
    let limits = Limits {
        file_bytes: 1 << 24,
        uncompressed_bytes: 1 << 26,
        cells: 200_000,
        merges: true,
    };
    let opened = crate::panic_guard::quietly(|| {
        std::panic::catch_unwind(|| read::open_bytes(data.to_vec(), &limits))
    });
    if let Ok(Ok(wb)) = opened {
        tables_of(&wb);
    }
}

/// Every cell coercion on a text, and on numbers made from the bytes.
pub fn cells(data: &[u8]) {
    let t = String::from_utf8_lossy(data).into_owned();
    let d = Data::String(t.clone());
    let _ = cell::text_of(&d);
    let _ = cell::parse_number(&d);
    let _ = cell::parse_date(&d);
    let _ = cell::code_of(&d);
    let _ = cell::error_of(&d);
    let _ = crate::text::normalize_header(&t);
    let _ = table::is_footer(&t);
    let _ = table::total_kind(&t);
    let _ = crate::period::Period::parse(&t);
    if data.len() >= 8 {
        let f = f64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
        for v in [Data::Float(f), Data::Int(f.to_bits() as i64)] {
            let _ = cell::parse_date(&v);
            let _ = cell::code_of(&v);
            let _ = cell::text_of(&v);
        }
    }
}

/// The code checks: ID numbers, credit codes, organisation codes.
pub fn codes(data: &[u8]) {
    use crate::org::*;
    let t = String::from_utf8_lossy(data).into_owned();
    let id = normalize_id(&t);
    let _ = check_id(&id);
    let _ = id_is_male(&id);
    let _ = check_uscc(&t);
    if let Ok(l) = level_of_code(&t) {
        let _ = prefix_parent(&t, l);
    }
    let _ = crate::diag::mask_id(&t);
}

/// The lean .xlsx reader against calamine, on a sheet's XML placed in a
/// fixed workbook (shared strings, date formats): whenever the lean reader
/// takes the file, both must give the same cells and merges — a difference
/// panics, and that is the finding. True when the lean reader took it.
pub fn xlsx_lean(data: &[u8]) -> bool {
    use read::xlsx::differential::{compare, hand_made, Outcome, STRINGS, STYLES};
    let sheet = String::from_utf8_lossy(data);
    matches!(
        compare(&hand_made(&sheet, STRINGS, STYLES, ""), "fuzz input"),
        Outcome::Lean
    )
}

/// The same, on the shared-strings part: the bytes as `sharedStrings.xml`,
/// and a sheet that shows each string once. True when the lean reader took it.
pub fn xlsx_lean_strings(data: &[u8]) -> bool {
    use read::xlsx::differential::{compare, hand_made, Outcome, STYLES};
    let strings = String::from_utf8_lossy(data);
    let n = strings.matches("<si").count().clamp(1, 64);
    let cells: String = (0..n)
        .map(|i| {
            format!(
                r#"<c r="{}1" t="s"><v>{i}</v></c>"#,
                crate::diag::col_letter(i as u32)
            )
        })
        .collect();
    let sheet = format!("<worksheet><sheetData><row r=\"1\">{cells}</row></sheetData></worksheet>");
    matches!(
        compare(&hand_made(&sheet, &strings, STYLES, ""), "fuzz input"),
        Outcome::Lean
    )
}
