//! The Argon2id computations themselves, into memory the caller owns (a hashing slot's), so
//! no request allocates — and leaves behind — 19 MiB of its own.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;
const OUTPUT_LEN: usize = 32;

pub(super) fn params() -> Params {
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(OUTPUT_LEN))
        .expect("constant argon2 parameters are valid")
}

/// The memory one computation at [`params`] needs: one slot's.
pub(super) fn new_memory() -> Box<[Block]> {
    vec![Block::default(); params().block_count()].into_boxed_slice()
}

/// A PHC string of `password` with `salt`, at the current parameters.
pub(super) fn hash(password: &[u8], salt: &[u8], memory: &mut [Block]) -> Result<String, String> {
    let params = params();
    let salt = Salt::new(salt).map_err(|e| e.to_string())?;
    let mut out = [0u8; OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password, &salt, &mut out, memory)
        .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, computed with the parameters it names
/// (hashes made at other parameters still verify). A stored hash that needs more memory
/// than a slot has gets its own, once.
pub(super) fn verify(password: &[u8], stored: &str, memory: &mut [Block]) -> Result<bool, String> {
    let phc = PasswordHash::new(stored).map_err(|e| format!("stored hash unreadable: {e}"))?;
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return Err("stored hash has no salt or output".into());
    };
    let algorithm = Algorithm::try_from(phc.algorithm.as_str()).map_err(|e| e.to_string())?;
    let version = phc
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let params = Params::try_from(&phc).map_err(|e| e.to_string())?;
    let mut own;
    let memory = if params.block_count() <= memory.len() {
        &mut memory[..params.block_count()]
    } else {
        own = vec![Block::default(); params.block_count()];
        &mut own[..]
    };
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut out, memory)
        .map_err(|e| e.to_string())?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).map_err(|e| e.to_string())? == *expected)
}
