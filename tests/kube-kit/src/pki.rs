//! The cluster's certificates: one CA for serving, client and kubelet certificates, and the
//! ServiceAccount token signing key.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose,
};

/// A certificate and its private key, both PEM.
#[derive(Debug, Clone)]
pub(crate) struct CertPair {
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
}

/// The cluster CA. It signs everything, and the API server trusts it for client certificates.
pub(crate) struct Ca {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
    key_pem: String,
}

fn err(e: rcgen::Error) -> String {
    format!("kube-kit: generating a certificate: {e}")
}

impl Ca {
    pub(crate) fn new() -> Result<Self, String> {
        let key = KeyPair::generate().map_err(err)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "kube-kit-ca");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).map_err(err)?;
        let key_pem = key.serialize_pem();
        Ok(Self {
            cert_pem: cert.pem(),
            key_pem,
            issuer: Issuer::new(params, key),
        })
    }

    pub(crate) fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub(crate) fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// A serving certificate for the given DNS names and IP addresses.
    pub(crate) fn server(&self, common_name: &str, sans: &[&str]) -> Result<CertPair, String> {
        let key = KeyPair::generate().map_err(err)?;
        let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(sans).map_err(err)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &self.issuer).map_err(err)?;
        Ok(CertPair {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// A client certificate: the API server reads the user from CN and groups from O. At most
    /// two groups (the generator keeps one value per attribute type; the second goes in as a
    /// second O attribute under its raw OID).
    pub(crate) fn client(&self, user: &str, groups: &[&str]) -> Result<CertPair, String> {
        if groups.len() > 2 {
            return Err(format!(
                "kube-kit: a client certificate carries at most 2 groups, {} were asked for {user}",
                groups.len()
            ));
        }
        let key = KeyPair::generate().map_err(err)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        if let Some(first) = groups.first() {
            params
                .distinguished_name
                .push(DnType::OrganizationName, *first);
        }
        if let Some(second) = groups.get(1) {
            params.distinguished_name.push(
                DnType::CustomDnType(vec![2, 5, 4, 10]),
                DnValue::Utf8String(second.to_string()),
            );
        }
        params.distinguished_name.push(DnType::CommonName, user);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.issuer).map_err(err)?;
        Ok(CertPair {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// The ServiceAccount token signing key (ECDSA P-256: ES256 tokens), as (private, public) PEM.
pub(crate) fn service_account_key() -> Result<(String, String), String> {
    let key = KeyPair::generate().map_err(err)?;
    Ok((key.serialize_pem(), key.public_key_pem()))
}
