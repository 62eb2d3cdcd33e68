//! The Cloudflare Worker entry point: every function's routes in one router, served through
//! the Cloudflare adapter. Adding a function crate means one more `.merge(...)` in [`router`].
//!
//! The `RateCounter` Durable Object class (exact rate limits) comes from `adapter-cloudflare`;
//! the Cron Trigger runs the webhook sweep, the queue handler the jobs, and `LiveSocket`
//! ([`live_socket`]) holds each user's WebSockets.

use std::rc::Rc;

mod live_socket;

use web::{App, Router};

/// Every route the Worker serves.
pub fn router() -> Router {
    health::router()
        .merge(auth::router())
        .merge(customers::router())
        .merge(products::router())
        .merge(orders::router())
        .merge(audit::router())
        .merge(articles::router())
        .merge(events::router())
        .merge(events::socket_router())
        .merge(webhooks::router())
        .merge(rpc::router())
        .merge(graphql::router())
        .merge(docs::router())
}

thread_local! {
    /// Built once per isolate; a Worker handles its requests on one thread.
    static APP: Rc<App> = Rc::new(App::new(router()).layer(ratelimit::RateLimitLayer::new(ratelimit::VerifiedCredentials)));
}

#[worker::event(fetch)]
async fn fetch(
    request: worker::worker_sys::web_sys::Request,
    env: worker::Env,
    context: worker::Context,
) -> worker::Result<worker::worker_sys::web_sys::Response> {
    let app = APP.with(Rc::clone);
    let response = adapter_cloudflare::handle(request, &env, context, &app).await;
    // An authorized WebSocket handshake: the user's LiveSocket object takes the connection.
    if let Some(upgrade) = response.extensions().get::<web::upgrade::WebSocketUpgrade>() {
        return live_socket::connect(&env, upgrade).await.map(Into::into);
    }
    adapter_cloudflare::to_web_response(response)
}

/// The Cron Trigger (`[triggers] crons` in wrangler.toml): due webhook deliveries go out even
/// when no write happens to start them.
#[worker::event(scheduled)]
async fn scheduled(_event: worker::ScheduledEvent, env: worker::Env, context: worker::ScheduleContext) {
    webhook_delivery::delivery::run_logged(&adapter_cloudflare::scheduled_platform(&env, context)).await;
}

/// The job queue's consumer (`[[queues.consumers]]`): one delivery run per batch of
/// `webhooks.run` jobs (a run handles everything due); a failed run has the batch retried.
#[worker::event(queue)]
async fn queue(batch: worker::MessageBatch<String>, env: worker::Env, context: worker::Context) -> worker::Result<()> {
    let platform = adapter_cloudflare::platform(&env, Rc::new(context));
    let jobs = batch.messages()?;
    if jobs.iter().any(|message| message.body() == webhook_delivery::JOB)
        && let Err(problem) = webhook_delivery::run(&platform).await
    {
        batch.retry_all();
        return Err(worker::Error::RustError(problem.cause().unwrap_or(problem.code()).to_owned()));
    }
    batch.ack_all();
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_function_mounts_without_conflicts() {
        let templates: Vec<_> = super::router().templates().collect();
        assert!(templates.contains(&"/health"));
        assert!(templates.contains(&"/ready"));
        for expected in [
            "/v1/auth/token",
            "/v1/customers/{id}",
            "/v2/products",
            "/v2/orders/{id}",
            "/v1/admin/audit",
            "/v2/articles/by-slug/{slug}",
            "/v2/orders/{id}/events",
            "/v2/webhooks/{id}/deliveries",
        ] {
            assert!(templates.contains(&expected), "{expected}");
        }
    }
}
