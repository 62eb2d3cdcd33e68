//! `web::Response` → the `wasi:http` response, its body written in one piece or streamed.

use http::header::CONTENT_LENGTH;
use spin_sdk::wasip3::http::types::{Fields, Response as WasiResponse};
use spin_sdk::wasip3::{wit_future, wit_stream};

/// The response for the host: the head, `Content-Length` (so the host frames the body by length
/// instead of chunking it: a chunked body ends with a terminator written after the guest
/// closes its stream, one more write for the client to wait on), and the body written to the
/// stream by a spawned task. `Content-Length: 0` goes on every empty response that may have a
/// body: not on 1xx, 204, 304, or the answer to a `HEAD` (`head_request`), whose length
/// would be the `GET`'s. A streamed body has no length: the host chunks it, and each chunk is
/// written as the stream yields it, until the stream ends or the client goes away.
///
/// Never fails: a header list the host refuses (which our own headers never are) is replaced
/// by an empty one, so the client still gets the status and body.
pub fn to_wasi_response(response: web::Response, head_request: bool) -> WasiResponse {
    let (head, body) = response.into_parts();
    let mut list: Vec<(String, Vec<u8>)> = Vec::with_capacity(head.headers.len() + 1);
    for (name, value) in &head.headers {
        if name != CONTENT_LENGTH {
            list.push((name.as_str().to_owned(), value.as_bytes().to_vec()));
        }
    }
    let status = head.status.as_u16();
    let bodiless = head_request || status < 200 || status == 204 || status == 304;
    if let Some(bytes) = body.full()
        && (!bytes.is_empty() || !bodiless)
    {
        list.push((CONTENT_LENGTH.as_str().to_owned(), bytes.len().to_string().into_bytes()));
    }
    let headers = Fields::from_list(&list).unwrap_or_else(|_| Fields::new());
    // A trailers future whose writer is dropped still reports success: the body is complete
    // once its bytes are written, so the connection is never aborted for want of trailers.
    let (trailers_writer, trailers) = wit_future::new(|| Ok(None));
    let contents = if body.is_empty() {
        drop(trailers_writer);
        None
    } else {
        let (mut writer, reader) = wit_stream::new();
        spin_sdk::wasip3::spawn(async move {
            let mut body = body;
            while let Some(chunk) = body.next_chunk().await {
                // What comes back unwritten means the client has gone: stop producing.
                if !writer.write_all(chunk.to_vec()).await.is_empty() {
                    break;
                }
            }
            drop(writer);
            drop(trailers_writer);
        });
        Some(reader)
    };
    let (response, _transmitted) = WasiResponse::new(headers, contents, trailers);
    let _ = response.set_status_code(head.status.as_u16());
    response
}
