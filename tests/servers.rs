//! Two real servers and the command line, each with a local folder of its
//! own, on one PostgreSQL database and one S3 bucket (issue 16): a publish
//! through either server or the CLI is served by both within 5 s, a
//! session or an upload result made on one is good on the other, and with
//! one killed mid-load the other answers every request.
//!
//! Needs the test servers of `scripts/run-tests` (`support/database.rs`);
//! skipped with a message without them, failed under CI.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[path = "support/database.rs"]
mod database;
#[path = "support/cli.rs"]
mod support_cli;
use database::Backend;

const BIN: &str = env!("CARGO_BIN_EXE_hwb-outcomes");
const PASSWORD: &str = "a long enough password";
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/template-example.csv");
/// What "served by both" allows: the poll's period, which LISTEN/NOTIFY beats.
const WITHIN: Duration = Duration::from_secs(5);

/// One of the three machines: a local folder and the shared backend.
struct Machine {
    data: tempfile::TempDir,
    backend: Backend,
}

impl Machine {
    fn new(backend: &Backend) -> Machine {
        Machine {
            data: tempfile::tempdir().unwrap(),
            backend: backend.clone(),
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env("HWB_DATA_DIR", self.data.path())
            .env("LEPTOS_SITE_ROOT", self.data.path())
            .envs(self.backend.env());
        c
    }

    fn cli(&self, args: &[&str], stdin: &str) -> String {
        support_cli::succeeds(self.command().args(args), stdin)
    }
}

struct Server {
    child: Child,
    origin: String,
    _machine: Machine,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

impl Server {
    async fn start(backend: &Backend) -> Server {
        let machine = Machine::new(backend);
        let port = free_port();
        let child = machine
            .command()
            .arg("serve")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            origin: format!("http://127.0.0.1:{port}"),
            _machine: machine,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while server.edition(&client()).await.is_none() {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }

    /// The published edition's number, from /healthz (None: not answering).
    async fn edition(&self, http: &reqwest::Client) -> Option<i64> {
        let health: serde_json::Value = http
            .get(format!("{}/healthz", self.origin))
            .send()
            .await
            .ok()?
            .bytes()
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())?;
        health["edition"]["id"].as_i64()
    }

    /// A form post as a browser on this site sends it.
    async fn post(
        &self,
        http: &reqwest::Client,
        path: &str,
        form: &str,
        cookie: Option<&str>,
    ) -> reqwest::Response {
        let mut req = http
            .post(format!("{}{path}", self.origin))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", &self.origin)
            .body(form.to_owned());
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        req.send().await.unwrap()
    }

    async fn get(&self, http: &reqwest::Client, path: &str, cookie: &str) -> reqwest::Response {
        http.get(format!("{}{path}", self.origin))
            .header("Cookie", cookie)
            .send()
            .await
            .unwrap()
    }

    async fn session(&self, http: &reqwest::Client, email: &str) -> String {
        let form = format!(
            "email={}&password={}&next=%2Feditions",
            email.replace('@', "%40"),
            PASSWORD.replace(' ', "+")
        );
        let res = self.post(http, "/login", &form, None).await;
        assert_eq!(res.status(), 303);
        let cookie = res.headers()["set-cookie"].to_str().unwrap();
        cookie.split(';').next().unwrap().to_owned()
    }

    /// Uploads one file; returns the result's path (`/upload/TOKEN`).
    async fn upload(
        &self,
        http: &reqwest::Client,
        name: &str,
        bytes: &[u8],
        cookie: &str,
    ) -> String {
        let boundary = "hwbservers0boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let res = http
            .post(format!("{}/upload", self.origin))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("Origin", &self.origin)
            .header("Cookie", cookie)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        res.headers()["location"].to_str().unwrap().to_owned()
    }
}

/// Waits until every server serves `edition`; returns how long it took.
async fn served_by_all(servers: &[&Server], edition: i64) -> Duration {
    let http = client();
    let started = Instant::now();
    loop {
        let mut all = true;
        for s in servers {
            all &= s.edition(&http).await == Some(edition);
        }
        if all {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < WITHIN,
            "edition {edition} was not served by every server within {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The edition `ingest` reports making ("edition N \"label\": ...").
fn made_edition(out: &str) -> i64 {
    out.lines()
        .find_map(|l| l.strip_prefix("edition ")?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no edition in {out:?}"))
}

#[test]
fn two_servers_and_the_cli_share_one_database_and_bucket() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let Some(backend) = database::shared().await else {
            return; // said why
        };
        let cli = Machine::new(&backend);
        cli.cli(
            &["user", "add", "analyst@example.org", "--role", "analyst"],
            &format!("{PASSWORD}\n"),
        );
        // The first installs the demo edition; the second finds it.
        let one = Server::start(&backend).await;
        let two = Server::start(&backend).await;
        let http = client();
        let demo = one.edition(&http).await.unwrap();
        assert_eq!(two.edition(&http).await, Some(demo));

        // A publish by the command line, on a third machine.
        let out = cli.cli(
            &["ingest", EXAMPLE, "--edition", "From the CLI", "--publish"],
            "",
        );
        let by_cli = made_edition(&out);
        assert!(by_cli > demo);
        let took = served_by_all(&[&one, &two], by_cli).await;
        eprintln!("a publish by the CLI was served by both servers in {took:?}");

        // Signed in on one, the session is good on the other.
        let cookie = one.session(&http, "analyst@example.org").await;
        let page = two.get(&http, "/editions", &cookie).await;
        assert_eq!(page.status(), 200, "a session made on one works on two");

        // Uploaded to one; its result, draft and publish through the other.
        let template = std::fs::read(EXAMPLE).unwrap();
        let result = one.upload(&http, "template.csv", &template, &cookie).await;
        let page = two.get(&http, &result, &cookie).await;
        assert_eq!(page.status(), 200);
        let text = page.text().await.unwrap();
        assert!(text.contains("Save as a draft edition"), "{text}");
        // Submitted to both at once (a double click across servers): one
        // builds the draft, the other waits for it; both lead to it.
        let draft_path = format!("{result}/draft");
        let (res, again) = tokio::join!(
            two.post(&http, &draft_path, "label=Board", Some(&cookie)),
            one.post(&http, &draft_path, "label=Board", Some(&cookie)),
        );
        assert_eq!(res.status(), 303);
        assert_eq!(
            again.status(),
            303,
            "the second submit waits, then redirects"
        );
        let confirm = res.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(
            again.headers()["location"].to_str().unwrap(),
            confirm,
            "a second submit, to the other server, finds the same draft"
        );
        assert!(confirm.starts_with("/editions/"), "{confirm}");
        let res = one.post(&http, &confirm, "", Some(&cookie)).await;
        assert_eq!(res.status(), 303);
        let draft: i64 = confirm
            .trim_start_matches("/editions/")
            .trim_end_matches("/publish")
            .parse()
            .unwrap();
        let took = served_by_all(&[&one, &two], draft).await;
        eprintln!("a publish through one server was served by both in {took:?}");

        // Rolled back through the second server.
        let res = two
            .post(
                &http,
                &format!("/editions/{by_cli}/publish"),
                "",
                Some(&cookie),
            )
            .await;
        assert_eq!(res.status(), 303);
        served_by_all(&[&one, &two], by_cli).await;

        // Under load on both, one is killed: the other answers every request.
        let stop = Arc::new(AtomicBool::new(false));
        let (answered, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut load = Vec::new();
        for _ in 0..8 {
            let (stop, answered, failed) = (stop.clone(), answered.clone(), failed.clone());
            let (http, origin) = (client(), two.origin.clone());
            load.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    for path in ["/", "/priority/cancer", "/api/v1/indicators"] {
                        let ok = match http.get(format!("{origin}{path}")).send().await {
                            Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
                            Err(_) => false,
                        };
                        let counter = if ok { &answered } else { &failed };
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        drop(one); // SIGKILL
        tokio::time::sleep(Duration::from_secs(2)).await;
        stop.store(true, Ordering::Relaxed);
        for l in load {
            l.await.unwrap();
        }
        let (answered, failed) = (
            answered.load(Ordering::Relaxed),
            failed.load(Ordering::Relaxed),
        );
        eprintln!("while the other server was killed: {answered} answered, {failed} failed");
        assert!(answered > 50, "the load ran: {answered}");
        assert_eq!(failed, 0);
        assert_eq!(two.edition(&http).await, Some(by_cli));
    });
}
