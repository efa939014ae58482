//! Route 53 error answers: the AWS error code, HTTP status and message, and
//! which XML shape carries them (`ErrorResponse`, or `InvalidChangeBatch`
//! for a batch that fails validation).

use super::xml;

/// Who AWS blames: `Sender` (4xx) or `Receiver` (5xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Sender,
    Receiver,
}

/// An error answer, before it gets its request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) fault: Fault,
    /// `Some`: answer as `<InvalidChangeBatch>` with these messages.
    pub(crate) batch: Option<Vec<String>>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
            fault: if status >= 500 {
                Fault::Receiver
            } else {
                Fault::Sender
            },
            batch: None,
        }
    }

    pub(crate) fn missing_authentication() -> Self {
        Self::new(
            403,
            "MissingAuthenticationToken",
            "Missing Authentication Token",
        )
    }

    pub(crate) fn invalid_client_token() -> Self {
        Self::new(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
    }

    pub(crate) fn expired_token() -> Self {
        Self::new(
            403,
            "ExpiredToken",
            "The security token included in the request is expired",
        )
    }

    pub(crate) fn signature_does_not_match() -> Self {
        Self::new(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details.",
        )
    }

    pub(crate) fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(403, "IncompleteSignature", message)
    }

    pub(crate) fn throttling() -> Self {
        Self::new(400, "Throttling", "Rate exceeded")
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidInput", message)
    }

    pub(crate) fn malformed_input(message: impl Into<String>) -> Self {
        Self::new(400, "MalformedInput", message)
    }

    pub(crate) fn no_such_hosted_zone(id: &str) -> Self {
        Self::new(
            404,
            "NoSuchHostedZone",
            format!("No hosted zone found with ID: {id}"),
        )
    }

    pub(crate) fn no_such_change(id: &str) -> Self {
        Self::new(
            404,
            "NoSuchChange",
            format!("A change with the specified change ID does not exist: {id}"),
        )
    }

    pub(crate) fn invalid_change_batch(messages: Vec<String>) -> Self {
        let mut e = Self::new(400, "InvalidChangeBatch", messages.join("; "));
        e.batch = Some(messages);
        e
    }

    /// The XML body for this error.
    pub(crate) fn body(&self, request_id: &str) -> String {
        match &self.batch {
            Some(messages) => xml::invalid_change_batch(messages, request_id),
            None => xml::error_response(
                match self.fault {
                    Fault::Sender => "Sender",
                    Fault::Receiver => "Receiver",
                },
                &self.code,
                &self.message,
                request_id,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_the_aws_shapes() {
        let body = ApiError::throttling().body("rid-1");
        assert!(body.contains("<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>rid-1</RequestId>"), "{body}");
        let body = ApiError::new(503, "ServiceUnavailable", "x").body("r");
        assert!(body.contains("<Type>Receiver</Type>"), "{body}");
        let body = ApiError::invalid_change_batch(vec!["a < b".into(), "c".into()]).body("r");
        assert!(body.contains("<InvalidChangeBatch xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Messages><Message>a &lt; b</Message><Message>c</Message></Messages><RequestId>r</RequestId></InvalidChangeBatch>"), "{body}");
    }
}
