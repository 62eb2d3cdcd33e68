//! The HTTP/1.1 load: connections (hyper, `TCP_NODELAY`), one request in flight per connection,
//! each latency measured from sending the request to having read the whole body.
//!
//! Connections are kept alive unless the target asks for a new one per request (what a client
//! behind many NATs looks like, and how Spin is measured beside keep-alive).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpSocket;

/// The longest one request may take before it counts as an error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Sets headers that differ from request to request (a client address, an idempotency key).
pub type Vary = Arc<dyn Fn(&mut HeaderMap) + Send + Sync>;

/// Something to measure: one request shape against one socket.
#[derive(Clone)]
pub struct Target {
    /// Short name for the report.
    pub name: &'static str,
    /// Where its socket listens.
    pub address: SocketAddr,
    /// The method.
    pub method: Method,
    /// The path (and query) requested.
    pub path: String,
    /// Headers sent with every request (besides `Host`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The body sent with every request.
    pub body: Bytes,
    /// The status that counts as success.
    pub expect: StatusCode,
    /// Per-request headers, if any.
    pub vary: Option<Vary>,
    /// A new connection (from a new loopback source address) for every request.
    pub fresh_connections: bool,
    /// Connect from a random `127.x.y.z` address instead of `127.0.0.1`, so that a server keying
    /// on the peer address (Spin) sees many clients.
    pub spread_sources: bool,
}

impl Target {
    /// A `GET` of `path` that should answer `200`, with no extra headers.
    pub fn get(name: &'static str, address: SocketAddr, path: impl Into<String>) -> Self {
        Self {
            name,
            address,
            method: Method::GET,
            path: path.into(),
            headers: Vec::new(),
            body: Bytes::new(),
            expect: StatusCode::OK,
            vary: None,
            fresh_connections: false,
            spread_sources: false,
        }
    }

    /// The same target with `headers` added.
    pub fn with_headers(mut self, headers: impl IntoIterator<Item = (HeaderName, HeaderValue)>) -> Self {
        self.headers.extend(headers);
        self
    }
}

/// What a run collected.
#[derive(Debug, Default, Clone)]
pub struct Sample {
    /// The latency of every successful request.
    pub latencies: Vec<Duration>,
    /// Requests that failed or answered another status.
    pub errors: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Sample {
    /// Adds `other`'s requests and time to this one.
    pub fn merge(&mut self, other: Sample) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        self.elapsed += other.elapsed;
    }

    /// Requests sent, failed or not.
    pub fn sent(&self) -> u64 {
        self.latencies.len() as u64 + self.errors
    }
}

/// One connection to a target.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    target: Target,
}

/// What one request returned.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

/// A different loopback source address each call (`127.1.0.1`, `127.1.0.2`, …).
fn next_source() -> IpAddr {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed) % (1 << 22);
    IpAddr::V4(Ipv4Addr::new(127, 1 + (n >> 16) as u8, (n >> 8) as u8, n as u8))
}

impl Connection {
    /// Opens a connection to `target`, giving up after [`REQUEST_TIMEOUT`].
    pub async fn open(target: &Target) -> Result<Self, String> {
        tokio::time::timeout(REQUEST_TIMEOUT, Self::connect(target))
            .await
            .unwrap_or_else(|_| Err(format!("connect {}: timed out", target.name)))
    }

    async fn connect(target: &Target) -> Result<Self, String> {
        let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
        if target.spread_sources {
            socket.bind(SocketAddr::new(next_source(), 0)).map_err(|e| format!("bind: {e}"))?;
        }
        socket.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
        let stream = socket.connect(target.address).await.map_err(|e| format!("connect {}: {e}", target.name))?;
        let (sender, connection) =
            http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake {}: {e}", target.name))?;
        tokio::spawn(async move {
            // Ends when the sender is dropped or the server closes the connection.
            let _ = connection.await;
        });
        Ok(Self { sender, target: target.clone() })
    }

    /// Sends the target's request and reads the whole answer.
    pub async fn send(&mut self) -> Result<Answer, String> {
        let target = &self.target;
        let mut request = Request::builder()
            .method(target.method.clone())
            .uri(target.path.as_str())
            .header(header::HOST, target.address.to_string())
            .body(Full::new(target.body.clone()))
            .map_err(|e| e.to_string())?;
        for (name, value) in &target.headers {
            request.headers_mut().append(name, value.clone());
        }
        if let Some(vary) = &target.vary {
            vary(request.headers_mut());
        }
        if target.fresh_connections {
            request.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let response = self.sender.send_request(request).await.map_err(|e| e.to_string())?;
        let (head, body) = response.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(Answer { status: head.status, headers: head.headers, body })
    }

    /// Sends one request and returns its latency if it answered the expected status within
    /// [`REQUEST_TIMEOUT`]. A new connection is opened first if the target wants one per
    /// request (counted in the latency, as a client would feel it), and after a transport error
    /// or time-out (so one error does not end the run).
    async fn timed(&mut self) -> Result<Duration, ()> {
        let started = Instant::now();
        if self.target.fresh_connections {
            match Connection::open(&self.target).await {
                Ok(fresh) => *self = fresh,
                Err(_) => return Err(()),
            }
        }
        match tokio::time::timeout(REQUEST_TIMEOUT, self.send()).await {
            Ok(Ok(answer)) if answer.status == self.target.expect => Ok(started.elapsed()),
            Ok(Ok(_)) => Err(()),
            Ok(Err(_)) | Err(_) => {
                if let Ok(fresh) = Connection::open(&self.target).await {
                    *self = fresh;
                }
                Err(())
            }
        }
    }
}

/// Sends `target`'s request once on a new connection, giving up after [`REQUEST_TIMEOUT`].
pub async fn once(target: &Target) -> Result<Answer, String> {
    let mut connection = Connection::open(target).await?;
    tokio::time::timeout(REQUEST_TIMEOUT, connection.send())
        .await
        .unwrap_or_else(|_| Err(format!("{} {}: no answer within {REQUEST_TIMEOUT:?}", target.method, target.path)))
}

/// Waits until `target` answers its expected status, for at most `timeout`, returning its
/// first answer. `alive` is asked between attempts and ends the wait early with its reason
/// (the server exited).
pub async fn wait_until_up(
    target: &Target,
    timeout: Duration,
    mut alive: impl FnMut() -> Result<(), String>,
) -> Result<Answer, String> {
    let deadline = Instant::now() + timeout;
    let mut last = String::from("no attempt");
    while Instant::now() < deadline {
        alive()?;
        match once(target).await {
            Ok(answer) if answer.status == target.expect => return Ok(answer),
            Ok(answer) => last = format!("status {}: {}", answer.status, String::from_utf8_lossy(&answer.body)),
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{} did not answer {} on {} within {timeout:?}: {last}", target.name, target.expect, target.path))
}

/// `requests` requests one after the other on one connection: latency without queueing.
pub async fn sequential(target: &Target, requests: usize) -> Result<Sample, String> {
    let mut connection = Connection::open(target).await?;
    let mut sample = Sample { latencies: Vec::with_capacity(requests), ..Sample::default() };
    let started = Instant::now();
    for _ in 0..requests {
        match connection.timed().await {
            Ok(latency) => sample.latencies.push(latency),
            Err(()) => sample.errors += 1,
        }
    }
    sample.elapsed = started.elapsed();
    Ok(sample)
}

/// `connections` connections, each sending its next request as soon as the last one is
/// answered, for `duration` (requests still in flight at the end are waited for and counted).
pub async fn throughput(target: &Target, connections: usize, duration: Duration) -> Result<Sample, String> {
    let mut opened = Vec::with_capacity(connections);
    for _ in 0..connections {
        opened.push(Connection::open(target).await?);
    }
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = opened
        .into_iter()
        .map(|mut connection| {
            tokio::spawn(async move {
                let mut sample = Sample::default();
                while Instant::now() < deadline {
                    match connection.timed().await {
                        Ok(latency) => sample.latencies.push(latency),
                        Err(()) => sample.errors += 1,
                    }
                }
                sample
            })
        })
        .collect();
    let mut total = Sample::default();
    for task in tasks {
        total.merge(task.await.map_err(|e| format!("load task: {e}"))?);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

/// A header map setter for a random client address per request (`cf-connecting-ip`, as
/// Cloudflare's edge sets it), so per-IP rules see many clients.
pub fn random_client_ip() -> Vary {
    static NEXT: AtomicU64 = AtomicU64::new(0x0a00_0001);
    Arc::new(|headers: &mut HeaderMap| {
        // A multiplicative walk through 10.0.0.0/8: every request a different address.
        let n = NEXT.fetch_add(1, Ordering::Relaxed).wrapping_mul(2_654_435_761) as u32;
        let ip = Ipv4Addr::from(0x0a00_0000 | (n & 0x00ff_ffff));
        if let Ok(value) = HeaderValue::from_str(&ip.to_string()) {
            headers.insert("cf-connecting-ip", value);
        }
    })
}
