//! Base64 codecs (RFC 4648 §4 and §5), small enough to keep the wasm bundle lean.
//!
//! base64url without padding for state, PKCE and JWT segments; standard base64 with padding for
//! HTTP Basic credentials.

const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn encode_with(input: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    let sym = |v: u32| alphabet.get((v & 63) as usize).copied().map(char::from).unwrap_or('A');
    for chunk in input.chunks(3) {
        let b0 = u32::from(chunk.first().copied().unwrap_or(0));
        let b1 = u32::from(chunk.get(1).copied().unwrap_or(0));
        let b2 = u32::from(chunk.get(2).copied().unwrap_or(0));
        let n = (b0 << 16) | (b1 << 8) | b2;
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        if chunk.len() > 1 {
            out.push(sym(n >> 6));
        } else if pad {
            out.push('=');
        }
        if chunk.len() > 2 {
            out.push(sym(n));
        } else if pad {
            out.push('=');
        }
    }
    out
}

/// base64url without padding (RFC 4648 §5; RFC 7636 §3 `BASE64URL-ENCODE`).
pub fn encode(input: &[u8]) -> String {
    encode_with(input, URL, false)
}

/// Standard base64 with padding (RFC 4648 §4), as HTTP Basic uses (RFC 7617).
pub fn encode_standard(input: &[u8]) -> String {
    encode_with(input, STD, true)
}

/// Why a base64url string could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// A character outside the base64url alphabet (or misplaced padding).
    InvalidCharacter,
    /// A length no encoding can produce (one symbol left over).
    InvalidLength,
}

fn url_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    } as u32)
}

/// Decodes base64url, with or without trailing `=` padding (JWTs omit it, some issuers keep it).
pub fn decode(input: &str) -> Result<Vec<u8>, DecodeError> {
    let bytes = input.as_bytes();
    let unpadded_len = bytes.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    let (data, padding) = bytes.split_at(unpadded_len);
    if padding.len() > 2 || (!padding.is_empty() && bytes.len() % 4 != 0) {
        return Err(DecodeError::InvalidCharacter);
    }
    if data.len() % 4 == 1 {
        return Err(DecodeError::InvalidLength);
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    for chunk in data.chunks(4) {
        let mut n: u32 = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = url_value(c).ok_or(DecodeError::InvalidCharacter)?;
            n |= v << (18 - 6 * i as u32);
        }
        let [_, b0, b1, b2] = n.to_be_bytes();
        out.push(b0);
        if chunk.len() > 2 {
            out.push(b1);
        }
        if chunk.len() > 3 {
            out.push(b2);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;

    #[test]
    fn rfc4648_vectors() {
        for (plain, std) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            assert_eq!(encode_standard(plain.as_bytes()), std);
            assert_eq!(encode(plain.as_bytes()), std.trim_end_matches('='));
            assert_eq!(decode(std).as_deref(), Ok(plain.as_bytes()));
            assert_eq!(decode(std.trim_end_matches('=')).as_deref(), Ok(plain.as_bytes()));
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(decode("a"), Err(DecodeError::InvalidLength));
        assert_eq!(decode("ab+/"), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode("ab=c"), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode("a==="), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode("Zg="), Err(DecodeError::InvalidCharacter));
    }

    proptest! {
        #[test]
        fn round_trips_and_matches_reference(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let ours = encode(&data);
            prop_assert_eq!(&ours, &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&data));
            prop_assert_eq!(encode_standard(&data), base64::engine::general_purpose::STANDARD.encode(&data));
            prop_assert_eq!(decode(&ours), Ok(data));
        }

        #[test]
        fn decode_never_panics(s in ".{0,64}") {
            let _ = decode(&s);
        }
    }
}
