//! Random identifiers.

use ports::{PortError, Random, random::random_array};

use crate::crypto::b64url;

/// A random UUID (version 4 layout), the id of every stored entity. Unguessable, so ids in URLs
/// cannot be enumerated.
pub fn new_id(random: &dyn Random) -> Result<String, PortError> {
    let bytes = random_array::<16>(random)?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().to_string())
}

/// `N` random bytes as base64url: opaque tokens (refresh tokens, API-key secrets).
pub fn new_token<const N: usize>(random: &dyn Random) -> Result<String, PortError> {
    Ok(b64url(&random_array::<N>(random)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ports::random::SystemRandom;

    #[test]
    fn ids_are_v4_uuids_and_differ() {
        let a = new_id(&SystemRandom).unwrap();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_ne!(a, new_id(&SystemRandom).unwrap());
        assert_eq!(new_token::<32>(&SystemRandom).unwrap().len(), 43);
    }
}
