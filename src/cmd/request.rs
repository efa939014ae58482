//! `ec2-dns-updater request METHOD PATH`: one signed request, what the source
//! articles' curl wrapper did, with this program's credential chain, signing
//! and retry policy. Prints the status and the answer (XML pretty-printed).

use crate::aws::client::{
    AwsClient, CallError, ClientSettings, Endpoint, Operation, starting_scheme,
};
use crate::aws::credentials::CredentialSource;
use crate::aws::http;
use crate::config::SigningMode;
use crate::route53;
use crate::run::context::Context;
use crate::run::error::{EXIT_OK, Error, RequestError};
use aws_sign::sign::Scheme;
use quick_xml::events::Event;
use reqwest::{Method, Url};
use std::io::Write;

/// What to send.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    /// The body, or `@FILE`.
    pub data: Option<String>,
    pub service: String,
    pub region: Option<String>,
    pub endpoint: Option<String>,
}

/// Sends the request; prints to `out`; returns the exit code.
pub(crate) async fn run(
    ctx: &Context,
    request: &Request,
    out: &mut dyn Write,
) -> Result<u8, Error> {
    let method = Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| RequestError::Method(request.method.clone()))?;
    if !request.path.starts_with('/') {
        return Err(RequestError::Path(request.path.clone()).into());
    }
    let body = match request.data.as_deref() {
        None => None,
        Some(d) => Some(match d.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path).map_err(|source| RequestError::Data {
                path: path.to_owned(),
                source,
            })?,
            None => d.to_owned(),
        }),
    };

    let other;
    let client =
        if request.service == "route53" && request.endpoint.is_none() && request.region.is_none() {
            ctx.route53.client()
        } else {
            other = service_client(ctx, request).await?;
            &other
        };
    let result = client
        .send(
            Operation("request"),
            method,
            &request.path,
            body.as_deref(),
            ctx.deadline(),
        )
        .await;
    match result {
        Ok(answer) => {
            print_answer(out, answer.status, &answer.body);
            Ok(EXIT_OK)
        }
        Err(CallError::Refused { failure, op }) => {
            let code = Error::from(CallError::Refused {
                op,
                failure: failure.clone(),
            })
            .exit_code();
            print_answer(out, failure.status.unwrap_or(0), &failure.body);
            Ok(code)
        }
        Err(e) => Err(e.into()),
    }
}

/// A SigV4 client for another service or endpoint.
async fn service_client(ctx: &Context, request: &Request) -> Result<AwsClient, Error> {
    let region = match &request.region {
        Some(r) => r.clone(),
        None if request.service == "route53" => ctx.config.route53.region.clone(),
        None => ctx
            .imds
            .get("meta-data/placement/region", ctx.deadline())
            .await?
            .ok_or_else(|| RequestError::Region(request.service.clone()))?,
    };
    let url_text = match &request.endpoint {
        Some(e) => e.clone(),
        None if request.service == "route53" => ctx.config.route53.endpoint.to_string(),
        None => format!("https://{}.{region}.amazonaws.com", request.service),
    };
    let url = endpoint_url(&url_text)?;
    let mode = if request.service == "route53" {
        ctx.config.route53.signing
    } else {
        SigningMode::Fixed(Scheme::SigV4)
    };
    let extra_ca = ctx.config.route53.ca_bundle.is_some();
    let start = starting_scheme(mode, None, &url, extra_ca);
    Ok(AwsClient::new(
        ctx.tls.clone(),
        ClientSettings {
            endpoint: Endpoint {
                url,
                region,
                service: request.service.clone(),
            },
            signing: mode,
            initial_scheme: start,
            parse_error: route53::xml::parse_error,
        },
        CredentialSource::new(ctx.credentials.clone(), ctx.imds.clone()),
    ))
}

/// `--endpoint`, under the rule of `route53.endpoint`: https, or plain http
/// to a loopback host only (signed requests and session tokens never cross a
/// network in clear text). Checked before anything is sent.
fn endpoint_url(text: &str) -> Result<Url, RequestError> {
    let refuse = |reason: String| RequestError::Endpoint {
        url: text.to_owned(),
        reason,
    };
    let url = Url::parse(text).map_err(|e| refuse(e.to_string()))?;
    if url.host_str().is_none() || url.query().is_some() || url.fragment().is_some() {
        return Err(refuse(
            "must be a base URL like \"https://host[:port][/prefix]\", without query or fragment"
                .into(),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if http::is_loopback_host(&url) => Ok(url),
        "http" => Err(refuse(
            "plain http would send the signed request and credentials in clear text: use https (http is accepted only for loopback hosts)".into(),
        )),
        other => Err(refuse(format!("unsupported scheme {other:?}: use https://"))),
    }
}

fn print_answer(out: &mut dyn Write, status: u16, body: &str) {
    let text = format!(
        "HTTP {status}\n{}\n",
        pretty_xml(body).unwrap_or_else(|| body.trim_end().to_owned())
    );
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Indents an XML document; `None` when it is not XML.
pub(crate) fn pretty_xml(body: &str) -> Option<String> {
    if !body.trim_start().starts_with('<') {
        return None;
    }
    let mut reader = quick_xml::Reader::from_str(body);
    let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Text(t)) if t.as_ref().trim().is_empty() => {}
            Ok(event) => writer.write_event(event).ok()?,
            Err(_) => return None,
        }
    }
    String::from_utf8(writer.into_inner()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_is_https_or_loopback_http() {
        for ok in [
            "https://route53.amazonaws.com",
            "https://example.com/prefix",
            "http://127.0.0.1:8080",
            "http://localhost:1/p",
            "http://[::1]:9",
        ] {
            assert!(endpoint_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.invalid/",
            "http://10.0.0.1",
            "ftp://127.0.0.1",
            "https://h/?q=1",
            "not a url",
        ] {
            assert!(endpoint_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pretty_prints_xml_and_leaves_the_rest() {
        let xml = "<?xml version=\"1.0\"?>\n<A xmlns=\"x\"><B>1</B><C><D>2</D></C></A>";
        assert_eq!(
            pretty_xml(xml).unwrap(),
            "<?xml version=\"1.0\"?>\n<A xmlns=\"x\">\n  <B>1</B>\n  <C>\n    <D>2</D>\n  </C>\n</A>"
        );
        assert_eq!(pretty_xml("Bad Gateway"), None);
        assert_eq!(pretty_xml("<a><b></a>"), None);
    }
}
