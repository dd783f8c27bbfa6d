//! Reading a source's bytes: a local file (gzip or not) or an http(s) URL, with conditional
//! requests so that an unchanged upstream file costs one round trip.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};

use super::IngestError;
use crate::store::ingest::SourceState;

/// The largest source accepted, downloaded or decompressed: ten times the largest JHU file.
pub const MAX_SOURCE_BYTES: u64 = 256 * 1024 * 1024;

/// Where a source's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Url(String),
}

/// What a fetch brought back.
#[derive(Debug, Default)]
pub struct Fetched {
    /// The file's content, decompressed; `None` when the server said it had not changed.
    pub bytes: Option<Vec<u8>>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Source {
    /// Reads a command-line or configuration value: an `http://` or `https://` URL, or a path.
    pub fn parse(value: &str) -> Self {
        if value.starts_with("http://") || value.starts_with("https://") {
            Self::Url(value.to_owned())
        } else {
            Self::File(PathBuf::from(value))
        }
    }

    /// The file name, without a `.gz` suffix: what tells one JHU file from another.
    pub fn file_name(&self) -> String {
        let full = match self {
            Self::File(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Self::Url(url) => url
                .split(['?', '#'])
                .next()
                .unwrap_or(url)
                .rsplit('/')
                .next()
                .unwrap_or(url)
                .to_owned(),
        };
        full.strip_suffix(".gz").map(str::to_owned).unwrap_or(full)
    }

    /// Reads the source. For URLs, `previous` supplies the validators for a conditional request.
    pub async fn fetch(&self, previous: Option<&SourceState>) -> Result<Fetched, IngestError> {
        let raw = match self {
            Self::File(path) => {
                let bytes = tokio::fs::read(path)
                    .await
                    .map_err(|e| self.error(e.to_string()))?;
                Fetched {
                    bytes: Some(bytes),
                    ..Fetched::default()
                }
            }
            Self::Url(url) => self.fetch_url(url, previous).await?,
        };
        match raw.bytes {
            Some(bytes) => Ok(Fetched {
                bytes: Some(self.decompress(bytes)?),
                ..raw
            }),
            None => Ok(raw),
        }
    }

    async fn fetch_url(
        &self,
        url: &str,
        previous: Option<&SourceState>,
    ) -> Result<Fetched, IngestError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("covid19-dashboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| self.error(e.to_string()))?;
        let mut request = client.get(url);
        if let Some(previous) = previous {
            if let Some(etag) = &previous.etag {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(modified) = &previous.last_modified {
                request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
            }
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.error(e.to_string()))?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched {
                bytes: None,
                etag: etag.or_else(|| previous.and_then(|p| p.etag.clone())),
                last_modified: last_modified
                    .or_else(|| previous.and_then(|p| p.last_modified.clone())),
            });
        }
        if !response.status().is_success() {
            return Err(self.error(format!("the server answered {}", response.status())));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.error(e.to_string()))?;
        Ok(Fetched {
            bytes: Some(bytes.to_vec()),
            etag,
            last_modified,
        })
    }

    /// Gunzips content that starts with the gzip magic bytes; other content is returned as is.
    fn decompress(&self, bytes: Vec<u8>) -> Result<Vec<u8>, IngestError> {
        if !bytes.starts_with(&[0x1f, 0x8b]) {
            return Ok(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len() * 4);
        GzDecoder::new(bytes.as_slice())
            .take(MAX_SOURCE_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|e| self.error(format!("the gzip data is damaged: {e}")))?;
        if out.len() as u64 > MAX_SOURCE_BYTES {
            return Err(self.error(format!(
                "the file is larger than the limit of {MAX_SOURCE_BYTES} bytes"
            )));
        }
        Ok(out)
    }

    fn error(&self, message: String) -> IngestError {
        IngestError::Fetch {
            source_name: self.to_string(),
            message,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Url(url) => f.write_str(url),
        }
    }
}

/// The SHA-256 of the content, in hex.
pub fn checksum(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::{Compression, write::GzEncoder};

    use super::*;

    #[test]
    fn urls_and_paths_are_told_apart() {
        assert_eq!(
            Source::parse("https://example.org/a.csv"),
            Source::Url("https://example.org/a.csv".to_owned())
        );
        assert_eq!(
            Source::parse("data/a.csv"),
            Source::File(PathBuf::from("data/a.csv"))
        );
    }

    #[test]
    fn the_file_name_drops_gz_and_query() {
        assert_eq!(
            Source::parse("/d/time_series_covid19_deaths_global.csv.gz").file_name(),
            "time_series_covid19_deaths_global.csv"
        );
        assert_eq!(
            Source::parse("http://h/x/confirmed_US.csv?raw=1").file_name(),
            "confirmed_US.csv"
        );
    }

    #[tokio::test]
    async fn gzip_files_are_read_decompressed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv.gz");
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(b"hello\n").unwrap();
        std::fs::write(&path, encoder.finish().unwrap()).unwrap();
        let fetched = Source::File(path).fetch(None).await.unwrap();
        assert_eq!(fetched.bytes.as_deref(), Some(&b"hello\n"[..]));
    }

    #[tokio::test]
    async fn damaged_gzip_is_an_error_naming_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.csv.gz");
        std::fs::write(&path, [0x1f, 0x8b, 0x08, 0x00, 0x01]).unwrap();
        let error = Source::File(path).fetch(None).await.unwrap_err();
        assert!(error.to_string().contains("b.csv.gz"), "{error}");
    }

    #[test]
    fn checksums_are_sha256_hex() {
        assert_eq!(
            checksum(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
