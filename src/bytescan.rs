//! Searches for classes of bytes, sixteen bytes a step: every line every stage reads passes
//! through [`plain_ascii`] (is it text that needs no decoding?) and every JSON string
//! through [`first_json_special`] (where does it end or escape?).
//!
//! On x86_64 they use SSE2, which every x86_64 processor has, so no runtime detection is
//! needed; elsewhere eight bytes a step in a 64-bit word (SWAR). Neither ever reads a byte
//! outside the slice it is given: the last sixteen bytes are read once more, overlapping.

/// The first `"`, `\` or control character (below U+0020) of `b`: the bytes a JSON string
/// cannot hold as they are.
#[inline(always)]
pub fn first_json_special(b: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::first(b, sse2::json_special, |c| c == b'"' || c == b'\\' || c < 0x20)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        swar::first(b, b'a', |x| swar::has_byte(x, b'"') | swar::has_byte(x, b'\\') | swar::has_control(x))
    }
}

/// Every byte of `b` is printable ASCII or a space (0x20 to 0x7f): valid UTF-8 with no
/// control character, so a line needs no further check before it is read as text.
#[inline]
pub fn plain_ascii(b: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::first(b, sse2::not_plain, |c| !(0x20..0x80).contains(&c)).is_none()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        swar::first(b, b'a', |x| swar::has_control(x) | (x & swar::HIGH)).is_none()
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// A 16-bit mask of the bytes of `x` in a class.
    type Class = unsafe fn(__m128i) -> u32;

    /// `"`, `\`, or at most 0x1f (unsigned: max(x, 0x1f) is 0x1f).
    #[inline(always)]
    pub unsafe fn json_special(x: __m128i) -> u32 {
        let below_space = _mm_set1_epi8(0x1f);
        let hits = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8)), _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8))),
            _mm_cmpeq_epi8(_mm_max_epu8(x, below_space), below_space),
        );
        _mm_movemask_epi8(hits) as u32
    }

    /// Below 0x20, or 0x80 and above (the sign bit, which movemask reads directly).
    #[inline(always)]
    pub unsafe fn not_plain(x: __m128i) -> u32 {
        let below_space = _mm_set1_epi8(0x1f);
        let control = _mm_cmpeq_epi8(_mm_max_epu8(x, below_space), below_space);
        _mm_movemask_epi8(_mm_or_si128(control, x)) as u32
    }

    /// The first byte of `b` in `class`; `one` says the same of one byte, for slices
    /// shorter than sixteen.
    #[inline(always)]
    pub fn first(b: &[u8], class: Class, one: impl Fn(u8) -> bool) -> Option<usize> {
        if b.len() < 16 {
            return b.iter().position(|&c| one(c));
        }
        // SAFETY: SSE2 is part of x86_64, and every load reads sixteen bytes inside `b`.
        unsafe {
            let mask = |at: usize| class(_mm_loadu_si128(b.as_ptr().add(at) as *const __m128i));
            let mut at = 0;
            while at + 16 <= b.len() {
                let m = mask(at);
                if m != 0 {
                    return Some(at + m.trailing_zeros() as usize);
                }
                at += 16;
            }
            if at == b.len() {
                return None;
            }
            // The last sixteen bytes, less those already seen.
            let last = b.len() - 16;
            let m = mask(last) >> (at - last);
            (m != 0).then(|| at + m.trailing_zeros() as usize)
        }
    }
}

#[cfg(any(not(target_arch = "x86_64"), test))]
#[allow(dead_code)]
mod swar {
    const ONES: u64 = 0x0101_0101_0101_0101;
    pub const HIGH: u64 = 0x8080_8080_8080_8080;

    /// High bit set in each byte of `x` equal to `c` (exact for the lowest such byte).
    pub fn has_byte(x: u64, c: u8) -> u64 {
        let y = x ^ (c as u64 * ONES);
        y.wrapping_sub(ONES) & !y & HIGH
    }

    /// High bit set in each byte below 0x20 (exact for the lowest such byte).
    pub fn has_control(x: u64) -> u64 {
        x.wrapping_sub(0x20 * ONES) & !x & HIGH
    }

    /// The first byte that `hits` flags; the tail is padded with `pad`, which must not be
    /// flagged.
    pub fn first(b: &[u8], pad: u8, hits: impl Fn(u64) -> u64) -> Option<usize> {
        let mut i = 0;
        while i < b.len() {
            let x = if i + 8 <= b.len() {
                u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
            } else {
                let mut tail = [pad; 8];
                tail[..b.len() - i].copy_from_slice(&b[i..]);
                u64::from_le_bytes(tail)
            };
            let m = hits(x);
            if m != 0 {
                return Some(i + (m.trailing_zeros() / 8) as usize);
            }
            i += 8;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fillers of ASCII and of bytes above 0x7f (which a signed comparison would take for
    /// control characters), at every length to 70, with a special byte at each offset.
    #[test]
    fn the_first_json_special_byte_is_found_at_every_offset() {
        let swar = |b: &[u8]| {
            swar::first(b, b'a', |x| swar::has_byte(x, b'"') | swar::has_byte(x, b'\\') | swar::has_control(x))
        };
        for fill in [b'x', 0xc3, 0xff, b' ', 0x7f] {
            for len in 0..70 {
                for at in 0..len {
                    for c in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                        let mut b = vec![fill; len];
                        b[at] = c;
                        if at + 1 < len {
                            b[at + 1] = b'"';
                        }
                        assert_eq!(first_json_special(&b), Some(at), "fill {fill} len {len} at {at} byte {c}");
                        assert_eq!(swar(&b), Some(at), "swar: fill {fill} len {len} at {at} byte {c}");
                    }
                }
                assert_eq!(first_json_special(&vec![fill; len]), None, "fill {fill} len {len}");
                assert_eq!(swar(&vec![fill; len]), None, "swar: fill {fill} len {len}");
            }
        }
    }

    #[test]
    fn plain_ascii_refuses_any_control_or_non_ascii_byte_at_every_offset() {
        for len in 0..70 {
            assert!(plain_ascii(&vec![b'a'; len]));
            assert!(plain_ascii(&vec![0x7f; len]));
            for at in 0..len {
                for c in [0x00, b'\t', 0x1f, 0x80, 0xc3, 0xff] {
                    let mut b = vec![b' '; len];
                    b[at] = c;
                    assert!(!plain_ascii(&b), "len {len} at {at} byte {c}");
                }
            }
        }
    }
}
