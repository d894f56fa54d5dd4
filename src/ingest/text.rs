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
        && let Ok(text) = std::str::from_utf8(rest)
    {
        return (Cow::Borrowed(text), Encoding::Utf8WithBom);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), Encoding::Utf8),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text, Encoding::Windows1252)
        }
    }
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
