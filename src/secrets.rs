//! Secrets as stored: passwords as argon2id hashes, random tokens (256 bits) as SHA-256.
//!
//! Argon2 needs ~19 MiB of working memory per hash. Allocating it afresh for every sign-in let
//! the allocator keep a copy per thread and per size class (a server grew to 200 MB and stayed
//! there), so each thread reuses one buffer of its own while sign-ins keep coming; the password
//! threads (the `passwords` module) are the only ones that hash while serving, and give the buffer
//! back when no sign-in waits. The buffer is reserved larger than the C allocator ever keeps in
//! its own heaps, so that it is mapped apart and given back to the system when dropped: a
//! smaller one would stay resident in the thread's heap after it is freed.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::cell::RefCell;

/// glibc's allocator serves a request of this size or more from a mapping of its own, whatever
/// it has learnt from earlier frees (its adaptive threshold stops at 32 MiB on 64-bit systems),
/// and unmaps it when freed.
const MAPPED_APART: usize = 33 << 20;

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

/// The SHA-256 of a token, hex: what storage keeps and looks tokens up by.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A token just made, to be handed out once, and the hash that is stored in its place.
pub struct NewToken {
    pub token: String,
    pub hash: String,
}

impl NewToken {
    pub fn generate() -> NewToken {
        let token = new_secret();
        NewToken {
            hash: hash_token(&token),
            token,
        }
    }
}

/// Argon2 of `password` into `out`, in this thread's reused working memory.
fn argon2_into(argon: &Argon2, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    WORK_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        let blocks = argon.params().block_count();
        if memory.len() < blocks {
            if memory.capacity() < blocks {
                // Only the blocks in use are ever touched, so only they are resident.
                *memory = Vec::with_capacity(blocks.max(MAPPED_APART / size_of::<Block>()));
            }
            memory.resize(blocks, Block::default());
        }
        let blocks = memory
            .get_mut(..blocks)
            .ok_or(argon2::Error::MemoryTooLittle)?;
        argon.hash_password_into_with_memory(password, salt, out, blocks)
    })
}

/// Gives this thread's argon2 working memory back to the system: for a password thread with no
/// sign-in waiting, and for a thread that hashed once and will not again (the bootstrap of the
/// `admin` user at start).
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

/// A server key (256 bits) that signs what the server hands out and must get back unchanged
/// (CSRF tokens, the time a kiosk form was issued) and hashes what must not be stored as sent
/// (a client's submission_id). Kept in the database (`db::keys`).
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

type HmacSha256 = hmac::Hmac<Sha256>;

impl Key {
    /// A fresh random key, hex (as stored).
    pub fn generate() -> String {
        new_secret()
    }

    /// The key stored as 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Key> {
        let bytes = hex::decode(s.trim()).ok()?;
        Some(Key(bytes.try_into().ok()?))
    }

    fn mac(&self, parts: &[&str]) -> HmacSha256 {
        use hmac::Mac;
        // Any length of key is accepted by HMAC; 32 bytes never fails.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()));
        for p in parts {
            // Lengths first, so that ("ab", "c") and ("a", "bc") sign differently.
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p.as_bytes());
        }
        mac
    }

    /// HMAC-SHA256 of `parts`, hex.
    pub fn sign(&self, parts: &[&str]) -> String {
        use hmac::Mac;
        hex::encode(self.mac(parts).finalize().into_bytes())
    }

    /// Whether `signature` is [`Key::sign`] of `parts` (compared in constant time).
    pub fn verify(&self, parts: &[&str], signature: &str) -> bool {
        use hmac::Mac;
        match hex::decode(signature) {
            Ok(sig) => self.mac(parts).verify_slice(&sig).is_ok(),
            Err(_) => false,
        }
    }
}

/// Prefix of a submission id as stored: a keyed hash, never the id the client sent.
pub const KEYED_SUBMISSION_PREFIX: &str = "k1:";

/// A client's submission id as stored: `k1:` and its HMAC under the submission key. The same
/// id always gives the same hash (idempotency), but the stored value says nothing about the
/// id (a UUIDv1 carries the time and the device's network address).
pub fn keyed_submission(key: &Key, submission_id: &str) -> String {
    format!(
        "{KEYED_SUBMISSION_PREFIX}{}",
        key.sign(&["submission", submission_id])
    )
}

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Refuses a password shorter than [`MIN_PASSWORD_CHARS`], saying so in words (Vietnamese
/// first, then English, as the CLI and the pages both show it).
pub fn check_password_length(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Mật khẩu phải có ít nhất {MIN_PASSWORD_CHARS} ký tự (mật khẩu này có {n}). \
             A password needs at least {MIN_PASSWORD_CHARS} characters (this one has {n})."
        ));
    }
    Ok(())
}

/// A hash of a password nobody has, checked when a sign-in names no known user, so that an
/// unknown name costs the same work as a wrong password (no timing hint about which names
/// exist). Made once per process.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_secret()).unwrap_or_default())
}

/// Whether `password` is that of a user whose stored hash is `stored`. With no such user
/// (`None`) the dummy hash is checked all the same, so that an unknown name costs the same
/// argon2 work as a wrong password, and the answer is no.
pub fn password_of_user(password: &str, stored: Option<&str>) -> bool {
    let matches = password_matches(password, stored.unwrap_or_else(|| dummy_hash()));
    matches && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[test]
    fn keys_sign_verify_and_hash_submissions_alike() {
        let k = Key::from_hex(&Key::generate()).unwrap();
        let other = Key::from_hex(&Key::generate()).unwrap();
        let sig = k.sign(&["csrf", "abc"]);
        assert!(k.verify(&["csrf", "abc"], &sig));
        assert!(!k.verify(&["csrf", "abd"], &sig));
        assert!(!k.verify(&["csr", "fabc"], &sig));
        assert!(!other.verify(&["csrf", "abc"], &sig));
        assert!(!k.verify(&["csrf", "abc"], "zz"));
        let sid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
        assert_eq!(keyed_submission(&k, sid), keyed_submission(&k, sid));
        assert_ne!(keyed_submission(&k, sid), keyed_submission(&other, sid));
        assert!(!keyed_submission(&k, sid).contains("00c04fd430c8"));
        assert!(Key::from_hex("abcd").is_none());
    }

    #[test]
    fn short_passwords_are_refused_by_characters_not_bytes() {
        assert!(check_password_length("mật-khẩu-dài").is_ok()); // 12 characters, more bytes
        let e = check_password_length("ngắn").unwrap_err();
        assert!(e.contains("12") && e.contains("4"), "{e}");
    }

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
