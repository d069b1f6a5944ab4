//! Report tables as CSV (UTF-8 with BOM), JSON rows and Parquet. Rates are
//! rounded half away from zero to 6 decimals and hours to 2 in all three;
//! the workbook keeps exact fractions.

use anyhow::Result;
use polars::prelude::*;
use serde_json::{json, Map, Value};
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

/// Every row of a table as (key, kind, value) triples, rounded.
pub fn rows(t: &Table) -> Vec<Vec<(String, Kind, Val)>> {
    let cols: Vec<(&str, Kind, &Column)> = t
        .def
        .cols
        .iter()
        .filter_map(|c| {
            t.df.column(&c.key)
                .ok()
                .map(|col| (c.key.as_str(), c.kind, col))
        })
        .collect();
    (0..t.df.height())
        .map(|i| {
            cols.iter()
                .map(|(k, kind, col)| {
                    let v = col.get(i).map(val).unwrap_or(Val::Null);
                    (k.to_string(), *kind, rounded(*kind, v))
                })
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

pub fn json_value(v: &Val) -> Value {
    match v {
        Val::Null => Value::Null,
        Val::Int(i) => json!(i),
        Val::Num(x) if x.fract() == 0.0 && x.abs() < 1e15 => json!(*x as i64),
        Val::Num(x) => json!(x),
        Val::Str(s) => json!(s),
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

pub fn json_rows(t: &Table) -> Value {
    Value::Array(
        rows(t)
            .into_iter()
            .map(|r| {
                let mut m = Map::new();
                for (k, _, v) in r {
                    m.insert(k, json_value(&v));
                }
                Value::Object(m)
            })
            .collect(),
    )
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
