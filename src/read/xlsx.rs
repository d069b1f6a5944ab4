//! The lean path for .xlsx/.xlsm: the parts a form needs (workbook, its
//! relationships, shared strings, number formats, the sheets and their
//! merged regions) decompressed whole and parsed from memory with quick-xml's
//! borrowing reader. The general reader copies every XML event into a
//! buffer, and opens fonts, fills, borders and the theme, which a
//! statistician's numbers never depend on; at a province's quarter that was
//! a third of the reading time (docs/performance.md).
//!
//! It gives exactly the cells the general reader gives — the same values,
//! dates, shared and inline strings, `_xHHHH_` escapes, phonetic runs left
//! out, positions with and without `r` — and is checked against it on every
//! workbook the tests have (`equivalent_to_the_general_reader`). Anything it
//! does not expect (a missing part, an unknown cell type, malformed XML)
//! hands the file back to the general reader, which then reads it or names
//! what is wrong exactly as before: this path never decides a file is bad,
//! except by the limits.

use super::{check_extent, msg, Limits, ReadError, Sheet, Workbook};
use calamine::{Cell, CellErrorType, Data, Dimensions, ExcelDateTime, ExcelDateTimeType, Range};
use foldhash::{HashMap, HashMapExt};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::borrow::Cow;
use std::io::Cursor;

/// Why the lean path stopped: hand the file to the general reader, or a
/// limit was reached (final).
pub(super) enum Stop {
    General,
    Limit(Box<ReadError>),
}

impl<E: std::error::Error> From<E> for Stop {
    fn from(_: E) -> Stop {
        Stop::General
    }
}

type Res<T> = Result<T, Stop>;

struct Package<'b> {
    bytes: &'b [u8],
    zip: zip::ZipArchive<Cursor<&'b [u8]>>,
    /// Lower-cased, `/`-separated entry names → index: parts are looked up
    /// the way the general reader looks them up.
    index: HashMap<String, usize>,
    /// One inflater for every part: a fresh one per part spent more on
    /// setting up its window than on inflating a small part.
    inflate: flate2::Decompress,
    /// libdeflate, which inflates a whole part into a buffer of its
    /// declared size about twice as fast; anything but exactly that size
    /// is left to `inflate`, so damage and zip bombs are named as before.
    whole: libdeflater::Decompressor,
    /// The workbook's uncompressed-size limit.
    limit: u64,
}

impl Package<'_> {
    /// The whole of a part, checked against its CRC, or None when the
    /// package has no such part.
    fn part(&mut self, path: &str) -> Res<Option<Vec<u8>>> {
        let Some(&i) = self.index.get(&path.to_ascii_lowercase()) else {
            return Ok(None);
        };
        let (method, start, packed, size, crc) = {
            let f = self.zip.by_index_raw(i)?;
            let start = f.data_start().ok_or(Stop::General)?;
            (
                f.compression(),
                start,
                f.compressed_size(),
                f.size(),
                f.crc32(),
            )
        };
        let input = usize::try_from(start)
            .ok()
            .zip(usize::try_from(packed).ok())
            .and_then(|(a, n)| self.bytes.get(a..a.checked_add(n)?))
            .ok_or(Stop::General)?;
        let size = usize::try_from(size).map_err(|_| Stop::General)?;
        let out = match method {
            zip::CompressionMethod::Stored => input.to_vec(),
            zip::CompressionMethod::Deflated => {
                let mut out = vec![0; size];
                if self.whole.deflate_decompress(input, &mut out) == Ok(size) {
                    if crc32fast::hash(&out) != crc {
                        return Err(Stop::General);
                    }
                    return Ok(Some(out));
                }
                drop(out);
                self.inflate.reset(false);
                // Never more room than the part declares (the check before
                // inflating trusted that size).
                let mut out = Vec::with_capacity(size);
                let status = self.inflate.decompress_vec(
                    input,
                    &mut out,
                    flate2::FlushDecompress::Finish,
                )?;
                if status != flate2::Status::StreamEnd && out.len() == size {
                    return Err(Stop::Limit(Box::new(self.overrun(input, path))));
                }
                if status != flate2::Status::StreamEnd {
                    return Err(Stop::General);
                }
                out
            }
            _ => return Err(Stop::General),
        };
        if out.len() != size || crc32fast::hash(&out) != crc {
            return Err(Stop::General);
        }
        Ok(Some(out))
    }
}

impl Package<'_> {
    /// A part that inflates past its declared size: a zip bomb lying in its
    /// header when it goes on past the workbook limit, damage otherwise
    /// (its CRC would not match). Only counted, never kept, and never handed
    /// to the general reader, which would expand it.
    fn overrun(&mut self, input: &[u8], path: &str) -> ReadError {
        let mut scratch = vec![0u8; 1 << 16];
        let mut extra = 0u64;
        while extra <= self.limit {
            let (before_in, before_out) = (self.inflate.total_in(), self.inflate.total_out());
            let rest = input.get(before_in as usize..).unwrap_or(&[]);
            let status =
                self.inflate
                    .decompress(rest, &mut scratch, flate2::FlushDecompress::Finish);
            extra += self.inflate.total_out() - before_out;
            let stuck =
                self.inflate.total_in() == before_in && self.inflate.total_out() == before_out;
            if !matches!(status, Ok(flate2::Status::Ok | flate2::Status::BufError)) || stuck {
                break;
            }
        }
        if extra > self.limit {
            ReadError::TooLarge(msg(
                format!("压缩包内 {path} 的实际大小远超其声明的大小（疑似压缩炸弹）"),
                format!("entry {path} expands far beyond the size it declares (a zip bomb)"),
            ))
        } else {
            ReadError::Unreadable(msg(
                format!(
                    "文件已损坏（压缩包内 {path} 的内容与其声明的大小不符），请重新保存或重新发送"
                ),
                format!("the file is damaged (entry {path} does not match its declared size)"),
            ))
        }
    }
}

fn xml(bytes: &[u8]) -> Reader<&[u8]> {
    let mut r = Reader::from_reader(bytes);
    let c = r.config_mut();
    c.check_end_names = false;
    c.trim_text(false);
    c.check_comments = false;
    c.expand_empty_elements = true;
    r
}

/// A tag's attributes as the workbook library reads them, so that both
/// readers agree on every tag however it is written: after whitespace, a
/// key runs to `=` (trailing whitespace trimmed), a value is quoted and
/// runs to its quote or the end; values stay escaped.
struct RawAttrs<'a> {
    raw: &'a str,
    pos: usize,
}

impl<'a> Iterator for RawAttrs<'a> {
    type Item = Result<(&'a str, &'a str), Bad>;

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.raw.as_bytes();
        let mut pos = self.pos;
        while pos < b.len() && b[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= b.len() {
            self.pos = pos;
            return None;
        }
        let key_start = pos;
        while pos < b.len() && b[pos] != b'=' {
            pos += 1;
        }
        self.pos = b.len();
        if pos >= b.len() {
            return Some(Err(Bad));
        }
        let key = self.raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < b.len() && b[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = match b.get(pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Some(Err(Bad)),
        };
        let start = pos + 1;
        let mut end = start;
        while end < b.len() && b[end] != quote {
            end += 1;
        }
        self.pos = (end + 1).min(b.len());
        Some(Ok((key, &self.raw[start..end])))
    }
}

fn raw_attrs(raw: &str) -> RawAttrs<'_> {
    RawAttrs { raw, pos: 0 }
}

/// The first attribute of this exact name.
fn first_attr<'a>(raw: &'a str, key: &str) -> Result<Option<&'a str>, Bad> {
    for a in raw_attrs(raw) {
        let (k, v) = a?;
        if k == key {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

fn attr<'a>(e: &'a BytesStart<'_>, key: &str) -> Res<Option<&'a str>> {
    Ok(first_attr(e.attributes_raw(), key)?)
}

/// Several attributes in one pass: each the last of its name, but the pass
/// stops once as many matches as keys were seen (the library's rule, which
/// matters only when a tag repeats an attribute).
fn attrs<'a, const N: usize>(raw: &'a str, keys: [&str; N]) -> Result<[Option<&'a str>; N], Bad> {
    let mut out = [None; N];
    let mut found = 0;
    for a in raw_attrs(raw) {
        let (k, v) = a?;
        if let Some(i) = keys.iter().position(|&x| x == k) {
            out[i] = Some(v);
            found += 1;
            if found == N {
                break;
            }
        }
    }
    Ok(out)
}

fn decoded(raw: &str) -> Res<String> {
    Ok(quick_xml::escape::unescape(raw)?.into_owned())
}

fn is(e: &BytesStart<'_>, local: &str) -> bool {
    e.local_name().as_ref() == local
}

/// `tolerant`: the second try, for a workbook the general reader refused:
/// a sheet whose part or relationship is missing is left out and a broken
/// `<dimension>` ignored (other readers open such files; pbstat then says
/// what it did not find in them instead of calling them unreadable).
pub(super) fn read<'b>(
    bytes: &'b [u8],
    zip: super::Archive<'b>,
    names: &[String],
    limits: &Limits,
    tolerant: bool,
) -> Res<Workbook> {
    let index = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.replace('\\', "/").to_ascii_lowercase(), i))
        .collect();
    let mut pkg = Package {
        bytes,
        zip,
        index,
        inflate: flate2::Decompress::new(false),
        whole: libdeflater::Decompressor::new(),
        limit: limits.uncompressed_bytes,
    };
    let (dir, book) = document(&mut pkg)?;
    let rels = relationships(
        &pkg.part(&format!("{dir}_rels/{book}.rels"))?
            .ok_or(Stop::General)?,
    )?;
    let wb = workbook(
        &pkg.part(&format!("{dir}{book}"))?.ok_or(Stop::General)?,
        &rels,
        &dir,
        tolerant,
    )?;
    let strings = match pkg.part(&format!("{dir}sharedStrings.xml"))? {
        Some(x) => shared_strings(&x)?,
        None => Vec::new(),
    };
    let formats = match pkg.part(&format!("{dir}styles.xml"))? {
        Some(x) => number_formats(&x)?,
        None => Vec::new(),
    };
    let ctx = Context {
        strings: &strings,
        formats: &formats,
        is_1904: wb.is_1904,
        tolerant,
    };
    let mut sheets = Vec::with_capacity(wb.sheets.len());
    for (index, s) in wb.sheets.into_iter().enumerate() {
        let part = match pkg.part(&s.path)? {
            Some(p) => p,
            None if tolerant => continue,
            None => return Err(Stop::General),
        };
        let (range, merges) = sheet(&part, &s.name, &ctx, limits, tolerant)?;
        sheets.push(Sheet {
            name: s.name,
            index,
            hidden: s.hidden,
            range,
            merges,
            header_cells: Default::default(),
        });
    }
    Ok(Workbook {
        format: super::Format::Xlsx,
        sheets,
    })
}

/// The folder and file name of the workbook part, from the package's
/// relationships.
fn document(pkg: &mut Package) -> Res<(String, String)> {
    let x = pkg.part("_rels/.rels")?.ok_or(Stop::General)?;
    let mut r = xml(&x);
    let mut target = None;
    loop {
        match r.read_event()? {
            Event::Start(e) if is(&e, "Relationship") => {
                let [ty, t] = attrs(e.attributes_raw(), ["Type", "Target"])?;
                if ty.is_some_and(|t| t.ends_with("/relationships/officeDocument")) {
                    if let Some(t) = t {
                        target = Some(decoded(t)?);
                    }
                }
            }
            Event::Eof => break,
            _ => (),
        }
    }
    let target = target.ok_or(Stop::General)?;
    let (dir, name) = match target.rfind('/') {
        Some(i) => target.split_at(i + 1),
        None => ("", target.as_str()),
    };
    Ok((
        dir.strip_prefix('/').unwrap_or(dir).to_string(),
        name.to_string(),
    ))
}

/// Relationship id → (target, type).
fn relationships(x: &[u8]) -> Res<HashMap<String, (String, String)>> {
    let mut r = xml(x);
    let mut out = HashMap::new();
    loop {
        match r.read_event()? {
            Event::Start(e) if is(&e, "Relationship") => {
                let [id, ty, target] = attrs(e.attributes_raw(), ["Id", "Type", "Target"])?;
                if let Some(id) = id {
                    let (ty, target) = (ty.unwrap_or_default(), target.unwrap_or_default());
                    out.insert(id.to_string(), (target.to_string(), ty.to_string()));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "Relationships" => return Ok(out),
            Event::Eof => return Err(Stop::General),
            _ => (),
        }
    }
}

struct SheetPart {
    name: String,
    path: String,
    hidden: bool,
}

struct Book {
    sheets: Vec<SheetPart>,
    is_1904: bool,
}

fn workbook(
    x: &[u8],
    rels: &HashMap<String, (String, String)>,
    dir: &str,
    tolerant: bool,
) -> Res<Book> {
    let mut r = xml(x);
    let mut book = Book {
        sheets: Vec::new(),
        is_1904: false,
    };
    loop {
        match r.read_event()? {
            Event::Start(e) if is(&e, "sheet") => {
                let (mut name, mut rel, mut hidden) = (None, None, false);
                for a in raw_attrs(e.attributes_raw()) {
                    let (key, value) = a?;
                    match key {
                        "name" => name = Some(decoded(value)?),
                        "state" => {
                            hidden = match value {
                                "visible" => false,
                                "hidden" | "veryHidden" => true,
                                _ => return Err(Stop::General),
                            }
                        }
                        k if k == "id" || k.ends_with(":id") => rel = Some(value),
                        _ => (),
                    }
                }
                let Some((target, ty)) = rels.get(rel.unwrap_or("")) else {
                    if tolerant {
                        continue;
                    }
                    return Err(Stop::General);
                };
                let path = match target.strip_prefix('/') {
                    Some(abs) => abs.to_string(),
                    None => format!("{dir}{target}"),
                };
                match ty.rsplit('/').next() {
                    Some("worksheet") => {}
                    // Macro sheets (Excel 4 macros in an .xlsm) hold no form.
                    Some("xlMacrosheet" | "xlIntlMacrosheet" | "macrosheet") if tolerant => {
                        continue
                    }
                    Some("chartsheet" | "dialogsheet") => continue,
                    _ => return Err(Stop::General),
                }
                let name = name.unwrap_or_default();
                // The general reader finds a sheet by its name: with two of
                // one name it reads the first twice. Leave such a file to it.
                if book.sheets.iter().any(|s| s.name == name) {
                    return Err(Stop::General);
                }
                book.sheets.push(SheetPart { name, path, hidden });
            }
            Event::Start(e) if is(&e, "workbookPr") => {
                if let Some(v) = attr(&e, "date1904")? {
                    book.is_1904 = v == "1" || v == "true";
                }
            }
            Event::Start(e) if is(&e, "definedName") => {
                // Read through, as the general reader does (an unknown
                // entity in a name makes it refuse the file).
                let end = e.name();
                loop {
                    match r.read_event()? {
                        Event::GeneralRef(g) => {
                            entity(&g, &mut String::new())?;
                        }
                        Event::End(x) if x.name() == end => break,
                        Event::Eof => return Err(Stop::General),
                        _ => (),
                    }
                }
            }
            Event::End(e) if e.local_name().as_ref() == "workbook" => return Ok(book),
            Event::Eof => return Err(Stop::General),
            _ => (),
        }
    }
}

/// A general entity or character reference, resolved into `out`.
fn entity(g: &quick_xml::events::BytesRef<'_>, out: &mut String) -> Res<()> {
    if let Some(s) = quick_xml::escape::resolve_xml_entity(g.as_ref()) {
        out.push_str(s);
        return Ok(());
    }
    match g.resolve_char_ref()? {
        Some(c) => {
            out.push(c);
            Ok(())
        }
        None => Err(Stop::General),
    }
}

/// Events up to and including the start of the element `local`, where the
/// scan takes over; `each` sees every start tag on the way, with where its
/// event began and the elements then open. Returns the elements open after
/// it, as the XML reader counts them (an end tag with none open is
/// malformed for it, and so for the scan).
fn open_until<'a>(
    r: &mut Reader<&'a [u8]>,
    local: &str,
    mut each: impl FnMut(&BytesStart<'a>, usize, usize) -> Res<()>,
) -> Res<usize> {
    let mut depth = 0usize;
    loop {
        let before = r.buffer_position() as usize;
        match r.read_event()? {
            Event::Start(e) => {
                each(&e, before, depth)?;
                depth += 1;
                if is(&e, local) {
                    return Ok(depth);
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => return Err(Stop::General),
            _ => (),
        }
    }
}

fn shared_strings(x: &[u8]) -> Res<Vec<String>> {
    let mut r = xml(x);
    let mut out = Vec::new();
    let depth = open_until(&mut r, "sst", |e, _, _| {
        if is(e, "sst") {
            if let Some(n) = attr(e, "uniqueCount")?.and_then(|n| n.parse::<usize>().ok()) {
                out.reserve(n.min(1 << 20));
            }
        }
        Ok(())
    })?;
    let at = r.buffer_position() as usize;
    if x[..at].ends_with(b"/>") {
        return Ok(out);
    }
    let mut scan = Scan::new(x, at, depth)?;
    scan.shared_strings(&mut out)?;
    Ok(out)
}

/// A plain or rich string (`<si>`, `<is>`) up to the element named
/// `closing`: the runs' texts joined, phonetic guides (`<rPh>`) left out,
/// surrounding ASCII whitespace trimmed unless `xml:space="preserve"`.
fn string(r: &mut Reader<&[u8]>, closing: &str) -> Res<String> {
    let mut out: Option<String> = None;
    let mut phonetic = false;
    loop {
        match r.read_event()? {
            Event::Start(e) if is(&e, "r") && out.is_none() => out = Some(String::new()),
            Event::Start(e) if is(&e, "rPh") => phonetic = true,
            Event::End(e) if e.name().as_ref() == closing => return Ok(out.unwrap_or_default()),
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if is(&e, "t") && !phonetic => {
                let preserve = attr(&e, "xml:space")?.is_some_and(|v| v == "preserve");
                let end = e.name();
                let mut value = String::new();
                loop {
                    match r.read_event()? {
                        Event::Text(t) => value.push_str(&t.xml10_content()),
                        Event::CData(t) => value.push_str(&t.xml10_content()),
                        Event::GeneralRef(g) => entity(&g, &mut value)?,
                        Event::End(x) if x.name() == end => break,
                        Event::Eof => return Err(Stop::General),
                        _ => (),
                    }
                }
                let text = t_text(&value, preserve);
                match &mut out {
                    Some(s) => s.push_str(&text),
                    None => out = Some(text.into_owned()),
                }
            }
            Event::Eof => return Err(Stop::General),
            _ => (),
        }
    }
}

/// A `<t>`'s text as the workbook library gives it: XML whitespace
/// trimmed unless `xml:space="preserve"`, Excel's `_xHHHH_` escapes
/// resolved.
fn t_text(text: &str, preserve: bool) -> Cow<'_, str> {
    if preserve {
        unescape_excel(text)
    } else {
        unescape_excel(text.trim_matches([' ', '\t', '\r', '\n']))
    }
}

/// Excel's `_xHHHH_` escapes (a UTF-16 code unit each; surrogate pairs as
/// two escapes; a lone surrogate becomes U+FFFD).
pub(crate) fn unescape_excel(s: &str) -> Cow<'_, str> {
    fn unit(b: &[u8], i: usize) -> Option<u16> {
        let w = b.get(i..i + 7)?;
        if w[0] != b'_'
            || w[1] != b'x'
            || w[6] != b'_'
            || !w[2..6].iter().all(u8::is_ascii_hexdigit)
        {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&w[2..6]).ok()?, 16).ok()
    }
    let b = s.as_bytes();
    let find = |from: usize| {
        let mut at = from;
        while let Some(off) = memchr::memchr(b'_', &b[at..]) {
            let i = at + off;
            if let Some(u) = unit(b, i) {
                return Some((i, u));
            }
            at = i + 1;
        }
        None
    };
    let Some(mut next) = find(0) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    loop {
        let (mut i, u) = next;
        out.push_str(&s[copied..i]);
        i += 7;
        match u {
            0xD800..=0xDBFF => match unit(b, i) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let cp = 0x10000 + ((u32::from(u) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER));
                    i += 7;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = i;
        match find(i) {
            Some(n) => next = n,
            None => break,
        }
    }
    out.push_str(&s[copied..]);
    Cow::Owned(out)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum NumFmt {
    Other,
    DateTime,
    TimeDelta,
}

/// For each cell format (`cellXfs`), whether it shows a date, a duration
/// or a plain number.
fn number_formats(x: &[u8]) -> Res<Vec<NumFmt>> {
    let mut r = xml(x);
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    let mut in_xfs = false;
    loop {
        match r.read_event()? {
            Event::Start(e) if is(&e, "numFmt") => {
                if let [Some(id), Some(code)] =
                    attrs(e.attributes_raw(), ["numFmtId", "formatCode"])?
                {
                    custom.insert(id.to_string(), decoded(code)?);
                }
            }
            Event::Start(e) if is(&e, "cellXfs") => in_xfs = true,
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_xfs = false,
            Event::Start(e) if in_xfs && is(&e, "xf") => {
                out.push(match attr(&e, "numFmtId")? {
                    None => NumFmt::Other,
                    Some(id) => match custom.get(id) {
                        Some(code) => custom_format(code),
                        None => builtin_format(id),
                    },
                });
            }
            Event::End(e) if e.local_name().as_ref() == "styleSheet" => return Ok(out),
            Event::Eof => return Err(Stop::General),
            _ => (),
        }
    }
}

/// Whether a custom number format shows a date or time: a date/time letter
/// outside quotes, escapes and brackets in its first section; `[h]`, `[m]`,
/// `[s]` make it a duration. The same rules as the general reader.
fn custom_format(format: &str) -> NumFmt {
    let (mut escaped, mut quoted, mut ap, mut hms) = (false, false, false, false);
    let mut brackets = 0u8;
    let mut prev = ' ';
    for s in format.chars() {
        match (s, escaped, quoted, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => quoted = true,
            (';', ..) => return NumFmt::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumFmt::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumFmt::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumFmt::DateTime
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    NumFmt::Other
}

/// The built-in formats (ECMA-376 18.8.30, with the East Asian ones) that
/// show dates or times.
fn builtin_format(id: &str) -> NumFmt {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => {
            NumFmt::DateTime
        }
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51"
        | "52" | "53" | "54" | "55" | "56" | "57" | "58" => NumFmt::DateTime,
        "46" => NumFmt::TimeDelta,
        _ => NumFmt::Other,
    }
}

struct Context<'a> {
    strings: &'a [String],
    formats: &'a [NumFmt],
    is_1904: bool,
    /// A reference that does not parse (`A0`) counts as absent.
    tolerant: bool,
}

/// `A1` → (0, 0); the column may be missing only where `need_col` is false.
fn position(s: &str) -> Res<(u32, Option<u32>)> {
    let b = s.as_bytes();
    let (mut i, mut col, mut row) = (0, 0u32, 0u32);
    while i < b.len() && b[i].is_ascii_alphabetic() {
        col = col
            .checked_mul(26)
            .and_then(|c| c.checked_add(u32::from(b[i].to_ascii_uppercase() - b'A') + 1))
            .ok_or(Stop::General)?;
        i += 1;
    }
    if i == b.len() {
        return Err(Stop::General);
    }
    while i < b.len() {
        let d = b[i];
        if !d.is_ascii_digit() {
            return Err(Stop::General);
        }
        row = row
            .checked_mul(10)
            .and_then(|r| r.checked_add(u32::from(d - b'0')))
            .ok_or(Stop::General)?;
        i += 1;
    }
    let row = row.checked_sub(1).ok_or(Stop::General)?;
    Ok((row, col.checked_sub(1)))
}

fn cell_ref(s: &str) -> Res<(u32, u32)> {
    match position(s)? {
        (r, Some(c)) => Ok((r, c)),
        _ => Err(Stop::General),
    }
}

fn dimension(s: &str) -> Res<Dimensions> {
    let mut parts = s.split(':');
    let start = cell_ref(parts.next().unwrap_or(""))?;
    let end = match parts.next() {
        Some(p) => cell_ref(p)?,
        None => start,
    };
    if parts.next().is_some() {
        return Err(Stop::General);
    }
    // An inverted range is kept as written, as the general reader keeps it.
    Ok(Dimensions { start, end })
}

fn sheet(
    x: &[u8],
    name: &str,
    ctx: &Context,
    limits: &Limits,
    tolerant: bool,
) -> Res<(Range<Data>, Vec<Dimensions>)> {
    let mut r = xml(x);
    let mut declared = 0u64;
    // The first `<mergeCells>`, wherever it is: the library's merged
    // regions come from there.
    let mut merges_at: Option<(usize, usize)> = None;
    let depth = open_until(&mut r, "sheetData", |e, before, depth| {
        if is(e, "mergeCells") && merges_at.is_none() {
            merges_at = Some((before, depth));
        } else if is(e, "dimension") {
            let d = match attr(e, "ref")?.ok_or(Stop::General).and_then(dimension) {
                Ok(d) => d,
                Err(_) if tolerant => return Ok(()),
                Err(e) => return Err(e),
            };
            let side = |a: u32, b: u32| u64::from(b.saturating_sub(a)) + 1;
            declared = side(d.start.0, d.end.0).saturating_mul(side(d.start.1, d.end.1));
        }
        Ok(())
    })?;
    let too_many = || {
        Stop::Limit(Box::new(ReadError::TooLarge(msg(
            format!("工作表“{name}”超过 {} 个非空单元格", limits.cells),
            format!("sheet {name} holds more than {} cells", limits.cells),
        ))))
    };
    let cap = declared.min(limits.cells).min(1 << 16) as usize;
    let mut cells: Vec<Cell<Data>> = Vec::with_capacity(cap);
    let at = r.buffer_position() as usize;
    // Where to look for merged regions: a `<mergeCells>` met in the grid,
    // or what follows the grid.
    let merges_from = if x[..at].ends_with(b"/>") {
        // `<sheetData/>`: no cells.
        merges_at.unwrap_or((at, depth - 1))
    } else {
        let mut scan = Scan::new(x, at, depth)?;
        scan.merges_at = merges_at;
        let mut text = super::TextBudget::new(name, limits);
        scan.cells(ctx, |pos, value| {
            if cells.len() as u64 >= limits.cells {
                return Err(too_many());
            }
            text.take(&value).map_err(|e| Stop::Limit(Box::new(e)))?;
            cells.push(Cell::new(pos, value));
            Ok(())
        })?;
        scan.merges_at.unwrap_or((scan.i, scan.depth))
    };
    let range = if cells.is_empty() {
        Range::empty()
    } else {
        let (mut r0, mut c0, mut r1, mut c1) = (u32::MAX, u32::MAX, 0, 0);
        for c in &cells {
            let (r, c) = c.get_position();
            (r0, c0, r1, c1) = (r0.min(r), c0.min(c), r1.max(r), c1.max(c));
        }
        check_extent(name, Some((r0, c0)), Some((r1, c1)), limits)
            .map_err(|e| Stop::Limit(Box::new(e)))?;
        Range::from_sparse(cells)
    };
    let merges = if limits.merges {
        let (from, depth) = merges_from;
        merges(&x[from..], depth).unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok((range, merges))
}

/// The merged regions of the first `<mergeCells>` in `x`, read with
/// `depth` elements open. Malformed XML on the way means none, as with the
/// general reader.
fn merges(x: &[u8], mut depth: usize) -> Res<Vec<Dimensions>> {
    let mut inside = false;
    let mut r = xml(x);
    r.config_mut().allow_unmatched_ends = true;
    let mut out = Vec::new();
    loop {
        match r.read_event()? {
            Event::Start(e) => {
                depth += 1;
                if inside && is(&e, "mergeCell") {
                    if let Some(v) = attr(&e, "ref")? {
                        out.push(dimension(v)?);
                    }
                } else if !inside && is(&e, "mergeCells") {
                    inside = true;
                }
            }
            Event::End(e) => {
                depth = depth.checked_sub(1).ok_or(Stop::General)?;
                if inside && e.local_name().as_ref() == "mergeCells" {
                    return Ok(out);
                }
            }
            Event::Eof if inside => return Err(Stop::General),
            Event::Eof => return Ok(out),
            _ => (),
        }
    }
}

/// The cell grid (`<sheetData>`), scanned directly. A sheet of a form is
/// hundreds of thousands of one shape of element — `<c r="B7" s="3"
/// t="s"><v>12</v></c>` — and a general XML reader spends most of its time
/// on what that shape never has (namespaces, comments, CDATA, DTDs). Only
/// tags and the text of `<v>` are looked at; a comment, CDATA, a processing
/// instruction, an unfinished tag or a line break in a text value hands the
/// file to the general reader, which reads everything.
struct Scan<'a> {
    s: &'a str,
    i: usize,
    /// Elements open.
    depth: usize,
    /// The first `<mergeCells>` met in the grid, with the elements open
    /// before it.
    merges_at: Option<(usize, usize)>,
}

/// One tag: `<name attrs>`, `<name attrs/>` or `</name>`.
struct Tag<'a> {
    /// Where its `<` is.
    at: usize,
    close: bool,
    empty: bool,
    name: &'a str,
    /// The name without its namespace prefix (`x:c` → `c`).
    local: &'a str,
    attrs: &'a str,
}

/// A cell's content read by `Scan::quick_value`.
enum Quick<'a> {
    V(&'a str),
    Inline(&'a str),
}

/// The scanner met what it does not read: the general reader takes over.
struct Bad;

impl From<Bad> for Stop {
    fn from(_: Bad) -> Stop {
        Stop::General
    }
}

impl<'a> Scan<'a> {
    fn new(x: &'a [u8], at: usize, depth: usize) -> Res<Scan<'a>> {
        Ok(Scan {
            s: simdutf8::basic::from_utf8(x)?,
            i: at,
            depth,
            merges_at: None,
        })
    }

    /// The text up to the next tag, and that tag; None at the end.
    fn tag(&mut self) -> Result<Option<(&'a str, Tag<'a>)>, Bad> {
        let b = self.s.as_bytes();
        // Tags mostly follow one another: look at the next byte first.
        let at = match b.get(self.i) {
            Some(b'<') => self.i,
            Some(_) => match memchr::memchr(b'<', &b[self.i..]) {
                Some(off) => self.i + off,
                None => return Ok(None),
            },
            None => return Ok(None),
        };
        let text = &self.s[self.i..at];
        // Each `&` in text must close with `;` before the next `&` or tag.
        if let Some(p) = memchr::memchr(b'&', text.as_bytes()) {
            let mut amp = false;
            for &c in &text.as_bytes()[p..] {
                match c {
                    b'&' if amp => return Err(Bad),
                    b'&' => amp = true,
                    b';' => amp = false,
                    _ => (),
                }
            }
            if amp {
                return Err(Bad);
            }
        }
        let mut j = at + 1;
        let close = b.get(j) == Some(&b'/');
        if close {
            j += 1;
        }
        if matches!(b.get(j), Some(b'!' | b'?') | None) {
            return Err(Bad);
        }
        let name_start = j;
        // One pass to the closing `>`, stepping over quoted values (counted
        // from the name on, as XML readers count them), noting the first
        // whitespace and the first `:` (names are cut at whitespace
        // whatever the quotes).
        let (mut first_ws, mut colon, mut quote) = (usize::MAX, usize::MAX, 0u8);
        let gt = loop {
            let c = *b.get(j).ok_or(Bad)?;
            match c {
                b' ' | b'\t' | b'\r' | b'\n' if first_ws == usize::MAX => first_ws = j,
                b':' if colon == usize::MAX => colon = j,
                _ => (),
            }
            if quote != 0 {
                if c == quote {
                    quote = 0;
                }
            } else if c == b'"' || c == b'\'' {
                quote = c;
            } else if c == b'>' {
                break j;
            }
            j += 1;
            // Once a start tag's name has ended at whitespace, nothing in
            // the rest but quotes and `>` changes the outcome (a later `:`
            // lies past the name): jump to the next of those. Most of a
            // sheet's bytes are its cells' attributes.
            if first_ws != usize::MAX && !close {
                let rest = b.get(j..).ok_or(Bad)?;
                let next = if quote != 0 {
                    memchr::memchr(quote, rest)
                } else {
                    memchr::memchr3(b'"', b'\'', b'>', rest)
                };
                j += next.ok_or(Bad)?;
            }
        };
        // The `/` of `<v/>` is not part of the name; an end tag's name is
        // all of it up to trailing whitespace.
        let empty = !close && gt > name_start && b[gt - 1] == b'/';
        let content_end = if empty { gt - 1 } else { gt };
        let name_end = if close {
            let mut e = content_end;
            while e > name_start && matches!(b[e - 1], b' ' | b'\t' | b'\r' | b'\n') {
                e -= 1;
            }
            e
        } else {
            first_ws.min(content_end)
        };
        let name = &self.s[name_start..name_end];
        let local = if colon < name_end {
            &self.s[colon + 1..name_end]
        } else {
            name
        };
        let attrs = &self.s[name_end..content_end];
        self.i = gt + 1;
        if local.is_empty() {
            return Err(Bad);
        }
        if close {
            self.depth = self.depth.checked_sub(1).ok_or(Bad)?;
        } else if !empty {
            self.depth += 1;
        }
        Ok(Some((
            text,
            Tag {
                at,
                close,
                empty,
                name,
                local,
                attrs,
            },
        )))
    }

    /// The next tag, which must exist.
    fn must_tag(&mut self) -> Result<(&'a str, Tag<'a>), Bad> {
        self.tag()?.ok_or(Bad)
    }

    /// Every cell up to `</sheetData>`, in the order written, with its
    /// position (from `r`, or counted along the row as Excel does).
    fn cells(
        &mut self,
        ctx: &Context,
        mut put: impl FnMut((u32, u32), Data) -> Res<()>,
    ) -> Res<()> {
        let (mut row, mut col) = (0u32, 0u32);
        loop {
            if let Some((at, empty)) = self.quick_c() {
                self.c(at, empty, ctx, (row, &mut col), &mut put)?;
                continue;
            }
            let (_, t) = self.must_tag()?;
            match (t.close, t.local) {
                (false, "row") => {
                    // The first `r` counts for a row (the library's rule).
                    let first = first_attr(t.attrs, "r")?;
                    if let Some(v) = first {
                        match position(v) {
                            Ok(p) => row = p.0,
                            Err(_) if ctx.tolerant => {}
                            Err(e) => return Err(e),
                        }
                    }
                    if t.empty {
                        row = row.checked_add(1).ok_or(Stop::General)?;
                        col = 0;
                    }
                }
                (true, "row") => {
                    row = row.checked_add(1).ok_or(Stop::General)?;
                    col = 0;
                }
                (false, "c") => {
                    let at = attrs(t.attrs, ["r", "s", "t"])?;
                    self.c(at, t.empty, ctx, (row, &mut col), &mut put)?;
                }
                // `<sheetData/>` inside the grid ends it too (an empty
                // element is a start and an end to XML readers).
                (true, "sheetData") => return Ok(()),
                (false, "sheetData") if t.empty => return Ok(()),
                (false, "mergeCells") if self.merges_at.is_none() => {
                    let before = if t.empty { self.depth } else { self.depth - 1 };
                    self.merges_at = Some((t.at, before));
                }
                _ => (),
            }
        }
    }

    /// A cell whose `<c>` tag has been read (its `r`, `s` and `t`): placed
    /// from `r` or counted along the row, its value read and handed on.
    fn c(
        &mut self,
        [at, style, ty]: [Option<&str>; 3],
        empty: bool,
        ctx: &Context,
        (row, col): (u32, &mut u32),
        put: &mut impl FnMut((u32, u32), Data) -> Res<()>,
    ) -> Res<()> {
        let pos = match at.map(cell_ref) {
            Some(Ok(p)) => {
                *col = p.1;
                p
            }
            Some(Err(_)) if ctx.tolerant => (row, *col),
            Some(Err(e)) => return Err(e),
            None => (row, *col),
        };
        *col = col.checked_add(1).ok_or(Stop::General)?;
        if empty {
            return Ok(());
        }
        let value = match self.quick_value() {
            Some(Quick::V(text)) => v_value(Some(text), style, ty, ctx)?,
            Some(Quick::Inline(text)) => Data::String(t_text(text, false).into_owned()),
            None => self.cell(style, ty, ctx)?,
        };
        if value != Data::Empty {
            put(pos, value)?;
        }
        Ok(())
    }

    /// The `<c>` tag of nearly every cell any writer produces — `<c`, then
    /// ` key="value"` pairs, then `>` or `/>` — read in one pass without
    /// the general tag loop: its `r`, `s` and `t` (by the rule of
    /// `attrs`) and whether it is empty. Anything else — whitespace other
    /// than spaces, single quotes, a prefix, text before it — is None with
    /// nothing consumed, and the general loop reads it; what this accepts,
    /// the general loop would read the same way.
    fn quick_c(&mut self) -> Option<([Option<&'a str>; 3], bool)> {
        let b = self.s.as_bytes();
        let mut p = self.i;
        if b.get(p..p + 2)? != b"<c" {
            return None;
        }
        p += 2;
        let mut out = [None; 3];
        let mut found = 0;
        loop {
            match *b.get(p)? {
                b'>' => {
                    self.i = p + 1;
                    self.depth += 1;
                    return Some((out, false));
                }
                b'/' if b.get(p + 1) == Some(&b'>') => {
                    self.i = p + 2;
                    return Some((out, true));
                }
                b' ' => {
                    while b.get(p) == Some(&b' ') {
                        p += 1;
                    }
                    if matches!(b.get(p), Some(b'>' | b'/')) {
                        continue;
                    }
                    let k = p;
                    while b
                        .get(p)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || b":_-.".contains(c))
                    {
                        p += 1;
                    }
                    if p == k || b.get(p..p + 2)? != b"=\"" {
                        return None;
                    }
                    let key = &self.s[k..p];
                    let v = p + 2;
                    let end = v + memchr::memchr(b'"', &b[v..])?;
                    if found < 3 {
                        if let Some(i) = ["r", "s", "t"].iter().position(|&x| x == key) {
                            out[i] = Some(&self.s[v..end]);
                            found += 1;
                        }
                    }
                    p = end + 1;
                }
                _ => return None,
            }
        }
    }

    /// A cell's content in the two shapes nearly every cell has —
    /// `<v>text</v></c>` and `<is><t>text</t></is></c>` — with nothing in
    /// the text to resolve; None, nothing consumed, for anything else.
    fn quick_value(&mut self) -> Option<Quick<'a>> {
        let value = if let Some(text) = self.quick_text(b"<v>", b"</v></c>") {
            Quick::V(text)
        } else {
            Quick::Inline(self.quick_text(b"<is><t>", b"</t></is></c>")?)
        };
        // The `</c>` closes what `quick_c` opened.
        self.depth -= 1;
        Some(value)
    }

    /// `open`, a text with no `<`, `&` or carriage return in it (which an
    /// XML reader would resolve or normalise), then `close`: the text, past
    /// `close`; None, nothing consumed, for anything else.
    fn quick_text(&mut self, open: &[u8], close: &[u8]) -> Option<&'a str> {
        let b = self.s.as_bytes();
        if !b[self.i..].starts_with(open) {
            return None;
        }
        let start = self.i + open.len();
        let end = start + memchr::memchr(b'<', &b[start..])?;
        let text = &self.s[start..end];
        if !b[end..].starts_with(close) || text.contains(['&', '\r']) {
            return None;
        }
        self.i = end + close.len();
        Some(text)
    }

    /// A cell's children up to `</c>`: the last of them gives the value
    /// (`<f>` none), as in the general reader.
    fn cell(&mut self, style: Option<&str>, ty: Option<&str>, ctx: &Context) -> Res<Data> {
        let mut value = Data::Empty;
        loop {
            let (_, t) = self.must_tag()?;
            if t.close {
                if t.local == "c" {
                    return Ok(value);
                }
                continue;
            }
            value = match t.local {
                "v" => {
                    let text = if t.empty {
                        None
                    } else {
                        let (text, end) = self.must_tag()?;
                        if !(end.close && end.name == t.name) {
                            return Err(Stop::General);
                        }
                        Some(text)
                    };
                    v_value(text, style, ty, ctx)?
                }
                "f" => {
                    if !t.empty {
                        self.past_element(t.name)?;
                    }
                    Data::Empty
                }
                "is" => {
                    if t.empty {
                        Data::String(String::new())
                    } else {
                        // Most inline strings are one plain run, read as
                        // the shared strings' are.
                        let saved = (self.i, self.depth);
                        match self.plain_string(t.name) {
                            Some(s) => Data::String(s),
                            None => {
                                (self.i, self.depth) = saved;
                                self.past_first_end(t.name)?;
                                let mut r = xml(&self.s.as_bytes()[t.at..self.i]);
                                r.read_event()?;
                                Data::String(string(&mut r, t.name)?)
                            }
                        }
                    }
                }
                _ => return Err(Stop::General),
            };
        }
    }

    /// The strings of `<sst>`, in order. Most are one plain run,
    /// `<si><t>text</t></si>`, read here directly; any other (rich runs,
    /// phonetic guides, references, line ends) is read by the XML library,
    /// as everywhere else.
    fn shared_strings(&mut self, out: &mut Vec<String>) -> Res<()> {
        loop {
            // Most strings are `<si><t>text</t></si>`, as `plain_string`
            // reads them; Excel marks some `xml:space="preserve"`.
            if let Some(text) = self.quick_text(b"<si><t>", b"</t></si>") {
                out.push(t_text(text, false).into_owned());
                continue;
            }
            if let Some(text) = self.quick_text(b"<si><t xml:space=\"preserve\">", b"</t></si>") {
                out.push(t_text(text, true).into_owned());
                continue;
            }
            let (_, t) = self.must_tag()?;
            match (t.close, t.local) {
                (false, "si") if t.empty => out.push(String::new()),
                (false, "si") => {
                    let saved = (self.i, self.depth);
                    match self.plain_string(t.name) {
                        Some(s) => out.push(s),
                        None => {
                            (self.i, self.depth) = saved;
                            self.past_first_end(t.name)?;
                            let mut r = xml(&self.s.as_bytes()[t.at..self.i]);
                            r.read_event()?;
                            out.push(string(&mut r, t.name)?);
                        }
                    }
                }
                (true, "sst") => return Ok(()),
                (false, "sst") if t.empty => return Ok(()),
                _ => (),
            }
        }
    }

    /// `<t>text</t></si>` right after `<si>` (or `</is>` after `<is>`),
    /// with nothing to resolve in the text; None for anything else.
    fn plain_string(&mut self, si: &str) -> Option<String> {
        let (_, t) = self.tag().ok()??;
        if t.close || t.empty || t.local != "t" {
            return None;
        }
        let preserve = match t.attrs.trim_ascii() {
            "" => false,
            a => match raw_attrs(a).collect::<Result<Vec<_>, _>>().ok()?.as_slice() {
                [("xml:space", v)] => *v == "preserve",
                _ => return None,
            },
        };
        let (text, end) = self.tag().ok()??;
        if !(end.close && end.name == t.name) || text.contains(['&', '\r']) {
            return None;
        }
        let (gap, close) = self.tag().ok()??;
        if !(close.close && close.name == si && gap.is_empty()) {
            return None;
        }
        Some(t_text(text, preserve).into_owned())
    }

    /// Past the first end of an element named `name` — an end tag, or an
    /// empty element of that name, which XML readers read as a start and
    /// an end.
    fn past_first_end(&mut self, name: &str) -> Result<(), Bad> {
        loop {
            let (_, t) = self.must_tag()?;
            if (t.close || t.empty) && t.name == name {
                return Ok(());
            }
        }
    }

    /// Past the end tag that closes an element named `name`, counting
    /// elements of that name nested in it (as XML readers skip elements).
    fn past_element(&mut self, name: &str) -> Result<(), Bad> {
        let mut depth = 0usize;
        loop {
            let (_, t) = self.must_tag()?;
            if t.name != name || t.empty {
                continue;
            }
            if !t.close {
                depth += 1;
            } else if depth == 0 {
                return Ok(());
            } else {
                depth -= 1;
            }
        }
    }
}

/// The value of `<v>` (None for `<v/>`) by the cell's type.
fn v_value(text: Option<&str>, style: Option<&str>, ty: Option<&str>, ctx: &Context) -> Res<Data> {
    match ty {
        Some("inlineStr" | "is") => Ok(Data::Empty),
        Some("n" | "s" | "b" | "e") | None => match text {
            None | Some("") => Ok(Data::Empty),
            // The general reader would read only up to the reference.
            Some(t) if t.contains('&') => Err(Stop::General),
            Some(t) => number_like(t, style, ty, ctx),
        },
        Some("d" | "str") => {
            let raw = text.unwrap_or("");
            // Line ends are normalised by XML readers: leave those to one.
            if raw.contains('\r') {
                return Err(Stop::General);
            }
            let text = quick_xml::escape::unescape(raw)?;
            Ok(match ty {
                Some("d") => Data::DateTimeIso(text.into_owned()),
                _ => Data::String(unescape_excel(&text).into_owned()),
            })
        }
        _ => Err(Stop::General),
    }
}

fn number_like(v: &str, style: Option<&str>, ty: Option<&str>, ctx: &Context) -> Res<Data> {
    match ty {
        Some("s") => {
            if v.is_empty() {
                return Ok(Data::Empty);
            }
            let i = v.parse::<usize>().unwrap_or(0);
            ctx.strings
                .get(i)
                .map(|s| Data::String(s.clone()))
                .ok_or(Stop::General)
        }
        Some("b") => match v.trim() {
            "" => Ok(Data::Empty),
            "0" => Ok(Data::Bool(false)),
            "1" => Ok(Data::Bool(true)),
            t if t.eq_ignore_ascii_case("false") => Ok(Data::Bool(false)),
            t if t.eq_ignore_ascii_case("true") => Ok(Data::Bool(true)),
            _ => Err(Stop::General),
        },
        Some("e") => Ok(Data::Error(
            v.parse::<CellErrorType>().map_err(|_| Stop::General)?,
        )),
        _ => {
            if v.is_empty() {
                return Ok(Data::Empty);
            }
            let Ok(n) = fast_float2::parse::<f64, _>(v.as_bytes()) else {
                return match ty {
                    None => Ok(Data::String(v.to_string())),
                    _ => Err(Stop::General),
                };
            };
            let format = match style {
                Some(s) => ctx.formats.get(s.parse::<usize>().unwrap_or(0)).copied(),
                None => Some(NumFmt::Other),
            };
            Ok(match format {
                Some(NumFmt::DateTime) => Data::DateTime(ExcelDateTime::new(
                    n,
                    ExcelDateTimeType::DateTime,
                    ctx.is_1904,
                )),
                Some(NumFmt::TimeDelta) => Data::DateTime(ExcelDateTime::new(
                    n,
                    ExcelDateTimeType::TimeDelta,
                    ctx.is_1904,
                )),
                _ => Data::Float(n),
            })
        }
    }
}

/// Both readers side by side: the equivalence tests and the differential
/// fuzz target (fuzz/, `xlsx_lean`) use these.
pub(crate) mod differential {
    use super::*;
    use crate::read::{check_zip, xlsx_general};
    use std::io::Write;

    pub(crate) enum Outcome {
        Lean,
        Handed,
        Limit,
        Unchecked,
    }

    /// Both paths on one file: when the lean path reads it, the general
    /// reader must give exactly the same sheets, cells and merges.
    pub(crate) fn compare(bytes: &[u8], what: &str) -> Outcome {
        let limits = Limits {
            merges: true,
            ..Limits::default()
        };
        let Ok((zip, names)) = check_zip(bytes, &limits) else {
            return Outcome::Handed;
        };
        let lean = match read(bytes, zip, &names, &limits, false) {
            Ok(wb) => wb,
            Err(Stop::General) => return Outcome::Handed,
            Err(Stop::Limit(_)) => return Outcome::Limit,
        };
        let general = crate::panic_guard::quietly(|| {
            std::panic::catch_unwind(|| xlsx_general(bytes.to_vec(), &limits))
        });
        let general = match general {
            Ok(Ok(g)) => g,
            Ok(Err(e)) => {
                panic!("{what}: the lean path reads a file the general reader refuses: {e:?}")
            }
            // The library's own arithmetic overflowing (debug builds check
            // it): nothing to compare with.
            Err(_) => return Outcome::Unchecked,
        };
        assert_eq!(lean.sheets.len(), general.sheets.len(), "{what}: sheets");
        for (a, b) in lean.sheets.iter().zip(&general.sheets) {
            let at = format!("{what} / {}", b.name);
            assert_eq!(
                (&a.name, a.index, a.hidden),
                (&b.name, b.index, b.hidden),
                "{at}"
            );
            assert_eq!(a.range.start(), b.range.start(), "{at}: start");
            assert_eq!(a.range.end(), b.range.end(), "{at}: end");
            let ca: Vec<_> = a.range.used_cells().collect();
            let cb: Vec<_> = b.range.used_cells().collect();
            assert_eq!(ca, cb, "{at}: cells");
            assert_eq!(a.merges, b.merges, "{at}: merges");
        }
        Outcome::Lean
    }

    /// A package written part by part, for layouts no writer library makes.
    pub(crate) fn package(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opt = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in parts {
            z.start_file(*name, opt).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    const RELS: &str = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

    pub(crate) fn hand_made(sheet: &str, strings: &str, styles: &str, book_pr: &str) -> Vec<u8> {
        let book = format!(
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{book_pr}<sheets><sheet name="表&amp;一" sheetId="1" r:id="rId1"/><sheet name="隐藏" sheetId="2" state="hidden" r:id="rId2"/></sheets><definedNames><definedName name="x">'表&amp;一'!$A$1</definedName></definedNames></workbook>"#
        );
        let wrels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/></Relationships>"#;
        let second = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="2"><c r="B2" t="s"><v>0</v></c></row></sheetData></worksheet>"#;
        package(&[
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", &book),
            ("xl/_rels/workbook.xml.rels", wrels),
            ("xl/sharedStrings.xml", strings),
            ("xl/styles.xml", styles),
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/worksheets/sheet2.xml", second),
        ])
    }

    pub(crate) const STRINGS: &str = r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6"><si><t>  党员 </t></si><si><t xml:space="preserve">  保留 </t></si><si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space="preserve"> 文本</t></r><rPh sb="0" eb="1"><t>フ</t></rPh></si><si><t>a_x000D_b_x005F_x000D_&amp;&#x4E2D;</t></si><si/><si><t>_xD83D__xDCF7_ _xD800_</t></si></sst>"#;

    pub(crate) const STYLES: &str = r#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="3"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="177" formatCode="[h]:mm"/><numFmt numFmtId="178" formatCode="0.00_);[Red]\(0.00\)"/></numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="176"><alignment horizontal="center"/></xf><xf numFmtId="177"/><xf numFmtId="178"/><xf/></cellXfs></styleSheet>"#;

    #[cfg(test)]
    pub(crate) const SHEET: &str = r#"<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref="A1:H9"/><x:sheetData>
    <x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c><x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="s"><x:v>3</x:v></x:c><x:c r="E1" t="s"><x:v>4</x:v></x:c><x:c r="F1" t="s"><x:v>5</x:v></x:c></x:row>
    <x:row r="3"><x:c t="n"><x:v>12</x:v></x:c><x:c><x:v>-3.5e2</x:v></x:c><x:c s="1"><x:v>46000</x:v></x:c><x:c s="2"><x:v>46000.5</x:v></x:c><x:c s="3"><x:v>1.25</x:v></x:c><x:c s="4"><x:v>7</x:v></x:c><x:c s="9"><x:v>8</x:v></x:c><x:c><x:v>not a number</x:v></x:c></x:row>
    <x:row><x:c t="b"><x:v>1</x:v></x:c><x:c t="b"><x:v> false </x:v></x:c><x:c t="e"><x:v>#DIV/0!</x:v></x:c><x:c t="str"><x:f>A1&amp;B1</x:f><x:v>x &lt; y_x000A_z</x:v></x:c><x:c t="d"><x:v>2026-09-30T00:00:00</x:v></x:c><x:c t="inlineStr"><x:is><x:t> 行内 </x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:r><x:t>甲</x:t></x:r><x:r><x:t>乙</x:t></x:r></x:is></x:c><x:c r="H4" s="1"/></x:row>
    <x:row r="6" spans="1:3"><x:c r="B6"><x:f>SUM(A3:A4)</x:f><x:v>12</x:v></x:c><x:c r="C6" t="s"><x:v></x:v></x:c><x:c r="D6"><x:v></x:v></x:c><x:c r="E6" t="str"><x:v></x:v></x:c></x:row>
    <x:row r="9"><x:c r="A9" t="inlineStr"><x:v>ignored</x:v></x:c></x:row>
    </x:sheetData><x:mergeCells count="2"><x:mergeCell ref="A1:B1"/><x:mergeCell ref="C6:E6"/></x:mergeCells></x:worksheet>"#;
}

#[cfg(test)]
mod tests {
    use super::differential::*;
    use super::*;
    use std::path::{Path, PathBuf};

    fn workbooks(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                workbooks(&p, out);
            } else {
                out.push(p);
            }
        }
    }

    #[test]
    fn equivalent_to_the_general_reader_on_hand_made_layouts() {
        for (what, book_pr) in [
            ("1900", ""),
            ("1904", r#"<workbookPr date1904="1"/>"#),
            ("1904 true", r#"<workbookPr date1904="true"/>"#),
        ] {
            let bytes = hand_made(SHEET, STRINGS, STYLES, book_pr);
            assert!(matches!(compare(&bytes, what), Outcome::Lean), "{what}");
        }
        // Malformed but read alike: an empty `<sheetData/>` inside the
        // grid ends it; merged regions listed before the grid count.
        let early_end = SHEET.replace(r#"<x:row r="6""#, r#"<x:sheetData/><x:row r="6""#);
        let merges_first = SHEET.replace(
            r#"<x:dimension ref="A1:H9"/>"#,
            r#"<x:dimension ref="A1:H9"/><x:mergeCells><x:mergeCell ref="D4:E5"/></x:mergeCells>"#,
        );
        // A formula element inside a formula element: skipped whole, as
        // XML readers skip an element (the `<v>` in it is not the value).
        let nested_f = SHEET.replace(
            "<x:f>SUM(A3:A4)</x:f><x:v>12</x:v>",
            "<x:v>12</x:v><x:f>SUM(<x:f>A3</x:f><x:v>99</x:v>)</x:f>",
        );
        let outcome =
            |sheet: &str, what: &str| compare(&hand_made(sheet, STRINGS, STYLES, ""), what);
        for (what, sheet) in [
            ("early end", &early_end),
            ("merges first", &merges_first),
            ("nested formula", &nested_f),
        ] {
            assert!(matches!(outcome(sheet, what), Outcome::Lean), "{what}");
        }
        // An empty `<si/>` inside a string ends that string.
        let si_ends = STRINGS.replace("<si/>", "<si><t>z</t><si/>");
        assert!(matches!(
            compare(&hand_made(SHEET, &si_ends, STYLES, ""), "empty si"),
            Outcome::Lean
        ));
        // What the lean path leaves to the general reader.
        let bad_type = SHEET.replace(r#"t="d""#, r#"t="q""#);
        let bad_index = SHEET.replace("<x:v>5</x:v>", "<x:v>99</x:v>");
        let bad_bool = SHEET.replace(
            "<x:v>1</x:v></x:c><x:c t=\"b\">",
            "<x:v>yes</x:v></x:c><x:c t=\"b\">",
        );
        let no_data = SHEET.replace("sheetData", "sheetDat");
        for (what, sheet) in [
            ("unknown cell type", bad_type.as_str()),
            ("string index outside the table", &bad_index),
            ("boolean that is not one", &bad_bool),
            ("no sheetData", &no_data),
        ] {
            assert!(matches!(outcome(sheet, what), Outcome::Handed), "{what}");
        }
        let no_strings = hand_made(SHEET, "<sst><si><t>x</t></si>", STYLES, "");
        assert!(matches!(
            compare(&no_strings, "truncated strings"),
            Outcome::Handed
        ));
    }

    /// The same layouts without a namespace prefix, as nearly every writer
    /// saves them: the quick paths (`Scan::quick_c`, `Scan::quick_value`,
    /// `Scan::quick_text`) read them, and where a cell's tag or content
    /// is written any other way the general loop takes over mid-row. Both
    /// must give the general reader's cells.
    #[test]
    fn regression_quick_cells_read_as_the_general_loop_does() {
        let plain = SHEET.replace("xmlns:x=", "xmlns=").replace("x:", "");
        assert!(matches!(
            compare(&hand_made(&plain, STRINGS, STYLES, ""), "no prefix"),
            Outcome::Lean
        ));
        let cell = r#"<c r="B6"><f>SUM(A3:A4)</f><v>12</v></c>"#;
        for (what, other) in [
            ("r repeated", r#"<c r="B6" r="C6" t="s"><v>1</v></c>"#),
            (
                "r, s, t repeated past the third",
                r#"<c s="0" t="n" s="1" r="B6" r="C6"><v>46000</v></c>"#,
            ),
            ("spaces", r#"<c  r="B6"   s="1"  ><v>46000</v></c>"#),
            ("a tab", "<c\tr=\"B6\"><v>3</v></c>"),
            ("single quotes", "<c r='B6' t='s'><v>2</v></c>"),
            (
                "unknown attributes",
                r#"<c cm="1" r="B6" vm="2" t="s"><v>3</v></c>"#,
            ),
            ("a quoted >", r#"<c x="a>b" r="B6"><v>4</v></c>"#),
            ("no attributes", "<c><v>5</v></c>"),
            ("empty cell", r#"<c r="B6" s="1"/>"#),
            ("empty value", r#"<c r="B6" t="s"><v></v></c>"#),
            ("escaped value", r#"<c r="B6" t="str"><v>a &amp; b</v></c>"#),
            (
                "line end in a value",
                "<c r=\"B6\" t=\"str\"><v>a\r\nb</v></c>",
            ),
            ("space before the end", r#"<c r="B6"><v>6</v> </c>"#),
            ("end tag with space", r#"<c r="B6"><v>6</v ></c>"#),
            (
                "inline",
                r#"<c r="B6" t="inlineStr"><is><t> 行内 </t></is></c>"#,
            ),
            (
                "inline preserved",
                r#"<c r="B6" t="inlineStr"><is><t xml:space="preserve"> 行内 </t></is></c>"#,
            ),
            (
                "inline escaped",
                r#"<c r="B6" t="inlineStr"><is><t>甲 &lt; 乙_x000A_</t></is></c>"#,
            ),
            (
                "inline empty",
                r#"<c r="B6" t="inlineStr"><is><t></t></is></c>"#,
            ),
            ("bad reference", r#"<c r="6B"><v>7</v></c>"#),
            ("unfinished tag", r#"<c r="B6"#),
        ] {
            let sheet = plain.replace(cell, other);
            assert_ne!(sheet, plain, "{what}");
            let outcome = compare(&hand_made(&sheet, STRINGS, STYLES, ""), what);
            assert!(matches!(outcome, Outcome::Lean | Outcome::Handed), "{what}");
        }
        // The shared strings' quick path: `<si><t>` with or without
        // `xml:space="preserve"` exactly so; every other way to the loop.
        let first = "<si><t>  党员 </t></si>";
        for (what, other) in [
            (
                "preserved, spaced",
                r#"<si><t xml:space="preserve" > 甲 </t></si>"#,
            ),
            (
                "preserved, single quotes",
                "<si><t xml:space='preserve'> 甲 </t></si>",
            ),
            ("space before the end", "<si><t> 甲 </t> </si>"),
            ("escaped", "<si><t>甲&amp;乙</t></si>"),
            ("line end", "<si><t>甲\r\n乙</t></si>"),
            ("empty", "<si><t></t></si>"),
            (
                "a phonetic run after",
                r#"<si><t>甲</t><rPh sb="0" eb="1"><t>フ</t></rPh></si>"#,
            ),
        ] {
            let strings = STRINGS.replace(first, other);
            assert_ne!(strings, STRINGS, "{what}");
            let outcome = compare(&hand_made(&plain, &strings, STYLES, ""), what);
            assert!(matches!(outcome, Outcome::Lean), "{what}");
        }
    }

    /// Every shared string of STRINGS written inline instead (`<is>` in
    /// the cell, as streaming exporters write them): the plain-run fast
    /// path and the XML library's path give the general reader's cells.
    #[test]
    fn regression_inline_strings_read_as_shared_ones() {
        let si: Vec<&str> = STRINGS
            .split("<si")
            .skip(1)
            .map(|x| x.trim_end_matches("</sst>"))
            .collect();
        let mut row = String::new();
        for (k, one) in si.iter().enumerate() {
            let inner = one
                .strip_prefix("/>")
                .map(|_| "<is/>".to_string())
                .unwrap_or_else(|| {
                    let body = one.trim_start_matches('>').trim_end_matches("</si>");
                    format!("<is>{body}</is>")
                });
            row.push_str(&format!(
                r#"<c r="{}2" t="inlineStr">{inner}</c>"#,
                (b'A' + k as u8) as char
            ));
        }
        row.push_str(r#"<c r="H2" t="inlineStr"><is><t/></is></c><c r="I2" t="inlineStr"><is><t>a</t><t>b</t></is></c>"#);
        let sheet = format!(
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="2">{row}</row></sheetData></worksheet>"#
        );
        let bytes = hand_made(&sheet, STRINGS, STYLES, "");
        assert!(matches!(compare(&bytes, "inline"), Outcome::Lean));
    }

    #[test]
    fn equivalent_to_the_general_reader_on_written_workbooks() {
        use rust_xlsxwriter::{Color, ExcelDateTime as W, Format, FormatAlign, Workbook as Book};
        let mut book = Book::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let cn = Format::new().set_num_format("yyyy\"年\"m\"月\"");
        let dur = Format::new().set_num_format("[h]:mm:ss");
        let s = book.add_worksheet().set_name("党员名册").unwrap();
        s.merge_range(
            0,
            0,
            0,
            5,
            "某某社区党员名册",
            &Format::new().set_align(FormatAlign::Center),
        )
        .unwrap();
        s.write(1, 0, "填报单位：  东湖社区\n（盖章）").unwrap();
        s.write(2, 0, 3.0).unwrap();
        s.write(2, 1, -0.25).unwrap();
        s.write_with_format(2, 2, W::parse_from_str("2026-09-30").unwrap(), &date)
            .unwrap();
        s.write_with_format(2, 3, W::parse_from_str("2026-07-01").unwrap(), &cn)
            .unwrap();
        s.write_with_format(2, 4, 1.5, &dur).unwrap();
        s.write(2, 5, true).unwrap();
        s.write_formula(3, 0, "=A3*2").unwrap();
        s.set_formula_result(3, 0, "6");
        s.write(3, 1, " 前后空格 ").unwrap();
        s.write(3, 2, "_x0041_ literal").unwrap();
        let red = Format::new().set_font_color(Color::Red);
        s.write_rich_string(3, 3, &[(&Format::default(), "红"), (&red, "字")])
            .unwrap();
        s.write(5000, 30, "far").unwrap();
        let h = book.add_worksheet().set_name("说明").unwrap();
        h.write(0, 0, "隐藏的工作表").unwrap();
        h.set_hidden(true);
        let c = book.add_worksheet_with_constant_memory().unwrap();
        c.set_name("流式").unwrap();
        for r in 0..50u32 {
            c.write(r, 0, format!("行{r}")).unwrap();
            c.write(r, 1, r as f64 * 1.5).unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        assert!(matches!(compare(&bytes, "written"), Outcome::Lean));
    }

    /// Every workbook the project and the real-world corpus hold.
    #[test]
    fn equivalent_to_the_general_reader_on_every_workbook_here() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        workbooks(&root.join("data-samples"), &mut files);
        workbooks(&root.join("tests/fixtures"), &mut files);
        let corpus = std::env::var_os("PBSTAT_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("../shared/corpus"));
        workbooks(&corpus, &mut files);
        files.sort();
        let (mut lean, mut handed) = (0, 0);
        for f in &files {
            let Ok(bytes) = std::fs::read(f) else {
                continue;
            };
            if !bytes.starts_with(b"PK\x03\x04") {
                continue;
            }
            match compare(&bytes, &f.display().to_string()) {
                Outcome::Lean => lean += 1,
                Outcome::Handed | Outcome::Limit | Outcome::Unchecked => handed += 1,
            }
        }
        eprintln!("lean path: {lean} workbooks, handed to the general reader: {handed}");
        assert!(lean >= 10, "the samples alone hold more than ten workbooks");
    }

    /// A part whose header understates its size: inflating stops at the
    /// declared size and the file is refused, not handed on to be expanded.
    #[test]
    fn regression_entry_larger_than_declared_is_refused() {
        // A part of 1 MB whose header says 1,000 bytes: with a limit below
        // 1 MB a bomb, with a larger one damage. Never read either way.
        let mut bytes = package(&[("xl/worksheets/sheet1.xml", &"0".repeat(1 << 20))]);
        let declared = 1000u32.to_le_bytes();
        for (sig, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let p = bytes.windows(4).position(|w| w == sig).unwrap();
            bytes[p + at..p + at + 4].copy_from_slice(&declared);
        }
        let open = |bytes: &[u8], name: &str, limit: u64| {
            let mut pkg = Package {
                bytes,
                zip: zip::ZipArchive::new(Cursor::new(bytes)).unwrap(),
                index: [(name.to_string(), 0)].into_iter().collect(),
                inflate: flate2::Decompress::new(false),
                whole: libdeflater::Decompressor::new(),
                limit,
            };
            pkg.part(name)
        };
        let part = "xl/worksheets/sheet1.xml";
        match open(&bytes, part, 100_000) {
            Err(Stop::Limit(e)) => assert!(matches!(*e, ReadError::TooLarge(_)), "{e:?}"),
            _ => panic!("a part far larger than declared is a bomb"),
        }
        match open(&bytes, part, 10 << 20) {
            Err(Stop::Limit(e)) => assert!(matches!(*e, ReadError::Unreadable(_)), "{e:?}"),
            _ => panic!("a part larger than declared is damage"),
        }
        // The same entry, honest: read whole.
        let honest = package(&[("a.xml", "<a/>")]);
        assert_eq!(
            open(&honest, "a.xml", 10 << 20).ok().flatten().as_deref(),
            Some(&b"<a/>"[..])
        );
    }

    #[test]
    fn excel_escapes() {
        for (raw, want) in [
            ("plain", "plain"),
            ("a_x000D_b", "a\rb"),
            ("_x005F_x000D_", "_x000D_"),
            ("_xD83D__xDCF7_", "\u{1F4F7}"),
            ("_xD800_x", "\u{FFFD}x"),
            ("_xDC00_", "\u{FFFD}"),
            ("_x00_", "_x00_"),
            ("__x0041_", "_A"),
        ] {
            assert_eq!(unescape_excel(raw), want, "{raw}");
        }
    }
}
