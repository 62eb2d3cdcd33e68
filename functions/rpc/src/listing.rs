//! Pages of list methods: `page_size` (1–100; 0 means 20) and the opaque `page_token` of the
//! previous page, read as the REST cursor pages are.

use rest::listing::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, decode_cursor};
use web::Problem;

/// The page a list request asks for.
pub fn page(page_size: i32, page_token: &str) -> Result<Page, Problem> {
    let limit = match u32::try_from(page_size) {
        Ok(0) => DEFAULT_PAGE_SIZE,
        Ok(size) if size <= MAX_PAGE_SIZE => size,
        _ => {
            return Err(Problem::bad_request("invalid_page_size", format!("`page_size` must be 0-{MAX_PAGE_SIZE}.")));
        }
    };
    let after = (!page_token.is_empty()).then(|| decode_cursor(page_token)).transpose()?;
    Ok(Page::Cursor { limit, after })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_default_and_are_bounded() {
        assert!(matches!(page(0, "").unwrap(), Page::Cursor { limit: 20, after: None }));
        assert!(matches!(page(100, "").unwrap(), Page::Cursor { limit: 100, .. }));
        assert_eq!(page(101, "").unwrap_err().code(), "invalid_page_size");
        assert_eq!(page(-1, "").unwrap_err().code(), "invalid_page_size");
        assert!(page(5, "not a cursor").is_err());
    }
}
