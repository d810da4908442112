//! Build script of the `trellis` binary.
//!
//! - **The browser bundle**: embeds `site/pkg/app.js` and `site/pkg/app_bg.wasm` (built by
//!   `scripts/build-front` and committed) into the binary, each as it is and gzipped (level 9),
//!   with a strong `ETag` from its SHA-256: `src/bundle.rs` serves them. A binary copied
//!   anywhere serves its pages with JavaScript.
//! - **The commit** `trellis --version` names (`TRELLIS_COMMIT`): `git rev-parse --short=12 HEAD`
//!   of this checkout, with `-dirty` when tracked files differ from it; without git or a
//!   checkout (a source tarball, a container build without `.git`), the `TRELLIS_COMMIT`
//!   environment variable, else `unknown`. It reruns when HEAD, the branch it points to or the
//!   index move (a commit, a checkout, `git add`), not on every build; the `-dirty` mark is as of
//!   that moment.
//!
//! Everything else the binary needs is embedded by the compiler already: the stylesheet and
//! fonts (`include_str!`, `include_bytes!`), the migrations (`sqlx::migrate!`), the
//! questionnaire content and the templates.

use std::error::Error;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The files of the bundle, with the content type each is served as.
const BUNDLE: [(&str, &str); 2] = [
    ("app.js", "text/javascript; charset=utf-8"),
    ("app_bg.wasm", "application/wasm"),
];

fn main() -> Result<()> {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or("no CARGO_MANIFEST_DIR")?);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("no OUT_DIR")?);
    embed_bundle(&manifest.join("site/pkg"), &out)?;
    let commit = commit(&manifest);
    println!("cargo:rustc-env=TRELLIS_COMMIT={commit}");
    Ok(())
}

/// Writes `OUT_DIR/bundle.rs`: a `FILES` table of the bundle, each file raw and gzipped.
fn embed_bundle(pkg: &Path, out: &Path) -> Result<()> {
    let mut code = String::from("&[\n");
    for (name, content_type) in BUNDLE {
        let path = pkg.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let raw = std::fs::read(&path).map_err(|e| {
            format!(
                "reading the browser bundle's {} ({e}): it is committed in server/site/pkg; \
                 scripts/build-front rebuilds it",
                path.display()
            )
        })?;
        let gz_path = out.join(format!("{name}.gz"));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&raw)?;
        std::fs::write(&gz_path, gz.finish()?)?;
        let hash = Sha256::digest(&raw);
        let etag = hash.iter().take(16).fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
        writeln!(
            code,
            "    crate::bundle::Asset {{ name: {name:?}, content_type: {content_type:?}, \
             etag: \"\\\"{etag}\\\"\", raw: include_bytes!({raw:?}), gzip: include_bytes!({gz:?}) }},",
            raw = path.display().to_string(),
            gz = gz_path.display().to_string(),
        )?;
    }
    code.push_str("]\n");
    std::fs::write(out.join("bundle.rs"), code)?;
    Ok(())
}

/// The commit this binary is built from (see the module docs).
fn commit(manifest: &Path) -> String {
    println!("cargo:rerun-if-env-changed=TRELLIS_COMMIT");
    if let Some(commit) = git_commit(manifest) {
        return commit;
    }
    match std::env::var("TRELLIS_COMMIT") {
        Ok(c) if !c.trim().is_empty() => c.trim().to_owned(),
        _ => "unknown".to_owned(),
    }
}

/// `git` run in `dir`: its trimmed standard output when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("--no-optional-locks")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The commit of the checkout this crate is in, when git is there and the checkout is Trellis'
/// own (not some repository a source tarball was unpacked into).
fn git_commit(manifest: &Path) -> Option<String> {
    let workspace = manifest.parent()?;
    let top = PathBuf::from(git(manifest, &["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != workspace.canonicalize().ok()? {
        return None;
    }
    // Rerun when HEAD moves (commit, checkout), the branch it names moves, or the index changes
    // (`git add`, which is also when the dirty mark usually changes). In a worktree these
    // live in different git directories; `--git-path` finds each.
    let mut watched = vec![
        "HEAD".to_owned(),
        "index".to_owned(),
        "packed-refs".to_owned(),
    ];
    if let Some(branch) = git(manifest, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(manifest, &["rev-parse", "--git-path", &name]) {
            let path = manifest.join(path);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    let commit = git(manifest, &["rev-parse", "--short=12", "HEAD"])?;
    let dirty = git(
        workspace,
        &["status", "--porcelain", "--untracked-files=no"],
    )
    .is_some_and(|s| !s.is_empty());
    Some(if dirty {
        format!("{commit}-dirty")
    } else {
        commit
    })
}
