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
use crate::aggregate::columns::Kind;
use crate::aggregate::{round_to, Table};
use crate::read::cell::number_text;

/// A table cell, as every writer needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Num(f64),
    Str(String),
}

pub fn val(av: AnyValue) -> Val {
    match av {
        AnyValue::Null => Val::Null,
        AnyValue::Int64(v) => Val::Int(v),
        AnyValue::Int32(v) => Val::Int(v as i64),
        AnyValue::UInt32(v) => Val::Int(v as i64),
        AnyValue::UInt64(v) => Val::Int(v as i64),
        AnyValue::Float64(v) if v.is_nan() => Val::Null,
        AnyValue::Float64(v) => Val::Num(v),
        AnyValue::Float32(v) => Val::Num(v as f64),
        AnyValue::String(s) => Val::Str(s.to_string()),
        AnyValue::StringOwned(s) => Val::Str(s.to_string()),
        AnyValue::Boolean(b) => Val::Int(b as i64),
        other => Val::Str(other.to_string()),
    }
}

/// A cell rounded as CSV and JSON show it.
pub fn rounded(kind: Kind, v: Val) -> Val {
    match (kind, v) {
        (Kind::Rate, Val::Num(x)) => Val::Num(round_to(x, 6)),
        (Kind::Hours, Val::Num(x)) => Val::Num(round_to(x, 2)),
        (Kind::Count | Kind::Part, Val::Num(x)) if x.fract() == 0.0 => Val::Int(x as i64),
        (_, v) => v,
    }
}

/// One column's cells, taken out of polars once. Reading through
/// `Column::get` costs a dynamic lookup and a conversion per cell, and the
/// writers visit every cell of every table.
pub fn column_values(col: &Column) -> Vec<Val> {
    let s = col.as_materialized_series();
    match s.dtype() {
        DataType::Float64 => match s.f64() {
            Ok(ca) => ca
                .iter()
                .map(|o| match o {
                    Some(v) if !v.is_nan() => Val::Num(v),
                    _ => Val::Null,
                })
                .collect(),
            Err(_) => Vec::new(),
        },
        DataType::Int64 => match s.i64() {
            Ok(ca) => ca.iter().map(|o| o.map_or(Val::Null, Val::Int)).collect(),
            Err(_) => Vec::new(),
        },
        DataType::String => match s.str() {
            Ok(ca) => ca
                .iter()
                .map(|o| o.map_or(Val::Null, |x| Val::Str(x.to_string())))
                .collect(),
            Err(_) => Vec::new(),
        },
        _ => (0..s.len())
            .map(|i| s.get(i).map(val).unwrap_or(Val::Null))
            .collect(),
    }
}

/// A table's columns in its definition's order, as values (None where the
/// frame lacks a column).
pub fn columns(t: &Table) -> Vec<Option<Vec<Val>>> {
    t.def
        .cols
        .iter()
        .map(|c| t.df.column(&c.key).ok().map(column_values))
        .collect()
}

/// The columns a table's frame has, with their keys and kinds.
fn keyed_columns(t: &Table) -> Vec<(&str, Kind, Vec<Val>)> {
    t.def
        .cols
        .iter()
        .zip(columns(t))
        .filter_map(|(c, v)| v.map(|v| (c.key.as_str(), c.kind, v)))
        .collect()
}

/// Every row of a table as (key, kind, value) triples, rounded.
pub fn rows(t: &Table) -> Vec<Vec<(&str, Kind, Val)>> {
    let cols = keyed_columns(t);
    (0..t.df.height())
        .map(|i| {
            cols.iter()
                .map(|(k, kind, v)| (*k, *kind, rounded(*kind, v[i].clone())))
                .collect()
        })
        .collect()
}

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
            ts.sort_by_key(|t| t.def.id);
            let mut m = s.serialize_map(Some(ts.len()))?;
            for t in ts {
                m.serialize_entry(t.def.id, &JsonRows(t))?;
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
    let mut df = t.df.clone();
    for c in &t.def.cols {
        let places = match c.kind {
            Kind::Rate => 6,
            Kind::Hours => 2,
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
    let f = std::fs::File::create(path)?;
    ParquetWriter::new(f).finish(&mut df)?;
    Ok(())
}
