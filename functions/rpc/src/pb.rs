//! The messages generated from `proto/` at build time (see `build.rs`), with their proto3 JSON
//! mapping.

#![allow(missing_docs, clippy::all)]

/// `orderflow.v1`: orders, the catalogue, money and the error detail.
pub mod orderflow {
    /// Version 1.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/orderflow.v1.rs"));
        include!(concat!(env!("OUT_DIR"), "/orderflow.v1.serde.rs"));
    }
}

/// `grpc.health.v1`: the standard health-checking protocol.
pub mod health {
    include!(concat!(env!("OUT_DIR"), "/grpc.health.v1.rs"));
    include!(concat!(env!("OUT_DIR"), "/grpc.health.v1.serde.rs"));
}
