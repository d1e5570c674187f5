//! The string scan shared by the reader and the writer: how many leading bytes of a JSON string's
//! content are plain (no `"`, `\`, control character, and — when asked — no non-ASCII byte),
//! eight bytes at a time (SWAR on a `u64`), so a long token is copied in runs, not byte by byte.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// A high bit set in each byte of `w` that is below `n` (`n` ≤ 0x80; "hasless", exact for the
/// lowest flagged byte, which is all [`plain_len`] needs).
const fn below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES.wrapping_mul(n as u64)) & !w & HIGHS
}

/// A high bit set in each byte of `w` equal to `b` (exact for the lowest flagged byte).
const fn equal(w: u64, b: u8) -> u64 {
    below(w ^ ONES.wrapping_mul(b as u64), 1)
}

fn special(b: u8, ascii_only: bool) -> bool {
    b < 0x20 || b == b'"' || b == b'\\' || (ascii_only && b >= 0x80)
}

/// The number of leading bytes of `bytes` that a JSON string holds as they are: before the first
/// `"`, `\`, control character (U+0000–U+001F, RFC 8259 §7) or, with `ascii_only`, non-ASCII
/// byte; `bytes.len()` when there is none.
pub(crate) fn plain_len(bytes: &[u8], ascii_only: bool) -> usize {
    let mut done = 0;
    let mut words = bytes.chunks_exact(8);
    for chunk in words.by_ref() {
        let Ok(eight) = <[u8; 8]>::try_from(chunk) else { break };
        let w = u64::from_le_bytes(eight);
        let hit = below(w, 0x20) | equal(w, b'"') | equal(w, b'\\') | if ascii_only { w & HIGHS } else { 0 };
        if hit != 0 {
            // the lowest flagged byte is a real one (the borrow only ever flags bytes above it)
            return done + (hit.trailing_zeros() / 8) as usize;
        }
        done += 8;
    }
    done + words.remainder().iter().position(|&b| special(b, ascii_only)).unwrap_or(words.remainder().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow(bytes: &[u8], ascii_only: bool) -> usize {
        bytes.iter().position(|&b| special(b, ascii_only)).unwrap_or(bytes.len())
    }

    #[test]
    fn agrees_with_a_byte_loop_everywhere() {
        // every special byte (and some plain ones) at every offset of every length up to 40,
        // after plain runs that contain each byte value that is not special
        let specials: Vec<u8> = (0u8..=255).collect();
        for ascii_only in [false, true] {
            for len in 0..40 {
                for at in 0..len {
                    for &b in &specials {
                        let mut v: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                        if let Some(slot) = v.get_mut(at) {
                            *slot = b;
                        }
                        assert_eq!(plain_len(&v, ascii_only), slow(&v, ascii_only), "{v:?} {ascii_only}");
                    }
                }
            }
            // bytes just above the thresholds next to a special one: no false hit from borrows
            for filler in [0x20u8, 0x21, 0x22, 0x5c, 0x5d, 0x7f, 0x80, 0xff] {
                for at in 0..16 {
                    let mut v = vec![filler; 16];
                    if let Some(slot) = v.get_mut(at) {
                        *slot = 0x1f;
                    }
                    assert_eq!(plain_len(&v, ascii_only), slow(&v, ascii_only));
                }
                assert_eq!(plain_len(&[filler; 16], ascii_only), slow(&[filler; 16], ascii_only));
            }
        }
    }
}
