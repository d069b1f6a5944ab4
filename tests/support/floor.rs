//! The floors of `make bench`, over every workbook under a folder, in
//! parallel, one file per job as pbstat schedules them:
//!
//! - `run`: calamine opening every workbook (.xlsx, .xls, .ods; a CSV
//!   parsed by the csv crate) and touching every cell: what any tool that
//!   reads these files must pay.
//! - `inflate`: every zip entry of every .xlsx/.ods inflated and nothing
//!   parsed (an .xls or CSV only read into memory): what is left when even
//!   the XML costs nothing.

use calamine::{open_workbook_auto, Data, Reader};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xls", "ods", "csv"];

pub fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| EXTENSIONS.contains(&x))
            {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    files
}

fn is_csv(f: &Path) -> bool {
    f.extension().is_some_and(|x| x == "csv")
}

/// (files, non-empty cells) read.
pub fn run(dir: &Path) -> (usize, usize) {
    let files = files(dir);
    let cells: usize = files
        .par_iter()
        .with_max_len(1)
        .map(|f| {
            if is_csv(f) {
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_path(f)
                    .expect("open");
                return r
                    .records()
                    .map(|rec| {
                        rec.expect("a record")
                            .iter()
                            .filter(|v| !v.is_empty())
                            .count()
                    })
                    .sum();
            }
            let mut wb = open_workbook_auto(f).expect("open");
            let mut n = 0;
            for name in wb.sheet_names() {
                let r = wb.worksheet_range(&name).expect("sheet");
                n += r
                    .used_cells()
                    .filter(|(_, _, v)| **v != Data::Empty)
                    .count();
            }
            n
        })
        .sum();
    (files.len(), cells)
}

/// (files, bytes inflated or read).
pub fn inflate(dir: &Path) -> (usize, u64) {
    let files = files(dir);
    let bytes: u64 = files
        .par_iter()
        .with_max_len(1)
        .map(|f| {
            let raw = std::fs::read(f).expect("read");
            if !raw.starts_with(b"PK") {
                return raw.len() as u64;
            }
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&raw[..])).expect("zip");
            let mut buf = Vec::new();
            let mut n = 0;
            for i in 0..zip.len() {
                buf.clear();
                zip.by_index(i)
                    .expect("entry")
                    .read_to_end(&mut buf)
                    .expect("inflate");
                n += buf.len() as u64;
            }
            n
        })
        .sum();
    (files.len(), bytes)
}
