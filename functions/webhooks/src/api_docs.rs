//! The OpenAPI description of this function (collected by the `openapi` crate; not in wasm).

use utoipa::OpenApi;
use webhook_delivery::Summary;

use crate::routes::{Delivery, DeliveryList, Endpoint, EndpointList, NewEndpoint, Replayed};

/// Register a webhook endpoint
///
/// Deliveries of the events you may see (your orders'; staff: every event) of the listed
/// types, as `POST`s signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature: v1,…` with the `secret` of this answer, shown only here). `https` to
/// a public host only. At most 10 endpoints per user.
#[utoipa::path(post, path = "/v2/webhooks", tag = "webhooks", operation_id = "createWebhook",
    request_body(content = NewEndpoint, content_type = "application/json", description = "Where to deliver, and which events. Unknown fields are refused."),
    responses((status = 201, description = "Registered; keep the secret.", body = Endpoint,
        headers(("Location" = String, description = "`/v2/webhooks/{id}`.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_webhook() {}

/// List your webhook endpoints
///
/// With each one's breaker: `closed` (delivering), `open` (paused after failures in a row),
/// `half_open` (one probe allowed). Never the secrets.
#[utoipa::path(get, path = "/v2/webhooks", tag = "webhooks", operation_id = "listWebhooks",
    responses((status = 200, description = "Your endpoints, newest first.", body = EndpointList)),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_webhooks() {}

/// Delete a webhook endpoint
///
/// With its deliveries; nothing more is sent to it.
#[utoipa::path(delete, path = "/v2/webhooks/{id}", tag = "webhooks", operation_id = "deleteWebhook",
    params(("id" = String, Path, description = "The endpoint id.", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54")),
    responses((status = 204, description = "Deleted.")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_webhook() {}

/// An endpoint's deliveries
///
/// The 50 newest: `pending` (with the next attempt's time), `delivered`, or `dead` after the
/// last attempt failed, with the last status and error.
#[utoipa::path(get, path = "/v2/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "listWebhookDeliveries",
    params(("id" = String, Path, description = "The endpoint id.", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54")),
    responses((status = 200, description = "Newest first.", body = DeliveryList)),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_webhook_deliveries() {}

/// Replay a delivery
///
/// Sends it again with the same `webhook-id` (receivers deduplicate on it), on a fresh
/// schedule, whatever its state.
#[utoipa::path(post, path = "/v2/webhooks/{id}/deliveries/{delivery}/replay", tag = "webhooks", operation_id = "replayWebhookDelivery",
    params(
        ("id" = String, Path, description = "The endpoint id.", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"),
        ("delivery" = String, Path, description = "The delivery (`webhook-id`).", example = "msg_e4a1c7d258b34f9e8c062b7d9f1a3e54_42"),
    ),
    responses((status = 202, description = "Queued: it goes out after this response.", body = Replayed)),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn replay_webhook_delivery() {}

/// Run due webhook deliveries (for a scheduler)
///
/// Fans new events out and attempts what is due, now. Needs `Authorization: Bearer` with the
/// `WEBHOOK_SWEEP_SECRET`; the route answers 404 while that secret is not configured. The
/// Worker's Cron Trigger runs the same sweep every minute; on Spin, call this from a scheduler.
#[utoipa::path(post, path = "/v2/webhooks/sweep", tag = "webhooks", operation_id = "sweepWebhooks",
    responses(
        (status = 200, description = "What the run did.", body = Summary),
        (status = 404, description = "No sweep secret is configured.", content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub fn sweep_webhooks() {}

/// This function's operations and schemas.
#[derive(OpenApi)]
#[openapi(
    paths(
        create_webhook,
        list_webhooks,
        delete_webhook,
        list_webhook_deliveries,
        replay_webhook_delivery,
        sweep_webhooks
    ),
    components(schemas(NewEndpoint, Endpoint, EndpointList, Delivery, DeliveryList, Replayed, Summary))
)]
pub struct ApiDoc;
