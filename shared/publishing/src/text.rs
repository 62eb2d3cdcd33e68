//! What authors write: size limits, slugs from titles, normalised tags.

use web::Problem;

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 500;
/// Largest body (Markdown), in bytes.
pub const MAX_BODY_BYTES: usize = 100_000;
/// Most tags on one article.
pub const MAX_TAGS: usize = 10;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 32;
/// Longest slug, in characters.
pub const MAX_SLUG_CHARS: usize = 80;
/// Largest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;

fn invalid(detail: impl Into<String>) -> Problem {
    Problem::unprocessable("invalid_article", detail)
}

/// A title: trimmed, 1 to [`MAX_TITLE_CHARS`] characters, no control characters.
pub fn title(raw: &str) -> Result<String, Problem> {
    let title = raw.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        return Err(invalid(format!("`title` must be 1-{MAX_TITLE_CHARS} characters, without control characters.")));
    }
    Ok(title.to_owned())
}

/// Control characters other than line breaks and tabs (which the search snippets use as
/// markers, see [`crate::search`]).
fn has_controls(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// A summary: trimmed, at most [`MAX_SUMMARY_CHARS`] characters, no control characters but
/// line breaks and tabs.
pub fn summary(raw: &str) -> Result<String, Problem> {
    let summary = raw.trim();
    if summary.chars().count() > MAX_SUMMARY_CHARS || has_controls(summary) {
        return Err(invalid(format!(
            "`summary` must be at most {MAX_SUMMARY_CHARS} characters, without control characters."
        )));
    }
    Ok(summary.to_owned())
}

/// A body: Markdown, not empty, at most [`MAX_BODY_BYTES`] bytes, no control characters but
/// line breaks and tabs.
pub fn body(raw: &str) -> Result<String, Problem> {
    if raw.trim().is_empty() || raw.len() > MAX_BODY_BYTES || has_controls(raw) {
        return Err(invalid(format!(
            "`body` must be 1-{MAX_BODY_BYTES} bytes of Markdown, without control characters."
        )));
    }
    Ok(raw.to_owned())
}

/// Tags as stored: lower case, spaces and underscores as `-`, only `a-z 0-9 -`, each 1 to
/// [`MAX_TAG_CHARS`], duplicates merged, at most [`MAX_TAGS`], in the order given.
pub fn tags(raw: &[String]) -> Result<Vec<String>, Problem> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag: String =
            tag.trim().to_lowercase().chars().map(|c| if c.is_whitespace() || c == '_' { '-' } else { c }).collect();
        if tag.is_empty()
            || tag.chars().count() > MAX_TAG_CHARS
            || !tag.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(invalid(format!("Each tag must be 1-{MAX_TAG_CHARS} of a-z, 0-9 and -.")));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(invalid(format!("An article has at most {MAX_TAGS} tags.")));
    }
    Ok(tags)
}

/// The slug of `title`: ASCII letters and digits in lower case, everything else a single `-`,
/// at most [`MAX_SLUG_CHARS`]; `article` when nothing is left.
pub fn slug(title: &str) -> String {
    let mut slug = String::with_capacity(title.len().min(MAX_SLUG_CHARS));
    for c in title.chars() {
        let c = fold(c);
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= MAX_SLUG_CHARS {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() { "article".to_owned() } else { slug.to_owned() }
}

/// Common Latin letters with diacritics as their base letter (`é` → `e`), so slugs of
/// European titles stay readable; anything else unchanged.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        _ => c,
    }
}

/// A comment: trimmed, 1 to [`MAX_COMMENT_CHARS`] characters.
pub fn comment(raw: &str) -> Result<String, Problem> {
    let body = raw.trim();
    if body.is_empty() || body.chars().count() > MAX_COMMENT_CHARS || has_controls(body) {
        return Err(Problem::unprocessable(
            "invalid_comment",
            format!("A comment is 1-{MAX_COMMENT_CHARS} characters."),
        ));
    }
    Ok(body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable_ascii() {
        assert_eq!(slug("Hello, World!"), "hello-world");
        assert_eq!(slug("  Crème brûlée — à la carte  "), "creme-brulee-a-la-carte");
        assert_eq!(slug("Ünïcode ✓ 2026"), "unicode-2026");
        assert_eq!(slug("!!!"), "article");
        assert_eq!(slug(&"x".repeat(300)).len(), MAX_SLUG_CHARS);
        assert!(!slug(&format!("{} tail", "a".repeat(79))).ends_with('-'));
    }

    #[test]
    fn tags_are_normalised_and_bounded() {
        let raw = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            tags(&raw(&[" Rust ", "web assembly", "rust", "edge_computing"])).unwrap(),
            ["rust", "web-assembly", "edge-computing"]
        );
        assert!(tags(&raw(&["c++"])).is_err());
        assert!(tags(&raw(&[""])).is_err());
        assert!(tags(&raw(&[&"x".repeat(33)])).is_err());
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert!(tags(&eleven).is_err());
    }

    #[test]
    fn sizes_are_capped() {
        assert!(title("").is_err());
        assert!(title(&"t".repeat(201)).is_err());
        assert!(title("tab\there").is_err());
        assert_eq!(title("  Fine  ").unwrap(), "Fine");
        assert!(body(" ").is_err());
        assert!(body(&"b".repeat(MAX_BODY_BYTES + 1)).is_err());
        assert!(body("snippet \u{2}marker").is_err(), "the search snippets' markers cannot be stored");
        assert!(body("lines\nand\ttabs").is_ok());
        assert!(summary(&"s".repeat(501)).is_err());
        assert!(comment("   ").is_err());
    }
}
