//! Running the two Worker bundles under workerd itself (not `wrangler dev`, whose dev proxy is
//! slow under load): a capnp config written at run time, two free loopback ports, and a process
//! group that is stopped on drop.

use std::fmt::Write as _;
use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{self, Server};

/// The compatibility date of `wrangler.toml` (workerd 1.20261023 accepts dates up to 2026-10-23).
pub const COMPATIBILITY_DATE: &str = "2026-10-01";

/// The text bindings the Worker reads on `/health`, as in `wrangler.toml` `[vars]`. `/health`
/// touches no D1 or Durable Object, so those bindings are left out. Rate limits are the defaults,
/// whose per-IP rule spares `/health`; KV is still bound (an in-memory stub) so that rules a
/// `--header`/`--edge-headers` run makes apply have their store.
pub const HEALTH_VARS: &[(&str, &str)] = &[
    ("CORS_ALLOWED_ORIGINS", "http://localhost:3000,https://app.orderflow.example"),
    ("CORS_ALLOW_CREDENTIALS", "true"),
    ("MAX_BODY_BYTES", "1048576"),
];

/// The service name of the in-memory KV stub (see [`KV_STUB_JS`]).
pub const KV_STUB: &str = "kv-stub";

/// A Workers KV namespace for the benchmark: an in-memory map behind the protocol workerd's
/// `kvNamespace` binding speaks (`GET`/`PUT`/`DELETE https://fake-host/<urlencoded key>`).
/// Enough for get/put/delete (a rate limiter's approximate store); no listing, no expiry.
/// Local workerd has no KV storage of its own (wrangler dev gets it from miniflare).
pub const KV_STUB_JS: &str = r#"// Written by tests/bench: an in-memory stand-in for Workers KV.
const store = new Map();
export default {
  async fetch(request) {
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (key === "") return new Response("listing is not supported by the benchmark's KV stub", { status: 501 });
    switch (request.method) {
      case "GET": {
        const value = store.get(key);
        return value === undefined ? new Response(null, { status: 404 }) : new Response(value);
      }
      case "PUT":
        store.set(key, await request.arrayBuffer());
        return new Response(null);
      case "DELETE":
        store.delete(key);
        return new Response(null);
      default:
        return new Response(null, { status: 405 });
    }
  },
};
"#;

/// One Worker to serve: a worker-build output folder (`index.js` + `index_bg.wasm`).
#[derive(Debug, Clone)]
pub struct Service {
    /// The service and socket name in the config (`health`, `empty`).
    pub name: &'static str,
    /// The folder holding `index.js` and `index_bg.wasm`.
    pub bundle: PathBuf,
    /// Text bindings (`env.NAME`).
    pub vars: &'static [(&'static str, &'static str)],
    /// A KV namespace binding name served by the in-memory stub ([`KV_STUB_JS`]), if any.
    pub kv: Option<&'static str>,
    /// The loopback address it listens on.
    pub address: SocketAddr,
}

impl Service {
    /// The bundle's wasm module.
    pub fn wasm(&self) -> PathBuf {
        self.bundle.join("index_bg.wasm")
    }

    /// The bundle's ES module entry point.
    pub fn script(&self) -> PathBuf {
        self.bundle.join("index.js")
    }
}

/// A loopback port nobody listens on right now (the OS picks it; workerd binds it a moment later).
pub fn free_port() -> std::io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}

/// Quotes `text` as a capnp text literal.
fn capnp_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// `to` relative to the folder `from` (both absolute): capnp's `embed` takes paths relative to
/// the config file (an absolute one would be looked up among the import roots).
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path: PathBuf = std::iter::repeat_n(Component::ParentDir, from.len() - common).collect();
    path.extend(&to[common..]);
    path
}

/// The workerd config (capnp text) serving every service on its own HTTP socket, to be written
/// into the folder `config_dir` (module paths are relative to it).
pub fn config(config_dir: &Path, services: &[Service]) -> String {
    let mut out = String::from("using Workerd = import \"/workerd/workerd.capnp\";\n\n");
    out.push_str("const config :Workerd.Config = (\n  services = [\n");
    for s in services {
        let _ = writeln!(out, "    (name = {}, worker = .{}Worker),", capnp_string(s.name), s.name);
    }
    let _ = writeln!(out, "    (name = {}, worker = .kvStubWorker),", capnp_string(KV_STUB));
    out.push_str("  ],\n  sockets = [\n");
    for s in services {
        let _ = writeln!(
            out,
            "    (name = {name}, address = {address}, http = (), service = {name}),",
            name = capnp_string(s.name),
            address = capnp_string(&s.address.to_string()),
        );
    }
    out.push_str("  ],\n);\n");
    for s in services {
        let _ = write!(
            out,
            "\nconst {}Worker :Workerd.Worker = (\n  modules = [\n    \
             (name = \"index.js\", esModule = embed {}),\n    \
             (name = \"index_bg.wasm\", wasm = embed {}),\n  ],\n  \
             compatibilityDate = {},\n  bindings = [\n",
            s.name,
            capnp_string(&relative(config_dir, &s.script()).to_string_lossy()),
            capnp_string(&relative(config_dir, &s.wasm()).to_string_lossy()),
            capnp_string(COMPATIBILITY_DATE),
        );
        for (name, value) in s.vars {
            let _ = writeln!(out, "    (name = {}, text = {}),", capnp_string(name), capnp_string(value));
        }
        if let Some(name) = s.kv {
            let _ = writeln!(out, "    (name = {}, kvNamespace = {}),", capnp_string(name), capnp_string(KV_STUB));
        }
        out.push_str("  ],\n);\n");
    }
    let _ = write!(
        out,
        "\nconst kvStubWorker :Workerd.Worker = (\n  modules = [(name = \"kv-stub.js\", esModule = embed \"kv-stub.js\")],\n  \
         compatibilityDate = {},\n);\n",
        capnp_string(COMPATIBILITY_DATE)
    );
    out
}

/// workerd serving a config written by [`config`].
pub struct Workerd(Server);

impl Workerd {
    /// Writes `config` (made by [`config`] for `work_dir`) and the KV stub into `work_dir`, and
    /// starts `binary serve` on it, logging to `work_dir/workerd.log`.
    pub fn start(binary: &Path, work_dir: &Path, config: &str) -> Result<Self, String> {
        fs::create_dir_all(work_dir).map_err(|e| format!("create {}: {e}", work_dir.display()))?;
        let stub_path = work_dir.join("kv-stub.js");
        fs::write(&stub_path, KV_STUB_JS).map_err(|e| format!("write {}: {e}", stub_path.display()))?;
        let config_path = work_dir.join("workerd.capnp");
        fs::write(&config_path, config).map_err(|e| format!("write {}: {e}", config_path.display()))?;
        let mut command = Command::new(binary);
        command.arg("serve").arg(&config_path);
        Server::start("workerd", command, &work_dir.join("workerd.log"), false).map(Self)
    }

    /// The process (and group) id.
    pub fn pid(&self) -> u32 {
        self.0.pid()
    }

    /// Where its output goes.
    pub fn log_path(&self) -> &Path {
        &self.0.log_path
    }

    /// CPU time workerd has used so far, all threads together.
    pub fn cpu_time(&self) -> Option<Duration> {
        process::cpu_time(&self.0.pid().to_string())
    }

    /// `Some(reason)` if workerd has already exited.
    pub fn exited(&mut self) -> Option<String> {
        self.0.exited()
    }

    /// The last `lines` lines of its log.
    pub fn log_tail(&self, lines: usize) -> String {
        self.0.log_tail(lines)
    }

    /// Stops it.
    pub fn stop(&mut self) {
        self.0.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_names_both_modules_sockets_and_bindings() {
        let service = Service {
            name: "health",
            bundle: PathBuf::from("/x/target/worker"),
            vars: HEALTH_VARS,
            kv: Some("KV"),
            address: "127.0.0.1:4321".parse().unwrap(),
        };
        let text = config(Path::new("/x/target/bench"), &[service]);
        assert!(text.contains("(name = \"health\", worker = .healthWorker)"));
        assert!(text.contains("address = \"127.0.0.1:4321\", http = (), service = \"health\""));
        assert!(text.contains("esModule = embed \"../worker/index.js\""));
        assert!(text.contains("wasm = embed \"../worker/index_bg.wasm\""));
        assert!(text.contains("compatibilityDate = \"2026-10-01\""));
        assert!(text.contains("(name = \"MAX_BODY_BYTES\", text = \"1048576\")"));
        assert!(text.contains("(name = \"KV\", kvNamespace = \"kv-stub\")"));
        assert!(text.contains("(name = \"kv-stub\", worker = .kvStubWorker)"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative(Path::new("/a/b/c"), Path::new("/a/d/e")), PathBuf::from("../../d/e"));
        assert_eq!(relative(Path::new("/a"), Path::new("/a/x")), PathBuf::from("x"));
    }

    #[test]
    fn capnp_strings_are_escaped() {
        assert_eq!(capnp_string(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
