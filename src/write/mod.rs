//! Everything pbstat writes: diagnostics listings and, atomically, files.

pub mod annotate;
pub mod charts;
pub mod diagnostics;
pub mod html;
pub mod report;
pub mod styles;
pub mod tables;
pub mod template;

use std::io::Write;
use std::path::Path;

/// Write a file so that it either appears whole or not at all: write a
/// temporary file beside it, then rename.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(())
}

/// Print to standard output; a closed pipe (`| head`) ends quietly.
pub fn stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

/// Write a whole output folder at once: everything goes into a temporary
/// sibling folder, which then takes the place of `out` in one atomic
/// exchange. A failed or killed run leaves `out` as it was; a reader never
/// sees half a report.
pub fn atomic_dir(
    out: &Path,
    fill: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("out")
        .to_string();
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if out.exists() && !out.is_dir() {
        anyhow::bail!("{} exists and is not a folder", out.display());
    }
    std::fs::create_dir_all(parent)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", parent.display()))?;
    clean_litter(parent, &name);
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)
        .map_err(|e| anyhow::anyhow!("cannot write to {}: {e}", parent.display()))?;
    if let Err(e) = fill(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if out.exists() && exchange(&tmp, out).is_ok() {
        // `tmp` now holds the earlier report.
        let _ = std::fs::remove_dir_all(&tmp);
        return Ok(());
    }
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let had_old = out.exists();
    if had_old {
        std::fs::rename(out, &old)
            .map_err(|e| anyhow::anyhow!("cannot replace {}: {e}", out.display()))?;
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        if had_old {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&tmp);
        anyhow::bail!("cannot write {}: {e}", out.display());
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; the call only renames.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("no atomic exchange on this system"))
}

/// Temporary folders that killed runs left beside `name`, whose process is gone.
fn clean_litter(parent: &Path, name: &str) {
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let rest = n
            .strip_prefix(&format!(".{name}.tmp-"))
            .or_else(|| n.strip_prefix(&format!(".{name}.old-")));
        let Some(pid) = rest.and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let alive = Path::new(&format!("/proc/{pid}")).exists() && pid != std::process::id();
        if !alive {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
