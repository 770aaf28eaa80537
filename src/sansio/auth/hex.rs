//! Lower-case hex of 32-byte digests, both ways, without allocating.

/// Lower-case hex of `bytes` (at most 32) into `buf`.
pub(crate) fn encode<'a>(bytes: &[u8], buf: &'a mut [u8; 64]) -> &'a str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let n = bytes.len().min(32);
    for (i, b) in bytes[..n].iter().enumerate() {
        buf[2 * i] = DIGITS[usize::from(b >> 4)];
        buf[2 * i + 1] = DIGITS[usize::from(b & 15)];
    }
    std::str::from_utf8(&buf[..2 * n]).unwrap_or("")
}

/// The 32 bytes of exactly 64 hex digits (either case), or `None`.
pub(crate) fn decode32(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        *slot = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ways() {
        assert_eq!(encode(&[0x00, 0x9f, 0xff], &mut [0; 64]), "009fff");
        let lower = "00ff".repeat(16);
        let bytes = decode32(&lower).unwrap();
        assert_eq!(bytes[1], 0xff);
        assert_eq!(encode(&bytes, &mut [0; 64]), lower);
        assert_eq!(decode32(&lower.to_uppercase()), Some(bytes));
        assert!(decode32("00").is_none());
        assert!(decode32(&"zz".repeat(32)).is_none());
        assert!(decode32(&"é".repeat(32)).is_none());
    }
}
