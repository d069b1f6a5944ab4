//! A guard for OLE compound files (.xls, encrypted .xlsx) before the
//! workbook reader opens them: every sector chain the reader will follow
//! must stay inside the file and end without revisiting a sector, and every
//! declared stream size must fit in the file.
//!
//! Why: the reader follows a chain until the stream's declared length, so a
//! cyclic chain (found by fuzzing: a 32 KB file) makes it append the same
//! sectors until an allocation of gigabytes fails and the process aborts.

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FREESECT: u32 = 0xFFFF_FFFF;
const MINI_CUTOFF: u64 = 4096;

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    b.get(o..o + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}
fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    b.get(o..o + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}
fn u64_at(b: &[u8], o: usize) -> Option<u64> {
    b.get(o..o + 8)
        .map(|s| u64::from_le_bytes(s.try_into().expect("8 bytes")))
}

/// Why a compound file is refused, in English (the caller words it for people).
pub fn check(b: &[u8]) -> Result<(), String> {
    let shift = u16_at(b, 0x1E).ok_or("header cut off")?;
    if shift != 9 && shift != 12 {
        return Err(format!("sector size 2^{shift}"));
    }
    let size = 1usize << shift;
    let sectors = (b.len().saturating_sub(size) / size) as u32;
    let sector = |id: u32| -> Option<&[u8]> {
        let start = (id as usize + 1).checked_mul(size)?;
        b.get(start..start + size)
    };
    // The FAT sector ids: 109 in the header, the rest in the DIFAT chain.
    let n_fat = u32_at(b, 0x2C).ok_or("header cut off")?;
    if n_fat > sectors {
        return Err(format!("{n_fat} FAT sectors in a file of {sectors}"));
    }
    let mut fat_ids: Vec<u32> = (0..109)
        .filter_map(|i| u32_at(b, 0x4C + i * 4))
        .filter(|&s| s != FREESECT)
        .collect();
    let mut difat = u32_at(b, 0x44).ok_or("header cut off")?;
    let mut steps = 0;
    while difat != ENDOFCHAIN && difat != FREESECT && (fat_ids.len() as u32) < n_fat {
        steps += 1;
        if steps > sectors {
            return Err("the DIFAT chain loops".into());
        }
        let s = sector(difat).ok_or("a DIFAT sector lies outside the file")?;
        let per = size / 4 - 1;
        fat_ids.extend(
            (0..per)
                .filter_map(|i| u32_at(s, i * 4))
                .filter(|&x| x != FREESECT),
        );
        difat = u32_at(s, per * 4).ok_or("DIFAT cut off")?;
    }
    fat_ids.truncate(n_fat as usize);
    let mut fat: Vec<u32> = Vec::with_capacity(fat_ids.len() * size / 4);
    for id in &fat_ids {
        let s = sector(*id).ok_or("a FAT sector lies outside the file")?;
        fat.extend((0..size / 4).filter_map(|i| u32_at(s, i * 4)));
    }
    // A chain: in range, no sector twice, at most as long as the file.
    let walk = |start: u32, what: &str| -> Result<u64, String> {
        let mut seen = vec![false; fat.len().max(1)];
        let mut id = start;
        let mut n = 0u64;
        while id != ENDOFCHAIN {
            let i = id as usize;
            if i >= fat.len() || id >= sectors {
                return Err(format!("the {what} chain leaves the file"));
            }
            if std::mem::replace(&mut seen[i], true) {
                return Err(format!("the {what} chain loops"));
            }
            n += 1;
            id = fat[i];
        }
        Ok(n * size as u64)
    };
    let dir_start = u32_at(b, 0x30).ok_or("header cut off")?;
    let dir_bytes = walk(dir_start, "directory")?;
    let mini_fat_start = u32_at(b, 0x3C).ok_or("header cut off")?;
    if mini_fat_start != ENDOFCHAIN && mini_fat_start != FREESECT {
        walk(mini_fat_start, "mini FAT")?;
    }
    // Directory entries: 128 bytes each; the root's stream and every large
    // stream live in the regular FAT.
    let mut id = dir_start;
    let mut entry = 0u64;
    let limit = b.len() as u64 * 8;
    while id != ENDOFCHAIN && entry * 128 < dir_bytes {
        let s = sector(id).ok_or("a directory sector lies outside the file")?;
        for k in 0..size / 128 {
            let e = &s[k * 128..(k + 1) * 128];
            let kind = e[0x42];
            let start = u32_at(e, 0x74).unwrap_or(ENDOFCHAIN);
            let len =
                u64_at(e, 0x78).unwrap_or(0) & if shift == 9 { 0xFFFF_FFFF } else { u64::MAX };
            let is_root = entry == 0 && kind == 5;
            if (kind == 2 || is_root) && len > 0 {
                if len > limit {
                    return Err(format!(
                        "a stream claims {len} bytes in a file of {}",
                        b.len()
                    ));
                }
                if is_root || len >= MINI_CUTOFF {
                    let have = walk(start, "stream")?;
                    if have + (size as u64) < len {
                        return Err("a stream is longer than its chain".into());
                    }
                }
            }
            entry += 1;
        }
        id = *fat
            .get(id as usize)
            .ok_or("the directory chain leaves the file")?;
    }
    Ok(())
}

/// The largest data area an .xls sheet would make the workbook library
/// allocate, in cells: the area its DIMENSIONS record declares (read as the
/// library reads it, with its wrapping arithmetic on inverted ranges), or
/// the box its cell records span. The library reserves room for the
/// declared area in one allocation before it reads a cell, and builds each
/// sheet as one dense grid over its cells, so a 5 KB file declaring 2^48
/// cells, and another with two cells 65,535 rows and columns apart (both
/// found by fuzzing), made it ask for terabytes and abort the whole run.
/// Run after [`check`], which bounds every chain and stream this follows.
pub fn xls_declared_cells(b: &[u8]) -> u64 {
    let Some(stream) = workbook_stream(b) else {
        return 0;
    };
    let record = |pos: usize| -> Option<(u16, &[u8])> {
        let len = u16_at(&stream, pos + 2)? as usize;
        Some((u16_at(&stream, pos)?, stream.get(pos + 4..pos + 4 + len)?))
    };
    // The sheets start where the globals' BOUNDSHEET records say.
    let mut starts = Vec::new();
    let mut pos = 0;
    while let Some((typ, data)) = record(pos) {
        match typ {
            0x0085 if starts.len() < 4096 => starts.extend(u32_at(data, 0).map(|p| p as usize)),
            // FILEPASS: the records are encrypted; the library refuses the
            // file as password-protected before it reads a sheet.
            0x002F => return 0,
            0x000A => break,
            _ => (),
        }
        pos += 4 + data.len();
    }
    let mut largest = 0u64;
    for start in starts {
        // As the library walks a sheet: nested substreams (charts) are
        // skipped, the sheet's own EOF ends it.
        let (mut seen_bof, mut nested) = (false, 0usize);
        let (mut r0, mut r1, mut c0, mut c1) = (u32::MAX, 0u32, u32::MAX, 0u32);
        let mut pos = start;
        while let Some((typ, data)) = record(pos) {
            pos += 4 + data.len();
            if nested > 0 {
                match typ {
                    0x0809 => nested += 1,
                    0x000A => nested -= 1,
                    _ => (),
                }
                continue;
            }
            let mut cell = |row: u16, first: u16, last: u16| {
                (r0, r1) = (r0.min(row.into()), r1.max(row.into()));
                (c0, c1) = (c0.min(first.into()), c1.max(last.into()));
            };
            match typ {
                0x0809 if seen_bof => nested += 1,
                0x0809 => seen_bof = true,
                0x0200 => largest = largest.max(dimensions_area(data)),
                // Number, Label, RString, BoolErr, RK, LabelSst, Formula.
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    if let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) {
                        cell(row, col, col);
                    }
                }
                // MulRk: a run of cells along a row, six bytes each.
                0x00BD if data.len() >= 12 => {
                    if let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) {
                        let n = ((data.len() - 6) / 6).max(1) as u32;
                        let last = (u32::from(col) + n - 1).min(u32::from(u16::MAX)) as u16;
                        cell(row, col, last);
                    }
                }
                0x000A => break,
                _ => (),
            }
        }
        if r0 <= r1 && c0 <= c1 {
            let area = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
            largest = largest.max(area);
        }
    }
    largest
}

/// The Workbook (or Book) stream, found and followed exactly as the
/// workbook library finds and follows it — including where it is lenient
/// (a sector cut off by the end of the file, a name of any length) — so
/// that this sees the records the library will read. None where the
/// library fails.
fn workbook_stream(b: &[u8]) -> Option<Vec<u8>> {
    let size: usize = match u16_at(b, 30)? {
        9 => 512,
        12 => 4096,
        _ => return None,
    };
    if u16_at(b, 32)? != 6 || b.len() < size {
        return None;
    }
    let maxid = (b.len() / size) as u32;
    // Sector `id` begins after the header's sector; one cut off by the end
    // of the file is read as far as it goes.
    let sector = |id: u32| -> Option<&[u8]> {
        if maxid < id {
            return None;
        }
        let start = (id as usize + 1) * size;
        Some(b.get(start..(start + size).min(b.len())).unwrap_or(&[]))
    };
    let u32s =
        |s: &[u8]| -> Vec<u32> { (0..s.len() / 4).filter_map(|i| u32_at(s, i * 4)).collect() };
    const RESERVED: u32 = 0xFFFF_FFFA;
    const DIFSECT: u32 = 0xFFFF_FFFC;
    let mut difat = u32s(&b[76..512]);
    let mut id = u32_at(b, 68)?;
    let mut steps = 0u32;
    while id < RESERVED {
        steps += 1;
        if steps > maxid + 1 {
            return None;
        }
        difat.extend(u32s(sector(id)?));
        id = difat.pop()?;
    }
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|&id| id < DIFSECT) {
        fat.extend(u32s(sector(id)?));
    }
    // A chain read up to `len` bytes; a loop or a step outside the table
    // (where the library would spin or fail) gives None.
    let chain = |start: u32, len: usize, table: &[u32], get: &dyn Fn(u32) -> Option<Vec<u8>>| {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0usize;
        while id != ENDOFCHAIN {
            steps += 1;
            if steps > table.len() + 1 {
                return None;
            }
            let s = get(id)?;
            let take = s.len().min(len - out.len());
            out.extend_from_slice(&s[..take]);
            if out.len() >= len {
                break;
            }
            id = *table.get(id as usize)?;
        }
        Some(out)
    };
    let big = |id: u32| sector(id).map(<[u8]>::to_vec);
    let dirs = chain(u32_at(b, 48)?, usize::MAX, &fat, &big)?;
    let entries: Vec<(String, u32, usize)> = dirs
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = (0..32).filter_map(|i| u16_at(e, i * 2)).collect();
            let mut name = String::from_utf16_lossy(&units);
            if let Some(l) = name.bytes().position(|c| c == 0) {
                name.truncate(l);
            }
            let len = if size == 512 {
                u64::from(u32_at(e, 120).unwrap_or(0))
            } else {
                u64_at(e, 120).unwrap_or(0)
            };
            (name, u32_at(e, 116).unwrap_or(ENDOFCHAIN), len as usize)
        })
        .collect();
    let root = entries.first()?;
    let (_, start, len) = ["Workbook", "Book"]
        .iter()
        .find_map(|n| entries.iter().find(|e| e.0.eq_ignore_ascii_case(n)))?;
    // The library reads at most what the file could hold (check() bounds
    // every stream by that too).
    if *len as u64 > b.len() as u64 * 8 {
        return None;
    }
    if *len >= MINI_CUTOFF as usize {
        return chain(*start, *len, &fat, &big);
    }
    let mini_fat_len = u32_at(b, 64)? as usize;
    if mini_fat_len == 0 {
        return None;
    }
    let mini_stream = chain(root.1, root.2.min(b.len() * 8), &fat, &big)?;
    let mini_fat = u32s(&chain(
        u32_at(b, 60)?,
        mini_fat_len.saturating_mul(size),
        &fat,
        &big,
    )?);
    let mini = |id: u32| -> Option<Vec<u8>> {
        if maxid.saturating_mul(8) < id {
            return None;
        }
        let start = id as usize * 64;
        Some(
            mini_stream
                .get(start..(start + 64).min(mini_stream.len()))
                .unwrap_or(&[])
                .to_vec(),
        )
    };
    chain(*start, *len, &mini_fat, &mini)
}

/// The cells a DIMENSIONS record makes the library reserve room for.
fn dimensions_area(r: &[u8]) -> u64 {
    let (rf, rl, cf, cl) = match r.len() {
        10 => (
            u16_at(r, 0).map(u32::from),
            u16_at(r, 2).map(u32::from),
            u16_at(r, 4).map(u32::from),
            u16_at(r, 6).map(u32::from),
        ),
        14 | 16 => (
            u32_at(r, 0),
            u32_at(r, 4),
            u16_at(r, 8).map(u32::from),
            u16_at(r, 10).map(u32::from),
        ),
        // The library refuses the record, and with it the file.
        _ => return 0,
    };
    let (Some(rf), Some(rl), Some(cf), Some(cl)) = (rf, rl, cf, cl) else {
        return 0;
    };
    // The library's own correction: a first column past 255 or past the
    // last counts as column 0.
    let cf = if 0xFF < cf || cl < cf { 0 } else { cf };
    let (start, end) = if rl >= 1 && cl >= 1 {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
    let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
    rows.saturating_mul(cols)
}
