//! Bytes to text: byte-order marks, UTF-8, Windows-1252 as Excel saves it,
//! and the refusal of files that are not text at all.

use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Utf8,
    Utf8WithBom,
    Windows1252,
}

/// What kind of bytes a file holds, from its first bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Sniffed {
    Empty,
    Xlsx,
    OldExcel,
    Utf16,
    Binary,
    Text,
}

pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Sniffed::Empty;
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Sniffed::Xlsx;
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Sniffed::OldExcel;
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Sniffed::Utf16;
    }
    // Text never holds NUL; binary formats nearly always do early on.
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Sniffed::Binary;
    }
    Sniffed::Text
}

/// Decodes text: UTF-8 (with or without a byte-order mark), else
/// Windows-1252, which every byte sequence is.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, Encoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF")
        && let Some(text) = utf8(rest)
    {
        return (Cow::Borrowed(text), Encoding::Utf8WithBom);
    }
    match utf8(bytes) {
        Some(text) => (Cow::Borrowed(text), Encoding::Utf8),
        None => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text, Encoding::Windows1252)
        }
    }
}

/// Above this size text is checked in two halves, on two threads where
/// there are: a national export is checked whole before a row is read.
const HALVES_FROM: usize = 16 << 20;

/// The bytes as UTF-8 text, if they are.
fn utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.len() < HALVES_FROM {
        return simdutf8::basic::from_utf8(bytes).ok();
    }
    // Cut at the start of a character (a valid text has at most three
    // continuation bytes in a row), so valid text is valid in both halves.
    let mut mid = bytes.len() / 2;
    for _ in 0..3 {
        if bytes[mid] & 0xC0 == 0x80 {
            mid -= 1;
        }
    }
    let (first, second) = bytes.split_at(mid);
    let valid = |half: &[u8]| simdutf8::basic::from_utf8(half).is_ok();
    let (first, second) = rayon::join(|| valid(first), || valid(second));
    let both = first && second;
    // SAFETY: both halves are valid UTF-8, and so is what joins two valid
    // UTF-8 texts end to end.
    both.then(|| unsafe { std::str::from_utf8_unchecked(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_utf8_and_excel_text_decode() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFa,b"),
            (Cow::Borrowed("a,b"), Encoding::Utf8WithBom)
        );
        assert_eq!(decode("Ynys Môn".as_bytes()).1, Encoding::Utf8);
        // "Ynys Môn – 5" as Excel saves it in Windows-1252.
        let (text, enc) = decode(b"Ynys M\xF4n \x96 5");
        assert_eq!(enc, Encoding::Windows1252);
        assert_eq!(text, "Ynys Môn – 5");
    }

    #[test]
    fn large_text_is_checked_as_small_text_is() {
        // Characters of 1 to 4 bytes, so that some fall across the middle.
        let text = "a,é,€,𝄞\n".repeat(HALVES_FROM / 11 + 7);
        for cut in 0..12 {
            let bytes = &text.as_bytes()[cut..];
            let std = std::str::from_utf8(bytes).ok();
            assert_eq!(utf8(bytes), std, "starting {cut} bytes in");
            // One bad byte anywhere, the middle included, is found.
            for at in [0, bytes.len() / 2 - 1, bytes.len() / 2, bytes.len() - 1] {
                let mut bad = bytes.to_vec();
                bad[at] = 0xFF;
                assert_eq!(utf8(&bad), None, "a bad byte at {at}");
            }
        }
        assert_eq!(decode(text.as_bytes()).1, Encoding::Utf8);
    }

    #[test]
    fn sniffing_tells_files_apart() {
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b" \r\n"), Sniffed::Empty);
        assert_eq!(sniff(b"PK\x03\x04rest"), Sniffed::Xlsx);
        assert_eq!(sniff(&[0xD0, 0xCF, 0x11, 0xE0, 1]), Sniffed::OldExcel);
        assert_eq!(sniff(b"\xFF\xFEa\0"), Sniffed::Utf16);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Sniffed::Binary);
        assert_eq!(sniff(b"a,b\n1,2\n"), Sniffed::Text);
    }
}
