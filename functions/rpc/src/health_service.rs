//! `grpc.health.v1.Health`: the standard health protocol, answered from the same checks as
//! `GET /ready` ([`readiness::check`]).

use std::rc::Rc;

use web::{Problem, Request, Response};

use crate::call::Call;
use crate::changes::{self, Read, Timing, Watched};
use crate::pb::health::health_check_response::ServingStatus;
use crate::pb::health::{HealthCheckRequest, HealthCheckResponse};

/// The services whose health is reported; `""` is the whole server.
pub const SERVICES: &[&str] =
    &["", "orderflow.v1.OrderService", "orderflow.v1.CatalogService", "grpc.health.v1.Health"];

/// Every service here needs the same dependencies, so one readiness check answers for all.
async fn serving_status(request: &Request) -> ServingStatus {
    match readiness::check(request.platform()).await {
        Ok(_) => ServingStatus::Serving,
        Err(_) => ServingStatus::NotServing,
    }
}

fn known(service: &str) -> Result<(), Problem> {
    if SERVICES.contains(&service) {
        Ok(())
    } else {
        Err(Problem::not_found().with_detail(format!("No service `{service}` here.")))
    }
}

fn response(status: ServingStatus) -> HealthCheckResponse {
    HealthCheckResponse { status: status.into() }
}

/// `Check`: SERVING or NOT_SERVING; NOT_FOUND for an unknown service.
pub async fn check(request: Request) -> Result<Response, Problem> {
    let call = Call::open(&request)?;
    let input: HealthCheckRequest = call.input(&request)?;
    known(&input.service)?;
    let status = call.within(&request, async { Ok(serving_status(&request).await) }).await?;
    call.reply(&response(status))
}

/// `Watch`: the status now, then each change, until the deadline or the stream's lifetime;
/// SERVICE_UNKNOWN (once) for an unknown service, as the protocol asks.
pub async fn watch(request: Request) -> Result<Response, Problem> {
    let call = Call::open_stream(&request)?;
    let input: HealthCheckRequest = call.input(&request)?;
    let timing = Timing::load(&request).await?;
    let first = if known(&input.service).is_ok() {
        call.within(&request, async { Ok(serving_status(&request).await) }).await?
    } else {
        ServingStatus::ServiceUnknown
    };
    let messages =
        changes::changes(Server { known: first != ServingStatus::ServiceUnknown }, request, call, timing, first);
    Ok(call.stream(futures_util::StreamExt::map(messages, |status| status.map(response))))
}

/// What `Watch` follows: the server's status (or nothing, for an unknown service).
struct Server {
    known: bool,
}

impl Watched for Server {
    type Value = ServingStatus;
    type Key = ServingStatus;

    fn read(&self, request: Rc<Request>) -> impl Future<Output = Read<ServingStatus>> + 'static {
        let known = self.known;
        async move {
            if known { Read::Now(serving_status(&request).await) } else { Read::Now(ServingStatus::ServiceUnknown) }
        }
    }

    fn key(status: &ServingStatus) -> ServingStatus {
        *status
    }
}
