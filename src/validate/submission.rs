//! One input file from end to end: open it, find its sheets, read its cover,
//! decide its organisation's level, and check every ledger it must carry.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use super::cover::{check_cover, label_count, read_pairs, CoverInfo};
use super::ledger::read_ledger;
use super::{Ctx, Ledger, Sink};
use crate::diag::{Code, Diagnostic};
use crate::org::{level_of_code, Level};
use crate::read::cell::code_of;
use crate::read::header::detect;
use crate::read::{self, report, Format, ReadError, Sheet, Workbook};
use crate::schema::{FormKind, Schema};
use crate::text::normalize_header;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionKind {
    /// A submission workbook: a cover and its ledgers.
    Workbook,
    /// A CSV ledger whose rows name their submitters (forms.md §4.7).
    CsvLedger,
    /// A registry table passed as an input.
    Registry,
    /// A report workbook written by `pbstat aggregate` (a county summary).
    Report,
    /// A file that could not be read at all.
    Unreadable,
}

pub struct Submission {
    pub path: PathBuf,
    pub file: String,
    pub kind: SubmissionKind,
    pub level: Option<Level>,
    pub cover: CoverInfo,
    pub ledgers: Vec<Ledger>,
    pub diagnostics: Vec<Diagnostic>,
    pub report: Option<crate::read::report::ReportInput>,
    /// SHA-256 of the bytes read, when the context asked for it.
    pub sha256: Option<String>,
    /// How its diagnostics were made (the organisation they name, the
    /// level its checks apply at, CSV rows): the checks run after the file.
    pub context: Sink,
}

/// Validate one file. Never panics: a reader that panics on a broken file
/// becomes `file.unreadable` for that file alone.
pub fn validate_file(path: &Path, display: &str, ctx: &Ctx) -> Submission {
    let caught = crate::panic_guard::quietly(|| {
        catch_unwind(AssertUnwindSafe(|| validate_inner(path, display, ctx)))
    });
    caught.unwrap_or_else(|_| {
        let mut sink = Sink::new(display, false);
        let m = ctx.lang.t(
            "文件已损坏，读取时出错（读取器异常终止）；请用 Excel 打开后另存为 .xlsx",
            "the file is damaged and could not be read (the reader failed); open it in Excel and save as .xlsx",
        );
        sink.file_level(Code::FileUnreadable, m);
        unreadable(path, display, sink)
    })
}

fn unreadable(path: &Path, display: &str, sink: Sink) -> Submission {
    Submission {
        path: path.to_path_buf(),
        file: display.to_string(),
        kind: SubmissionKind::Unreadable,
        level: None,
        cover: CoverInfo::default(),
        ledgers: Vec::new(),
        diagnostics: Vec::new(),
        report: None,
        sha256: None,
        context: sink,
    }
    .finish()
}

impl Submission {
    /// Move the context's diagnostics into the submission.
    pub fn finish(mut self) -> Submission {
        self.diagnostics.append(&mut self.context.diags);
        self
    }
}

fn read_error(ctx: &Ctx, sink: &mut Sink, e: ReadError) {
    let lang = ctx.lang;
    let (code, m) = match e {
        ReadError::Unsupported(ext) => (
            Code::FileUnsupported,
            lang.t(
                format!("不支持的文件类型 .{ext}；请另存为 .xlsx、.xls、.ods 或 .csv"),
                format!("unsupported file type .{ext}; save it as .xlsx, .xls, .ods or .csv"),
            ),
        ),
        ReadError::Encoding(why) => (
            Code::FileEncoding,
            lang.t(
                format!("CSV 文件编码无法识别：{}；请另存为“CSV UTF-8”", why.zh),
                format!(
                    "cannot tell the CSV file's encoding: {}; save it as \"CSV UTF-8\"",
                    why.en
                ),
            ),
        ),
        ReadError::TooLarge(why) => (
            Code::FileTooLarge,
            lang.t(
                format!("文件超出处理限制：{}", why.zh),
                format!("the file exceeds the limits: {}", why.en),
            ),
        ),
        ReadError::Unreadable(why) => (
            Code::FileUnreadable,
            lang.t(
                format!("无法读取文件：{}", why.zh),
                format!("cannot read the file: {}", why.en),
            ),
        ),
    };
    sink.file_level(code, m);
}

fn validate_inner(path: &Path, display: &str, ctx: &Ctx) -> Submission {
    let is_csv = read::extension_of(path) == "csv";
    let mut sink = Sink::new(display, is_csv);
    let (wb, sha256) = read::open_hashing(path, &ctx.limits, ctx.hash);
    let wb = match wb {
        Ok(wb) => wb,
        Err(e) => {
            read_error(ctx, &mut sink, e);
            return Submission {
                sha256,
                ..unreadable(path, display, sink)
            };
        }
    };
    let mut sub = Submission {
        path: path.to_path_buf(),
        file: display.to_string(),
        kind: SubmissionKind::Workbook,
        level: None,
        cover: CoverInfo::default(),
        ledgers: Vec::new(),
        diagnostics: Vec::new(),
        report: None,
        sha256,
        context: Sink::new(display, is_csv),
    };
    if wb.format == Format::Csv {
        validate_csv(ctx, &mut sink, &wb, path, &mut sub);
    } else if report::is_report(&wb) {
        read_report(ctx, &mut sink, &wb, &mut sub);
    } else {
        validate_workbook(ctx, &mut sink, &wb, &mut sub);
    }
    sub.context = sink;
    sub.finish()
}

/// A county's report workbook, input to a roll-up: its period must be the
/// one being processed.
fn read_report(ctx: &Ctx, sink: &mut Sink, wb: &Workbook, sub: &mut Submission) {
    sub.kind = SubmissionKind::Report;
    match report::read(wb) {
        Err(why) => {
            let m = ctx.lang.t(
                format!("汇总报表工作簿不完整：{why}；请用 pbstat aggregate 重新生成"),
                format!("the report workbook is incomplete: {why}; generate it again with pbstat aggregate"),
            );
            sink.file_level(Code::FileUnreadable, m);
        }
        Ok(r) => {
            sink.org = Some(r.code.clone());
            sub.cover.org_code = Some(r.code.clone());
            sub.cover.org_name = Some(r.name.clone());
            sub.cover.period = r.period;
            sub.level = Level::parse(&r.level);
            if let (Some(want), Some(got)) = (ctx.period, r.period) {
                if want != got {
                    let idx = wb
                        .sheets
                        .iter()
                        .position(|s| s.name == report::META_SHEET)
                        .unwrap_or(0);
                    sink.on_sheet(report::META_SHEET, idx);
                    let m = ctx.lang.t(
                        format!("汇总报表的报告期为 {got}，本次处理的是 {want}"),
                        format!(
                            "the report's period is {got}, the period being processed is {want}"
                        ),
                    );
                    let d = sink
                        .at(Code::CoverPeriodMismatch, r.period_at.0, r.period_at.1, m)
                        .field("period");
                    sink.push(d);
                }
            }
            sub.report = Some(r);
        }
    }
}

/// Which ledger a CSV file holds: `--form`, else its file name, else its header.
fn csv_schema<'a>(ctx: &'a Ctx, path: &Path, sheet: &Sheet) -> Option<&'a Schema> {
    let candidates = || {
        ctx.schemas
            .schemas
            .iter()
            .filter(|s| matches!(s.kind, FormKind::Ledger | FormKind::Registry))
    };
    if let Some(f) = &ctx.form {
        return candidates().find(|s| s.name == *f || s.matches_sheet_name(f));
    }
    let stem = normalize_header(path.file_stem().and_then(|s| s.to_str()).unwrap_or(""));
    let by_name = candidates()
        .flat_map(|s| {
            std::iter::once(&s.title)
                .chain(&s.aliases)
                .map(move |a| (s, normalize_header(a)))
        })
        .filter(|(_, a)| !a.is_empty() && stem.contains(a.as_str()))
        .max_by_key(|(_, a)| a.chars().count())
        .map(|(s, _)| s);
    by_name.or_else(|| {
        candidates()
            .filter_map(|s| detect(sheet, s, s.kind == FormKind::Ledger).map(|l| (s, l.score)))
            .filter(|(_, score)| *score >= 3)
            .max_by_key(|(_, score)| *score)
            .map(|(s, _)| s)
    })
}

fn validate_csv(ctx: &Ctx, sink: &mut Sink, wb: &Workbook, path: &Path, sub: &mut Submission) {
    let sheet = &wb.sheets[0];
    sink.on_sheet(&sheet.name, 0);
    let Some(schema) = csv_schema(ctx, path, sheet) else {
        let m = ctx.lang.t(
            "无法判断此 CSV 是哪张台账：文件名不含台账名称，表头也对不上；请用 --form 指定",
            "cannot tell which ledger this CSV holds: neither its name nor its header says; use --form",
        );
        sink.push(sink.make(Code::HeaderNotFound, m));
        return;
    };
    let is_registry = schema.kind == FormKind::Registry;
    let Some(layout) = detect(sheet, schema, !is_registry) else {
        header_not_found(ctx, sink, schema);
        return;
    };
    let ledger = read_ledger(
        ctx,
        sink,
        schema,
        sheet,
        &layout,
        ctx.period.as_ref(),
        !is_registry,
    );
    sub.kind = if is_registry {
        SubmissionKind::Registry
    } else {
        SubmissionKind::CsvLedger
    };
    sub.ledgers.push(ledger);
}

fn header_not_found(ctx: &Ctx, sink: &mut Sink, schema: &Schema) {
    let heads: Vec<&str> = schema
        .required_fields()
        .map(|(_, f)| f.header.as_str())
        .collect();
    let m = ctx.lang.t(
        format!(
            "前 30 行中找不到“{}”的表头行（应含：{}）",
            schema.title,
            heads.join("、")
        ),
        format!(
            "no header row of {} in the first 30 rows (expected: {})",
            schema.title,
            heads.join(", ")
        ),
    );
    sink.push(sink.make(Code::HeaderNotFound, m));
}

/// The ledgers that make a level's submission, and the level they point to.
fn level_from_ledgers(ctx: &Ctx, found: &BTreeSet<String>) -> Option<Level> {
    [Level::Unit, Level::Community, Level::Street]
        .into_iter()
        .find(|l| {
            ctx.schemas
                .required_ledgers(*l)
                .iter()
                .any(|s| found.contains(&s.name) && s.required_for.len() == 1)
        })
        // Only ledgers several levels share (a street's meetings): a street.
        .or_else(|| {
            found
                .iter()
                .any(|n| ctx.schemas.get(n).required_for.contains(&Level::Street))
                .then_some(Level::Street)
        })
}

fn validate_workbook(ctx: &Ctx, sink: &mut Sink, wb: &Workbook, sub: &mut Submission) {
    let lang = ctx.lang;
    let schemas = ctx.schemas;
    let any_cover = schemas.covers().next().expect("covers checked at load");
    let explanations = schemas.get("explanations");
    let registry = schemas.get("registry");

    // 1. Sheets by name.
    let mut cover_sheet: Option<&Sheet> = wb
        .sheets
        .iter()
        .find(|s| any_cover.matches_sheet_name(&s.name));
    let mut assigned: Vec<(&Sheet, &Schema)> = Vec::new();
    let mut expl_sheet = None;
    let mut unused: Vec<&Sheet> = Vec::new();
    for s in &wb.sheets {
        if cover_sheet.is_some_and(|c| std::ptr::eq(c, s)) {
            continue;
        }
        if explanations.matches_sheet_name(&s.name) && expl_sheet.is_none() {
            expl_sheet = Some(s);
            continue;
        }
        match schemas.ledgers().find(|l| l.matches_sheet_name(&s.name)) {
            Some(l) if !assigned.iter().any(|(_, a)| a.name == l.name) => assigned.push((s, l)),
            _ => unused.push(s),
        }
    }
    // A cover under another name: the sheet with the most cover labels.
    if cover_sheet.is_none() {
        let best = unused
            .iter()
            .map(|s| (*s, label_count(schemas, s)))
            .filter(|(_, n)| *n >= 3)
            .max_by_key(|(_, n)| *n);
        if let Some((s, _)) = best {
            cover_sheet = Some(s);
            unused.retain(|u| !std::ptr::eq(*u, s));
        }
    }
    // A registry passed among the inputs.
    if cover_sheet.is_none() && assigned.is_empty() {
        let reg_sheet = wb.sheets.iter().find_map(|s| {
            detect(s, registry, false)
                .filter(|l| l.score >= 3)
                .map(|l| (s, l))
        });
        if let Some((s, layout)) = reg_sheet {
            sink.on_sheet(&s.name, s.index);
            let ledger = read_ledger(
                &Ctx {
                    registry: None,
                    ..ctx.clone()
                },
                sink,
                registry,
                s,
                &layout,
                None,
                false,
            );
            sub.kind = SubmissionKind::Registry;
            sub.ledgers.push(ledger);
            return;
        }
    }

    // 2. The cover says who; the registry or the code's shape says the level.
    let pairs = cover_sheet
        .map(|s| read_pairs(schemas, s))
        .unwrap_or_default();
    let raw_code = pairs.get("org_code").and_then(|e| code_of(&e.value));
    let code_level = raw_code.as_deref().and_then(|c| {
        ctx.registry
            .and_then(|r| r.get(c).map(|e| e.level))
            .or_else(|| level_of_code(c).ok())
    });
    if let Some(c) = &raw_code {
        sink.org = Some(crate::org::normalize_org_code(c));
    }
    let found_by_name: BTreeSet<String> = assigned.iter().map(|(_, l)| l.name.clone()).collect();
    let level = code_level.or_else(|| level_from_ledgers(ctx, &found_by_name));
    sink.level = level;

    // 3. Sheets by header, for ledgers not found by name.
    let wanted: Vec<&Schema> = match level {
        Some(l) => {
            let mut w = schemas.required_ledgers(l);
            w.extend(schemas.optional_ledgers(l));
            w
        }
        None => schemas.ledgers().collect(),
    };
    let mut still_unused = Vec::new();
    for s in unused {
        if s.range.is_empty() {
            continue;
        }
        let best = wanted
            .iter()
            .filter(|w| !assigned.iter().any(|(_, a)| a.name == w.name))
            .filter_map(|w| detect(s, w, false).map(|l| (*w, l.score)))
            .filter(|(w, score)| *score >= 3.min(w.required_fields().count().max(2)))
            .max_by_key(|(_, score)| *score);
        match best {
            Some((w, _)) => {
                sink.on_sheet(&s.name, s.index);
                let m = lang.t(
                    format!("工作表“{}”名称不规范，按表头识别为“{}”", s.name, w.title),
                    format!(
                        "sheet \"{}\" is not named as expected; read as {} by its header",
                        s.name, w.title
                    ),
                );
                sink.push(sink.make(Code::SheetMatchedByHeader, m));
                assigned.push((s, w));
            }
            None => still_unused.push(s),
        }
    }

    // 4. Does the workbook fit the level?
    let found: BTreeSet<String> = assigned.iter().map(|(_, l)| l.name.clone()).collect();
    sink.sheet = None;
    if cover_sheet.is_none() {
        let m = lang.t(
            "缺少封面工作表（封面/基本情况）：无法确认填报单位和报告期",
            "no cover sheet (封面/基本情况): the submitter and period cannot be known",
        );
        sink.push(sink.make(Code::SheetMissing, m).field("封面"));
    }
    let mut kind_mismatch = false;
    if let Some(l) = level {
        let missing: Vec<&Schema> = schemas
            .required_ledgers(l)
            .into_iter()
            .filter(|s| !found.contains(&s.name))
            .collect();
        let other = [Level::Community, Level::Unit, Level::Street]
            .into_iter()
            .filter(|o| *o != l && !(l == Level::County && *o == Level::Street))
            .find(|o| {
                let req = schemas.required_ledgers(*o);
                req.iter().all(|s| found.contains(&s.name))
                    && req.iter().any(|s| !s.required_for.contains(&l))
            });
        if let (false, Some(o)) = (missing.is_empty(), other) {
            kind_mismatch = true;
            let m = lang.t(
                format!("单位代码表明这是{}报表，但工作表是{}的（{}）；请核对封面代码或换用正确的模板", l.zh(), o.zh(), found.iter().map(|n| schemas.get(n).title.as_str()).collect::<Vec<_>>().join("、")),
                format!("the code says this is a {} submission, but the sheets are a {}'s; check the cover code or use the right template", l.as_str(), o.as_str()),
            );
            let mut d = sink.make(Code::CoverKindMismatch, m);
            if let Some(e) = pairs.get("org_code") {
                if let Some(cs) = cover_sheet {
                    d = d.sheet(&cs.name, cs.index).at(e.at.0, e.at.1);
                }
            }
            sink.push(d);
        } else {
            for s in missing {
                let m = lang.t(
                    format!(
                        "缺少工作表“{}”（{}报表必须包含；也可命名为：{}）",
                        s.title,
                        l.zh(),
                        s.aliases
                            .iter()
                            .filter(|a| !a.is_ascii())
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                    format!(
                        "sheet {} is missing (a {} submission must have it)",
                        s.title,
                        l.as_str()
                    ),
                );
                sink.push(sink.make(Code::SheetMissing, m).field(&s.name));
            }
        }
    }
    sub.level = level;

    // 5. The cover's fields, against the level's cover schema.
    if let Some(cs) = cover_sheet {
        sink.on_sheet(&cs.name, cs.index);
        let schema = schemas.cover_for(level.unwrap_or(Level::Community));
        sub.cover = check_cover(ctx, sink, schema, &pairs);
    }
    // The rows are checked against the cover's own period when it differs
    // from the one being processed: the mismatch is one error, on the
    // cover, not one more on every dated row.
    let period = match (ctx.period, sub.cover.period) {
        (Some(run), Some(cover)) if run != cover => Some(cover),
        (run, cover) => run.or(cover),
    };

    // 6. Each ledger.
    for (s, schema) in &assigned {
        let relevant = kind_mismatch
            || level.is_none_or(|l| {
                schema.required_for.contains(&l) || schema.optional_for.contains(&l)
            });
        // An optional sheet (forms.md §4) with headers and no rows is absent.
        let optional = match level {
            Some(l) => !schema.required_for.contains(&l),
            None => schema.required_for.is_empty(),
        };
        sink.on_sheet(&s.name, s.index);
        if !relevant {
            let m = lang.t(
                format!(
                    "工作表“{}”不属于{}报表，未读取",
                    s.name,
                    level.map(|l| l.zh()).unwrap_or("")
                ),
                format!(
                    "sheet \"{}\" is not part of a {} submission and was not read",
                    s.name,
                    level.map(|l| l.as_str()).unwrap_or("")
                ),
            );
            sink.push(sink.make(Code::SheetUnknown, m));
            continue;
        }
        match detect(s, schema, false) {
            Some(layout) => {
                let said = sink.diags.len();
                let ledger = read_ledger(ctx, sink, schema, s, &layout, period.as_ref(), false);
                if optional && ledger.records.is_empty() {
                    sink.diags.truncate(said);
                    continue;
                }
                sub.ledgers.push(ledger);
            }
            None if optional && s.range.is_empty() => {}
            None => header_not_found(ctx, sink, schema),
        }
    }
    // Every ledger without a row: the template sent back as it came. Worth
    // a warning on each before it counts as "nothing happened this period"
    // (one empty ledger in a filled workbook is a quiet period, which the
    // requirements judge).
    if !sub.ledgers.is_empty() && sub.ledgers.iter().all(|l| l.records.is_empty()) {
        for l in &sub.ledgers {
            sink.on_sheet(&l.sheet, l.sheet_index);
            let m = lang.t(
                format!(
                    "工作表“{}”只有表头，没有数据行（整份报表的台账都是空的，像是未填写的模板）；请填写后再报送，如本期确实没有，请在“说明”表中说明",
                    l.sheet
                ),
                format!(
                    "sheet \"{}\" has headers but no rows (every ledger of the workbook is empty, like an unfilled template); fill it in, or say in the 说明 sheet that there were none",
                    l.sheet
                ),
            );
            sink.push(sink.make(Code::SheetEmpty, m));
        }
    }
    if let Some(s) = expl_sheet {
        sink.on_sheet(&s.name, s.index);
        if let Some(layout) = detect(s, explanations, false) {
            let ledger = read_ledger(ctx, sink, explanations, s, &layout, None, false);
            sub.ledgers.push(ledger);
        }
    }
    for s in still_unused {
        if s.range.is_empty() {
            continue;
        }
        sink.on_sheet(&s.name, s.index);
        let m = lang.t(
            format!("工作表“{}”不是本系统使用的表，已忽略", s.name),
            format!("sheet \"{}\" is not used and was ignored", s.name),
        );
        sink.push(sink.make(Code::SheetUnknown, m));
    }
}
