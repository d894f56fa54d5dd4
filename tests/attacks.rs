//! Attacks replayed against the release binary over real sockets: each is
//! refused with a clear message, the server keeps answering, and the
//! published edition is unchanged. docs/SECURITY.md lists what each shows.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/cli.rs"]
mod support_cli;

const BIN: &str = env!("CARGO_BIN_EXE_hwb-outcomes");
const PASSWORD: &str = "a long enough password";
/// The server's header, body and keep-alive timeout in these tests.
const TIMEOUT_SECONDS: u64 = 2;

struct Server {
    child: Child,
    port: u16,
    data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli(data: &std::path::Path, args: &[&str], stdin: &str) -> String {
    support_cli::succeeds(
        Command::new(BIN).args(args).env("HWB_DATA_DIR", data),
        stdin,
    )
}

fn start() -> Server {
    let data = tempfile::tempdir().unwrap();
    for (email, role) in [
        ("analyst@example.org", "analyst"),
        ("other@example.org", "analyst"),
    ] {
        cli(
            data.path(),
            &["user", "add", email, "--role", role],
            &format!("{PASSWORD}\n"),
        );
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(BIN)
        .arg("serve")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("HWB_DATA_DIR", data.path())
        .env("LEPTOS_SITE_ROOT", data.path())
        .env("HWB_CLIENT_TIMEOUT_SECONDS", TIMEOUT_SECONDS.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, port, data };
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.edition().is_none() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Server {
    /// One request on its own connection; `headers` are added to Host and
    /// Connection: close.
    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        parse(&raw)
    }

    fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
        self.send("GET", path, &headers, b"")
    }

    /// A form post as a browser on this site sends it.
    fn post(&self, path: &str, form: &str, cookie: Option<&str>) -> Response {
        let origin = format!("http://127.0.0.1:{}", self.port);
        let mut headers = vec![
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", origin.as_str()),
        ];
        if let Some(c) = cookie {
            headers.push(("Cookie", c));
        }
        self.send("POST", path, &headers, form.as_bytes())
    }

    fn upload(&self, name: &str, bytes: &[u8], cookie: &str) -> Response {
        let boundary = "hwbattack0boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let origin = format!("http://127.0.0.1:{}", self.port);
        let kind = format!("multipart/form-data; boundary={boundary}");
        self.send(
            "POST",
            "/upload",
            &[
                ("Content-Type", &kind),
                ("Origin", &origin),
                ("Cookie", cookie),
            ],
            &body,
        )
    }

    fn sign_in(&self, email: &str, password: &str, next: &str) -> Response {
        self.post(
            "/login",
            &format!(
                "email={}&password={}&next={next}",
                email.replace('@', "%40"),
                password.replace(' ', "+")
            ),
            None,
        )
    }

    fn session(&self, email: &str) -> String {
        let res = self.sign_in(email, PASSWORD, "%2Feditions");
        assert_eq!(res.status, 303, "{}", res.body);
        let cookie = res.header("set-cookie").expect("a session cookie");
        cookie.split(';').next().unwrap().to_owned()
    }

    /// The published edition's number, from /healthz (None: not answering).
    fn edition(&self) -> Option<i64> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        write!(
            stream,
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).ok()?;
        let body = parse(&raw).body;
        let at = body.find("\"edition\":{\"id\":")? + 16;
        body[at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    }

    fn answers_with(&self, edition: i64) {
        assert_eq!(
            self.edition(),
            Some(edition),
            "the server answers /healthz with the published edition unchanged"
        );
    }
}

fn parse(raw: &[u8]) -> Response {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn template() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/template-example.csv"
    ))
    .unwrap()
}

/// Every cell of a CSV, unquoted.
fn cells(csv: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

fn no_live_formula(csv: &str) {
    for cell in cells(csv) {
        let first = cell.chars().next();
        let number = cell.parse::<f64>().is_ok_and(f64::is_finite);
        assert!(
            number || !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
            "a live formula cell {cell:?} in {csv}"
        );
    }
}

/// Whether the server closed the connection (or answered) within `limit`.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> (bool, String) {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(_) => return (false, String::from_utf8_lossy(&raw).into_owned()),
        }
    }
    (
        started.elapsed() < limit,
        String::from_utf8_lossy(&raw).into_owned(),
    )
}

#[test]
fn hostile_files_are_refused_and_the_server_keeps_answering() {
    let server = start();
    let edition = server.edition().unwrap();
    let analyst = server.session("analyst@example.org");

    // A 1.6 KB workbook claiming cells up to XFD1048576 (once a 550 GB
    // allocation that aborted the process), with and without a dimension.
    for name in ["sparse-dimension.xlsx", "far-cell.xlsx"] {
        let res = server.upload(name, &fixture(name), &analyst);
        assert_eq!(res.status, 303, "{name}: {}", res.body);
        let result = res.header("location").unwrap().to_owned();
        let page = server.get(&result, Some(&analyst));
        assert!(
            page.body.contains("The files have errors") && page.body.contains("XFD"),
            "{name}: {}",
            page.body
        );
        assert!(page.body.contains("the most read is 1024"), "{}", page.body);
        server.answers_with(edition);
    }

    // Formula injection: a file name and a cell that Excel would run.
    let mut bad = template();
    bad.push_str("93085,Smoking status at time of delivery,E06000006,Halton,Persons,All ages,,,2024/25,=1+2,,,,,,,\n");
    let res = server.upload(
        "=HYPERLINK(%22http://evil.example%22).csv",
        bad.as_bytes(),
        &analyst,
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let result = res.header("location").unwrap().to_owned();
    let errors = server.get(&format!("{result}/errors.csv"), Some(&analyst));
    assert_eq!(errors.status, 200);
    assert!(errors.body.contains("'=1+2"), "{}", errors.body);
    no_live_formula(&errors.body);
    let audit = server.get("/audit.csv", Some(&analyst));
    assert_eq!(audit.status, 200);
    assert!(audit.body.contains("'=HYPERLINK"), "{}", audit.body);
    no_live_formula(&audit.body);

    // Another analyst cannot read that report, nor save a draft from it.
    let other = server.session("other@example.org");
    let res = server.get(&format!("{result}/errors.csv"), Some(&other));
    assert_eq!(res.status, 404, "{}", res.body);
    let res = server.post(&format!("{result}/draft"), "label=Mine", Some(&other));
    assert_eq!(res.status, 404, "{}", res.body);
    server.answers_with(edition);
}

#[test]
fn sign_in_attacks_are_refused() {
    let server = start();
    let edition = server.edition().unwrap();

    // An open redirect: a tab makes `/<TAB>/evil.example` into
    // `//evil.example` in a browser.
    for next in [
        "%2F%09%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "%2F%5Cevil.example",
        "%2F%2Fevil.example",
    ] {
        let res = server.sign_in("analyst@example.org", PASSWORD, next);
        assert_eq!(res.status, 303);
        assert_eq!(res.header("location"), Some("/editions"), "next={next}");
    }

    // 30 wrong passwords at once for one account: exactly 5 are checked.
    let port = server.port;
    let outcomes: Vec<String> = (0..30)
        .map(|i| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                let form = format!("email=other%40example.org&password=wrong+guess+{i}&next=");
                write!(
                    stream,
                    "POST /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
                    form.len()
                )
                .unwrap();
                let mut raw = Vec::new();
                stream.read_to_end(&mut raw).unwrap();
                parse(&raw).header("location").unwrap_or("").to_owned()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let checked = outcomes
        .iter()
        .filter(|l| l.contains("error=invalid"))
        .count();
    let throttled = outcomes
        .iter()
        .filter(|l| l.contains("error=throttled"))
        .count();
    assert_eq!((checked, throttled), (5, 25), "{outcomes:?}");
    // Locked out from here, even with the right password…
    let res = server.sign_in("other@example.org", PASSWORD, "");
    assert!(res.header("location").unwrap().contains("throttled"));
    assert!(res.header("set-cookie").is_none());
    // …while the other account still signs in from the same address.
    server.session("analyst@example.org");
    server.answers_with(edition);

    // Over-long passwords are refused without hashing, and form bodies
    // are small.
    let long = "x".repeat(2000);
    let res = server.sign_in("analyst@example.org", &long, "");
    assert!(res.header("location").unwrap().contains("invalid"));
    let huge = format!("email=a&password={}", "x".repeat(100_000));
    let res = server.post("/login", &huge, None);
    assert_eq!(res.status, 413, "{}", res.body);

    // A write that says nothing of where it comes from is refused.
    let res = server.send(
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"email=analyst%40example.org&password=x",
    );
    assert_eq!(res.status, 403);
    assert!(res.body.contains("did not say which site"), "{}", res.body);
    server.answers_with(edition);
}

#[test]
fn slow_clients_are_cut_off_and_the_server_keeps_answering() {
    let server = start();
    let edition = server.edition().unwrap();
    let limit = Duration::from_secs(TIMEOUT_SECONDS * 4 + 2);

    // Headers that never finish.
    let mut half = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    // A body that stops after 10 of its 1,000 bytes.
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.write_all(format!("POST /login HTTP/1.1\r\nHost: 127.0.0.1:{0}\r\nOrigin: http://127.0.0.1:{0}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=a%40", server.port).as_bytes()).unwrap();
    // A keep-alive connection left idle after one request.
    let mut idle = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();

    // Meanwhile everyone else is served.
    server.answers_with(edition);
    let (closed, _) = closed_within(&mut half, limit);
    assert!(closed, "a half-sent request header is closed");
    let (closed, answer) = closed_within(&mut slow, limit);
    assert!(closed, "a stalled body is closed");
    assert!(answer.is_empty() || !answer.contains(" 200 "), "{answer}");
    let (closed, answer) = closed_within(&mut idle, limit);
    assert!(closed, "an idle keep-alive connection is closed");
    assert!(
        answer.contains(" 200 "),
        "its one request was answered: {answer}"
    );
    server.answers_with(edition);
}

#[test]
fn a_stale_draft_is_not_published_over_newer_data() {
    let server = start();
    let first = server.edition().unwrap();
    let analyst = server.session("analyst@example.org");
    // An analyst previews an upload against the published edition…
    let res = server.upload("template.csv", template().as_bytes(), &analyst);
    let result = res.header("location").unwrap().to_owned();
    // …meanwhile another edition is published from the command line…
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/data/template-example.csv");
    let data = server.data.path().to_owned();
    cli(
        &data,
        &["ingest", example, "--edition", "Newer", "--publish"],
        "",
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let newer = loop {
        match server.edition() {
            Some(e) if e != first => break e,
            _ => assert!(Instant::now() < deadline, "the publish was not picked up"),
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    // …and then the first analyst saves a draft and publishes it.
    let res = server.post(&format!("{result}/draft"), "label=Stale", Some(&analyst));
    assert_eq!(res.status, 303, "{}", res.body);
    let confirm = res.header("location").unwrap().to_owned();
    let draft: i64 = confirm
        .trim_start_matches("/editions/")
        .trim_end_matches("/publish")
        .parse()
        .unwrap();
    let res = server.post(&format!("/editions/{draft}/publish"), "", Some(&analyst));
    assert_eq!(res.status, 303);
    let stale = res.header("location").unwrap().to_owned();
    assert!(stale.contains("stale"), "{stale}");
    let page = server.get(&stale, Some(&analyst));
    assert_eq!(page.status, 409);
    assert!(
        page.body.contains("This draft is out of date")
            && page.body.contains(&format!("Rebuild on edition {newer}")),
        "{}",
        page.body
    );
    server.answers_with(newer);
    // The command line refuses it too, and says how to go on.
    let out = Command::new(BIN)
        .args(["publish", &draft.to_string()])
        .env("HWB_DATA_DIR", &data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("would drop the rows") && stderr.contains("rebuild"),
        "{stderr}"
    );
    server.answers_with(newer);

    // Rebuilt on the published edition, it publishes.
    let res = server.post(&format!("/editions/{draft}/rebuild"), "", Some(&analyst));
    assert_eq!(res.status, 303, "{}", res.body);
    let rebuilt = res.header("location").unwrap().to_owned();
    let page = server.get(&rebuilt, Some(&analyst));
    assert!(page.body.contains("Publish this edition?"), "{}", page.body);
    let res = server.post(&rebuilt, "", Some(&analyst));
    assert_eq!(res.status, 303);
    assert!(server.edition().unwrap() > newer);
}

#[test]
fn crafted_links_cannot_speak_for_the_site() {
    let server = start();
    let edition = server.edition().unwrap();
    let analyst = server.session("analyst@example.org");
    for path in [
        "/editions?published=Your%20session%20expired:%20sign%20in%20at%20evil.example",
        "/upload/abc?error=Call%20evil.example",
        "/?edition=Call%20evil.example",
    ] {
        let page = server.get(path, Some(&analyst));
        assert!(!page.body.contains("evil.example"), "{path}: {}", page.body);
    }
    // A download's file name comes from checked values only.
    let id = "93085";
    let res = server.get(
        &format!("/api/v1/indicators/{id}.csv?area=x%22%3Bfilename*%3DUTF-8%27%27report.html"),
        None,
    );
    assert_eq!(res.status, 404, "{}", res.body);
    assert!(res.body.contains("not one of the areas"), "{}", res.body);
    server.answers_with(edition);
}
