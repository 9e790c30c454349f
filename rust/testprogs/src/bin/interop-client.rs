//! The Rust interop test client (test code only; protocol in
//! tests/interop/README.rst):
//!   interop-client --target 127.0.0.1:N --token T --cases c1,c2,...|all
//! runs the cases in order in one process and prints one JSON line per case;
//! exit status 1 when any failed. Every RPC has a deadline.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oaktreemodel::prost_types::{value::Kind, Struct, Value};
use oaktreemodel::prost::Message;
use oaktreemodel::tonic::{self, transport::Channel, Code, Request, Status};
use oaktreemodel::v1::{
    compute_service_client::ComputeServiceClient, image_service_client::ImageServiceClient,
    selector::Narrowing, upload_image_request::Content, DownloadImageRequest, GetServerRequest,
    ImageUploadMetadata, ListServersRequest, Selector, ServerStatus, UploadImageRequest,
    UploadImageResponse,
};
use sha2::{Digest, Sha256};

const CASES: [&str; 9] = [
    "unary", "auth", "not-found", "deadline", "server-stream", "client-stream", "upload-corrupt",
    "download", "cancel",
];
const STREAM_COUNT: usize = 10000;
const PADDING: usize = 1024;
const UPLOAD_SIZE: usize = 16 * 1024 * 1024 + 12345;
const CHUNK: usize = 64 * 1024;
const DOWNLOAD_SIZE: usize = 5 * 1024 * 1024 + 7;
const DEADLINE_ATTEMPTS: u32 = 5;
const AUTH_MESSAGE: &str = "missing or wrong x-auth-token";
/// Deadline of the short calls; streams get STREAM_DEADLINE.
const CALL_DEADLINE: Duration = Duration::from_secs(30);
const STREAM_DEADLINE: Duration = Duration::from_secs(120);

type Check = Result<(), String>;

struct Cases {
    compute: ComputeServiceClient<Channel>,
    image: ImageServiceClient<Channel>,
    token: String,
}

/// Runs one call under a deadline: the grpc-timeout header tells the server,
/// and the client gives up itself when it expires. tonic reports an expired
/// deadline of its own as CANCELLED "Timeout expired"; here that is what it
/// is, DEADLINE_EXCEEDED.
async fn deadline<T, F>(d: Duration, call: F) -> Result<T, Status>
where
    F: Future<Output = Result<T, Status>>,
{
    match tokio::time::timeout(d, call).await {
        Err(_) => Err(Status::deadline_exceeded("deadline expired (client)")),
        Ok(Err(s)) if s.code() == Code::Cancelled && s.message() == "Timeout expired" => {
            Err(Status::deadline_exceeded(s.message().to_string()))
        }
        Ok(r) => r,
    }
}

fn code_name(c: Code) -> &'static str {
    match c {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

fn status_text(s: &Status) -> String {
    format!("{} {:?}", code_name(s.code()), s.message())
}

fn expect<T: PartialEq + std::fmt::Debug>(what: &str, want: T, got: T) -> Check {
    if want == got {
        Ok(())
    } else {
        Err(format!("{what}: expected {want:?}, got {got:?}"))
    }
}

/// `result` must be the status `code` (and `message`, unless empty).
fn expect_status<T>(what: &str, result: Result<T, Status>, code: Code, message: &str) -> Check {
    match result {
        Ok(_) => Err(format!("{what}: expected status {}, got OK", code_name(code))),
        Err(s) => {
            expect(&format!("{what} status"), code_name(code), code_name(s.code()))?;
            if message.is_empty() {
                Ok(())
            } else {
                expect(&format!("{what} message"), message, s.message())
            }
        }
    }
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn list_request(name: &str, filters: &[(&str, f64)]) -> ListServersRequest {
    let fields: BTreeMap<String, Value> =
        filters.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
    ListServersRequest {
        selector: Some(Selector {
            name_or_id: name.to_string(),
            narrowing: Some(Narrowing::Filters(Struct { fields })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl Cases {
    /// A request with the auth token and the deadline `d` in grpc-timeout.
    fn request<T>(&self, msg: T, d: Duration) -> Request<T> {
        let mut req = Request::new(msg);
        req.metadata_mut().insert("x-auth-token", self.token.parse().expect("token is ASCII"));
        req.set_timeout(d);
        req
    }

    fn get(name: &str) -> GetServerRequest {
        GetServerRequest { name_or_id: name.to_string(), ..Default::default() }
    }

    async fn unary(&mut self) -> Check {
        let req = self.request(Self::get("server-42"), CALL_DEADLINE);
        let resp = deadline(CALL_DEADLINE, self.compute.get_server(req))
            .await
            .map_err(|s| status_text(&s))?;
        let server = resp.into_inner().server.unwrap_or_default();
        expect("server.id", "id-server-42", &server.id)?;
        expect("server.name", "server-42", &server.name)?;
        expect("server.status", "SERVER_STATUS_ACTIVE", server.status().as_str_name())
    }

    async fn auth(&mut self) -> Check {
        let mut wrong = Request::new(Self::get("server-42"));
        wrong.metadata_mut().insert("x-auth-token", "wrong-token".parse().unwrap());
        wrong.set_timeout(CALL_DEADLINE);
        let r = deadline(CALL_DEADLINE, self.compute.get_server(wrong)).await;
        expect_status("wrong token", r, Code::Unauthenticated, AUTH_MESSAGE)?;
        let mut none = Request::new(Self::get("server-42"));
        none.set_timeout(CALL_DEADLINE);
        let r = deadline(CALL_DEADLINE, self.compute.get_server(none)).await;
        expect_status("no token", r, Code::Unauthenticated, AUTH_MESSAGE)
    }

    async fn not_found(&mut self) -> Check {
        let req = self.request(Self::get("missing-1"), CALL_DEADLINE);
        let r = deadline(CALL_DEADLINE, self.compute.get_server(req)).await;
        expect_status("GetServer(missing-1)", r, Code::NotFound, "no server matches missing-1")
    }

    /// An attempt that ends CANCELLED is retried, at most DEADLINE_ATTEMPTS
    /// times (tests/interop/README.rst): a server may reset the stream when
    /// its own copy of the deadline expires.
    async fn deadline(&mut self) -> Check {
        let d = Duration::from_millis(300);
        let mut attempt = 1;
        loop {
            let req = self.request(Self::get("slow"), d);
            let r = deadline(d, self.compute.get_server(req)).await;
            let cancelled = matches!(&r, Err(s) if s.code() == Code::Cancelled);
            let what = format!("GetServer(slow) with 300 ms deadline, attempt {attempt}");
            let check = expect_status(&what, r, Code::DeadlineExceeded, "");
            if check.is_ok() || !cancelled || attempt == DEADLINE_ATTEMPTS {
                return check;
            }
            attempt += 1;
        }
    }

    async fn server_stream(&mut self) -> Check {
        let msg = list_request("bulk-*", &[("count", STREAM_COUNT as f64), ("padding", PADDING as f64)]);
        let req = self.request(msg, STREAM_DEADLINE);
        let mut client = self.compute.clone();
        let body = async move {
            let mut stream = client.list_servers(req).await?.into_inner();
            let (mut n, mut total) = (0usize, 0usize);
            while let Some(resp) = stream.message().await? {
                total += resp.encoded_len();
                let server = resp.server.unwrap_or_default();
                let want = format!("bulk-{n:05}");
                if server.name != want {
                    return Ok(Err(format!("message {n} name: expected {want:?}, got {:?}", server.name)));
                }
                let pad = server.properties.as_ref().and_then(|p| p.fields.get("padding"));
                let len = match pad.and_then(|v| v.kind.as_ref()) {
                    Some(Kind::StringValue(s)) => s.len(),
                    _ => 0,
                };
                if len != PADDING {
                    return Ok(Err(format!("message {n} padding length: expected {PADDING}, got {len}")));
                }
                n += 1;
            }
            Ok::<_, Status>(Ok((n, total)))
        };
        let (n, total) = deadline(STREAM_DEADLINE, body).await.map_err(|s| status_text(&s))??;
        expect("messages received", STREAM_COUNT, n)?;
        if total <= 8 * 1024 * 1024 {
            return Err(format!("stream total {total} bytes, expected far above 4 MiB"));
        }
        Ok(())
    }

    async fn upload(&mut self, data: Vec<u8>, sha256: String) -> Result<UploadImageResponse, Status> {
        let meta = ImageUploadMetadata {
            name: "interop.img".to_string(),
            sha256,
            size: data.len() as i64,
            ..Default::default()
        };
        let mut messages = vec![UploadImageRequest { content: Some(Content::Metadata(meta)) }];
        messages.extend(
            data.chunks(CHUNK).map(|c| UploadImageRequest { content: Some(Content::Chunk(c.to_vec())) }),
        );
        let req = self.request(tokio_stream::iter(messages), STREAM_DEADLINE);
        let resp = deadline(STREAM_DEADLINE, self.image.upload_image(req)).await?;
        Ok(resp.into_inner())
    }

    async fn client_stream(&mut self) -> Check {
        let data = pattern(UPLOAD_SIZE);
        let sum = hex(&Sha256::digest(&data));
        let resp = self.upload(data, sum).await.map_err(|s| status_text(&s))?;
        let image = resp.image.unwrap_or_default();
        expect("image.name", "interop.img", &image.name)?;
        expect("image.size", UPLOAD_SIZE as i64, image.size)
    }

    async fn upload_corrupt(&mut self) -> Check {
        let r = self.upload(pattern(1024 * 1024), "0".repeat(64)).await;
        expect_status("upload with wrong sha256", r, Code::DataLoss, "")
    }

    async fn download(&mut self) -> Check {
        let msg = DownloadImageRequest {
            name_or_id: format!("pattern-{DOWNLOAD_SIZE}"),
            ..Default::default()
        };
        let req = self.request(msg, STREAM_DEADLINE);
        let mut client = self.image.clone();
        let body = async move {
            let mut stream = client.download_image(req).await?.into_inner();
            let (mut hasher, mut got) = (Sha256::new(), 0usize);
            while let Some(resp) = stream.message().await? {
                hasher.update(&resp.chunk);
                got += resp.chunk.len();
            }
            Ok::<_, Status>((hex(&hasher.finalize()), got))
        };
        let (sum, got) = deadline(STREAM_DEADLINE, body).await.map_err(|s| status_text(&s))?;
        expect("bytes downloaded", DOWNLOAD_SIZE, got)?;
        expect("sha256 of the download", hex(&Sha256::digest(pattern(DOWNLOAD_SIZE))), sum)
    }

    /// Cancelling a tonic call is dropping it: the stream is dropped after 5
    /// messages, which resets the HTTP/2 stream (RST_STREAM CANCEL); tonic
    /// gives the caller no status for a call it dropped, so the proof is the
    /// server's record of the cancellation.
    async fn cancel(&mut self) -> Check {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
        let tag = format!("cancel-rust-{nanos}");
        let req = self.request(list_request(&tag, &[("count", 1_000_000.0)]), STREAM_DEADLINE);
        let mut client = self.compute.clone();
        let first5 = async move {
            let mut stream = client.list_servers(req).await?.into_inner();
            for i in 0..5 {
                if stream.message().await?.is_none() {
                    return Err(Status::internal(format!("stream ended after {i} messages")));
                }
            }
            drop(stream); // the cancellation
            Ok(())
        };
        deadline(STREAM_DEADLINE, first5).await.map_err(|s| format!("ListServers: {}", status_text(&s)))?;
        let mut last_error = None;
        for _ in 0..100 {
            let req = self.request(Self::get(&format!("cancelled?{tag}")), CALL_DEADLINE);
            match deadline(CALL_DEADLINE, self.compute.get_server(req)).await {
                Ok(resp) => {
                    if resp.into_inner().server.unwrap_or_default().status() == ServerStatus::Deleted {
                        return Ok(());
                    }
                }
                // A grpc-go server may answer the reset stream by closing the
                // connection (hyper then fails calls still on it); the channel
                // reconnects, so the question is asked again.
                Err(s) => last_error = Some(status_text(&s)),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!(
            "server did not report the cancellation of {tag} (last error: {})",
            last_error.unwrap_or_else(|| "none".into())
        ))
    }

    async fn run(&mut self, name: &str) -> Check {
        match name {
            "unary" => self.unary().await,
            "auth" => self.auth().await,
            "not-found" => self.not_found().await,
            "deadline" => self.deadline().await,
            "server-stream" => self.server_stream().await,
            "client-stream" => self.client_stream().await,
            "upload-corrupt" => self.upload_corrupt().await,
            "download" => self.download().await,
            "cancel" => self.cancel().await,
            _ => Err("unknown case".to_string()),
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: interop-client --target HOST:PORT --token T --cases c1,c2,...|all");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let (mut target, mut token, mut cases) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--target" => target = Some(value),
            "--token" => token = Some(value),
            // --case is the older spelling of the same flag.
            "--cases" | "--case" => cases = Some(value),
            _ => usage(),
        }
    }
    let (Some(target), Some(token)) = (target, token) else { usage() };
    let cases = cases.unwrap_or_else(|| "all".to_string());
    let names: Vec<String> = if cases == "all" {
        CASES.iter().map(|s| s.to_string()).collect()
    } else {
        cases.split(',').map(str::to_string).collect()
    };
    // Connects lazily, on the first call (whose deadline covers it).
    let channel = match tonic::transport::Endpoint::from_shared(format!("http://{target}")) {
        Ok(e) => e.connect_timeout(Duration::from_secs(10)).connect_lazy(),
        Err(e) => {
            eprintln!("bad target {target}: {e}");
            std::process::exit(2);
        }
    };
    let mut c = Cases {
        compute: ComputeServiceClient::new(channel.clone()),
        image: ImageServiceClient::new(channel),
        token,
    };
    let mut failed = false;
    for name in names {
        let line = match c.run(&name).await {
            Ok(()) => serde_json::json!({"case": name, "ok": true}),
            Err(e) => {
                failed = true;
                serde_json::json!({"case": name, "ok": false, "error": e})
            }
        };
        println!("{line}");
    }
    std::process::exit(if failed { 1 } else { 0 });
}
