//! Spin adapter: the ports over Spin's SQLite (key-value entries included), variables and
//! outbound HTTP, and
//! [`export_component!`], the one line a function crate writes to become a Spin component.
//!
//! Spin (4.1, wasi:http 0.3) reuses an instance for a number of requests, some concurrently:
//! the pipeline is built once per instance and per-instance memories (settings, checked
//! tokens, the cache's memory tier) serve every request the instance gets; the platform is
//! built per request.
//!
//! Spin has no migration tool: the SQL adapter applies pending files from `/migrations` on an
//! instance's first SQL statement (a single `SELECT MAX(version)` when already current).
//!
//! These types compile natively (so the workspace builds and lints as one) but calling
//! them outside a Spin host aborts: native tests use `adapter-native`.

mod assets;
mod background;
mod body;
mod client_addr;
mod config;
mod http_client;
mod jobs;
mod lazy;
mod log;
mod response;
mod sql;
mod timer;

use std::rc::Rc;

use ports::Platform;
use ports::clock::SystemClock;
use ports::counters::SqlCounters;
use ports::kv::SqlKv;
use ports::random::SystemRandom;
use spin_sdk::wasip3::http::types::{ErrorCode, Request as WasiRequest, Response as WasiResponse};
use web::{App, Router};

pub use assets::MountedFiles;
pub use background::SpawnedTasks;
pub use body::{SpinBody, head_of};
pub use config::SpinConfig;
pub use http_client::{NoOutboundHttp, Outbound, SpinHttp};
pub use jobs::{ChainedJobs, JOB_RUNNER_URL};
pub use log::StdoutLog;
pub use response::to_wasi_response;
pub use sql::SpinSql;
pub use timer::WasiTimer;

#[doc(hidden)]
pub use ratelimit as __ratelimit;
#[doc(hidden)]
pub use spin_sdk as __spin;

/// The SQLite database every component is granted in `spin.toml`. It also holds the
/// key-value port's entries ([`ports::kv::SqlKv`]): Spin's own key-value store has no expiry,
/// and listing its keys holds a lock under which other requests of a reused instance deadlock.
pub const DATABASE: &str = "default";

/// Exports a function's router as this component's `wasi:http` handler.
///
/// ```ignore
/// #[cfg(target_os = "wasi")]
/// adapter_spin::export_component!(router); // router: fn() -> web::Router
/// // a function whose callers authenticate, and which calls other services (`platform.http`):
/// adapter_spin::export_component!(router, outbound_http, authenticated);
/// ```
///
/// Two opt-ins keep code out of components that do not need it:
/// - `outbound_http`: without it, `platform.http` answers every request with an `Unavailable`
///   error, and the component carries no `wasi:http/client` code (about 10 kB gzipped). Every
///   function uses it, since OpenTelemetry export (`otel_exporter_otlp_endpoint`) is an
///   outbound call.
/// - `authenticated`: rate-limit rules keyed by user or API key see the verified owner of the
///   request's credential ([`ratelimit::VerifiedCredentials`]). Without it credentials are
///   ignored ([`ratelimit::IgnoredCredentials`]) and the component carries no token-verification
///   code (about 50 kB gzipped); rules keyed by IP or route still apply.
#[macro_export]
macro_rules! export_component {
    ($router:path) => {
        $crate::export_component!(@export $router, $crate::NoOutboundHttp::outbound, $crate::__ratelimit::IgnoredCredentials);
    };
    ($router:path, outbound_http) => {
        $crate::export_component!(@export $router, $crate::SpinHttp::outbound, $crate::__ratelimit::IgnoredCredentials);
    };
    ($router:path, authenticated) => {
        $crate::export_component!(@export $router, $crate::NoOutboundHttp::outbound, $crate::__ratelimit::VerifiedCredentials);
    };
    ($router:path, outbound_http, authenticated) => {
        $crate::export_component!(@export $router, $crate::SpinHttp::outbound, $crate::__ratelimit::VerifiedCredentials);
    };
    (@export $router:path, $http:path, $credentials:expr) => {
        const _: () = {
            struct Component;
            $crate::__spin::wasip3::http::service::export!(Component);
            impl $crate::__spin::wasip3::exports::http::handler::Guest for Component {
                async fn handle(
                    request: $crate::__spin::wasip3::http::types::Request,
                ) -> ::core::result::Result<
                    $crate::__spin::wasip3::http::types::Response,
                    $crate::__spin::wasip3::http::types::ErrorCode,
                > {
                    $crate::serve(request, $router, $http, $credentials).await
                }
            }
        };
    };
}

/// The platform over Spin's host APIs, as configured in `spin.toml`.
pub fn platform() -> Platform {
    platform_with(SpinHttp::outbound())
}

fn platform_with((http, jobs): Outbound) -> Platform {
    let sql: Rc<dyn ports::Sql> = Rc::new(SpinSql::new(DATABASE));
    Platform {
        counters: Rc::new(SqlCounters::new(sql.clone())),
        background: Rc::new(SpawnedTasks),
        jobs,
        assets: Rc::new(MountedFiles),
        kv: Rc::new(SqlKv::new(sql.clone(), Rc::new(SystemClock), Rc::new(SystemRandom))),
        sql,
        config: Rc::new(ports::Remembered::new(SpinConfig)),
        clock: Rc::new(SystemClock),
        timer: Rc::new(WasiTimer),
        random: Rc::new(SystemRandom),
        http,
        log: Rc::new(StdoutLog),
    }
}

thread_local! {
    /// This instance's pipeline.
    static APP: std::cell::OnceCell<Rc<App>> = const { std::cell::OnceCell::new() };
}

/// Serves one request with the router `router` builds. Called by [`export_component!`].
///
/// Always answers with a response (never an `ErrorCode`, which Spin would turn into an empty
/// 500): whatever the request holds becomes, at worst, a 400 problem.
#[doc(hidden)]
pub async fn serve(
    request: WasiRequest,
    router: fn() -> Router,
    outbound: fn() -> Outbound,
    credentials: impl ratelimit::CredentialResolver + 'static,
) -> Result<WasiResponse, ErrorCode> {
    let mut head = head_of(&request);
    if let Some(ip) = client_addr::client_ip(head.headers()) {
        head.extensions_mut().insert(ip);
    }
    // Spin reuses an instance for many requests: build the pipeline (and load its settings and
    // rules) once per instance, not per request.
    let app = APP.with(|app| {
        Rc::clone(app.get_or_init(|| Rc::new(App::new(router()).layer(ratelimit::RateLimitLayer::new(credentials)))))
    });
    let head_request = head.method() == http::Method::HEAD;
    let response = app.handle(head.map(|()| SpinBody::new(request)), platform_with(outbound())).await;
    Ok(to_wasi_response(response, head_request))
}
