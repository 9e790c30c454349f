// The consumer of rust/checks/consumer, and the "Using it" example of
// rust/README.rst: a program that takes oaktreemodel from a registry.
//   consumer http://127.0.0.1:PORT TOKEN
//   consumer https://127.0.0.1:PORT TOKEN CA_PEM   (TLS, trusting CA_PEM only)
use oaktreemodel::tonic::transport::{Certificate, Channel, ClientTlsConfig};
use oaktreemodel::tonic::{Code, Request};
use oaktreemodel::v1::{compute_service_client::ComputeServiceClient, GetServerRequest, Location, ServerStatus};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (target, token) = (args.next().expect("target URL"), args.next().expect("token"));
    let mut endpoint = Channel::from_shared(target)?;
    if let Some(ca) = args.next() {
        // Needs tonic's TLS feature: tonic = { version = "0.14", features = ["tls-ring"] }.
        let tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(std::fs::read(ca)?));
        endpoint = endpoint.tls_config(tls)?;
    }
    let mut client = ComputeServiceClient::new(endpoint.connect().await?);

    let mut request = Request::new(GetServerRequest {
        location: Some(Location { cloud: "example".into(), ..Default::default() }),
        name_or_id: "server-42".into(),
        ..Default::default()
    });
    request.metadata_mut().insert("authorization", format!("Bearer {token}").parse()?);
    request.set_timeout(Duration::from_secs(10));
    let server = match client.get_server(request).await {
        Ok(response) => response.into_inner().server.unwrap_or_default(),
        // The reason of a failed call is the ErrorInfo in the status details
        // (tonic_types::StatusExt::get_details_error_info); the code says enough here.
        Err(status) if status.code() == Code::Unauthenticated => {
            return Err(format!("wrong or expired token: {}", status.message()).into())
        }
        Err(status) => return Err(status.into()),
    };

    println!("{} {} {:?}", server.id, server.name, server.status());
    assert_eq!(server.id, "id-server-42");
    assert_eq!(server.status(), ServerStatus::Active);
    Ok(())
}
