//! Reading pages in tests as a reader sees them.

/// A page's text: tags dropped, entities decoded, spaces collapsed.
pub fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = html_escape::decode_html_entities(&out).into_owned();
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}
