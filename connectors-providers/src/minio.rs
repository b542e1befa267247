//! MinIO (or any S3-compatible store): the `minio` connector, one bucket reached
//! path-style, verified with a SigV4-signed ListObjectsV2 (`max-keys=1`), which needs
//! only `s3:ListBucket` on that bucket. Requests are signed with `aws-sigv4`, the AWS
//! SDK's own signer, and sent with reqwest.

use std::time::SystemTime;

use async_trait::async_trait;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::{Position, Url};

use super::net;
use super::{no_spaces, VERIFY_TIMEOUT};
use connectors_core::http::{self as wire, Answer};
use connectors_core::{ConfigConnector, ConfigContext, Fields};

mod actions;

pub use actions::{list_objects, put_object, NewObject, PutObject, StoredObject};
use connectors_core::{
    Error, FieldError, FieldErrorCode, FieldFormat, FieldIssue, FieldParams, Result,
};

/// The region used when none is given (MinIO's default).
pub const DEFAULT_REGION: &str = "us-east-1";

/// The fields of the `minio` connector: a bucket on MinIO or another S3-compatible server, reached path-style with an access key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "MinIO / S3-compatible bucket")]
pub struct MinioConfig {
    /// URL of the server, scheme and host (and port), without path, e.g. `https://minio.example.com:9000`.
    #[schemars(extend("format" = "uri"))]
    pub endpoint: String,
    /// Access key (user name) of the S3 credentials.
    pub access_key: String,
    /// Secret key of the S3 credentials. Write-only: it is never shown again.
    #[schemars(with = "String", extend("writeOnly" = true))]
    pub secret_key: SecretString,
    /// Name of the bucket to use (3 to 63 lowercase letters, digits, dots and hyphens).
    #[schemars(length(min = 3, max = 63))]
    pub bucket: String,
    /// Region the credentials are scoped to; `us-east-1` when left out.
    #[schemars(extend("default" = "us-east-1"))]
    pub region: Option<String>,
}

impl MinioConfig {
    /// The region, `us-east-1` when none was given.
    pub fn region(&self) -> &str {
        self.region.as_deref().unwrap_or(DEFAULT_REGION)
    }

    /// The endpoint as a URL.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when the stored endpoint does not parse.
    pub fn endpoint_url(&self) -> Result<Url> {
        Url::parse(&self.endpoint).map_err(|source| Error::InvalidUrl {
            what: "minio endpoint",
            source,
        })
    }
}

/// A bucket on MinIO or another S3-compatible store.
#[derive(Debug, Clone, Copy, Default)]
pub struct Minio;

#[async_trait]
impl ConfigConnector for Minio {
    const KEY: &'static str = "minio";
    const NAME: &'static str = "MinIO";
    type Config = MinioConfig;

    fn check_fields(&self, fields: &mut Fields<'_>) {
        fields.normalize("endpoint", parse_endpoint);
        fields.check("access_key", no_spaces);
        fields.check("secret_key", no_spaces);
        fields.check("bucket", bucket_name);
        fields.check("region", region_name);
    }

    async fn check(&self, ctx: &ConfigContext<'_>, config: &MinioConfig) -> Result<()> {
        if ctx.block_private_targets {
            let url = config.endpoint_url()?;
            resolve_endpoint(&url, true).await?;
        }
        Ok(())
    }

    /// A signed `GET {endpoint}/{bucket}?list-type=2&max-keys=1`, sent to the addresses
    /// that passed the SSRF guard.
    async fn verify(&self, ctx: &ConfigContext<'_>, config: &MinioConfig) -> Result<()> {
        let endpoint = config.endpoint_url()?;
        let http = pinned_client(&endpoint, ctx.block_private_targets).await?;

        let mut url = endpoint.clone();
        url.set_path(&format!("/{}", config.bucket));
        url.set_query(Some("list-type=2&max-keys=1"));
        let signed = signed_headers(config, &url)?;
        let mut request = http.get(url);
        for (name, value) in &signed {
            request = request.header(name.as_str(), value.as_str());
        }
        let answer = wire::send(request).await?;
        if answer.status.is_success() {
            Ok(())
        } else {
            Err(refusal(&answer))
        }
    }
}

/// An HTTP client that reaches the endpoint's host only at the addresses that pass the
/// SSRF guard now (no DNS answer after the check can move it), without redirects.
async fn pinned_client(endpoint: &Url, block_private: bool) -> Result<reqwest::Client> {
    let addresses = resolve_endpoint(endpoint, block_private).await?;
    let host = endpoint.host_str().unwrap_or_default().to_owned();
    reqwest::Client::builder()
        .resolve_to_addrs(&host, &addresses)
        .timeout(VERIFY_TIMEOUT)
        .connect_timeout(VERIFY_TIMEOUT.min(std::time::Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(Error::from_reqwest)
}

/// The headers of a SigV4-signed GET of `url` (S3 rules: single percent-encoding, no
/// path normalisation, `x-amz-content-sha256`), `host` included.
fn signed_headers(config: &MinioConfig, url: &Url) -> Result<Vec<(String, String)>> {
    signed_request_headers(config, "GET", url, &[])
}

/// The headers of a SigV4-signed `method` of `url` carrying `body` (its SHA-256 in
/// `x-amz-content-sha256`), `host` included.
fn signed_request_headers(
    config: &MinioConfig,
    method: &str,
    url: &Url,
    body: &[u8],
) -> Result<Vec<(String, String)>> {
    let signing_failed = |error: &dyn std::fmt::Display| {
        Error::InvalidResponse(format!("could not sign the S3 request: {error}"))
    };
    let host = url[Position::BeforeHost..Position::AfterPort].to_owned();
    let identity = aws_credential_types::Credentials::new(
        config.access_key.clone(),
        config.secret_key.expose_secret().to_owned(),
        None,
        None,
        "connectors-core",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(config.region())
        .name("s3")
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .map_err(|error| signing_failed(&error))?
        .into();
    let request = SignableRequest::new(
        method,
        url.as_str(),
        std::iter::once(("host", host.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|error| signing_failed(&error))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|error| signing_failed(&error))?
        .into_parts();
    let mut headers = vec![("host".to_owned(), host.clone())];
    headers.extend(
        instructions
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned())),
    );
    Ok(headers)
}

/// An S3 refusal: bad keys and denied access are the user's to fix, a missing bucket
/// or a wrong region name their field, the rest is the server failing.
fn refusal(answer: &Answer) -> Error {
    let body = String::from_utf8_lossy(&answer.body);
    let code = xml_element(&body, "Code").unwrap_or_default();
    let message = xml_element(&body, "Message").unwrap_or_default();
    let field = |field: &str, code: FieldErrorCode, text: String, detail: Option<&str>| {
        let issue = FieldIssue::new(code, text).with_params(FieldParams {
            detail: detail
                .filter(|detail| !detail.is_empty())
                .map(str::to_owned),
            ..FieldParams::default()
        });
        Error::InvalidConfig(vec![FieldError::new(field, issue)])
    };
    match code.as_str() {
        "NoSuchBucket" => {
            return field(
                "bucket",
                FieldErrorCode::NotFound,
                "no such bucket at this endpoint".to_owned(),
                None,
            )
        }
        "AuthorizationHeaderMalformed" | "InvalidRegion" => {
            return field(
                "region",
                FieldErrorCode::ProviderRefused,
                format!("the server refused the region: {message}"),
                Some(&message),
            )
        }
        "SlowDown" => return Error::RateLimited { retry_after: None },
        _ => {}
    }
    if matches!(answer.status.as_u16(), 401 | 403) {
        let reason = if code.is_empty() {
            format!("access denied (HTTP {})", answer.status.as_u16())
        } else if message.is_empty() {
            code
        } else {
            format!("{code}: {message}")
        };
        return Error::Rejected { message: reason };
    }
    if answer.status.as_u16() == 404 {
        return field(
            "bucket",
            FieldErrorCode::NotFound,
            "no such bucket at this endpoint".to_owned(),
            None,
        );
    }
    if answer.status.is_redirection() {
        return field(
            "endpoint",
            FieldErrorCode::ProviderRefused,
            format!(
                "the server redirects ({}); give the endpoint that serves this bucket",
                answer.status.as_u16()
            ),
            Some(&format!("HTTP {}", answer.status.as_u16())),
        );
    }
    answer.unexpected()
}

/// The text of the first `<name>…</name>` of an S3 error document.
fn xml_element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].trim().to_owned())
}

async fn resolve_endpoint(url: &Url, block_private: bool) -> Result<Vec<std::net::SocketAddr>> {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    net::resolve(host, port, block_private)
        .await
        .map_err(|error| error.into_field_error("endpoint"))
}

/// An endpoint: `http` or `https`, a host, maybe a port; no user, path, query or fragment.
fn parse_endpoint(value: &str) -> Result<String, FieldIssue> {
    let not_a_url = || {
        FieldIssue::format(
            FieldFormat::Url,
            "expected a URL such as https://minio.example.com:9000",
        )
    };
    let url = Url::parse(value.trim()).map_err(|_| not_a_url())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FieldIssue::format(
            FieldFormat::Url,
            "the URL must start with http:// or https://",
        ));
    }
    let Some(host) = url.host_str() else {
        return Err(not_a_url());
    };
    net::parse_host(host)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldIssue::format(
            FieldFormat::UrlWithoutCredentials,
            "put the keys in access_key and secret_key, not in the URL",
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(FieldIssue::format(
            FieldFormat::UrlWithoutPath,
            "give the server URL without path or query; the bucket goes in `bucket`",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// S3 bucket naming rules: 3 to 63 characters, lowercase letters, digits, dots and
/// hyphens, starting and ending with a letter or digit, not shaped like an IP address.
fn bucket_name(value: &str) -> Result<(), FieldIssue> {
    let well_formed = (3..=63).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !value.contains("..")
        && value.parse::<std::net::Ipv4Addr>().is_err();
    if well_formed {
        Ok(())
    } else {
        Err(FieldIssue::format(FieldFormat::BucketName, "expected a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"))
    }
}

/// A region name such as `us-east-1`: lowercase letters, digits and hyphens.
fn region_name(value: &str) -> Result<(), FieldIssue> {
    let well_formed = value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if well_formed {
        Ok(())
    } else {
        Err(FieldIssue::format(
            FieldFormat::RegionName,
            "expected a region name such as us-east-1: lowercase letters, digits and hyphens",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_bare_server_urls() {
        assert_eq!(
            parse_endpoint("https://minio.example.com:9000/").unwrap(),
            "https://minio.example.com:9000"
        );
        for bad in [
            "minio.example.com",
            "ftp://minio.example.com",
            "https://key:secret@minio.example.com",
            "https://minio.example.com/bucket",
            "https://minio.example.com?x=1",
        ] {
            assert!(parse_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert!(bucket_name("donna-files.2026").is_ok());
        for bad in [
            "ab",
            "Uppercase",
            "-start",
            "end-",
            "a..b",
            "192.168.1.1",
            "under_score",
        ] {
            assert!(bucket_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn s3_error_documents_name_their_code() {
        let body = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>nope</Message></Error>";
        assert_eq!(
            xml_element(body, "Code").as_deref(),
            Some("SignatureDoesNotMatch")
        );
        assert_eq!(xml_element(body, "Message").as_deref(), Some("nope"));
    }

    #[test]
    fn the_signature_covers_host_date_and_payload_hash() {
        let config = MinioConfig {
            endpoint: "http://127.0.0.1:9000".to_owned(),
            access_key: "AKIA".to_owned(),
            secret_key: SecretString::from("secret"),
            bucket: "files".to_owned(),
            region: None,
        };
        let url = Url::parse("http://127.0.0.1:9000/files?list-type=2&max-keys=1").unwrap();
        let headers = signed_headers(&config, &url).unwrap();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(header, _)| header.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.clone())
        };
        assert_eq!(get("host").as_deref(), Some("127.0.0.1:9000"));
        let authorization = get("authorization").unwrap();
        assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIA/"));
        assert!(authorization.contains("/us-east-1/s3/aws4_request"));
        assert!(authorization.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date"));
        assert!(get("x-amz-date").is_some());
    }
}
