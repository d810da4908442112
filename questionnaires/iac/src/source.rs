//! The inputs: template files, directories of them and zips of them. The only module that
//! touches the file system, and only to read the paths it is given.
//!
//! A directory is walked (skipping `node_modules`, `.git`, `.aws-sam`); a zip is read in memory
//! with its entry names checked (no `..`, no absolute paths) and its size bounded (zip bombs).
//! Terraform `.tf` files are read as text for [`crate::terraform`].

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::Error;

/// The most files read from one directory or zip.
pub const MAX_FILES: usize = 10_000;
/// The most bytes read from one zip or directory in all (uncompressed): sixteen of the largest
/// single templates.
pub const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
/// The highest compression ratio of a zip entry: YAML and JSON compress ten to fifty times;
/// a zip bomb, thousands.
pub const MAX_RATIO: u64 = 200;
/// The largest zip file read.
pub const MAX_ZIP_BYTES: u64 = 64 * 1024 * 1024;

/// Directories never read.
const SKIPPED_DIRS: &[&str] = &["node_modules", ".git", ".aws-sam", "target", ".terraform"];

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A YAML or JSON file that may be a template: its name (as shown) and text.
    Document {
        /// The name shown in evidence: the path as given, or `zip!entry`.
        name: String,
        /// Its text.
        text: String,
        /// Named on the command line (its errors stop the import), not found by a walk.
        explicit: bool,
    },
    /// A Terraform `.tf` file: its name and text.
    Terraform {
        /// The name shown in evidence.
        name: String,
        /// Its text.
        text: String,
        /// Named on the command line (its errors stop the import), not found by a walk.
        explicit: bool,
    },
    /// A file left out, and why.
    Skipped(String, String),
}

/// Whether a file name looks like a template.
fn is_template_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".yaml", ".yml", ".json", ".template"]
        .iter()
        .any(|e| lower.ends_with(e))
}

struct Budget {
    files: usize,
    bytes: u64,
}

impl Budget {
    fn take(&mut self, origin: &str, bytes: u64) -> Result<(), Error> {
        self.files += 1;
        self.bytes += bytes;
        if self.files > MAX_FILES {
            return Err(Error::Limit {
                file: origin.to_owned(),
                message: format!("more than {MAX_FILES} files"),
            });
        }
        if self.bytes > MAX_TOTAL_BYTES {
            return Err(Error::Limit {
                file: origin.to_owned(),
                message: format!("more than {} MiB in all", MAX_TOTAL_BYTES / 1024 / 1024),
            });
        }
        Ok(())
    }
}

/// Reads every input under the given paths.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Input>, Error> {
    let mut out = Vec::new();
    for p in paths {
        let mut budget = Budget { files: 0, bytes: 0 };
        let shown = p.display().to_string();
        let meta = std::fs::metadata(p).map_err(|e| io(&shown, &e))?;
        if meta.is_dir() {
            walk(p, &shown, &mut budget, &mut out)?;
        } else if shown.to_ascii_lowercase().ends_with(".zip") {
            let bytes = read_capped(p, &shown, MAX_ZIP_BYTES)?;
            out.extend(unzip(&bytes, &shown)?);
        } else if shown.ends_with(".tf") {
            let text = read_text(p, &shown)?;
            out.push(Input::Terraform {
                name: shown,
                text,
                explicit: true,
            });
        } else {
            let text = read_text(p, &shown)?;
            out.push(Input::Document {
                name: shown,
                text,
                explicit: true,
            });
        }
    }
    Ok(out)
}

fn io(file: &str, e: &std::io::Error) -> Error {
    Error::Io {
        file: file.to_owned(),
        message: e.to_string(),
    }
}

fn read_capped(p: &Path, shown: &str, cap: u64) -> Result<Vec<u8>, Error> {
    let f = std::fs::File::open(p).map_err(|e| io(shown, &e))?;
    let mut bytes = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io(shown, &e))?;
    if bytes.len() as u64 > cap {
        return Err(Error::TooLarge {
            file: shown.to_owned(),
            limit: usize::try_from(cap).unwrap_or(usize::MAX),
        });
    }
    Ok(bytes)
}

fn read_text(p: &Path, shown: &str) -> Result<String, Error> {
    let bytes = read_capped(p, shown, crate::node::MAX_FILE_BYTES as u64)?;
    String::from_utf8(bytes).map_err(|_| Error::Io {
        file: shown.to_owned(),
        message: "not UTF-8 text".to_owned(),
    })
}

fn walk(dir: &Path, shown: &str, budget: &mut Budget, out: &mut Vec<Input>) -> Result<(), Error> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io(shown, &e))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        let shown_child = path.display().to_string();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_symlink() {
            continue; // A link may leave the directory given, or loop.
        }
        if kind.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) {
                walk(&path, &shown_child, budget, out)?;
            }
        } else if name.ends_with(".tf") || is_template_name(&name) {
            let len = e.metadata().map(|m| m.len()).unwrap_or(0);
            budget.take(&shown_child, len)?;
            match read_text(&path, &shown_child) {
                Ok(text) if name.ends_with(".tf") => out.push(Input::Terraform {
                    name: shown_child,
                    text,
                    explicit: false,
                }),
                Ok(text) => out.push(Input::Document {
                    name: shown_child,
                    text,
                    explicit: false,
                }),
                Err(err @ Error::TooLarge { .. }) => return Err(err),
                Err(err) => out.push(Input::Skipped(shown_child, err.to_string())),
            }
        }
    }
    Ok(())
}

/// The inputs inside a zip (in memory). Pure: the fuzz target and tests call it on bytes.
pub fn unzip(bytes: &[u8], shown: &str) -> Result<Vec<Input>, Error> {
    let zip_err = |message: String| Error::Zip {
        file: shown.to_owned(),
        message,
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| zip_err(format!("not a readable zip: {e}")))?;
    if archive.len() > MAX_FILES {
        return Err(zip_err(format!(
            "{} entries, more than {MAX_FILES}",
            archive.len()
        )));
    }
    let mut out = Vec::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| zip_err(format!("entry {i}: {e}")))?;
        let raw = entry.name().to_owned();
        let Some(safe) = entry.enclosed_name() else {
            return Err(zip_err(format!(
                "entry `{raw}` leaves the archive (`..` or an absolute path): refused"
            )));
        };
        if raw.split(['/', '\\']).any(|c| c == "..") || raw.starts_with('/') {
            return Err(zip_err(format!(
                "entry `{raw}` leaves the archive (`..` or an absolute path): refused"
            )));
        }
        if entry.is_dir() {
            continue;
        }
        let name = format!("{shown}!{}", safe.display());
        if safe
            .components()
            .any(|c| SKIPPED_DIRS.contains(&c.as_os_str().to_string_lossy().as_ref()))
        {
            continue;
        }
        let terraform = raw.ends_with(".tf");
        if !terraform && !is_template_name(&raw) {
            continue;
        }
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        if declared / compressed > MAX_RATIO {
            return Err(zip_err(format!(
                "entry `{raw}` expands {}× ({declared} bytes from {compressed}): a zip bomb? refused",
                declared / compressed
            )));
        }
        let room = (crate::node::MAX_FILE_BYTES as u64).min(MAX_TOTAL_BYTES - total);
        let mut data = Vec::new();
        (&mut entry)
            .take(room + 1)
            .read_to_end(&mut data)
            .map_err(|e| zip_err(format!("entry `{raw}`: {e}")))?;
        if data.len() as u64 > room {
            return Err(zip_err(format!(
                "entry `{raw}` is larger than the {} MiB a file, or the {} MiB in all, the import reads",
                crate::node::MAX_FILE_BYTES / 1024 / 1024,
                MAX_TOTAL_BYTES / 1024 / 1024
            )));
        }
        total += data.len() as u64;
        match String::from_utf8(data) {
            Ok(text) if terraform => out.push(Input::Terraform {
                name,
                text,
                explicit: false,
            }),
            Ok(text) => out.push(Input::Document {
                name,
                text,
                explicit: false,
            }),
            Err(_) => out.push(Input::Skipped(name, "not UTF-8 text".to_owned())),
        }
    }
    Ok(out)
}
