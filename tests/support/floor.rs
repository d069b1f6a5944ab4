//! The floor of `make bench`: every workbook under a folder opened and every
//! cell touched with calamine, in parallel: what any tool that reads these
//! files must pay. One file per job, as pbstat schedules them, so that the
//! floor is as low as the machine allows.

use calamine::{open_workbook_auto, Data, Reader};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// (files, non-empty cells) read.
pub fn run(dir: &Path) -> (usize, usize) {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "xlsx") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    let cells: usize = files
        .par_iter()
        .with_max_len(1)
        .map(|f| {
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
