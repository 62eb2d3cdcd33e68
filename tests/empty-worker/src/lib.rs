//! The benchmark baseline: an empty Rust Worker.
//!
//! Same SDK (worker 0.8.7), same release profile and same build (worker-build: wasm-bindgen,
//! wasm-opt, esbuild shim) as the real Worker in `shared/cloudflare-worker`, but none of the
//! shared middleware: every request gets `200 ok` as `text/plain`. `tests/bench` compares the
//! real Worker's `/health` against it to isolate the cost of the shared pipeline.

/// Answers every request with a small `200` text body, touching no binding.
#[worker::event(fetch)]
async fn fetch(
    _request: worker::Request,
    _env: worker::Env,
    _ctx: worker::Context,
) -> worker::Result<worker::Response> {
    worker::Response::ok("ok")
}
