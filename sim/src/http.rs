//! HTTP plumbing shared by both services: the response body type (whole, or
//! streamed for oversized answers), request bodies read with a 1 MiB cap,
//! query strings, random ids.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Request bodies above this are refused (413).
pub(crate) const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// A response body: all at once, or `remaining` bytes of filler streamed in
/// chunks (for the oversized-answer fault).
#[derive(Debug)]
pub(crate) enum SimBody {
    Full(Option<Bytes>),
    Stream { remaining: u64, chunk: Bytes },
}

impl SimBody {
    pub(crate) fn full(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        if data.is_empty() {
            SimBody::Full(None)
        } else {
            SimBody::Full(Some(data))
        }
    }

    /// `total` bytes that start like `prefix` and go on with filler.
    pub(crate) fn oversized(prefix: &str, total: u64) -> Self {
        const CHUNK: usize = 64 * 1024;
        let mut chunk = Vec::with_capacity(CHUNK);
        chunk.extend_from_slice(prefix.as_bytes());
        while chunk.len() < CHUNK {
            chunk.extend_from_slice(b"<Filler>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</Filler>\n");
        }
        chunk.truncate(CHUNK);
        SimBody::Stream {
            remaining: total,
            chunk: Bytes::from(chunk),
        }
    }
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        match this {
            SimBody::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            SimBody::Stream { remaining, chunk } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let n = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(chunk.len());
                *remaining -= n as u64;
                Poll::Ready(Some(Ok(Frame::data(chunk.slice(..n)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            SimBody::Full(data) => data.is_none(),
            SimBody::Stream { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SimBody::Full(data) => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            SimBody::Stream { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

/// A response with a status (invalid ones become 500), a content type and a body.
pub(crate) fn response(status: u16, content_type: &str, body: SimBody) -> Response<SimBody> {
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    resp
}

/// Adds a header, skipping values that are not valid header text.
pub(crate) fn set_header(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// Why a request body could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    #[error("request body larger than {MAX_REQUEST_BODY} bytes")]
    TooLarge,
    #[error("request body could not be read")]
    Read,
}

/// Reads a whole request body, refusing more than [`MAX_REQUEST_BODY`].
pub(crate) async fn read_body<B>(headers: &HeaderMap, body: B) -> Result<Bytes, BodyError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BODY as u64) {
        return Err(BodyError::TooLarge);
    }
    match http_body_util::Limited::new(body, MAX_REQUEST_BODY)
        .collect()
        .await
    {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Read),
    }
}

/// What a service does with a request: answer it, or hold the connection
/// open without ever answering (the `Hang` faults and behaviours).
pub(crate) enum Outcome {
    Answer(hyper::Response<SimBody>),
    Hang,
}

/// A header's value as text, when present and printable.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `%XX` decoding (`+` stays a plus, as in AWS REST query strings); invalid
/// UTF-8 is replaced.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|c| (*c as char).to_digit(16)),
                bytes.get(i + 2).and_then(|c| (*c as char).to_digit(16)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of query parameter `name`, decoded.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .find(|(key, _)| percent_decode(key) == name)
        .map(|(_, value)| percent_decode(value))
}

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const BASE64_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_from(alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| alphabet[fastrand::usize(..alphabet.len())] as char)
        .collect()
}

/// Upper-case letters and digits, as in AWS ids.
pub(crate) fn random_upper(len: usize) -> String {
    random_from(UPPER_ALNUM, len)
}

/// Base64 alphabet characters, as in secret keys and tokens.
pub(crate) fn random_base64(len: usize) -> String {
    random_from(BASE64_CHARS, len)
}

/// A request id in AWS's UUID form.
pub(crate) fn request_id() -> String {
    let hex = |n: usize| -> String {
        (0..n)
            .map(|_| char::from_digit(fastrand::u32(..16), 16).unwrap_or('0'))
            .collect()
    };
    format!("{}-{}-{}-{}-{}", hex(8), hex(4), hex(4), hex(4), hex(12))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;

    #[test]
    fn query_parsing() {
        let q = "name=web.example.com.&type=CNAME&maxitems=1&x=%2A%zz&plus=a+b";
        assert_eq!(query_param(q, "name").as_deref(), Some("web.example.com."));
        assert_eq!(query_param(q, "maxitems").as_deref(), Some("1"));
        assert_eq!(query_param(q, "x").as_deref(), Some("*%zz"));
        assert_eq!(query_param(q, "plus").as_deref(), Some("a+b"));
        assert_eq!(query_param(q, "missing"), None);
        assert_eq!(query_param("flag", "flag").as_deref(), Some(""));
        assert_eq!(percent_decode("%ff%"), "\u{fffd}%");
    }

    #[test]
    fn ids_have_aws_shapes() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert!(random_upper(14).bytes().all(|b| UPPER_ALNUM.contains(&b)));
        assert_eq!(random_base64(40).len(), 40);
    }

    #[tokio::test]
    async fn body_cap() {
        let headers = HeaderMap::new();
        let small = read_body(&headers, Full::new(Bytes::from_static(b"hello")))
            .await
            .unwrap();
        assert_eq!(&small[..], b"hello");
        let big = Bytes::from(vec![b'x'; MAX_REQUEST_BODY + 1]);
        assert!(matches!(
            read_body(&headers, Full::new(big)).await,
            Err(BodyError::TooLarge)
        ));
        let mut declared = HeaderMap::new();
        declared.insert(header::CONTENT_LENGTH, HeaderValue::from_static("99999999"));
        assert!(matches!(
            read_body(&declared, Full::new(Bytes::new())).await,
            Err(BodyError::TooLarge)
        ));
    }

    #[tokio::test]
    async fn oversized_body_streams_exactly() {
        let body = SimBody::oversized("<?xml?>", 200_000);
        assert_eq!(body.size_hint().exact(), Some(200_000));
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(bytes.len(), 200_000);
        assert!(bytes.starts_with(b"<?xml?>"));
    }
}
