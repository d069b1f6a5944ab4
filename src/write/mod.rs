//! Everything pbstat writes: diagnostics listings and, atomically, files.

pub mod annotate;
pub mod archive;
pub mod charts;
pub mod diagnostics;
pub mod digest;
pub mod history;
pub mod html;
pub mod output;
pub mod reference;
pub mod report;
pub mod state;
pub mod styles;
pub mod tables;
pub mod template;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::lang::{io_error, tr};
use crate::read::report::{is_output_dir, OUTPUT_MARKER};

/// `path` made absolute without following what does not exist yet: the
/// longest existing ancestor resolved, the rest appended.
fn absolute(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut head = path.clone();
    let mut tail = Vec::new();
    loop {
        if let Ok(c) = head.canonicalize() {
            return tail.iter().rev().fold(c, |p, n| p.join(n));
        }
        match (head.file_name().map(|n| n.to_os_string()), head.parent()) {
            (Some(n), Some(p)) => {
                tail.push(n);
                head = p.to_path_buf();
            }
            _ => return path,
        }
    }
}

/// Before any work: may `out` be written, and replaced whole? Only an
/// empty folder or an earlier pbstat output is ever replaced; a folder that
/// holds an input (or the registry), the working folder or one of its
/// parents never is. The parent must be writable. Nothing is touched.
pub fn prepare_output(out: &Path, protected: &[PathBuf]) -> anyhow::Result<()> {
    let shown = out.display();
    let abs = absolute(out);
    if abs.parent().is_none() || abs.file_name().is_none() {
        anyhow::bail!(tr(
            format!("-o {shown}：不能把根文件夹用作输出文件夹，请指定一个新的文件夹"),
            format!("-o {shown}: the root folder cannot be the output folder; name a new folder"),
        ));
    }
    let ext = crate::read::extension_of(out);
    if !abs.exists() && ["xlsx", "xlsm", "xls", "ods", "csv", "json"].contains(&ext.as_str()) {
        anyhow::bail!(tr(
            format!("-o {shown}：-o 指定的是输出文件夹（报表写在其中的 report.xlsx），不是文件名；请写 -o 文件夹名，如 -o report-2026Q3"),
            format!("-o {shown}: -o names the output folder (the report is its report.xlsx), not a file; write a folder name, such as -o report-2026Q3"),
        ));
    }
    if let Ok(cwd) = std::env::current_dir().and_then(|c| c.canonicalize()) {
        if cwd.starts_with(&abs) {
            anyhow::bail!(tr(
                format!("-o {shown}：这是当前所在的文件夹（或它的上级），输出会整个替换它；请指定一个新的文件夹，如 -o report-2026Q3"),
                format!("-o {shown}: this is the working folder (or a parent of it), which the output would replace whole; name a new folder, such as -o report-2026Q3"),
            ));
        }
    }
    for p in protected {
        let Ok(c) = p.canonicalize() else { continue };
        if c.starts_with(&abs) {
            anyhow::bail!(tr(
                format!("-o {shown}：输出文件夹中有本次的输入 {}，输出会整个替换它；请指定另一个文件夹", p.display()),
                format!("-o {shown}: the output folder holds the input {}, and the output would replace it whole; name another folder", p.display()),
            ));
        }
    }
    if abs.exists() {
        if !abs.is_dir() {
            anyhow::bail!(tr(
                format!("-o {shown}：已有同名文件；-o 指定的是输出文件夹（报表写在其中的 report.xlsx），请换一个名字"),
                format!("-o {shown}: a file of that name exists; -o names the output folder (the report is its report.xlsx): choose another name"),
            ));
        }
        let empty = std::fs::read_dir(&abs)
            .map_err(|e| io_error(out, &e))?
            .next()
            .is_none();
        if !empty && !is_output_dir(&abs) {
            anyhow::bail!(tr(
                format!("-o {shown}：文件夹已存在，且不是 pbstat 的输出文件夹；为免覆盖其中的文件，pbstat 只替换空文件夹或它自己写的输出。请指定新的文件夹"),
                format!("-o {shown}: the folder exists and is not a pbstat output; so as not to overwrite its files, pbstat only replaces an empty folder or an output it wrote. Name a new folder"),
            ));
        }
    }
    // Writable? Found now, not after reading thousands of files.
    let parent = abs.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io_error(parent, &e))?;
    let probe = parent.join(format!(
        ".{}.probe-{}",
        abs.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    std::fs::create_dir(&probe).map_err(|e| {
        anyhow::anyhow!(tr(
            format!(
                "无法写入输出位置 {}：{}",
                parent.display(),
                crate::lang::io_reason(&e)
            ),
            format!(
                "cannot write to the output place {}: {}",
                parent.display(),
                crate::lang::io_reason(&e)
            ),
        ))
    })?;
    let _ = std::fs::remove_dir(&probe);
    Ok(())
}

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
    if out.exists() && (!out.is_dir() || !(is_output_dir(out) || dir_is_empty(out))) {
        // prepare_output said so before the run; the folder changed since.
        anyhow::bail!(tr(
            format!(
                "{}：已存在且不是 pbstat 的输出文件夹，未替换",
                out.display()
            ),
            format!(
                "{}: exists and is not a pbstat output folder; not replaced",
                out.display()
            ),
        ));
    }
    std::fs::create_dir_all(parent).map_err(|e| io_error(parent, &e))?;
    clean_litter(parent, &name);
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| io_error(parent, &e))?;
    let filled = fill(&tmp).and_then(|_| {
        std::fs::write(
            tmp.join(OUTPUT_MARKER),
            "pbstat output folder: a later `pbstat aggregate -o` may replace it whole\n",
        )
        .map_err(|e| io_error(&tmp, &e))
    });
    if let Err(e) = filled {
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
        std::fs::rename(out, &old).map_err(|e| io_error(out, &e))?;
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        if had_old {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(io_error(out, &e));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

fn dir_is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
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
            .or_else(|| n.strip_prefix(&format!(".{name}.old-")))
            // A run killed between making and removing its probe.
            .or_else(|| n.strip_prefix(&format!(".{name}.probe-")));
        let Some(pid) = rest.and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let alive = Path::new(&format!("/proc/{pid}")).exists() && pid != std::process::id();
        if !alive {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
