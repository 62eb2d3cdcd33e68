//! Full-text search: FTS5 queries from what readers type, and snippets safe for HTML.
//!
//! Reader input never reaches FTS5's query language as syntax: every word becomes a quoted
//! string (`"word"`, inner quotes doubled), so `AND`, `OR`, `NOT`, `NEAR`, `*`, `^`, column
//! filters and parentheses are just text; the words are all required. The query itself is a
//! bound parameter (`MATCH ?`), never part of the SQL text.

/// Most words a search may hold.
pub const MAX_WORDS: usize = 10;
/// Longest word kept, in characters (longer ones are cut).
pub const MAX_WORD_CHARS: usize = 64;

/// Marks the start of a match in the snippets SQLite returns ([`SNIPPET_SQL`]).
pub const MATCH_START: char = '\u{2}';
/// Marks the end of a match.
pub const MATCH_END: char = '\u{3}';

/// The snippet of the body around the best match, about 16 words, with [`MATCH_START`] and
/// [`MATCH_END`] around each match (stored text can hold neither: see [`crate::text`]).
pub const SNIPPET_SQL: &str = "snippet(articles_fts, 2, char(2), char(3), '…', 16)";

/// The ranking: BM25 with title, summary, body and tags weighted 10, 5, 1 and 3 (lower is
/// better, as FTS5 orders it).
pub const RANK_SQL: &str = "bm25(articles_fts, 10.0, 5.0, 1.0, 3.0)";

/// The FTS5 query for `input`: its words (split where the tokenizer splits: anything but
/// letters and digits), each quoted, all required. `None` when no word is left.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(|w| w.chars().take(MAX_WORD_CHARS).collect::<String>())
        .collect();
    if words.is_empty() {
        return None;
    }
    Some(words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" "))
}

/// `snippet` as HTML: the text escaped, each match in `<mark>…</mark>`.
pub fn snippet_html(snippet: &str) -> String {
    let mut html = String::with_capacity(snippet.len() + 16);
    let mut open = false;
    for c in snippet.chars() {
        match c {
            MATCH_START if !open => {
                html.push_str("<mark>");
                open = true;
            }
            MATCH_END if open => {
                html.push_str("</mark>");
                open = false;
            }
            MATCH_START | MATCH_END => {}
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
    if open {
        html.push_str("</mark>");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_quotes_are_words_not_syntax() {
        assert_eq!(fts_query("rust edge").as_deref(), Some("\"rust\" \"edge\""));
        assert_eq!(fts_query("a OR b NOT c").as_deref(), Some("\"a\" \"OR\" \"b\" \"NOT\" \"c\""));
        assert_eq!(
            fts_query("title:secret* ^x (y) NEAR(a b)").as_deref(),
            Some("\"title\" \"secret\" \"x\" \"y\" \"NEAR\" \"a\" \"b\"")
        );
        assert_eq!(fts_query("\"unbalanced").as_deref(), Some("\"unbalanced\""));
        assert_eq!(fts_query("crème brûlée").as_deref(), Some("\"crème\" \"brûlée\""));
        assert_eq!(fts_query("  \"\" ** -- ").as_deref(), None);
        assert_eq!(fts_query(&"w ".repeat(50)).unwrap().matches('"').count(), 2 * MAX_WORDS);
    }

    #[test]
    fn snippets_escape_the_text_and_mark_matches() {
        let raw = format!("a <b>{MATCH_START}rust{MATCH_END}</b> & \"q\" {MATCH_START}edge");
        assert_eq!(snippet_html(&raw), "a &lt;b&gt;<mark>rust</mark>&lt;/b&gt; &amp; &quot;q&quot; <mark>edge</mark>");
        assert_eq!(snippet_html(&format!("{MATCH_END}x{MATCH_START}{MATCH_START}y")), "x<mark>y</mark>");
    }
}
