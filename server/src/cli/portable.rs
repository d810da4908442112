//! `trellis export-all` and `trellis import-all`: a whole installation as one JSON document, to
//! move it between SQLite and Postgres (the format is documented in `store::portable`).
//! Each prints the rows it moved, per table, on one line of stderr.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::Path;
use std::process::ExitCode;

use store::{Counts, PortableError, Store};

use super::evaluate::BAD_INPUT;

/// Why a command stopped: its exit code and what to print.
struct Failed {
    code: u8,
    message: String,
}

impl Failed {
    fn other(message: String) -> Failed {
        Failed { code: 1, message }
    }
}

impl From<PortableError> for Failed {
    fn from(e: PortableError) -> Failed {
        Failed {
            code: if e.is_bad_input() { BAD_INPUT } else { 1 },
            message: e.to_string(),
        }
    }
}

/// Writes the database to `out` (whole or not at all), or to stdout.
pub(super) fn export(database_url: &str, out: Option<&Path>) -> ExitCode {
    let result = block_on(async {
        let store = connect(database_url).await?;
        let now = crate::service::now_ms();
        match out {
            None => {
                let stdout = BufWriter::new(std::io::stdout().lock());
                Ok(store.export_all(stdout, now).await?)
            }
            Some(path) => export_to_file(&store, path, now).await.map_err(|e| Failed {
                message: format!("cannot export to {}: {e}", path.display()),
                ..Failed::from(e)
            }),
        }
    });
    finish("exported", "", result)
}

/// Writes into a file beside `path`, then renames it: a failed export leaves no half file.
async fn export_to_file(store: &Store, path: &Path, now: i64) -> Result<Counts, PortableError> {
    let tmp = super::report::temp_beside(path)?;
    let written = async {
        let mut file = BufWriter::new(File::create(&tmp)?);
        let counts = store.export_all(&mut file, now).await?;
        file.into_inner()
            .map_err(std::io::IntoInnerError::into_error)?
            .sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(counts)
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Fills an empty database from a document (`-`: stdin), all or nothing.
pub(super) fn import(file: &Path, database_url: &str) -> ExitCode {
    let input: Box<dyn Read> = if file == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        match File::open(file) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", file.display());
                return ExitCode::from(BAD_INPUT);
            }
        }
    };
    let result = block_on(async {
        let store = connect(database_url).await?;
        // A server on the same SQLite file would serve from what it cached before the import.
        let _lock = Store::lock_file(database_url).map_err(Failed::other)?;
        Ok(store.import_all(BufReader::new(input)).await?)
    });
    finish("imported", " (nothing was imported)", result)
}

async fn connect(database_url: &str) -> Result<Store, Failed> {
    Store::connect(database_url)
        .await
        .map_err(|e| Failed::other(format!("cannot open the database: {e}")))
}

fn block_on<T>(work: impl Future<Output = Result<T, Failed>>) -> Result<T, Failed> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failed::other(format!("cannot start the async runtime: {e}")))?
        .block_on(work)
}

/// Prints the summary (or the error, then `on_error`) and returns the exit code.
fn finish(done: &str, on_error: &str, result: Result<Counts, Failed>) -> ExitCode {
    match result {
        Ok(counts) => {
            eprintln!("{done} {counts}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}{on_error}", e.message);
            ExitCode::from(e.code)
        }
    }
}
