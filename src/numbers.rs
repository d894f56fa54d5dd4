//! How the dashboard writes numbers, shared by pages and charts so a chart
//! label and its table cell always agree.

/// A number as the dashboard shows it: one decimal place (none for counts),
/// thousands separated. Rounds the number as written (its shortest decimal
/// form, e.g. 18.15) half away from zero, as a spreadsheet's ROUND does, so
/// 18.15 shows as 18.2 although the nearest binary double is just below.
pub fn number(v: f64, decimals: usize) -> String {
    let text = round_decimal(v.abs(), decimals);
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// `v` (non-negative) rounded half up on its shortest decimal form.
fn round_decimal(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let written = format!("{v}"); // shortest round-trip form, never exponent
    let (int, frac) = written.split_once('.').unwrap_or((&written, ""));
    if frac.len() <= decimals {
        return format!("{int}.{frac:0<decimals$}")
            .trim_end_matches('.')
            .to_owned();
    }
    let mut digits: Vec<u8> = int
        .bytes()
        .chain(frac.bytes().take(decimals))
        .map(|b| b - b'0')
        .collect();
    if frac.as_bytes()[decimals] >= b'5' {
        // Carry the increment up through the digits.
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let split = text.len() - decimals;
    if decimals == 0 {
        text
    } else {
        format!("{}.{}", &text[..split], &text[split..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_thousands_and_round() {
        assert_eq!(number(1234567.891, 1), "1,234,567.9");
        assert_eq!(number(307.449, 1), "307.4");
        assert_eq!(number(999.96, 1), "1,000.0");
        assert_eq!(number(-0.04, 1), "0.0");
        assert_eq!(number(-12.5, 0), "-13", "half away from zero");
        assert_eq!(number(12.0, 0), "12");
        assert_eq!(number(18.15, 1), "18.2", "as written, not as stored");
        assert_eq!(number(0.05, 1), "0.1");
        assert_eq!(number(9.96, 1), "10.0");
        assert_eq!(number(5.0, 2), "5.00");
        assert_eq!(number(1e-7, 1), "0.0");
    }
}
