//! Protobuf services over Connect and gRPC-Web.
pub mod pb;
