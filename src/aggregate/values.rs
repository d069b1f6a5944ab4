//! A report table's cells as plain values, taken out of polars once: what
//! every writer renders and what the trend audit compares.

use polars::prelude::*;

use super::{round_to, Table};
use crate::schema::tables::Kind;

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
        (Kind::Minutes, Val::Num(x)) => Val::Num(round_to(x, 1)),
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
pub fn keyed_columns(t: &Table) -> Vec<(&str, Kind, Vec<Val>)> {
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
