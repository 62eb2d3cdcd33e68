//! Splitting a migration file into statements, for backends that run one statement per call.

/// Splits SQLite script text into statements (without the trailing `;`), skipping empty ones.
///
/// Understands quotes (`'…'`, `"…"`, `` `…` ``, `[…]`), comments (`--`, `/* */`) and
/// `CREATE TRIGGER … BEGIN …; END;` bodies, which contain semicolons of their own.
pub fn split_statements(script: &str) -> Vec<&str> {
    let bytes = script.as_bytes();
    let mut statements = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut in_trigger = false;
    let mut words: Vec<String> = Vec::new();

    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' | b'`' => i = skip_quoted(bytes, i, bytes[i]),
            b'[' => i = skip_quoted(bytes, i, b']'),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = bytes[i..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| i + p + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = script[i + 2..].find("*/").map_or(bytes.len(), |p| i + 2 + p + 2);
            }
            b';' => {
                let ends_trigger = in_trigger && words.last().is_some_and(|w| w == "END");
                if !in_trigger || ends_trigger {
                    push_statement(&mut statements, &script[start..i]);
                    start = i + 1;
                    in_trigger = false;
                    words.clear();
                }
                i += 1;
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let end = bytes[i..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .map_or(bytes.len(), |p| i + p);
                let word = script[i..end].to_ascii_uppercase();
                if words.len() < 3 {
                    in_trigger |= word == "TRIGGER" && words.first().is_some_and(|w| w == "CREATE");
                }
                words.push(word);
                i = end;
            }
            _ => i += 1,
        }
    }
    push_statement(&mut statements, &script[start..]);
    statements
}

fn skip_quoted(bytes: &[u8], open: usize, close: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == close {
            // A doubled quote is an escaped quote inside the literal.
            if close != b']' && bytes.get(i + 1) == Some(&close) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn push_statement<'a>(statements: &mut Vec<&'a str>, text: &'a str) {
    if !strip_comments(text).trim().is_empty() {
        statements.push(text.trim());
    }
}

/// Whether anything but comments and whitespace remains (used to drop comment-only tails).
fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.find('\n').map_or("", |p| &after[p..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |p| &after[p + 2..]);
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_plain_statements_and_drops_comment_tails() {
        let script = "-- header\nCREATE TABLE a (x);\n\nINSERT INTO a VALUES (1);\n-- trailing comment\n";
        assert_eq!(split_statements(script), vec!["-- header\nCREATE TABLE a (x)", "INSERT INTO a VALUES (1)"]);
    }

    #[test]
    fn semicolons_in_literals_and_comments_do_not_split() {
        let script = "INSERT INTO a VALUES ('x;y', \"q;\"\"q\", 'it''s;'); /* c; */ SELECT 1; -- x;y\nSELECT [a;b]";
        assert_eq!(
            split_statements(script),
            vec!["INSERT INTO a VALUES ('x;y', \"q;\"\"q\", 'it''s;')", "/* c; */ SELECT 1", "-- x;y\nSELECT [a;b]"]
        );
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        let script = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; DELETE FROM c; END;\nSELECT 2;";
        assert_eq!(
            split_statements(script),
            vec!["CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; DELETE FROM c; END", "SELECT 2"]
        );
    }

    #[test]
    fn every_shipped_migration_splits_into_statements() {
        for migration in crate::MIGRATIONS {
            assert!(!split_statements(migration.sql).is_empty(), "{}", migration.name);
        }
    }
}
