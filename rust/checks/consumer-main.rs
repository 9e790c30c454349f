// The consumer of rust/checks/consumer, and the "Using it" example of
// rust/README.rst: a program that takes oaktreemodel from a registry.
//   consumer http://127.0.0.1:PORT TOKEN
use oaktreemodel::tonic::{transport::Channel, Request};
use oaktreemodel::v1::{compute_service_client::ComputeServiceClient, GetServerRequest, Location, ServerStatus};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (target, token) = (args.next().expect("target URL"), args.next().expect("token"));
    let channel = Channel::from_shared(target)?.connect().await?;
    let mut client = ComputeServiceClient::new(channel);

    let mut request = Request::new(GetServerRequest {
        location: Some(Location { cloud: "example".into(), ..Default::default() }),
        name_or_id: "server-42".into(),
        ..Default::default()
    });
    request.metadata_mut().insert("x-auth-token", token.parse()?);
    request.set_timeout(Duration::from_secs(10));
    let server = client.get_server(request).await?.into_inner().server.unwrap_or_default();

    println!("{} {} {:?}", server.id, server.name, server.status());
    assert_eq!(server.id, "id-server-42");
    assert_eq!(server.status(), ServerStatus::Active);
    Ok(())
}
