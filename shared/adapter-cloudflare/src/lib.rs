//! Cloudflare Workers adapter: the ports over D1, Workers KV, vars/secrets and `fetch`, and
//! [`serve`], which runs one `fetch` event through a [`web::App`].
//!
//! Binding names: D1 `DB`, KV `KV` (see `wrangler.toml`). A missing binding is not a crash:
//! the port reports it as unavailable, so `/ready` answers 503 and handlers answer 503.
//!
//! Panics: the release build aborts on panic; worker 0.8's shim then answers that request
//! with an error and re-instantiates the module for the next one.

mod assets;
mod background;
mod body;
mod clock;
mod config;
mod counter_object;
mod counters;
mod d1;
mod http_client;
mod jobs;
mod kv;
mod log;
mod request;
mod response;
mod timer;
pub mod values;

use std::rc::Rc;

use ports::Platform;
use ports::random::SystemRandom;
use web::App;

pub use assets::WorkerAssets;
pub use background::WaitUntil;
pub use body::WorkerBody;
pub use clock::JsClock;
pub use config::EnvConfig;
pub use counter_object::RateCounter;
pub use counters::DurableObjectCounters;
pub use d1::{D1Sql, d1_error};
pub use http_client::FetchHttp;
pub use jobs::QueueJobs;
pub use kv::WorkersKv;
pub use log::ConsoleLog;
pub use request::to_http_request;
pub use response::to_web_response;
pub use timer::JsTimer;

/// The D1 binding name.
pub const D1_BINDING: &str = "DB";
/// The KV binding name.
pub const KV_BINDING: &str = "KV";
/// The job queue's producer binding name.
pub const JOBS_BINDING: &str = "JOBS";
/// The static-assets binding name.
pub const ASSETS_BINDING: &str = "ASSETS";

/// The platform for one request, over the Worker's `env` and invocation `context`.
pub fn platform(env: &worker::Env, context: Rc<worker::Context>) -> Platform {
    platform_with(env, WaitUntil::new(context))
}

/// The platform for one Cron Trigger run (`#[event(scheduled)]`).
pub fn scheduled_platform(env: &worker::Env, context: worker::ScheduleContext) -> Platform {
    platform_with(env, WaitUntil::scheduled(Rc::new(context)))
}

/// The platform of a Durable Object working on its own (an alarm), outside any request.
pub fn detached_platform(env: &worker::Env) -> Platform {
    platform_with(env, WaitUntil::detached())
}

fn platform_with(env: &worker::Env, background: WaitUntil) -> Platform {
    Platform {
        sql: Rc::new(D1Sql::new(env.clone(), D1_BINDING)),
        kv: Rc::new(WorkersKv::new(env.clone(), KV_BINDING)),
        config: Rc::new(ports::Remembered::new(EnvConfig::new(env.clone()))),
        clock: Rc::new(JsClock),
        timer: Rc::new(JsTimer),
        random: Rc::new(SystemRandom),
        http: Rc::new(FetchHttp),
        counters: Rc::new(DurableObjectCounters::new(env.clone())),
        background: Rc::new(background),
        jobs: Rc::new(QueueJobs::new(env.clone(), JOBS_BINDING)),
        assets: Rc::new(WorkerAssets::new(env.clone(), ASSETS_BINDING)),
        log: Rc::new(ConsoleLog),
    }
}

/// Serves one `fetch` event with `app`.
pub async fn serve(
    request: worker::worker_sys::web_sys::Request,
    env: &worker::Env,
    context: worker::Context,
    app: &App,
) -> worker::Result<worker::worker_sys::web_sys::Response> {
    to_web_response(handle(request, env, context, app).await)
}

/// Runs one `fetch` event through `app`, leaving the answer as an `http` response (for an entry
/// point that treats some answers itself, such as WebSocket upgrades).
pub async fn handle(
    request: worker::worker_sys::web_sys::Request,
    env: &worker::Env,
    context: worker::Context,
    app: &App,
) -> web::Response {
    let head = to_http_request(&request);
    app.handle(head.map(|()| WorkerBody::new(request)), platform(env, Rc::new(context))).await
}
