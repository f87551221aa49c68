//! A custom `SessionBackend`: the client saves through it whenever a key or
//! the login changes, and a later client resumes from it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use paperplane::Client;
use paperplane_session::{BoxFuture, InMemoryBackend, Session, SessionBackend};
use paperplane_testserver::TestServer;

/// Keeps the session in memory and counts saves.
#[derive(Debug, Default)]
struct Counting {
    inner: InMemoryBackend,
    saves: AtomicUsize,
}

impl SessionBackend for Counting {
    fn load(&self) -> BoxFuture<'_, paperplane_session::Result<Option<Session>>> {
        self.inner.load()
    }

    fn save<'a>(&'a self, session: &'a Session) -> BoxFuture<'a, paperplane_session::Result<()>> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        self.inner.save(session)
    }

    fn delete(&self) -> BoxFuture<'_, paperplane_session::Result<()>> {
        self.inner.delete()
    }
}

#[tokio::test]
async fn a_custom_backend_is_saved_to_and_resumed_from() {
    let server = TestServer::start(Default::default()).await.unwrap();
    let backend = Arc::new(Counting::default());
    let builder = || {
        Client::builder()
            .api_id(1)
            .api_hash("any")
            .dc_addr(server.dc(2).unwrap().to_string())
            .server_key(server.public_key().to_pkcs1_pem())
            .session_backend(backend.clone())
    };
    let (client, _s) = builder().connect().await.unwrap();
    let token = client.request_login_code("9996622323").await.unwrap();
    let me = client.sign_in(&token, "22222").await.unwrap();
    assert!(backend.saves.load(Ordering::SeqCst) >= 1);
    let saved = backend.inner.load().await.unwrap().expect("saved");
    assert_eq!(saved.user().map(|u| u.id), Some(me.id()));
    assert!(saved.auth_key(2).is_some());
    client.disconnect();

    let (again, _s) = builder().connect().await.unwrap();
    assert!(again.is_authorized().await.unwrap());
    assert_eq!(server.auth_key_count(), 1);
}
