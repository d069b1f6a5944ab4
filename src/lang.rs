//! Message language. Chinese is the default: the people reading messages
//! fill in Chinese forms.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Pick the text for this language.
    pub fn t(self, zh: impl Into<String>, en: impl Into<String>) -> String {
        match self {
            Lang::Zh => zh.into(),
            Lang::En => en.into(),
        }
    }
}

use std::sync::atomic::{AtomicU8, Ordering};

/// The language of the run, for messages made far from the command line
/// (the input walk, the output folder, schema loading). Set once, before
/// any work, by `set`; Chinese until then.
static CURRENT: AtomicU8 = AtomicU8::new(0);

pub fn set(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

pub fn current() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::En,
        _ => Lang::Zh,
    }
}

/// Pick the text for the run's language.
pub fn tr(zh: impl Into<String>, en: impl Into<String>) -> String {
    current().t(zh, en)
}

/// An operating-system error as a person reads it, in the run's language
/// (the system's own words are English and name no file).
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let (zh, en) = match e.kind() {
        K::NotFound => ("不存在", "does not exist"),
        K::PermissionDenied => (
            "没有权限（请检查文件夹的读写权限，或换一个位置）",
            "permission denied (check the folder's permissions, or choose another place)",
        ),
        K::AlreadyExists => ("已存在", "already exists"),
        K::ReadOnlyFilesystem => ("所在磁盘只读", "the disk is read-only"),
        K::StorageFull => ("磁盘已满", "the disk is full"),
        K::ResourceBusy => ("正被占用", "is in use"),
        K::IsADirectory => ("是文件夹，不是文件", "is a folder, not a file"),
        K::NotADirectory => ("不是文件夹", "is not a folder"),
        K::DirectoryNotEmpty => ("文件夹不为空", "the folder is not empty"),
        K::InvalidFilename => ("文件名无效", "the file name is not valid"),
        K::CrossesDevices => ("跨磁盘无法移动", "cannot be moved across disks"),
        _ => {
            return tr(
                format!("无法访问（{e}）"),
                format!("cannot be accessed ({e})"),
            )
        }
    };
    tr(zh, en)
}

/// `PATH：reason` for an operating-system error on `path`.
pub fn io_error(path: &std::path::Path, e: &std::io::Error) -> anyhow::Error {
    let sep = if current() == Lang::Zh { "：" } else { ": " };
    anyhow::anyhow!("{}{sep}{}", path.display(), io_reason(e))
}
