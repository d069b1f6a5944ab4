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
