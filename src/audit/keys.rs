//! The audit log's signing key pair: two one-line files of hex digits.
//!
//! The secret key file must be readable by its owner only (like ssh's private keys); its public
//! half (`FILE.pub`) can be given to anyone who verifies the log.

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};

use super::chain::{hex, unhex};

/// Why a key pair cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{} exists already: jaanch does not overwrite a key (move it away first)", .0.display())]
    Exists(PathBuf),
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no random numbers from the operating system: {0}")]
    Random(String),
}

/// The public key file of a secret key file: the same path with `.pub` added.
pub fn public_key_path(secret: &Path) -> PathBuf {
    let mut name = secret.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Makes a new key pair: the secret key at `path` (readable by its owner only) and the public
/// key beside it. Returns the public key file.
pub fn generate_key(path: &Path) -> Result<PathBuf, KeyError> {
    let public_path = public_key_path(path);
    for existing in [path, public_path.as_path()] {
        if existing.exists() {
            return Err(KeyError::Exists(existing.to_path_buf()));
        }
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    let write = |path: &Path, text: String, private: bool| {
        write_new(path, &text, private).map_err(|source| KeyError::Write {
            path: path.to_path_buf(),
            source,
        })
    };
    write(path, hex(&seed) + "\n", true)?;
    write(
        &public_path,
        hex(key.verifying_key().as_bytes()) + "\n",
        false,
    )?;
    Ok(public_path)
}

/// Creates `path` (never replacing a file), readable by its owner only if `private`.
fn write_new(path: &Path, text: &str, private: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// The 32 bytes a key file holds.
fn read_key_bytes(path: &Path) -> Result<[u8; 32], String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    unhex(text.trim())
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            format!(
                "{} is not a jaanch audit key (64 hex digits; `jaanch audit keygen FILE` makes a pair)",
                path.display()
            )
        })
}

/// Reads a secret key, refusing one that others than its owner can read.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{} can be read by other users (mode {:o}); make it private: chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    Ok(SigningKey::from_bytes(&read_key_bytes(path)?))
}

pub fn read_public_key(path: &Path) -> Result<VerifyingKey, String> {
    VerifyingKey::from_bytes(&read_key_bytes(path)?)
        .map_err(|_| format!("{} is not an ed25519 public key", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_pair_reads_back_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("audit.key");
        let public = generate_key(&secret).unwrap();
        assert_eq!(public, dir.path().join("audit.key.pub"));
        let key = read_signing_key(&secret).unwrap();
        assert_eq!(read_public_key(&public).unwrap(), key.verifying_key());
        let again = generate_key(&secret).unwrap_err().to_string();
        assert!(again.contains("exists already"), "{again}");
        assert_eq!(
            read_signing_key(&secret).unwrap().to_bytes(),
            key.to_bytes()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_key_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("audit.key");
        generate_key(&secret).unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
        let message = read_signing_key(&secret).unwrap_err();
        assert!(
            message.contains("can be read by other users (mode 644)"),
            "{message}"
        );
        assert!(message.contains("chmod 600"), "{message}");
    }

    #[test]
    fn a_file_that_is_not_a_key_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not.pub");
        std::fs::write(&path, "hello\n").unwrap();
        let message = read_public_key(&path).unwrap_err();
        assert!(message.contains("is not a jaanch audit key"), "{message}");
    }
}
