//! Report tables as CSV (UTF-8 with BOM), JSON rows and Parquet. Rates are
//! rounded half away from zero to 6 decimals and hours to 2 in all three;
//! the workbook keeps exact fractions.

use anyhow::Result;
use polars::prelude::*;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::Path;

use super::diagnostics::safe_cell;
use crate::aggregate::values::{keyed_columns, rounded, rows, Val};
use crate::aggregate::{round_to, Table};
use crate::read::cell::number_text;
use crate::schema::tables::Kind;

fn csv_text(v: &Val) -> String {
    match v {
        Val::Null => String::new(),
        Val::Int(i) => i.to_string(),
        Val::Num(x) => number_text(*x),
        Val::Str(s) => safe_cell(s),
    }
}

pub fn csv_bytes(t: &Table) -> Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let keys: Vec<&str> = t.def.cols.iter().map(|c| c.key.as_str()).collect();
        w.write_record(&keys)?;
        for r in rows(t) {
            w.write_record(r.iter().map(|(_, _, v)| csv_text(v)))?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// A cell as JSON shows it, serialised without building a `Value`.
struct JsonCell<'a>(&'a Val);

impl Serialize for JsonCell<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Val::Null => s.serialize_unit(),
            Val::Int(i) => s.serialize_i64(*i),
            Val::Num(x) if x.fract() == 0.0 && x.abs() < 1e15 => s.serialize_i64(*x as i64),
            Val::Num(x) => s.serialize_f64(*x),
            Val::Str(t) => s.serialize_str(t),
        }
    }
}

/// A table's rows as JSON objects, streamed. Keys come in sorted order,
/// as they would from a `serde_json::Value` map, so the file is the same
/// as one built in memory, without holding every cell as a JSON value.
struct JsonRows<'a>(&'a Table);

impl Serialize for JsonRows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut cols = keyed_columns(t);
        cols.sort_by(|a, b| a.0.cmp(b.0));
        cols.dedup_by(|a, b| a.0 == b.0);
        let mut seq = s.serialize_seq(Some(t.df.height()))?;
        for i in 0..t.df.height() {
            seq.serialize_element(&JsonRow(&cols, i))?;
        }
        seq.end()
    }
}

struct JsonRow<'a>(&'a [(&'a str, Kind, Vec<Val>)], usize);

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, kind, v) in self.0 {
            m.serialize_entry(k, &JsonCell(&rounded(*kind, v[self.1].clone())))?;
        }
        m.end()
    }
}

/// summary.json: the fields of `head` and, in its sorted place, `tables`
/// (each table's rows by table id), streamed to `w`.
pub fn write_summary(
    w: impl std::io::Write,
    head: &Map<String, Value>,
    tables: &[&Table],
) -> Result<()> {
    struct Tables<'a>(&'a [&'a Table]);
    impl Serialize for Tables<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut ts: Vec<&Table> = self.0.to_vec();
            ts.sort_by(|a, b| a.def.id.cmp(&b.def.id));
            let mut m = s.serialize_map(Some(ts.len()))?;
            for t in ts {
                m.serialize_entry(&t.def.id, &JsonRows(t))?;
            }
            m.end()
        }
    }
    struct Summary<'a>(&'a Map<String, Value>, Tables<'a>);
    impl Serialize for Summary<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(self.0.len() + 1))?;
            let mut pending = Some(&self.1);
            for (k, v) in self.0 {
                if k.as_str() > "tables" {
                    if let Some(t) = pending.take() {
                        m.serialize_entry("tables", t)?;
                    }
                }
                m.serialize_entry(k, v)?;
            }
            if let Some(t) = pending {
                m.serialize_entry("tables", t)?;
            }
            m.end()
        }
    }
    let mut w = std::io::BufWriter::new(w);
    serde_json::to_writer_pretty(&mut w, &Summary(head, Tables(tables)))?;
    w.write_all(b"\n")?;
    w.flush()?;
    Ok(())
}

/// The same table, rounded as CSV shows it, as Parquet.
pub fn write_parquet(t: &Table, path: &Path) -> Result<()> {
    let mut df = rounded_frame(t)?;
    let f = std::fs::File::create(path)?;
    ParquetWriter::new(f).finish(&mut df)?;
    Ok(())
}

/// A table's frame rounded as its CSV shows it (rates to 6 places, hours
/// to 2, minutes to 1): what tables/*.parquet and the archive hold.
pub fn rounded_frame(t: &Table) -> Result<DataFrame> {
    let mut df = t.df.clone();
    for c in &t.def.cols {
        let places = match c.kind {
            Kind::Rate => 6,
            Kind::Hours => 2,
            Kind::Minutes => 1,
            _ => continue,
        };
        if let Ok(col) = df.column(&c.key) {
            if let Ok(ca) = col.f64() {
                let r = ca
                    .apply_values(|v| round_to(v, places))
                    .into_series()
                    .into_column();
                df.with_column(r)?;
            }
        }
    }
    Ok(df)
}
