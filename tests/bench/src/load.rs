//! The HTTP/1.1 load: keep-alive connections (hyper, `TCP_NODELAY`), one request in flight per
//! connection, each latency measured from sending the request to having read the whole body.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The longest one request may take before it counts as an error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Something to measure: one URL on one workerd socket.
#[derive(Debug, Clone)]
pub struct Target {
    /// Short name for the report (`health`, `empty`).
    pub name: &'static str,
    /// Where its socket listens.
    pub address: SocketAddr,
    /// The path requested (`/health`, `/`).
    pub path: &'static str,
    /// Extra request headers sent with every request (besides `Host`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// What a run collected.
#[derive(Debug, Default, Clone)]
pub struct Sample {
    /// The latency of every successful (`200`) request.
    pub latencies: Vec<Duration>,
    /// Requests that failed or did not answer `200`.
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
}

/// One keep-alive connection to a target.
pub struct Connection {
    sender: SendRequest<Empty<Bytes>>,
    target: Target,
}

/// What one request returned.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: StatusCode,
    /// The whole body.
    pub body: Bytes,
}

impl Connection {
    /// Opens a connection to `target`.
    pub async fn open(target: &Target) -> Result<Self, String> {
        let stream = TcpStream::connect(target.address).await.map_err(|e| format!("connect {}: {e}", target.name))?;
        stream.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
        let (sender, connection) =
            http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake {}: {e}", target.name))?;
        tokio::spawn(async move {
            // Ends when the sender is dropped or the server closes the connection.
            let _ = connection.await;
        });
        Ok(Self { sender, target: target.clone() })
    }

    /// Sends one `GET` and reads the whole answer.
    pub async fn get(&mut self) -> Result<Answer, String> {
        let mut request = Request::get(self.target.path)
            .header(header::HOST, self.target.address.to_string())
            .body(Empty::<Bytes>::new())
            .map_err(|e| e.to_string())?;
        for (name, value) in &self.target.headers {
            request.headers_mut().append(name, value.clone());
        }
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let response = self.sender.send_request(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(Answer { status, body })
    }

    /// Sends one `GET` and returns its latency if it answered `200` within [`REQUEST_TIMEOUT`].
    /// On a transport error or time-out the connection is reopened (so one error does not end
    /// the run).
    async fn timed(&mut self) -> Result<Duration, ()> {
        let started = Instant::now();
        match tokio::time::timeout(REQUEST_TIMEOUT, self.get()).await {
            Ok(Ok(answer)) if answer.status == StatusCode::OK => Ok(started.elapsed()),
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

/// Waits until `target` answers `200`, for at most `timeout`, returning its first answer.
/// `alive` is asked between attempts and ends the wait early with its reason (workerd exited).
pub async fn wait_until_up(
    target: &Target,
    timeout: Duration,
    mut alive: impl FnMut() -> Result<(), String>,
) -> Result<Answer, String> {
    let deadline = Instant::now() + timeout;
    let mut last = String::from("no attempt");
    while Instant::now() < deadline {
        alive()?;
        match Connection::open(target).await {
            Ok(mut connection) => match connection.get().await {
                Ok(answer) if answer.status == StatusCode::OK => return Ok(answer),
                Ok(answer) => last = format!("status {}: {}", answer.status, String::from_utf8_lossy(&answer.body)),
                Err(e) => last = e,
            },
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{} did not answer 200 on {} within {timeout:?}: {last}", target.name, target.path))
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

/// `connections` keep-alive connections, each sending its next request as soon as the last one
/// is answered, for `duration` (requests still in flight at the end are waited for and counted).
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
