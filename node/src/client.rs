//! The CLI's side of the local API: finds the running daemon through its data directory's
//! `daemon.json`, proves itself with the token in `.cookie` (see [`crate::api::auth`]) and turns
//! the daemon's answers into typed results, so every command reports refusals the same way and
//! exits with the same codes.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::daemon::{DAEMON_FILE, DaemonInfo};

/// Why a request to the daemon did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no fedrec daemon is running for {data}: start it with `fedrec run --data {data}`")]
    NotRunning { data: String },
    #[error("the daemon at {api} does not answer ({reason}); is `fedrec run` still running?")]
    Unreachable { api: String, reason: String },
    #[error("{0}; run this command as the daemon's user")]
    Credential(String),
    #[error("{message}")]
    Refused {
        status: u16,
        message: String,
        problems: Vec<fedrec_common::form::FieldError>,
    },
    #[error("the daemon failed: {0}")]
    Server(String),
    #[error("unexpected answer from the daemon: {0}")]
    Protocol(String),
}

pub struct Client {
    base: String,
    agent: ureq::Agent,
    /// `Bearer TOKEN`, sent with every request.
    authorization: String,
    /// The language of this run (`Accept-Language`), which the daemon words its refusals in.
    language: &'static str,
}

impl Client {
    /// Finds the daemon serving `data`.
    pub fn connect(data: &Path) -> Result<Self, ClientError> {
        let not_running = || ClientError::NotRunning {
            data: data.display().to_string(),
        };
        let text = std::fs::read_to_string(data.join(DAEMON_FILE)).map_err(|_| not_running())?;
        let info: DaemonInfo = serde_json::from_str(&text).map_err(|_| not_running())?;
        let token = crate::api::auth::read_cookie(data).map_err(ClientError::Credential)?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Ok(Self {
            base: format!("http://{}", info.api),
            agent,
            authorization: format!("Bearer {}", token.as_str()),
            language: crate::cli::lang().tag(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn finish(
        &self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Vec<u8>, ClientError> {
        let mut response = result.map_err(|e| ClientError::Unreachable {
            api: self.base.clone(),
            reason: e.to_string(),
        })?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        if status < 400 {
            return Ok(body);
        }
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let message = value["error"].as_str().map_or_else(
            || String::from_utf8_lossy(&body).into_owned(),
            str::to_string,
        );
        // 503 is a refusal the caller can act on (the node is not writable yet), not a failure.
        if status >= 500 && status != 503 {
            return Err(ClientError::Server(message));
        }
        let problems = serde_json::from_value(value["problems"].clone()).unwrap_or_default();
        Err(ClientError::Refused {
            status,
            message,
            problems,
        })
    }

    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        self.finish(
            self.agent
                .get(format!("{}{path}", self.base))
                .header("authorization", &self.authorization)
                .header("accept-language", self.language)
                .call(),
        )
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        decode(&self.get_bytes(path)?)
    }

    pub fn send<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.send_bytes(method, path, "application/json", bytes)
    }

    /// Sends a body and returns the raw answer (for binary downloads).
    pub fn send_raw(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, ClientError> {
        let url = format!("{}{path}", self.base);
        let result = match method {
            "PATCH" => self
                .agent
                .patch(url)
                .header("content-type", content_type)
                .header("authorization", &self.authorization)
                .header("accept-language", self.language)
                .send(&body[..]),
            _ => self
                .agent
                .post(url)
                .header("content-type", content_type)
                .header("authorization", &self.authorization)
                .header("accept-language", self.language)
                .send(&body[..]),
        };
        self.finish(result)
    }

    pub fn send_bytes<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let result = match method {
            "PATCH" => self
                .agent
                .patch(url)
                .header("content-type", content_type)
                .header("authorization", &self.authorization)
                .header("accept-language", self.language)
                .send(&body[..]),
            _ => self
                .agent
                .post(url)
                .header("content-type", content_type)
                .header("authorization", &self.authorization)
                .header("accept-language", self.language)
                .send(&body[..]),
        };
        decode(&self.finish(result)?)
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(bytes).map_err(|e| ClientError::Protocol(e.to_string()))
}
