//! Reading workbooks and CSV files into sheets of cells.
//!
//! The format is decided by the file's content, not only its extension:
//! clerks rename files, and government systems export HTML tables as `.xls`.
//! Every way a file can fail to open becomes a [`ReadError`] that the caller
//! turns into one diagnostic for that file; nothing here may panic the run.

use calamine::{Data, Dimensions, Ods, Range, Reader, SheetVisible, Xls, Xlsb, Xlsx};
use std::io::Cursor;
use std::path::Path;

pub mod cell;
pub mod cfb;
pub mod csvfile;
pub mod header;
pub mod outputs;
pub mod report;
pub mod state;
pub mod table;
pub(crate) mod xlsx;

#[cfg(test)]
mod equivalence;

/// Limits that keep a hostile or broken file from exhausting the machine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file on disk, in bytes.
    pub file_bytes: u64,
    /// Largest total uncompressed size of a zip-based workbook, in bytes.
    pub uncompressed_bytes: u64,
    /// Most cells (rows × columns of the used range) in one sheet.
    pub cells: u64,
    /// Read xlsx merged regions too. Off when validating: calamine finds
    /// them by parsing the whole sheet a second time, and header detection
    /// reads a group header written once over blank cells without them.
    pub merges: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_bytes: 100 << 20,
            uncompressed_bytes: 200 << 20,
            cells: 5_000_000,
            merges: false,
        }
    }
}

/// A reason in both languages; the caller picks one.
#[derive(Debug, Clone, PartialEq)]
pub struct Msg {
    pub zh: String,
    pub en: String,
}

pub fn msg(zh: impl Into<String>, en: impl Into<String>) -> Msg {
    Msg {
        zh: zh.into(),
        en: en.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    Unreadable(Msg),
    /// The extension.
    Unsupported(String),
    Encoding(Msg),
    TooLarge(Msg),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Xlsb,
    Ods,
    Csv,
}

pub struct Sheet {
    pub name: String,
    /// Position in the workbook, for ordering output.
    pub index: usize,
    pub hidden: bool,
    pub range: Range<Data>,
    pub merges: Vec<Dimensions>,
    /// Header-like texts of the rows searched for a header, normalised
    /// once: every form a sheet might be looks at the same cells.
    pub(crate) header_cells: std::sync::OnceLock<header::HeaderCells>,
}

static EMPTY: Data = Data::Empty;

impl Sheet {
    pub fn new(name: String, index: usize, range: Range<Data>) -> Sheet {
        Sheet {
            name,
            index,
            hidden: false,
            range,
            merges: Vec::new(),
            header_cells: Default::default(),
        }
    }

    /// The cell at an absolute 0-based position (Empty outside the used range).
    pub fn get(&self, row: u32, col: u32) -> &Data {
        self.range.get_value((row, col)).unwrap_or(&EMPTY)
    }

    /// One past the last used row (absolute).
    pub fn end_row(&self) -> u32 {
        self.range.end().map(|(r, _)| r + 1).unwrap_or(0)
    }

    /// One past the last used column (absolute).
    pub fn end_col(&self) -> u32 {
        self.range.end().map(|(_, c)| c + 1).unwrap_or(0)
    }

    pub fn start_row(&self) -> u32 {
        self.range.start().map(|(r, _)| r).unwrap_or(0)
    }

    /// The merged region a cell lies in, if any.
    pub fn merge_at(&self, row: u32, col: u32) -> Option<&Dimensions> {
        self.merges.iter().find(|d| d.contains(row, col))
    }
}

pub struct Workbook {
    pub format: Format,
    pub sheets: Vec<Sheet>,
}

pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods", "csv"];

pub fn extension_of(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Open any supported file. Panics inside the readers are caught by the caller.
pub fn open(path: &Path, limits: &Limits) -> Result<Workbook, ReadError> {
    open_hashing(path, limits, false).0
}

/// [`open`], and with `hash` the SHA-256 of the bytes read (None when the
/// file was refused before it was read).
pub fn open_hashing(
    path: &Path,
    limits: &Limits,
    hash: bool,
) -> (Result<Workbook, ReadError>, Option<String>) {
    let mut digest = None;
    let wb = open_inner(path, limits, |bytes| {
        if hash {
            use sha2::{Digest, Sha256};
            digest = Some(format!("{:x}", Sha256::digest(bytes)));
        }
    });
    (wb, digest)
}

fn open_inner(
    path: &Path,
    limits: &Limits,
    mut seen: impl FnMut(&[u8]),
) -> Result<Workbook, ReadError> {
    let ext = extension_of(path);
    // WPS (.et, .ett) and template extensions usually hold an ordinary
    // workbook: read by content; refused only when the content is not one.
    let by_content = matches!(ext.as_str(), "et" | "ett" | "xltx" | "xltm" | "xlt");
    if !EXTENSIONS.contains(&ext.as_str()) && ext != "xlsb" && !by_content {
        return Err(ReadError::Unsupported(ext));
    }
    let io = |e: std::io::Error| {
        ReadError::Unreadable(msg(format!("读取文件出错（{e}）"), e.to_string()))
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > limits.file_bytes {
        let (a, b) = (meta.len() >> 20, limits.file_bytes >> 20);
        return Err(ReadError::TooLarge(msg(
            format!("文件大小 {a} MB，上限 {b} MB"),
            format!("file is {a} MB, the limit is {b} MB"),
        )));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    seen(&bytes);
    if ext == "csv" {
        return csvfile::read_csv(&bytes, path);
    }
    if by_content && !(bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(CFB_MAGIC)) {
        return Err(ReadError::Unsupported(ext));
    }
    open_bytes(bytes, limits)
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub fn open_bytes(bytes: Vec<u8>, limits: &Limits) -> Result<Workbook, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Unreadable(msg(
            "空文件（0 字节）",
            "empty file (0 bytes)",
        )));
    }
    if bytes.starts_with(ZIP_MAGIC) {
        let (zip, names) = check_zip(&bytes, limits)?;
        let has = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
        let (ods, xlsb) = (
            has("content.xml") && !has("xl/workbook.xml"),
            has("xl/workbook.bin"),
        );
        if !ods && !xlsb {
            // The archive already opened is the lean reader's.
            match xlsx::read(&bytes, zip, &names, limits, false) {
                Ok(wb) => return Ok(wb),
                Err(xlsx::Stop::Limit(e)) => return Err(*e),
                Err(xlsx::Stop::General) => {}
            }
            // (A copy for the general reader: this path is taken only by
            // workbooks the lean reader did not expect, rare and small.)
            let refused = match xlsx_general(bytes.clone(), limits) {
                Err(ReadError::Unreadable(m)) => m,
                other => return other,
            };
            // What the general reader refuses, the lean one may still read
            // in its tolerant mode; if not, the general reader's reason stands.
            let (zip, names) = check_zip(&bytes, limits)?;
            return match xlsx::read(&bytes, zip, &names, limits, true) {
                Ok(wb) => Ok(wb),
                Err(xlsx::Stop::Limit(e)) => Err(*e),
                Err(xlsx::Stop::General) => Err(ReadError::Unreadable(refused)),
            };
        }
        drop(zip);
        if ods {
            // Some writers indent content.xml (odfpy, PhpSpreadsheet): the
            // library stops at the layout whitespace between cells, which
            // LibreOffice ignores. Such a file is read again without it.
            let wb: Ods<_> = match Ods::new(Cursor::new(bytes.clone())) {
                Ok(wb) => wb,
                Err(e) => {
                    let first = unreadable("ods", e);
                    let Some(fixed) = ods_without_layout_space(&bytes, limits) else {
                        return Err(first);
                    };
                    Ods::new(Cursor::new(fixed)).map_err(|_| first)?
                }
            };
            return collect(
                wb,
                Format::Ods,
                limits,
                |_, _| Vec::new(),
                |w, n, _| calamine_range(w, n, Format::Ods),
            );
        }
        let wb: Xlsb<_> = Xlsb::new(Cursor::new(bytes)).map_err(|e| unreadable("xlsb", e))?;
        return collect(wb, Format::Xlsb, limits, |_, _| Vec::new(), xlsb_range);
    }
    if bytes.starts_with(CFB_MAGIC) {
        if contains_utf16(&bytes, "EncryptedPackage") {
            return Err(encrypted(""));
        }
        if let Err(why) = cfb::check(&bytes) {
            return Err(ReadError::Unreadable(msg(
                format!("文件已损坏（OLE 复合文档结构错误：{why}），请用 Excel 打开后另存为 .xlsx"),
                format!("the file is damaged (broken OLE compound file: {why}); open it in Excel and save as .xlsx"),
            )));
        }
        let declared = cfb::xls_declared_cells(&bytes);
        if declared > limits.cells {
            return Err(ReadError::TooLarge(msg(
                format!(
                    "工作表声明的数据区域共 {declared} 个单元格，上限 {}（疑似损坏或恶意文件）",
                    limits.cells
                ),
                format!(
                    "a sheet declares a data area of {declared} cells, the limit is {}",
                    limits.cells
                ),
            )));
        }
        let wb: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| unreadable("xls", e))?;
        return collect(
            wb,
            Format::Xls,
            limits,
            |wb, name| wb.merge_cells_by_sheet_name(name).unwrap_or_default(),
            |w, n, _| calamine_range(w, n, Format::Xls),
        );
    }
    // A bare BIFF stream (no OLE container) is Excel 2.x–4.0 (or a BIFF5
    // saved on its own): a BOF record, 0x0009/0x0209/0x0409/0x0809.
    if bytes.len() >= 4 && bytes[0] == 0x09 && [0x00, 0x02, 0x04, 0x08].contains(&bytes[1]) {
        let version = match bytes[1] {
            0x00 => "2.x",
            0x02 => "3.0",
            0x04 => "4.0",
            _ => "5.0",
        };
        return Err(ReadError::Unreadable(msg(
            format!("这是 Excel {version} 的旧格式文件（1990 年代的 .xls），本系统不读取；请用 Excel、WPS 或 LibreOffice 打开后另存为 .xlsx"),
            format!("this is an Excel {version} file (an early .xls format), which is not read; open it in Excel, WPS or LibreOffice and save it as .xlsx"),
        )));
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    if head.contains("<html") || head.contains("<table") || head.contains("<?xml") {
        return Err(ReadError::Unreadable(msg(
            "这是以表格扩展名保存的网页（HTML/XML）文件；请用 Excel 打开后另存为 .xlsx",
            "the file is a web page (HTML/XML) saved with a spreadsheet extension; open it in Excel and save as .xlsx",
        )));
    }
    Err(ReadError::Unreadable(msg(
        "文件内容不是工作簿（既不是 xlsx/ods 也不是 xls），可能是改了扩展名的其他文件",
        "the content is not a workbook (neither xlsx/ods nor xls)",
    )))
}

/// The .ods package again with the whitespace-only text between elements of
/// content.xml removed, except inside text (`text:` elements), where it is
/// content. None when the package cannot be rewritten.
fn ods_without_layout_space(bytes: &[u8], limits: &Limits) -> Option<Vec<u8>> {
    use quick_xml::events::Event;
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).ok()?;
        let name = f.name().ok()?.to_string();
        let mut data = Vec::new();
        (&mut f)
            .take(limits.uncompressed_bytes)
            .read_to_end(&mut data)
            .ok()?;
        if name == "content.xml" {
            let mut r = quick_xml::Reader::from_reader(&data[..]);
            let mut w = quick_xml::Writer::new(Vec::with_capacity(data.len()));
            let mut in_text = 0usize;
            loop {
                match r.read_event().ok()? {
                    Event::Eof => break,
                    Event::Start(e) => {
                        if e.name().0.starts_with("text:") || in_text > 0 {
                            in_text += 1;
                        }
                        w.write_event(Event::Start(e)).ok()?;
                    }
                    Event::End(e) => {
                        in_text = in_text.saturating_sub(1);
                        w.write_event(Event::End(e)).ok()?;
                    }
                    Event::Text(t) if in_text == 0 && t.as_ref().trim_ascii().is_empty() => {}
                    ev => w.write_event(ev).ok()?,
                }
            }
            data = w.into_inner();
        }
        out.start_file(name, stored).ok()?;
        out.write_all(&data).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}

/// An .xlsx through the workbook library: what the lean path hands back.
fn xlsx_general(bytes: Vec<u8>, limits: &Limits) -> Result<Workbook, ReadError> {
    let wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable("xlsx", e))?;
    collect(
        wb,
        Format::Xlsx,
        limits,
        |wb, name| {
            if limits.merges {
                wb.merge_cells_by_sheet_name(name).unwrap_or_default()
            } else {
                Vec::new()
            }
        },
        xlsx_range,
    )
}

fn encrypted(detail: &str) -> ReadError {
    ReadError::Unreadable(msg(
        format!("工作簿设置了打开密码（已加密），请取消密码后另存{detail}"),
        format!(
            "the workbook is password-protected (encrypted); save it without a password{detail}"
        ),
    ))
}

fn unreadable(kind: &str, e: impl std::fmt::Display) -> ReadError {
    let detail = e.to_string();
    let lower = detail.to_ascii_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        return encrypted(&format!(" ({detail})"));
    }
    ReadError::Unreadable(msg(
        format!("不是可读的 {kind} 工作簿，文件可能已损坏或不完整（{detail}）"),
        format!("not a readable {kind} workbook, it may be damaged or truncated ({detail})"),
    ))
}

fn collect<R, F, G>(
    mut wb: R,
    format: Format,
    limits: &Limits,
    merges: F,
    range_of: G,
) -> Result<Workbook, ReadError>
where
    R: Reader<Cursor<Vec<u8>>>,
    R::Error: std::fmt::Display,
    F: Fn(&mut R, &str) -> Vec<Dimensions>,
    G: Fn(&mut R, &str, &Limits) -> Result<Range<Data>, ReadError>,
{
    let metas: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    let mut sheets = Vec::with_capacity(metas.len());
    for (index, (name, hidden)) in metas.into_iter().enumerate() {
        let range = range_of(&mut wb, &name, limits)?;
        check_extent(&name, range.start(), range.end(), limits)?;
        let m = merges(&mut wb, &name);
        sheets.push(Sheet {
            name,
            index,
            hidden,
            range,
            merges: m,
            header_cells: Default::default(),
        });
    }
    Ok(Workbook { format, sheets })
}

fn check_extent(
    name: &str,
    start: Option<(u32, u32)>,
    end: Option<(u32, u32)>,
    limits: &Limits,
) -> Result<(), ReadError> {
    if let (Some(s), Some(e)) = (start, end) {
        let cells = (e.0 - s.0 + 1) as u64 * (e.1 - s.1 + 1) as u64;
        if cells > limits.cells {
            return Err(ReadError::TooLarge(msg(
                format!(
                    "工作表“{name}”的数据区域共 {cells} 个单元格，上限 {}",
                    limits.cells
                ),
                format!(
                    "sheet {name} spans {cells} cells, the limit is {}",
                    limits.cells
                ),
            )));
        }
    }
    Ok(())
}

fn calamine_range<R>(wb: &mut R, name: &str, format: Format) -> Result<Range<Data>, ReadError>
where
    R: Reader<Cursor<Vec<u8>>>,
    R::Error: std::fmt::Display,
{
    wb.worksheet_range(name)
        .map_err(|e| unreadable(fmt_name(format), e))
}

/// An xlsx sheet streamed cell by cell: the extent is checked against the
/// limit before any dense grid is allocated, so two cells in opposite
/// corners of a sheet cannot make the reader allocate gigabytes.
fn xlsx_range(
    wb: &mut Xlsx<Cursor<Vec<u8>>>,
    name: &str,
    limits: &Limits,
) -> Result<Range<Data>, ReadError> {
    let mut reader = wb
        .worksheet_cells_reader(name)
        .map_err(|e| unreadable("xlsx", e))?;
    let declared = reader.dimensions().len();
    streamed_range(name, limits, declared, || {
        reader.next_cell().map_err(|e| unreadable("xlsx", e))
    })
}

/// An xlsb sheet, streamed for the same reason (its positions are 32-bit).
fn xlsb_range(
    wb: &mut Xlsb<Cursor<Vec<u8>>>,
    name: &str,
    limits: &Limits,
) -> Result<Range<Data>, ReadError> {
    let mut reader = wb
        .worksheet_cells_reader(name)
        .map_err(|e| unreadable("xlsb", e))?;
    let declared = reader.dimensions().len();
    streamed_range(name, limits, declared, || {
        reader.next_cell().map_err(|e| unreadable("xlsb", e))
    })
}

/// The text a sheet's cells expand to, bounded like the parts of the file:
/// one long shared string referenced by a million cells is a bomb of its
/// own (apache-poi's poc-shared-strings.xlsx: 1 MB × 1,000,000 cells).
pub(crate) struct TextBudget<'n> {
    name: &'n str,
    left: u64,
    limit: u64,
}

impl<'n> TextBudget<'n> {
    pub(crate) fn new(name: &'n str, limits: &Limits) -> Self {
        TextBudget {
            name,
            left: limits.uncompressed_bytes,
            limit: limits.uncompressed_bytes,
        }
    }

    pub(crate) fn take(&mut self, v: &Data) -> Result<(), ReadError> {
        let n = match v {
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.len() as u64,
            _ => return Ok(()),
        };
        match self.left.checked_sub(n) {
            Some(l) => {
                self.left = l;
                Ok(())
            }
            None => {
                let mb = self.limit >> 20;
                Err(ReadError::TooLarge(msg(
                    format!(
                        "工作表“{}”的文字展开后超过 {mb} MB（同一段长文字被大量单元格重复引用），疑为恶意文件",
                        self.name
                    ),
                    format!(
                        "the text of sheet {} expands to more than {mb} MB (one long text referenced by many cells): a hostile file",
                        self.name
                    ),
                )))
            }
        }
    }
}

fn streamed_range<'a>(
    name: &str,
    limits: &Limits,
    declared: u64,
    mut next: impl FnMut() -> Result<Option<calamine::Cell<calamine::DataRef<'a>>>, ReadError>,
) -> Result<Range<Data>, ReadError> {
    // Room for the cells the sheet declares (its dimension), within the
    // limit: a declared size is only a hint, and may be hostile.
    let declared = declared.min(limits.cells).min(1 << 16);
    let mut cells: Vec<calamine::Cell<Data>> = Vec::with_capacity(declared as usize);
    let (mut r0, mut c0, mut r1, mut c1) = (u32::MAX, u32::MAX, 0u32, 0u32);
    let mut text = TextBudget::new(name, limits);
    while let Some(cell) = next()? {
        let (r, c) = cell.get_position();
        let v: Data = cell.get_value().clone().into();
        if v == Data::Empty {
            continue;
        }
        text.take(&v)?;
        (r0, c0, r1, c1) = (r0.min(r), c0.min(c), r1.max(r), c1.max(c));
        if cells.len() as u64 >= limits.cells {
            return Err(ReadError::TooLarge(msg(
                format!("工作表“{name}”超过 {} 个非空单元格", limits.cells),
                format!("sheet {name} holds more than {} cells", limits.cells),
            )));
        }
        cells.push(calamine::Cell::new((r, c), v));
    }
    if cells.is_empty() {
        return Ok(Range::empty());
    }
    check_extent(name, Some((r0, c0)), Some((r1, c1)), limits)?;
    Ok(Range::from_sparse(cells))
}

fn fmt_name(f: Format) -> &'static str {
    match f {
        Format::Xlsx => "xlsx",
        Format::Xls => "xls",
        Format::Xlsb => "xlsb",
        Format::Ods => "ods",
        Format::Csv => "csv",
    }
}

/// A zip-based workbook opened in memory.
type Archive<'b> = zip::ZipArchive<Cursor<&'b [u8]>>;

/// The opened archive and its entry names, once zip bombs are refused
/// before anything is inflated: the central directory states each entry's
/// uncompressed size.
fn check_zip<'b>(
    bytes: &'b [u8],
    limits: &Limits,
) -> Result<(Archive<'b>, Vec<String>), ReadError> {
    let damaged = |e: zip::result::ZipError| {
        ReadError::Unreadable(msg(
            format!("文件已损坏或不完整（压缩包结构错误：{e}），请重新保存或重新发送"),
            format!("the file is damaged or truncated (broken zip container: {e})"),
        ))
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(damaged)?;
        names.push(f.name().unwrap_or_default().to_string());
        total = total.saturating_add(f.size());
        // A ratio no real workbook reaches: XML compresses ~10-20×.
        if f.compressed_size() > 0
            && f.size() / f.compressed_size().max(1) > 1000
            && f.size() > 10 << 20
        {
            let (name, ratio, mb) = (
                f.name().unwrap_or_default().to_string(),
                f.size() / f.compressed_size().max(1),
                f.size() >> 20,
            );
            return Err(ReadError::TooLarge(msg(
                format!("压缩包内 {name} 解压后膨胀 {ratio} 倍达 {mb} MB（疑似压缩炸弹）"),
                format!("entry {name} expands {ratio}× to {mb} MB (a zip bomb)"),
            )));
        }
    }
    if total > limits.uncompressed_bytes {
        let (a, b) = (total >> 20, limits.uncompressed_bytes >> 20);
        return Err(ReadError::TooLarge(msg(
            format!("工作簿解压后 {a} MB，上限 {b} MB"),
            format!("the workbook expands to {a} MB, the limit is {b} MB"),
        )));
    }
    Ok((zip, names))
}

fn contains_utf16(hay: &[u8], needle: &str) -> bool {
    let pat: Vec<u8> = needle
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    hay.windows(pat.len()).any(|w| w == pat.as_slice())
}
