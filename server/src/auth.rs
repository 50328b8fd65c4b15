//! Who is asking: logins with a password, signed bearer tokens, and the slowing down of
//! repeated failed logins.
//!
//! A client logs in at the Flight handshake with HTTP Basic (`authorization: Basic
//! base64(user:password)`); the password is checked against the user's argon2id hash in the
//! access config. The answer carries a bearer token (`authorization: Bearer …`), which every
//! later request sends: `v1.<user>.<expiry>.<signature>`, the user's name (base64url) and the
//! Unix time it expires, signed with an ed25519 key the server makes when it starts. A token
//! cannot be forged or stretched without that key, and no token outlives the server process.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use parking_lot::Mutex;

/// base64 as clients send it in a Basic header: padded or not (Go's Flight client sends it
/// without padding).
const BASIC: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);
/// base64 inside tokens.
const URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The argon2id hash (PHC string) of `password`, with a fresh random salt, as the access
/// config stores it.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` is the one `hash` was made of. A hash that cannot be read matches
/// nothing.
pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash to check passwords of unknown users against, so that they take as long to refuse
/// as a wrong password of a real user (the time would tell which names exist).
pub fn decoy_hash() -> String {
    hash_password("jaanch decoy password").unwrap_or_default()
}

/// The user name and password of an `authorization: Basic …` header value.
pub fn parse_basic(header: &str) -> Option<(String, String)> {
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
    let decoded = BASIC.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    // The password may hold colons; the user name may not.
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Signs and checks the server's tokens.
pub struct Tokens {
    key: SigningKey,
    lifetime: Duration,
}

/// Why a token is not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadSignature,
    Expired,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenError::Malformed => "the token is not one of this server's",
            TokenError::BadSignature => "the token's signature does not verify",
            TokenError::Expired => "the token has expired",
        })
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn token_message(user: &str, expires: u64) -> String {
    format!("jaanch server token v1\n{user}\n{expires}")
}

impl Tokens {
    /// A fresh signing key: tokens of an earlier server process are not accepted.
    pub fn new(lifetime: Duration) -> Result<Tokens, String> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| format!("no randomness for a key: {e}"))?;
        Ok(Tokens {
            key: SigningKey::from_bytes(&secret),
            lifetime,
        })
    }

    /// A token for `user`, good for the lifetime from now.
    pub fn issue(&self, user: &str) -> String {
        self.issue_until(user, unix_now() + self.lifetime.as_secs())
    }

    fn issue_until(&self, user: &str, expires: u64) -> String {
        let signature = self.key.sign(token_message(user, expires).as_bytes());
        format!(
            "v1.{}.{expires}.{}",
            URL.encode(user),
            URL.encode(signature.to_bytes())
        )
    }

    /// The user a token was issued to, if it is this server's, unaltered and not expired.
    pub fn check(&self, token: &str) -> Result<String, TokenError> {
        let mut parts = token.split('.');
        let (Some("v1"), Some(user), Some(expires), Some(signature), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(TokenError::Malformed);
        };
        let user = URL
            .decode(user)
            .ok()
            .and_then(|u| String::from_utf8(u).ok())
            .ok_or(TokenError::Malformed)?;
        let expires: u64 = expires.parse().map_err(|_| TokenError::Malformed)?;
        let signature = URL
            .decode(signature)
            .ok()
            .and_then(|s| <[u8; 64]>::try_from(s).ok())
            .map(|s| Signature::from_bytes(&s))
            .ok_or(TokenError::Malformed)?;
        self.key
            .verifying_key()
            .verify(token_message(&user, expires).as_bytes(), &signature)
            .map_err(|_| TokenError::BadSignature)?;
        if unix_now() >= expires {
            return Err(TokenError::Expired);
        }
        Ok(user)
    }
}

/// Failed logins, by user name and by client address: after a few, each further attempt
/// must wait, twice as long each time (up to a limit), whatever the password.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<Key, Failures>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    until: Instant,
}

/// Failed logins allowed before attempts must wait.
const FREE_FAILURES: u32 = 3;
/// The longest wait.
const MAX_WAIT: Duration = Duration::from_secs(300);
/// How many users and addresses are remembered (the oldest waits are forgotten first).
const MAX_REMEMBERED: usize = 100_000;

impl Throttle {
    /// How long `user` from `address` must still wait before a login is tried, if at all.
    pub fn wait(&self, user: &str, address: Option<IpAddr>) -> Option<Duration> {
        let now = Instant::now();
        let failures = self.failures.lock();
        keys(user, address)
            .filter_map(|key| failures.get(&key))
            .filter_map(|f| f.until.checked_duration_since(now))
            .max()
    }

    /// Counts a failed login.
    pub fn failed(&self, user: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let mut failures = self.failures.lock();
        if failures.len() >= MAX_REMEMBERED {
            failures.retain(|_, f| f.until > now);
        }
        for key in keys(user, address) {
            let entry = failures.entry(key).or_insert(Failures {
                count: 0,
                until: now,
            });
            entry.count += 1;
            let wait = match entry.count.checked_sub(FREE_FAILURES) {
                None | Some(0) => Duration::ZERO,
                Some(extra) => Duration::from_secs(1u64 << extra.min(16)).min(MAX_WAIT),
            };
            entry.until = now + wait;
        }
    }

    /// A login succeeded: the user's and the address's failures are forgotten.
    pub fn succeeded(&self, user: &str, address: Option<IpAddr>) {
        let mut failures = self.failures.lock();
        for key in keys(user, address) {
            failures.remove(&key);
        }
    }
}

fn keys(user: &str, address: Option<IpAddr>) -> impl Iterator<Item = Key> {
    std::iter::once(Key::User(user.to_string())).chain(address.map(Key::Address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_user_and_resist_forgery() {
        let tokens = Tokens::new(Duration::from_secs(60)).unwrap();
        let token = tokens.issue("si.kota01");
        assert_eq!(tokens.check(&token), Ok("si.kota01".to_string()));
        // Another user's name in the same token.
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!("v1.{}.{}.{}", URL.encode("scrb.admin"), parts[2], parts[3]);
        assert_eq!(tokens.check(&forged), Err(TokenError::BadSignature));
        // A later expiry.
        let stretched = format!("v1.{}.{}.{}", parts[1], u64::MAX, parts[3]);
        assert_eq!(tokens.check(&stretched), Err(TokenError::BadSignature));
        // Another server's token.
        let other = Tokens::new(Duration::from_secs(60)).unwrap();
        assert_eq!(
            other.check(&token),
            Err(TokenError::BadSignature),
            "a restarted server accepts no old token"
        );
        assert_eq!(tokens.check("garbage"), Err(TokenError::Malformed));
        assert_eq!(tokens.check(""), Err(TokenError::Malformed));
        assert_eq!(
            tokens.check(&format!("{token}.extra")),
            Err(TokenError::Malformed)
        );
        let expired = tokens.issue_until("si.kota01", unix_now() - 1);
        assert_eq!(tokens.check(&expired), Err(TokenError::Expired));
    }

    #[test]
    fn basic_headers_padded_or_not_and_passwords_with_colons() {
        let header = |text: &str| format!("Basic {}", BASIC.encode(text));
        assert_eq!(
            parse_basic(&header("si.kota01:pa:ss")),
            Some(("si.kota01".into(), "pa:ss".into()))
        );
        let unpadded = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode("a:bc")
        );
        assert_eq!(parse_basic(&unpadded), Some(("a".into(), "bc".into())));
        assert_eq!(parse_basic("Bearer x"), None);
        assert_eq!(parse_basic("Basic !!!"), None);
        assert_eq!(parse_basic(&header("no colon")), None);
    }

    #[test]
    fn passwords_are_checked_against_their_hash_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches("correct horse", &hash));
        assert!(!password_matches("correct horse ", &hash));
        assert!(!password_matches("correct horse", "$argon2id$garbage"));
        assert_ne!(hash, hash_password("correct horse").unwrap(), "salted");
    }

    #[test]
    fn failed_logins_make_later_ones_wait() {
        let throttle = Throttle::default();
        let address = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.wait("u", address), None);
            throttle.failed("u", address);
        }
        throttle.failed("u", address);
        assert!(throttle.wait("u", address).is_some());
        // The same address trying another user waits too; another address for the user too.
        assert!(throttle.wait("v", address).is_some());
        assert!(
            throttle
                .wait("u", Some(IpAddr::from([10, 0, 0, 1])))
                .is_some()
        );
        assert_eq!(throttle.wait("v", Some(IpAddr::from([10, 0, 0, 1]))), None);
        throttle.succeeded("u", address);
        assert_eq!(throttle.wait("u", address), None);
    }
}
