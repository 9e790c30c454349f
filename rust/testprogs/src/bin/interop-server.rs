//! The Rust interop test server (test code only; the protocol is described in
//! tests/interop/README.rst): `interop-server --token T` binds 127.0.0.1:0,
//! prints `PORT=<n>` and serves ComputeService and ImageService until killed.

use std::collections::{BTreeMap, HashSet};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oaktreemodel::prost_types::{value::Kind, Struct, Value};
use oaktreemodel::tonic::{self, Request, Response, Status, Streaming};
use oaktreemodel::v1::{
    compute_service_server::{ComputeService, ComputeServiceServer},
    image_service_server::{ImageService, ImageServiceServer},
    upload_image_request::Content, DownloadImageRequest, DownloadImageResponse, GetServerRequest,
    GetServerResponse, Image, ListServersRequest, ListServersResponse, Server, ServerStatus,
    UploadImageRequest, UploadImageResponse,
};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;

const AUTH_MESSAGE: &str = "missing or wrong x-auth-token";
const CHUNK: usize = 64 * 1024;

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[derive(Clone)]
struct State {
    token: String,
    /// Tags of ListServers streams whose cancellation the server saw.
    cancelled: Arc<Mutex<HashSet<String>>>,
}

impl State {
    fn authorize<T>(&self, req: &Request<T>) -> Result<(), Status> {
        let values: Vec<_> = req.metadata().get_all("x-auth-token").iter().collect();
        match values.as_slice() {
            [v] if v.as_bytes() == self.token.as_bytes() => Ok(()),
            _ => Err(Status::unauthenticated(AUTH_MESSAGE)),
        }
    }
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
            // Far past the client's deadline; tonic drops this future when the
            // call is cancelled or its grpc-timeout expires.
            tokio::time::sleep(Duration::from_secs(10)).await;
            return Err(Status::deadline_exceeded("slow server"));
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
                metadata: BTreeMap::from([("server-language".to_string(), "rust".to_string())]),
                ..Default::default()
            };
            return Ok(Response::new(GetServerResponse { server: Some(server) }));
        }
        Err(Status::not_found(format!("no server matches {name}")))
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
                    if tx.send(Ok(ListServersResponse { server: Some(server) })).await.is_err() {
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
                    if tx.send(Ok(ListServersResponse { server: Some(server) })).await.is_err() {
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

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let token = match args.as_slice() {
        [_, flag, t] if flag == "--token" => t.clone(),
        _ => {
            eprintln!("usage: interop-server --token T");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let port = listener.local_addr().unwrap().port();
    let state = State { token, cancelled: Arc::new(Mutex::new(HashSet::new())) };
    println!("PORT={port}");
    use std::io::Write;
    std::io::stdout().flush().unwrap();
    tonic::transport::Server::builder()
        .add_service(ComputeServiceServer::new(state.clone()))
        .add_service(ImageServiceServer::new(state))
        .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener))
        .await
        .expect("serving");
}
