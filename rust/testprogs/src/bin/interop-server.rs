//! The Rust interop test server (test code only; the protocol is described in
//! tests/interop/README.rst): `interop-server --token T [--tls-dir DIR]`
//! binds 127.0.0.1:0, prints `PORT=<n>` (with `--tls-dir` also a TLS and a
//! mutual-TLS port: `PORT=<n> TLS_PORT=<t> MTLS_PORT=<m>`) and serves
//! ComputeService and ImageService until killed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oaktreemodel::prost::Message;
use oaktreemodel::prost_types::{self, value::Kind, Any, Struct, Value};
use oaktreemodel::tonic::{self, Code, Request, Response, Status, Streaming};
use oaktreemodel::v1::{
    compute_service_server::{ComputeService, ComputeServiceServer},
    image_service_server::{ImageService, ImageServiceServer},
    list_servers_response::Item, upload_image_request::Content, CreateServerRequest,
    CreateServerResponse, DownloadImageRequest, DownloadImageResponse, ErrorReason,
    GetServerRequest, GetServerResponse, Image, ListServersRequest, ListServersResponse, Location,
    ScopeOutcome, Server, ServerStatus, UploadImageRequest, UploadImageResponse,
};
use sha2::{Digest, Sha256};
use tokio_rustls::rustls::{
    self,
    pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
    server::WebPkiClientVerifier,
    RootCertStore,
};
use tokio_rustls::TlsAcceptor;
use tonic_types::{ErrorDetails, StatusExt};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;

const AUTH_MESSAGE: &str = "missing or wrong authorization";
const DOMAIN: &str = "oaktree.openstack.org";
const CHUNK: usize = 64 * 1024;
const RICH_NAME: &str = "clouds/interop/regions/RegionOne/servers/id-rich-error";

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[derive(Clone)]
struct State {
    token: String,
    /// "plaintext", "tls" or "mtls": the port of this connection.
    transport: &'static str,
    /// The CN of the client certificate of this connection (mtls only).
    client_cn: Option<String>,
    /// Tags of ListServers streams whose cancellation the server saw.
    cancelled: Arc<Mutex<HashSet<String>>>,
}

/// The ErrorReason's name without ERROR_REASON_, as ErrorInfo.reason says it.
fn reason(r: ErrorReason) -> String {
    r.as_str_name().trim_start_matches("ERROR_REASON_").to_string()
}

fn location(region: &str) -> Location {
    Location { cloud: "interop".into(), region_name: Some(region.into()), ..Default::default() }
}

impl State {
    fn authorize<T>(&self, req: &Request<T>) -> Result<(), Status> {
        let want = format!("Bearer {}", self.token);
        let values: Vec<_> = req.metadata().get_all("authorization").iter().collect();
        match values.as_slice() {
            [v] if v.as_bytes() == want.as_bytes() => Ok(()),
            _ => Err(Status::with_error_details(
                Code::Unauthenticated,
                AUTH_MESSAGE,
                ErrorDetails::with_error_info(
                    reason(ErrorReason::CallerUnauthenticated),
                    DOMAIN,
                    HashMap::new(),
                ),
            )),
        }
    }
}

/// The CN of the subject of a DER X.509 certificate: a minimal DER walk
/// (Certificate -> TBSCertificate -> the sixth element, subject), enough for
/// a certificate that rustls has already verified against the CA. A crate
/// (x509-parser) would bring a dozen more crates for this one string.
fn subject_cn(der: &[u8]) -> Option<String> {
    /// One TLV at the start of `b`: (tag, contents, rest).
    fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, b) = b.split_first()?;
        let (&first, mut b) = b.split_first()?;
        let len = if first < 0x80 {
            first as usize
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 || b.len() < n {
                return None;
            }
            let len = b[..n].iter().fold(0usize, |acc, &x| (acc << 8) | x as usize);
            b = &b[n..];
            len
        };
        (b.len() >= len).then(|| (tag, &b[..len], &b[len..]))
    }
    let (_, cert, _) = tlv(der)?;
    let (_, mut tbs, _) = tlv(cert)?;
    // [0] version (optional), serial, signature, issuer, validity, subject.
    let mut fields = Vec::new();
    while let Some((tag, body, rest)) = tlv(tbs) {
        fields.push((tag, body));
        tbs = rest;
    }
    let skip = if fields.first()?.0 == 0xa0 { 1 } else { 0 };
    let (_, mut rdns) = *fields.get(skip + 4)?;
    while let Some((_, set, rest)) = tlv(rdns) {
        rdns = rest;
        let mut attrs = set;
        while let Some((_, attr, more)) = tlv(attrs) {
            attrs = more;
            let (_, oid, value) = tlv(attr)?;
            if oid == [0x55, 0x04, 0x03] {
                let (_, cn, _) = tlv(value)?;
                return String::from_utf8(cn.to_vec()).ok();
            }
        }
    }
    None
}

/// The FAILED_PRECONDITION of the rich-error case: ErrorInfo, ResourceInfo
/// and the last observed Server packed in an Any. tonic-types' ErrorDetails
/// knows only the google.rpc types, so the google.rpc.Status is built here.
fn rich_error(request_id: &str) -> Status {
    let message = "server rich-error went to ERROR";
    let fault = "No valid host was found";
    let info = tonic_types::pb::ErrorInfo {
        reason: reason(ErrorReason::ResourceInErrorState),
        domain: DOMAIN.into(),
        metadata: HashMap::from([
            ("cloud".to_string(), "interop".to_string()),
            ("region".into(), "RegionOne".into()),
            ("resource_type".into(), "oaktree.v1.Server".into()),
            ("resource_name".into(), RICH_NAME.into()),
            ("request_id".into(), request_id.into()),
            ("cloud_request_id".into(), "req-interop-1".into()),
            ("fault".into(), fault.into()),
        ]),
    };
    let resource = tonic_types::pb::ResourceInfo {
        resource_type: "oaktree.v1.Server".into(),
        resource_name: RICH_NAME.into(),
        owner: "project-interop".into(),
        description: fault.into(),
    };
    let server = Server {
        id: "id-rich-error".into(),
        name: "rich-error".into(),
        status: ServerStatus::Error as i32,
        resource_name: RICH_NAME.into(),
        location: Some(location("RegionOne")),
        ..Default::default()
    };
    // The usual type URL prefix (prost's Name gives "/oaktree.v1.Server").
    let any = |type_name: &str, value: Vec<u8>| Any {
        type_url: format!("type.googleapis.com/{type_name}"),
        value,
    };
    let status = tonic_types::pb::Status {
        code: Code::FailedPrecondition as i32,
        message: message.into(),
        details: vec![
            any("google.rpc.ErrorInfo", info.encode_to_vec()),
            any("google.rpc.ResourceInfo", resource.encode_to_vec()),
            any("oaktree.v1.Server", server.encode_to_vec()),
        ],
    };
    Status::with_details(Code::FailedPrecondition, message, status.encode_to_vec().into())
}

fn number(filters: Option<&Struct>, key: &str) -> f64 {
    match filters.and_then(|s| s.fields.get(key)).and_then(|v| v.kind.as_ref()) {
        Some(Kind::NumberValue(n)) => *n,
        _ => 0.0,
    }
}

#[tonic::async_trait]
impl ComputeService for State {
    async fn get_server(
        &self,
        req: Request<GetServerRequest>,
    ) -> Result<Response<GetServerResponse>, Status> {
        self.authorize(&req)?;
        let name = req.into_inner().name_or_id;
        if name == "slow" {
            // Never DEADLINE_EXCEEDED from here: wait until the call is
            // cancelled or 10 s pass, then answer OK. hyper drops this future
            // when the client resets the stream; nothing here applies the
            // grpc-timeout (see serve).
            tokio::time::sleep(Duration::from_secs(10)).await;
            let server = Server { id: "id-slow".into(), name, ..Default::default() };
            return Ok(Response::new(GetServerResponse { server: Some(server) }));
        }
        if name == "whoami" {
            let mut metadata = BTreeMap::from([
                ("server-language".to_string(), "rust".to_string()),
                ("transport".to_string(), self.transport.to_string()),
            ]);
            if let Some(cn) = &self.client_cn {
                metadata.insert("client-cn".into(), cn.clone());
            }
            let server = Server { id: "id-whoami".into(), name, metadata, ..Default::default() };
            return Ok(Response::new(GetServerResponse { server: Some(server) }));
        }
        if let Some(tag) = name.strip_prefix("cancelled?") {
            let seen = self.cancelled.lock().unwrap().contains(tag);
            let status = if seen { ServerStatus::Deleted } else { ServerStatus::Build };
            let server = Server { name: tag.to_string(), status: status as i32, ..Default::default() };
            return Ok(Response::new(GetServerResponse { server: Some(server) }));
        }
        if name.starts_with("server-") {
            let server = Server {
                id: format!("id-{name}"),
                name: name.clone(),
                status: ServerStatus::Active as i32,
                resource_name: format!("clouds/interop/regions/RegionOne/servers/id-{name}"),
                metadata: BTreeMap::from([("server-language".to_string(), "rust".to_string())]),
                ..Default::default()
            };
            return Ok(Response::new(GetServerResponse { server: Some(server) }));
        }
        Err(Status::not_found(format!("no server matches {name}")))
    }

    async fn create_server(
        &self,
        req: Request<CreateServerRequest>,
    ) -> Result<Response<CreateServerResponse>, Status> {
        self.authorize(&req)?;
        let req = req.into_inner();
        if req.name == "rich-error" {
            return Err(rich_error(&req.request_id));
        }
        Err(Status::unimplemented(format!("CreateServer({}) is not an interop case", req.name)))
    }


    async fn list_servers(
        &self,
        req: Request<ListServersRequest>,
    ) -> Result<Response<BoxStream<ListServersResponse>>, Status> {
        self.authorize(&req)?;
        let selector = req.into_inner().selector.unwrap_or_default();
        let filters = match &selector.narrowing {
            Some(oaktreemodel::v1::selector::Narrowing::Filters(f)) => Some(f),
            _ => None,
        };
        let count = number(filters, "count") as usize;
        let padding = "x".repeat(number(filters, "padding") as usize);
        let name = selector.name_or_id.clone();
        let (tx, rx) = mpsc::channel(16);
        if name.starts_with("cancel-") {
            let cancelled = self.cancelled.clone();
            tokio::spawn(async move {
                for i in 0..count {
                    let server = Server { name: format!("{name}-{i}"), ..Default::default() };
                    // The receiver is dropped when the client cancels the call.
                    let item = Some(Item::Server(server));
                    if tx.send(Ok(ListServersResponse { item })).await.is_err() {
                        cancelled.lock().unwrap().insert(name);
                        return;
                    }
                }
            });
        } else if name == "bulk-*" {
            tokio::spawn(async move {
                for i in 0..count {
                    let properties = Struct {
                        fields: BTreeMap::from([
                            ("padding".to_string(), Value::from(padding.clone())),
                            ("index".to_string(), Value::from(i as f64)),
                        ]),
                    };
                    let server = Server {
                        id: format!("id-{i:05}"),
                        name: format!("bulk-{i:05}"),
                        status: ServerStatus::Active as i32,
                        metadata: BTreeMap::from([("index".to_string(), i.to_string())]),
                        properties: Some(properties),
                        ..Default::default()
                    };
                    if tx.send(Ok(ListServersResponse { item: Some(Item::Server(server)) })).await.is_err() {
                        return;
                    }
                }
                let outcomes = [
                    ScopeOutcome {
                        location: Some(location("RegionOne")),
                        code: 0,
                        count: count as i64,
                        ..Default::default()
                    },
                    ScopeOutcome {
                        location: Some(location("RegionTwo")),
                        code: Code::Unavailable as i32,
                        message: "RegionTwo is unreachable".into(),
                        reason: ErrorReason::CloudUnreachable as i32,
                        metadata: BTreeMap::from([(
                            "cloud_request_id".to_string(),
                            "req-interop-2".to_string(),
                        )]),
                        count: 0,
                        retry_delay: Some(prost_types::Duration { seconds: 2, nanos: 0 }),
                    },
                ];
                for outcome in outcomes {
                    let item = Some(Item::ScopeOutcome(outcome));
                    if tx.send(Ok(ListServersResponse { item })).await.is_err() {
                        return;
                    }
                }
            });
        } else {
            return Err(Status::invalid_argument(format!("unknown selector {name}")));
        }
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

#[tonic::async_trait]
impl ImageService for State {
    async fn upload_image(
        &self,
        req: Request<Streaming<UploadImageRequest>>,
    ) -> Result<Response<UploadImageResponse>, Status> {
        self.authorize(&req)?;
        let mut stream = req.into_inner();
        let meta = match stream.message().await? {
            Some(UploadImageRequest { content: Some(Content::Metadata(m)) }) => m,
            _ => return Err(Status::invalid_argument("first message must be metadata")),
        };
        let (mut hasher, mut size) = (Sha256::new(), 0i64);
        while let Some(msg) = stream.message().await? {
            match msg.content {
                Some(Content::Chunk(chunk)) => {
                    hasher.update(&chunk);
                    size += chunk.len() as i64;
                }
                Some(Content::Metadata(_)) => {
                    return Err(Status::invalid_argument("metadata after the first message"))
                }
                None => {}
            }
        }
        let sum = hex(&hasher.finalize());
        if size != meta.size || sum != meta.sha256 {
            return Err(Status::data_loss(format!(
                "sha256 or size mismatch: got {size} bytes sha256 {sum}"
            )));
        }
        let image = Image { id: format!("img-{}", &sum[..16]), name: meta.name, size, ..Default::default() };
        Ok(Response::new(UploadImageResponse { image: Some(image) }))
    }


    async fn download_image(
        &self,
        req: Request<DownloadImageRequest>,
    ) -> Result<Response<BoxStream<DownloadImageResponse>>, Status> {
        self.authorize(&req)?;
        let name = req.into_inner().name_or_id;
        let size: usize = match name.strip_prefix("pattern-").map(str::parse) {
            Some(Ok(n)) => n,
            _ => return Err(Status::not_found(format!("no image matches {name}"))),
        };
        let (tx, rx) = mpsc::channel(8);
        tokio::spawn(async move {
            let mut off = 0;
            while off < size {
                let n = CHUNK.min(size - off);
                let chunk: Vec<u8> = (off..off + n).map(|i| (i % 251) as u8).collect();
                if tx.send(Ok(DownloadImageResponse { chunk })).await.is_err() {
                    return;
                }
                off += n;
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn usage() -> ! {
    eprintln!("usage: interop-server --token T [--tls-dir DIR]");
    std::process::exit(2);
}

fn read(dir: &str, name: &str) -> Vec<u8> {
    let path = format!("{dir}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("interop-server: cannot read {path}: {e}");
        std::process::exit(2);
    })
}

fn certs(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem).collect::<Result<_, _>>().expect("PEM certificates")
}

/// rustls (ring) with DIR/server.pem and DIR/server.key; with `client_ca`, a
/// client certificate signed by it is required.
fn tls_acceptor(dir: &str, client_ca: Option<&[u8]>) -> TlsAcceptor {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("TLS versions");
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let mut roots = RootCertStore::empty();
            for cert in certs(pem) {
                roots.add(cert).expect("CA certificate");
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        }
    };
    let key = PrivateKeyDer::from_pem_slice(&read(dir, "server.key")).expect("PEM private key");
    let mut config =
        builder.with_single_cert(certs(&read(dir, "server.pem")), key).expect("server certificate");
    config.alpn_protocols = vec![b"h2".to_vec()];
    TlsAcceptor::from(Arc::new(config))
}

async fn bind() -> (tokio::net::TcpListener, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

/// Serves one HTTP/2 connection with both services.
async fn serve_connection<IO>(io: IO, state: State)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let routes = tonic::service::Routes::new(ComputeServiceServer::new(state.clone()))
        .add_service(ImageServiceServer::new(state));
    let service = hyper_util::service::TowerToHyperService::new(routes);
    let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(hyper_util::rt::TokioIo::new(io), service)
        .await;
}

/// Accepts connections on `listener` until killed (over TLS with `tls`).
///
/// hyper serves tonic's Routes directly rather than tonic's
/// transport::Server, whose GrpcTimeout layer ends a call when its
/// grpc-timeout passes (as CANCELLED "Timeout expired"): the protocol's
/// server never ends the deadline case itself, the client's deadline does.
async fn serve(listener: tokio::net::TcpListener, state: State, tls: Option<TlsAcceptor>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else { continue };
        let _ = tcp.set_nodelay(true);
        let (state, tls) = (state.clone(), tls.clone());
        tokio::spawn(async move {
            let Some(tls) = tls else { return serve_connection(tcp, state).await };
            let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(10), tls.accept(tcp)).await
            else {
                return; // a failed handshake (an untrusted client, a client that trusts another CA)
            };
            let client_cn = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|certs| certs.first())
                .and_then(|cert| subject_cn(cert));
            serve_connection(stream, State { client_cn, ..state }).await
        });
    }
}

#[tokio::main]
async fn main() {
    let (mut token, mut tls_dir) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--token" => token = Some(value),
            "--tls-dir" => tls_dir = Some(value),
            _ => usage(),
        }
    }
    let Some(token) = token else { usage() };
    let cancelled = Arc::new(Mutex::new(HashSet::new()));
    let state = |transport| State {
        token: token.clone(),
        transport,
        client_cn: None,
        cancelled: cancelled.clone(),
    };
    let (listener, port) = bind().await;
    let mut servers = vec![tokio::spawn(serve(listener, state("plaintext"), None))];
    let mut line = format!("PORT={port}");
    if let Some(dir) = tls_dir {
        let tls = tls_acceptor(&dir, None);
        let mtls = tls_acceptor(&dir, Some(&read(&dir, "ca.pem")));
        let (tls_listener, tls_port) = bind().await;
        let (mtls_listener, mtls_port) = bind().await;
        servers.push(tokio::spawn(serve(tls_listener, state("tls"), Some(tls))));
        servers.push(tokio::spawn(serve(mtls_listener, state("mtls"), Some(mtls))));
        line = format!("{line} TLS_PORT={tls_port} MTLS_PORT={mtls_port}");
    }
    println!("{line}");
    use std::io::Write;
    std::io::stdout().flush().unwrap();
    for server in servers {
        server.await.expect("server task");
    }
}
