//! RPC clients for the cases: `tests/rpc/client.mjs` (the Connect and gRPC-Web transports of
//! `@connectrpc/connect-node`) with a descriptor set `buf build` makes from `proto/`, and
//! `buf curl`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::node::{self, Lines};
use crate::runtime::project_root;

/// The transports the real client speaks.
#[derive(Debug, Clone, Copy)]
pub enum Transport {
    /// Connect, binary codec.
    ConnectProto,
    /// Connect, JSON codec.
    ConnectJson,
    /// gRPC-Web, binary codec.
    GrpcWeb,
    /// gRPC-Web, JSON codec.
    GrpcWebJson,
}

/// Every transport.
pub const TRANSPORTS: [Transport; 4] =
    [Transport::ConnectProto, Transport::ConnectJson, Transport::GrpcWeb, Transport::GrpcWebJson];

impl Transport {
    fn arg(self) -> &'static str {
        match self {
            Self::ConnectProto => "connect-proto",
            Self::ConnectJson => "connect-json",
            Self::GrpcWeb => "grpc-web",
            Self::GrpcWebJson => "grpc-web-json",
        }
    }
}

/// The pinned buf binary (inside npm `@bufbuild/buf`).
pub fn buf() -> PathBuf {
    project_root().join("node_modules/@bufbuild/buf-linux-x64/bin/buf")
}

/// The descriptor set of `proto/` (with its imports), built once per run.
fn descriptors() -> Result<&'static str, String> {
    static BUILT: OnceLock<Result<String, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let out = project_root().join("target/contract/orderflow.binpb");
            std::fs::create_dir_all(out.parent().ok_or("target dir")?).map_err(|e| e.to_string())?;
            let status = Command::new(buf())
                .args(["build", "-o"])
                .arg(&out)
                .current_dir(project_root())
                .status()
                .map_err(|e| format!("run buf (run scripts/setup.sh): {e}"))?;
            if !status.success() {
                return Err(format!("buf build failed: {status}"));
            }
            Ok(out.display().to_string())
        })
        .as_deref()
        .map_err(Clone::clone)
}

/// A call in progress: its JSON lines (`response`, `message`, `end`, `error`).
pub struct Call(Lines);

/// Starts `service`/`method` (e.g. `orderflow.v1.OrderService`, `GetOrder`) with the
/// proto3-JSON `request`.
pub fn start(
    base_url: &str,
    transport: Transport,
    service: &str,
    method: &str,
    request: &Value,
    token: Option<&str>,
    timeout: Option<Duration>,
) -> Result<Call, String> {
    let request = request.to_string();
    let timeout = timeout.map(|t| t.as_millis().to_string()).unwrap_or_default();
    let args = [descriptors()?, base_url, transport.arg(), service, method, &request, token.unwrap_or(""), &timeout];
    node::spawn("tests/rpc/client.mjs", &args).map(Call)
}

/// How long a client may take to start and answer on a busy two-core machine.
const WAIT: Duration = Duration::from_secs(20);

impl Call {
    /// The next line: one stream message, the end, or an error.
    pub fn next(&self, wait: Duration) -> Result<Value, String> {
        self.0.next(wait, "RPC client output")
    }
}

/// A unary call to its end: `Ok(response)` or `Err` with the client's `error` line as JSON.
pub fn unary(
    base_url: &str,
    transport: Transport,
    service: &str,
    method: &str,
    request: &Value,
    token: Option<&str>,
) -> Result<Result<Value, Value>, String> {
    let line = start(base_url, transport, service, method, request, token, None)?.next(WAIT)?;
    match (line.get("response"), line.get("error")) {
        (Some(response), _) => Ok(Ok(response.clone())),
        (_, Some(error)) => Ok(Err(error.clone())),
        _ => Err(format!("unexpected client output {line}")),
    }
}

/// `buf curl` of one unary method with a JSON request (Connect protocol, the schema from
/// `proto/`): its exit status and output.
pub fn buf_curl(base_url: &str, service: &str, method: &str, request: &Value) -> Result<(bool, String), String> {
    let output = Command::new(buf())
        .args(["curl", "--schema", ".", "--data"])
        .arg(request.to_string())
        .arg(format!("{base_url}/{service}/{method}"))
        .current_dir(project_root())
        .output()
        .map_err(|e| format!("run buf curl: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    Ok((output.status.success(), text))
}
