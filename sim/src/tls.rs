//! HTTPS for the simulated Route 53: a CA and a leaf certificate made at
//! start with rcgen, served with rustls (ring provider, no OpenSSL, no
//! aws-lc). Clients trust the CA's PEM ([`crate::Sim::ca_pem`]).

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::IpAddr;
use std::sync::Arc;
use thiserror::Error;
use tokio_rustls::TlsAcceptor;

#[derive(Debug, Error)]
pub(crate) enum TlsError {
    #[error("generating the simulator's certificates")]
    Certificate(#[from] rcgen::Error),
    #[error("configuring TLS")]
    Config(#[from] rustls::Error),
}

/// A ready acceptor and the CA certificate that signed its leaf.
pub(crate) struct TlsMaterial {
    pub(crate) ca_pem: String,
    pub(crate) acceptor: TlsAcceptor,
}

/// The leaf's subject alternative names: `names`, plus `localhost`,
/// `127.0.0.1` and the bound address (when it is not unspecified).
pub(crate) fn subject_names(names: &[String], bound: IpAddr) -> Vec<String> {
    let mut all: Vec<String> = names.to_vec();
    all.push("localhost".to_owned());
    all.push("127.0.0.1".to_owned());
    if !bound.is_unspecified() {
        all.push(bound.to_string());
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|n| !n.is_empty() && seen.insert(n.to_ascii_lowercase()));
    all
}

pub(crate) fn generate(
    names: &[String],
    leaf_years: Option<(i32, i32)>,
    bound: IpAddr,
) -> Result<TlsMaterial, TlsError> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ec2-dns-sim test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf_params = CertificateParams::new(subject_names(names, bound))?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "ec2-dns-sim route53");
    leaf_params.use_authority_key_identifier_extension = true;
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    if let Some((from, until)) = leaf_years {
        leaf_params.not_before = rcgen::date_time_ymd(from, 1, 1);
        leaf_params.not_after = rcgen::date_time_ymd(until, 1, 1);
    }
    let leaf_key = KeyPair::generate()?;
    let leaf = leaf_params.signed_by(&leaf_key, &issuer)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        ca_pem: ca_cert.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_always_cover_loopback() {
        let names = subject_names(
            &["route53.amazonaws.com".into(), "LOCALHOST".into()],
            "127.0.0.2".parse().unwrap(),
        );
        assert_eq!(
            names,
            [
                "route53.amazonaws.com",
                "LOCALHOST",
                "127.0.0.1",
                "127.0.0.2"
            ]
        );
        let names = subject_names(&[], "0.0.0.0".parse().unwrap());
        assert_eq!(names, ["localhost", "127.0.0.1"]);
    }

    #[test]
    fn generates_a_ca_and_a_leaf() {
        let material = generate(&["sim.test".into()], None, "127.0.0.1".parse().unwrap()).unwrap();
        assert!(material.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
