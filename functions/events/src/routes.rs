//! Opening streams: authenticate, authorize, find where to start, answer with the stream.

use identity::{Permission, authenticate_with};
use rest::event_access::Viewer;
use rest::outbox::Feed;
use web::http::{HeaderValue, header};
use web::ports::sql::{Statement, StatementResult};
use web::{Problem, Request, Response};

use crate::settings::StreamSettings;
use crate::sse;
use crate::subscription::Subscription;

/// `GET /v2/orders/{id}/events`: the order's events (its owner's and staff's), from
/// `Last-Event-ID` on, or from now.
pub async fn order_events(request: Request) -> Result<Response, Problem> {
    let order_id = request.param("id")?.to_owned();
    let resume = last_event_id(&request)?;
    let settings = StreamSettings::load(&*request.platform().config).await?;
    let owner = Statement::new("SELECT user_id FROM orders WHERE id = ?1").bind(order_id.as_str());
    let (principal, results) = authenticate_with(&request, vec![owner, Feed::latest()]).await?;
    principal.require(Permission::OrdersRead)?;
    let [owner, latest] = <[_; 2]>::try_from(results).map_err(|_| Problem::internal("two results expected"))?;
    let owner_id: String = owner.rows.first().ok_or_else(Problem::not_found)?.get("user_id")?;
    principal.owner_or(&owner_id, Permission::OrdersReadAll)?;
    let cursor = start(resume, &latest)?;
    Ok(open(request, Feed::Order { order_id }, cursor, settings))
}

/// `GET /v2/events`: the events of the caller's own orders, or every event for staff.
pub async fn feed(request: Request) -> Result<Response, Problem> {
    let resume = last_event_id(&request)?;
    let settings = StreamSettings::load(&*request.platform().config).await?;
    let (principal, results) = authenticate_with(&request, vec![Feed::latest()]).await?;
    let feed = Viewer::of(&principal).own_feed().ok_or_else(|| identity::forbidden(Permission::OrdersRead))?;
    let latest = results.into_iter().next().ok_or_else(|| Problem::internal("one result expected"))?;
    let cursor = start(resume, &latest)?;
    Ok(open(request, feed, cursor, settings))
}

/// The client's position: `Last-Event-ID` (what its `EventSource` sends on reconnection),
/// which must be an event id we sent (a whole number); absent or empty means "from now".
fn last_event_id(request: &Request) -> Result<Option<i64>, Problem> {
    let Some(value) = request.header("last-event-id").map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    value.parse::<i64>().ok().filter(|id| *id >= 0).map(Some).ok_or_else(|| {
        Problem::bad_request("invalid_last_event_id", "Last-Event-ID must be the id of an event this API sent.")
    })
}

/// Where the stream starts: after `resume`, or after the newest event now.
fn start(resume: Option<i64>, latest: &StatementResult) -> Result<i64, Problem> {
    match resume {
        Some(id) => Ok(id),
        None => Ok(latest.rows.first().map(|row| row.get::<i64>("id")).transpose()?.unwrap_or(0)),
    }
}

/// The streaming response.
fn open(request: Request, feed: Feed, cursor: i64, settings: StreamSettings) -> Response {
    let mut response = Response::new(Subscription::new(request, feed, cursor, settings).into_body());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(sse::CONTENT_TYPE));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Reverse proxies (nginx and its kin) must pass each event on as it comes.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
