//! The registry (报送单位名录, forms.md §3): who is expected to submit, their
//! names and the hierarchy every report uses.

use anyhow::{anyhow, Result};
use foldhash::{HashMap, HashMapExt};
use std::path::Path;

use super::ledger::read_ledger;
use super::{Ctx, Sink, Value};
use crate::diag::{Code, Diagnostic};
use crate::org::{level_of_code, prefix_parent, Level};
use crate::read::{self, header, ReadError};

#[derive(Debug, Clone)]
pub struct RegEntry {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent: Option<String>,
    pub expected: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub path: String,
    pub entries: Vec<RegEntry>,
    index: HashMap<String, usize>,
    /// Each parent code's children, in registry order.
    kids: HashMap<String, Vec<usize>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Registry {
    /// The entry of a code (a 6-digit county code as its 12-digit form).
    /// Looked up for every code cell, so it allocates only for the short form.
    pub fn get(&self, code: &str) -> Option<&RegEntry> {
        let i = if code.len() == 6 {
            self.index.get(&crate::org::normalize_org_code(code))
        } else {
            self.index.get(code)
        };
        i.map(|&i| &self.entries[i])
    }

    /// The entry a code not in the registry most likely means: the one of
    /// the same name. (Codes alone say nothing: neighbouring communities'
    /// codes differ in one digit, so a near code is no evidence of a typo.)
    pub fn likely_meant(&self, name: &str) -> Option<&RegEntry> {
        let fold = |s: &str| crate::text::normalize_header(s);
        let n = fold(name);
        if n.is_empty() {
            return None;
        }
        let mut same = self.entries.iter().filter(|e| fold(&e.name) == n);
        match (same.next(), same.next()) {
            (Some(e), None) => Some(e),
            _ => None,
        }
    }

    pub fn children<'a>(&'a self, code: &str) -> impl Iterator<Item = &'a RegEntry> + 'a {
        self.kids
            .get(code)
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i])
    }

    pub fn from_entries(path: &str, entries: Vec<RegEntry>) -> Registry {
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.code.clone(), i))
            .rev()
            .collect();
        let mut kids: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(p) = &e.parent {
                kids.entry(p.clone()).or_default().push(i);
            }
        }
        Registry {
            path: path.to_string(),
            entries,
            index,
            kids,
            diagnostics: Vec::new(),
        }
    }
}

/// Read and check a registry. An unreadable file or one with no header is
/// an error of the run (exit 2); problems in its rows are diagnostics.
pub fn load(path: &Path, ctx: &Ctx) -> Result<Registry> {
    let display = path.display().to_string();
    let wb = read::open(path, &ctx.limits).map_err(|e| {
        let why = match e {
            ReadError::Unreadable(m) | ReadError::Encoding(m) | ReadError::TooLarge(m) => {
                ctx.lang.t(m.zh, m.en)
            }
            ReadError::Unsupported(ext) => ctx.lang.t(
                format!("不支持 .{ext} 文件（请另存为 .xlsx）"),
                format!("unsupported extension .{ext} (save it as .xlsx)"),
            ),
        };
        anyhow!(ctx.lang.t(
            format!("无法读取名录 {display}：{why}"),
            format!("cannot read the registry {display}: {why}"),
        ))
    })?;
    let schema = ctx.schemas.get("registry");
    let found = wb
        .sheets
        .iter()
        .find(|s| schema.matches_sheet_name(&s.name) && header::detect(s, schema, false).is_some())
        .or_else(|| wb.sheets.iter().find(|s| header::detect(s, schema, false).is_some()))
        .ok_or_else(|| {
            anyhow!(ctx.lang.t(
                format!("名录 {display} 的前 30 行中没有含“代码、名称、类型、上级代码”的表头行；请用 pbstat template --kind registry 生成的名录格式"),
                format!("the registry {display} has no header row with 代码, 名称, 类型, 上级代码 in its first 30 rows"),
            ))
        })?;
    let layout = header::detect(found, schema, false).expect("found above");
    let mut sink = Sink::new(&display, wb.format == read::Format::Csv);
    sink.on_sheet(&found.name, found.index);
    // Registry dates are not judged against any period.
    let reg_ctx = Ctx {
        registry: None,
        ..ctx.clone()
    };
    let ledger = read_ledger(&reg_ctx, &mut sink, schema, found, &layout, None, false);

    // What 类型 and 应报 mean is declared in registry.toml (`levels`,
    // `yes`), so that a county may spell them its own way.
    let kind_field = schema.field("kind");
    let yes = schema.field("expected").and_then(|f| f.yes_value());
    let mut rows = Vec::new();
    for rec in &ledger.records {
        let get = |k: &str| ledger.get(ctx.schemas, rec, k);
        let Value::Text(code) = get("code") else {
            continue;
        };
        let code = code.to_string();
        let name = get("name").text().unwrap_or("").to_string();
        let shape = level_of_code(&code).ok();
        let kind = get("kind")
            .text()
            .and_then(|t| kind_field.and_then(|f| f.level_of(t)));
        let level = match kind.or(shape) {
            Some(l) => l,
            None => continue,
        };
        let parent = get("parent_code").text().map(str::to_string);
        let expected = match get("expected").text() {
            Some(t) => yes == Some(t),
            None => matches!(level, Level::Community | Level::Unit),
        };
        let col = |k: &str| {
            let i = schema
                .field_index(k)
                .expect("registry keys checked at load");
            layout.column_of(i).map(|c| c.col).unwrap_or(0)
        };
        if let (Some(k), Some(s)) = (kind, shape) {
            if k != s {
                let m = ctx.lang.t(
                    format!("类型为“{}”，但代码 {code} 的形式是{}代码", k.zh(), s.zh()),
                    format!(
                        "kind is {} but code {code} has the shape of a {} code",
                        k.as_str(),
                        s.as_str()
                    ),
                );
                let d = sink
                    .at(Code::RegistryKindMismatch, rec.row, col("kind"), m)
                    .field("kind")
                    .value(k.zh());
                sink.push(d);
            }
        }
        rows.push((
            rec.row,
            RegEntry {
                code,
                name,
                level,
                parent,
                expected,
            },
            col("parent_code"),
        ));
    }
    let entries: Vec<RegEntry> = rows.iter().map(|(_, e, _)| e.clone()).collect();
    let reg = Registry::from_entries(&display, entries);
    for (row, e, pcol) in &rows {
        check_parent(ctx, &mut sink, &reg, e, *row, *pcol);
    }
    let mut reg = reg;
    reg.diagnostics = sink.diags;
    Ok(reg)
}

fn check_parent(ctx: &Ctx, sink: &mut Sink, reg: &Registry, e: &RegEntry, row: u32, pcol: u32) {
    let lang = ctx.lang;
    let Some(parent) = &e.parent else {
        if e.level != Level::County {
            let m = lang.t(
                format!("{}“{}”缺少上级代码", e.level.zh(), e.name),
                format!("{} {} has no parent code", e.level.as_str(), e.name),
            );
            let d = sink
                .at(Code::CellRequired, row, pcol, m)
                .field("parent_code");
            sink.push(d);
        }
        return;
    };
    let Some(p) = reg.get(parent) else {
        let m = lang.t(
            format!("上级代码 {parent} 不在名录中"),
            format!("parent code {parent} is not in the registry"),
        );
        let d = sink
            .at(Code::RegistryUnknownParent, row, pcol, m)
            .field("parent_code")
            .value(parent.clone());
        sink.push(d);
        return;
    };
    let want = match e.level {
        Level::County => None,
        Level::Street => Some(Level::County),
        Level::Community => Some(Level::Street),
        Level::Unit => Some(Level::Community),
    };
    if want != Some(p.level) {
        let m = lang.t(
            format!(
                "{}的上级应为{}，但 {parent} 是{}",
                e.level.zh(),
                want.map(|l| l.zh()).unwrap_or("（无）"),
                p.level.zh()
            ),
            format!(
                "a {}'s parent must be a {}, but {parent} is a {}",
                e.level.as_str(),
                want.map(|l| l.as_str()).unwrap_or("(none)"),
                p.level.as_str()
            ),
        );
        let d = sink
            .at(Code::RegistryKindMismatch, row, pcol, m)
            .field("parent_code")
            .value(parent.clone());
        sink.push(d);
        return;
    }
    if let Some(pp) = prefix_parent(&e.code, e.level) {
        if &pp != parent {
            let m = lang.t(
                format!(
                    "代码 {} 的前缀表明上级应为 {pp}，名录写的是 {parent}",
                    e.code
                ),
                format!(
                    "code {}'s prefix says its parent is {pp}, the registry says {parent}",
                    e.code
                ),
            );
            let d = sink
                .at(Code::CodeHierarchy, row, pcol, m)
                .field("parent_code")
                .value(parent.clone());
            sink.push(d);
        }
    }
}
