//! Generates the Protobuf messages from `proto/` at build time: protox compiles the files in
//! Rust (no system `protoc`), prost writes the structs, pbjson their proto3 JSON mapping.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "orderflow/v1/orders.proto",
    "orderflow/v1/catalog.proto",
    "orderflow/v1/money.proto",
    "grpc/health/v1/health.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    println!("cargo:rerun-if-changed={}", root.display());
    let files = protox::compile(PROTOS, [&root])?;
    let descriptors = prost::Message::encode_to_vec(&files);

    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    prost_build::Config::new()
        .compile_well_known_types()
        .extern_path(".google.protobuf", "::pbjson_types")
        .out_dir(&out)
        .compile_fds(files)?;
    pbjson_build::Builder::new().register_descriptors(&descriptors)?.out_dir(&out).build(&[".orderflow", ".grpc"])?;
    Ok(())
}
