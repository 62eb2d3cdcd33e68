//! The docs pages through the native adapters, reading the real built site when present.

use std::rc::Rc;

use adapter_native::{DirectoryAssets, TestPlatform};
use web::App;

fn site() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/site")
}

#[tokio::test]
async fn pages_are_served_with_their_types_and_a_strict_policy() {
    let mut platform = TestPlatform::new().await;
    platform.assets = Rc::new(DirectoryAssets::new(site()));
    let app = App::new(docs::router());
    let page = platform.send(&app, "GET", "/docs").await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert!(String::from_utf8_lossy(page.body().full().expect("a full body")).contains("swagger-ui-bundle.js"));
    let script = platform.send(&app, "GET", "/docs/swagger-init.js").await;
    assert_eq!(
        (script.status().as_u16(), script.headers()["content-type"].to_str().unwrap()),
        (200, "text/javascript; charset=utf-8")
    );
    assert_eq!(platform.send(&app, "GET", "/redoc").await.status(), 200);
    for missing in ["/docs/nope.js", "/docs/..%2f..%2fCargo.toml", "/redoc/.."] {
        assert_eq!(platform.send(&app, "GET", missing).await.status(), 404, "{missing}");
    }
}
