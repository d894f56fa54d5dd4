//! What Fingertips's own downloads write that the analyst template does not
//! accept: counts with thousands separators (`"6,144,703"`), `-` for a
//! suppressed number, and HTML from the web page in number and value-note
//! cells (`<div class="no-data">-</div>`). Only Fingertips exports are read
//! this way; the template stays strict, so a typing slip there is an error.
//!
//! The markup is Fingertips's own few wrappers, not arbitrary HTML: tags are
//! dropped and entities decoded (`html-escape`); an HTML parser would add
//! nothing for this.

use std::borrow::Cow;

/// Placeholders Fingertips writes where a number is suppressed or missing.
const PLACEHOLDERS: [&str; 7] = ["-", "\u{2013}", "*", "x", "..", ":", "n/a"];

/// A Fingertips cell that is not a plain decimal, read as a number:
/// `Some(Some(v))` for a well-formed thousands-separated number,
/// `Some(None)` for a placeholder (missing, never zero), `None` when it is
/// neither (still an error).
pub fn number(raw: &str) -> Option<Option<f64>> {
    let text = text(raw);
    let text = text.trim();
    if text.is_empty() || PLACEHOLDERS.iter().any(|p| text.eq_ignore_ascii_case(p)) {
        return Some(None);
    }
    grouped(text).map(Some)
}

/// `1,234` or `-6,144,703.25`: groups of exactly three digits after the
/// first, so `1,23` or `12,34,567` are not taken for numbers.
fn grouped(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let mut groups = whole.split(',');
    let first = groups.next()?;
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if !digits(first) || first.len() > 3 || !whole.contains(',') {
        return None;
    }
    if !groups.all(|g| g.len() == 3 && digits(g)) {
        return None;
    }
    if fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    s.replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// A cell's text with Fingertips's HTML wrappers removed; the cell itself
/// when it holds no tag. A `<` not followed by a letter, `/` or `!` is text,
/// so ages such as `<75 yrs` are kept as written.
pub fn text(raw: &str) -> Cow<'_, str> {
    if !has_tag(raw) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        match after.find('>') {
            Some(end) if starts_tag(after) => rest = &after[end + 1..],
            _ => {
                out.push('<');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    let decoded = html_escape::decode_html_entities(&out);
    Cow::Owned(decoded.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn starts_tag(s: &str) -> bool {
    s.as_bytes()
        .get(1)
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'/' || *b == b'!')
}

fn has_tag(s: &str) -> bool {
    s.match_indices('<')
        .any(|(i, _)| starts_tag(&s[i..]) && s[i..].contains('>'))
}

/// The step of the last written digit: `17` is 1, `17.03` is 0.01. A value
/// rounded to that step may differ from the unrounded one by half of it.
pub fn written_step(raw: &str) -> f64 {
    let raw = raw.trim();
    if raw.contains(['e', 'E']) {
        return 0.0;
    }
    let decimals = raw.split_once('.').map_or(0, |(_, f)| f.len());
    10f64.powi(-(decimals.min(15) as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators_only_when_well_formed() {
        assert_eq!(number("6,144,703"), Some(Some(6_144_703.0)));
        assert_eq!(number("1,234.5"), Some(Some(1234.5)));
        assert_eq!(number("-1,000"), Some(Some(-1000.0)));
        for bad in [
            "1,23",
            "12,34,567",
            "1,2345",
            ",123",
            "1,234,",
            "1,234.5.6",
            "abc",
            "1 234",
        ] {
            assert_eq!(number(bad), None, "{bad}");
        }
    }

    #[test]
    fn placeholders_and_html_are_missing_values() {
        assert_eq!(number("-"), Some(None));
        assert_eq!(number("<div class=\"no-data\">-</div>"), Some(None));
        assert_eq!(number("<span>1,234</span>"), Some(Some(1234.0)));
        assert_eq!(number("#DIV/0!"), None);
    }

    #[test]
    fn html_becomes_its_text_but_ages_stay() {
        assert_eq!(
            text("<span class=\"tooltipValueNote\">* Value suppressed &amp; withheld</span>"),
            "* Value suppressed & withheld"
        );
        assert_eq!(text("<75 yrs"), "<75 yrs");
        assert!(matches!(text("<75 yrs"), Cow::Borrowed(_)));
        assert_eq!(text("a < b and <b>c</b>"), "a < b and c");
        assert_eq!(text("<unclosed"), "<unclosed");
    }

    #[test]
    fn written_precision() {
        assert_eq!(written_step("17"), 1.0);
        assert!((written_step("17.03") - 0.01).abs() < 1e-15);
        assert_eq!(written_step("1e3"), 0.0);
    }
}
