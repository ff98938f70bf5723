//! Rejected rows kept for the import page's download link: one file per import, in a
//! directory only the server's own user may enter (0700, files 0600), named by the importer
//! (user and unit scope) and an unguessable token, and removed after a day.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

pub const KEEP: Duration = Duration::from_secs(24 * 3600);

/// Who may read a file back: the user who imported it, with the unit scope they had.
pub fn owner(user_id: &str, unit: Option<&str>) -> String {
    let mut h = Sha256::new();
    h.update(user_id.as_bytes());
    h.update([0]);
    h.update(unit.unwrap_or("").as_bytes());
    hex::encode(h.finalize().get(..16).unwrap_or_default())
}

/// The server's private directory of rejected rows, made (or made private again) if it
/// must be; one of another user is refused.
pub fn dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("chiso-rejected-rows-{}", user_tag()?));
    private_dir(&dir)?;
    Ok(dir)
}

#[cfg(unix)]
fn user_tag() -> std::io::Result<String> {
    use std::os::unix::fs::MetadataExt;
    Ok(tempfile::tempfile()?.metadata()?.uid().to_string())
}

#[cfg(not(unix))]
fn user_tag() -> std::io::Result<String> {
    Ok("server".into())
}

#[cfg(unix)]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(dir)?;
    let me = tempfile::tempfile()?.metadata()?.uid();
    if !meta.is_dir() || meta.uid() != me {
        return Err(std::io::Error::other(format!(
            "{} is not a directory of this server's user",
            dir.display()
        )));
    }
    if meta.mode() & 0o777 != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

fn too_old(path: &Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > KEEP)
}

/// A new file for `owner`'s rejected rows (empty, readable by this server's user only),
/// and its token; files older than a day are removed.
pub fn new_file(owner: &str) -> std::io::Result<(String, PathBuf)> {
    let dir = dir()?;
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            if too_old(&e.path()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let token = crate::secrets::new_secret();
    let path = dir.join(format!("{owner}-{token}.csv"));
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    open.open(&path)?;
    Ok((token, path))
}

/// `owner`'s file of a token, if the token is well-formed and the file younger than a
/// day (an older one is removed).
pub fn file(owner: &str, token: &str) -> Option<PathBuf> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let path = dir().ok()?.join(format!("{owner}-{token}.csv"));
    if too_old(&path) {
        let _ = std::fs::remove_file(&path);
        return None;
    }
    Some(path)
}

/// Why a file of rejected rows cannot be read back.
#[derive(Debug)]
pub enum Missing {
    /// The token is not one this server gives: there is no such page.
    Malformed,
    /// Removed after a day, or never this user's.
    Gone,
}

/// The rejected rows `owner` keeps under `token`.
pub fn read(owner: &str, token: &str) -> Result<Vec<u8>, Missing> {
    let path = file(owner, token).ok_or(Missing::Malformed)?;
    std::fs::read(path).map_err(|_| Missing::Gone)
}
