//! A collector stand-in for the tracing-on runs: accepts OTLP/HTTP posts on a loopback port,
//! reads each body and answers `200`, counting exports and bytes (so the report shows the
//! export really happened). Decoding is the contract suite's job; this only has to be cheap.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Exports received and their body bytes.
#[derive(Default)]
pub struct Received {
    /// Requests answered.
    pub exports: AtomicU64,
    /// Body bytes read.
    pub bytes: AtomicU64,
}

/// Starts the sink; returns its base URL and its counters.
pub fn start() -> Result<(String, Arc<Received>), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind the OTLP sink: {e}"))?;
    let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    let received = Arc::new(Received::default());
    let counters = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counters = Arc::clone(&counters);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                // Keep-alive: one request after another until the peer closes.
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    let mut any = false;
                    while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                        any = true;
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                        line.clear();
                    }
                    if !any {
                        return;
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    counters.exports.fetch_add(1, Ordering::Relaxed);
                    counters.bytes.fetch_add(length as u64, Ordering::Relaxed);
                    let answer =
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if (&stream).write_all(answer).is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok((url, received))
}
