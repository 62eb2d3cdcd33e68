//! Static files shipped with the deployment (API docs pages, the OpenAPI document).

use async_trait::async_trait;

use crate::PortError;

/// Read-only files bundled with the deployment: Workers static assets, files mounted into a
/// Spin component, a directory natively.
#[async_trait(?Send)]
pub trait Assets {
    /// The file at `path` (absolute, e.g. `/docs/index.html`), `None` if there is none.
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, PortError>;
}

/// Whether `path` is a plain absolute file path: `/`-separated segments of `[A-Za-z0-9._-]`,
/// none of them `.` or `..`. Adapters refuse anything else before touching storage.
pub fn is_safe_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else { return false };
    !rest.is_empty()
        && rest.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_are_safe() {
        assert!(is_safe_path("/docs/index.html"));
        assert!(is_safe_path("/openapi.json"));
        for bad in ["", "/", "docs/x", "/../etc/passwd", "/docs/../x", "/docs//x", "/a b", "/%2e%2e/x", "/docs/./x"] {
            assert!(!is_safe_path(bad), "{bad}");
        }
    }
}
