//! Secrets as stored: passwords as argon2id hashes, random tokens (256 bits) as SHA-256.
//!
//! Argon2 needs ~19 MiB of working memory per hash. Allocating it afresh for every sign-in let
//! the allocator keep a copy per thread and per size class (a server grew to 200 MB and stayed
//! there), so each thread reuses one buffer of its own; the password threads
//! (`app::passwords`) are the only ones that hash while serving.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::cell::RefCell;

thread_local! {
    static WORK_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// A fresh random secret: 32 bytes, hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Argon2 of `password` into `out`, in this thread's reused working memory.
fn argon2_into(argon: &Argon2, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    WORK_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        let blocks = argon.params().block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        let blocks = memory
            .get_mut(..blocks)
            .ok_or(argon2::Error::MemoryTooLittle)?;
        argon.hash_password_into_with_memory(password, salt, out, blocks)
    })
}

/// Gives this thread's argon2 working memory back, for a thread that hashed once and will not
/// again (the bootstrap of the `admin` user at start).
pub fn release_work_memory() {
    WORK_MEMORY.with(|memory| *memory.borrow_mut() = Vec::new());
}

/// A PHC string (`$argon2id$v=19$m=…`) for a new password, with a random salt.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let fail = |e: &dyn std::fmt::Display| HashError(e.to_string());
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon2_into(&argon, password.as_bytes(), raw_salt, out)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches a stored PHC string; any malformed hash is a mismatch.
pub fn password_matches(password: &str, stored: &str) -> bool {
    let check = || -> Option<bool> {
        let phc = PasswordHash::new(stored).ok()?;
        let expected = phc.hash?;
        let algorithm = Algorithm::try_from(phc.algorithm).ok()?;
        let version = Version::try_from(phc.version?).ok()?;
        let params = Params::try_from(&phc).ok()?;
        let argon = Argon2::new(algorithm, version, params);
        let mut salt_bytes = [0u8; 64];
        let salt = phc.salt?.decode_b64(&mut salt_bytes).ok()?;
        let computed = Output::init_with(expected.len(), |out| {
            argon2_into(&argon, password.as_bytes(), salt, out)
                .map_err(|_| argon2::password_hash::Error::Crypto)
        })
        .ok()?;
        // Output compares in constant time.
        Some(computed == expected)
    };
    check().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[test]
    fn hashes_verify_here_and_with_the_standard_verifier() {
        let stored = hash_password("mật khẩu đúng").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(password_matches("mật khẩu đúng", &stored));
        assert!(!password_matches("mật khẩu sai", &stored));
        assert!(!password_matches("mật khẩu đúng", "not a hash"));
        let parsed = PasswordHash::new(&stored).unwrap();
        assert!(Argon2::default()
            .verify_password("mật khẩu đúng".as_bytes(), &parsed)
            .is_ok());
        // A hash made by the standard hasher (as stored before) still verifies.
        use argon2::PasswordHasher;
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let old = Argon2::default()
            .hash_password(b"cu", &salt)
            .unwrap()
            .to_string();
        assert!(password_matches("cu", &old));
    }
}
