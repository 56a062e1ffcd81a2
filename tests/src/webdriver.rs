//! A small W3C WebDriver client over ureq, enough to drive headless Chromium through
//! chromedriver: open pages, find elements by CSS selector, type, click, read text, wait for a
//! condition with a deadline, and take screenshots. It starts chromedriver itself on a free
//! loopback port and stops it when dropped.
//!
//! Debian's `chromium` and `chromium-driver` (and `fonts-noto-cjk`, so Chinese renders in the
//! screenshots) are installed by `scripts/system-packages test`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// The key W3C WebDriver names an element reference by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running chromedriver with one browser session.
pub struct Browser {
    driver: Child,
    session: String,
    agent: ureq::Agent,
}

/// A reference to an element on the current page.
#[derive(Clone, Debug)]
pub struct Element(String);

fn binary(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|path| Path::new(path).exists())
        .map(|path| (*path).to_string())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with Chinese as its language.
    pub fn start() -> Self {
        let driver = binary(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])
            .expect("chromedriver is missing: run `scripts/system-packages test` (as root)");
        let chromium = binary(&["/usr/bin/chromium", "/usr/lib/chromium/chromium"])
            .expect("chromium is missing: run `scripts/system-packages test` (as root)");
        let port = crate::process::free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        crate::process::wait_until("chromedriver to answer", Duration::from_secs(30), || {
            agent
                .get(&format!("{base}/status"))
                .call()
                .is_ok_and(|r| r.status() == 200)
        });
        let mut args = vec![
            "--headless=new",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,1600",
            "--lang=zh-CN",
            "--no-first-run",
        ];
        // Chromium refuses to run as root without its sandbox switched off.
        if running_as_root() {
            args.push("--no-sandbox");
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": { "intl.accept_languages": "zh-CN" },
            },
        }}});
        let mut browser = Self {
            driver: child,
            session: String::new(),
            agent,
        };
        let answer = browser.call("POST", &format!("{base}/session"), Some(capabilities));
        browser.session = format!(
            "{base}/session/{}",
            answer["sessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("no WebDriver session: {answer}"))
        );
        browser
    }

    fn call(&self, method: &str, url: &str, body: Option<Value>) -> Value {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", "application/json");
        let result = match body {
            Some(body) => self
                .agent
                .run(request.body(body.to_string().into_bytes()).unwrap()),
            None => self.agent.run(request.body(()).unwrap()),
        };
        let mut response = result.unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status != 200 {
            // Callers that probe (find_optional) handle refusals; the rest fail loudly.
            return json!({ "error": value["value"]["error"], "message": value["value"]["message"], "status": status });
        }
        value.get("value").cloned().unwrap_or(Value::Null)
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let value = self.call(method, &format!("{}{path}", self.session), body);
        if let Some(error) = value.get("error").filter(|e| !e.is_null()) {
            panic!("WebDriver {method} {path}: {error}: {}", value["message"]);
        }
        value
    }

    pub fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn current_url(&self) -> String {
        self.session_call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The element `css` selects now, if any.
    pub fn find_optional(&self, css: &str) -> Option<Element> {
        let value = self.call(
            "POST",
            &format!("{}/element", self.session),
            Some(json!({ "using": "css selector", "value": css })),
        );
        if std::env::var("FEDREC_WEBDRIVER_DEBUG").is_ok() {
            eprintln!("find {css}: {value}");
        }
        value[ELEMENT].as_str().map(|id| Element(id.to_string()))
    }

    /// The element `css` selects, waiting up to ten seconds for it to appear.
    pub fn find(&self, css: &str) -> Element {
        let mut found = None;
        crate::process::wait_until(
            &format!("an element {css}"),
            Duration::from_secs(10),
            || {
                found = self.find_optional(css);
                found.is_some()
            },
        );
        found.expect("found")
    }

    pub fn click(&self, element: &Element) {
        self.session_call(
            "POST",
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        );
    }

    pub fn clear(&self, element: &Element) {
        self.session_call(
            "POST",
            &format!("/element/{}/clear", element.0),
            Some(json!({})),
        );
    }

    /// Types `text` into an element, as keystrokes.
    pub fn type_text(&self, element: &Element, text: &str) {
        self.session_call(
            "POST",
            &format!("/element/{}/value", element.0),
            Some(json!({ "text": text })),
        );
    }

    /// Chooses the option whose value is `value` in a select element.
    pub fn select(&self, select_css: &str, value: &str) {
        let option = self.find(&format!("{select_css} option[value=\"{value}\"]"));
        self.click(&option);
    }

    pub fn text(&self, element: &Element) -> String {
        self.session_call("GET", &format!("/element/{}/text", element.0), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The text of the element `css` selects now, or "" if there is none.
    pub fn text_of(&self, css: &str) -> String {
        self.find_optional(css)
            .map(|e| {
                let value = self.call(
                    "GET",
                    &format!("{}/element/{}/text", self.session, e.0),
                    None,
                );
                value.as_str().unwrap_or_default().to_string()
            })
            .unwrap_or_default()
    }

    /// Waits until the text of `css` satisfies `condition`; returns that text.
    pub fn wait_for_text(&self, css: &str, what: &str, condition: impl Fn(&str) -> bool) -> String {
        let mut text = String::new();
        crate::process::wait_until(what, Duration::from_secs(15), || {
            text = self.text_of(css);
            condition(&text)
        });
        text
    }

    /// The page's HTML as the browser holds it now (for failure messages).
    pub fn source(&self) -> String {
        self.session_call("GET", "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The whole page's visible text.
    pub fn page_text(&self) -> String {
        self.text_of("body")
    }

    /// Writes a PNG screenshot of the viewport to `path`.
    pub fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let encoded = self.session_call("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("a base64 screenshot");
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, bytes).unwrap();
    }

    /// Waits until the page's address satisfies `condition`.
    pub fn wait_for_url(&self, what: &str, condition: impl Fn(&str) -> bool) -> String {
        let mut url = String::new();
        crate::process::wait_until(what, Duration::from_secs(15), || {
            url = self.current_url();
            condition(&url)
        });
        url
    }
}

fn running_as_root() -> bool {
    std::env::var("USER").is_ok_and(|u| u == "root")
        || std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
            status
                .lines()
                .find(|l| l.starts_with("Uid:"))
                .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
        })
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &self.session, None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
