//! Protobuf services over Connect and gRPC-Web: `orderflow.v1.OrderService`,
//! `orderflow.v1.CatalogService` (the protos under `proto/` are the contract) and the standard
//! `grpc.health.v1.Health`.
//!
//! Each method is `POST /<package>.<Service>/<Method>` and speaks, by `Content-Type`:
//! - Connect unary (`application/proto`, `application/json`) and Connect streaming
//!   (`application/connect+proto`, `+json`: envelopes, then an end-of-stream message);
//! - gRPC-Web (`application/grpc-web+proto`, `+json`: envelopes, trailers in the body).
//!
//! Native gRPC needs HTTP/2 trailers, which a Worker cannot send: gRPC clients use gRPC-Web or
//! Connect (or a proxy such as Envoy's gRPC-Web filter). Deadlines come from
//! `Connect-Timeout-Ms` / `grpc-timeout`. Every error, the pipeline's own included (size and
//! rate limits), is a Connect/gRPC status mapped from the REST problem code, which travels in an
//! `orderflow.v1.ProblemDetail` detail. Messages are bounded by the HTTP body limit.
//!
//! Methods call the same domain crates as REST ([`ordering`], [`catalog`], [`readiness`]).

mod call;
mod catalog_service;
mod changes;
mod convert;
mod deadline;
mod health_service;
mod listing;
mod order_service;
pub mod pb;
pub mod status;
pub mod wire;

use web::{Handler, MethodRouter, Router, post};

/// A method's route: `POST` only, every error rendered for the call's protocol.
fn method(handler: impl Handler) -> MethodRouter {
    post(handler).render_problems_with(status::render)
}

/// The routes of this function.
pub fn router() -> Router {
    Router::new()
        .route("/orderflow.v1.OrderService/GetOrder", method(order_service::get_order))
        .route("/orderflow.v1.OrderService/ListOrders", method(order_service::list_orders))
        .route("/orderflow.v1.OrderService/CreateOrder", method(order_service::create_order))
        .route("/orderflow.v1.OrderService/UpdateOrderStatus", method(order_service::update_order_status))
        .route("/orderflow.v1.OrderService/CancelOrder", method(order_service::cancel_order))
        .route("/orderflow.v1.OrderService/WatchOrder", method(order_service::watch_order))
        .route("/orderflow.v1.CatalogService/GetProduct", method(catalog_service::get_product))
        .route("/orderflow.v1.CatalogService/ListProducts", method(catalog_service::list_products))
        .route("/grpc.health.v1.Health/Check", method(health_service::check))
        .route("/grpc.health.v1.Health/Watch", method(health_service::watch))
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http, authenticated);
