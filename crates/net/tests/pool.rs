//! The pool against the local test server over TCP loopback.

use std::collections::BTreeMap;
use std::time::Duration;

use paperplane_net::{
    DcState, InvocationError, Pool, PoolConfig, PoolEvent, PoolState, TransportKind,
};
use paperplane_testserver::TestServer;
use paperplane_tl::{enums, functions};

fn state_for(server: &TestServer) -> PoolState {
    let dcs: BTreeMap<i32, DcState> = server
        .dcs()
        .iter()
        .map(|dc| {
            (
                dc.id,
                DcState {
                    addr: dc.addr,
                    key: None,
                    authorized: false,
                },
            )
        })
        .collect();
    PoolState { home_dc: 2, dcs }
}

fn config_for(server: &TestServer, transport: TransportKind) -> PoolConfig {
    PoolConfig {
        transport,
        trusted_keys: vec![server.public_key().clone()],
        test_mode: true,
        ..PoolConfig::default()
    }
}

async fn nearest(pool: &Pool, dc: Option<i32>) -> Result<i32, InvocationError> {
    let enums::NearestDc::NearestDc(n) = match dc {
        Some(dc) => {
            pool.invoke_on_dc(dc, &functions::help::GetNearestDc {})
                .await?
        }
        None => pool.invoke(&functions::help::GetNearestDc {}).await?,
    };
    Ok(n.this_dc)
}

#[tokio::test]
async fn every_transport_reaches_the_server_and_saves_the_key() {
    let server = TestServer::start(Default::default()).await.unwrap();
    for transport in [
        TransportKind::Abridged,
        TransportKind::Intermediate,
        TransportKind::PaddedIntermediate,
        TransportKind::Full,
        TransportKind::Obfuscated,
    ] {
        let (pool, mut events) = Pool::new(config_for(&server, transport), state_for(&server));
        assert_eq!(nearest(&pool, None).await.unwrap(), 2, "{transport:?}");
        // The new key was announced for saving.
        let mut changed = false;
        while let Ok(event) = events.try_recv() {
            changed |= matches!(event, PoolEvent::Changed);
        }
        assert!(changed, "{transport:?}");
        assert!(pool.snapshot().dcs[&2].key.is_some());
    }
}

#[tokio::test]
async fn many_requests_in_flight_are_each_answered_once() {
    let server = TestServer::start(Default::default()).await.unwrap();
    let (pool, _events) = Pool::new(
        config_for(&server, TransportKind::Abridged),
        state_for(&server),
    );
    let calls = (0..256).map(|_| nearest(&pool, None));
    let answers = futures_join_all(calls).await;
    assert_eq!(answers.len(), 256);
    assert!(answers.iter().all(|a| matches!(a, Ok(2))));
    // And the server carried each one out once: none was sent twice.
    assert_eq!(server.control().executions("help.getNearestDc"), 256);
}

#[tokio::test]
async fn requests_survive_a_reconnect() {
    let server = TestServer::start(Default::default()).await.unwrap();
    let (pool, _events) = Pool::new(
        config_for(&server, TransportKind::Intermediate),
        state_for(&server),
    );
    assert_eq!(nearest(&pool, None).await.unwrap(), 2);
    let calls: Vec<_> = (0..64)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { nearest(&pool, None).await })
        })
        .collect();
    pool.reconnect_all();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), 2);
    }
    // The same key kept working: only one was ever made.
    assert_eq!(server.auth_key_count(), 1);
}

#[tokio::test]
async fn requests_whose_answers_are_lost_with_the_connection_are_executed_once() {
    let server = TestServer::start(Default::default()).await.unwrap();
    let control = server.control();
    let (pool, _events) = Pool::new(
        config_for(&server, TransportKind::Intermediate),
        state_for(&server),
    );
    assert_eq!(nearest(&pool, None).await.unwrap(), 2);
    // The server carries the next call out, then closes the connection
    // instead of answering: the pool reconnects and must get the answer
    // without having the server do it again.
    control.inject_drop_after_request("help.getNearestDc", 1);
    let calls: Vec<_> = (0..64)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { nearest(&pool, None).await })
        })
        .collect();
    for call in calls {
        let answer = tokio::time::timeout(Duration::from_secs(30), call)
            .await
            .expect("a request whose answer was lost was never answered");
        assert_eq!(answer.unwrap().unwrap(), 2);
    }
    assert_eq!(control.executions("help.getNearestDc"), 1 + 64);
}

#[tokio::test]
async fn other_dcs_get_their_own_connection() {
    let server = TestServer::start(Default::default()).await.unwrap();
    let (pool, _events) = Pool::new(
        config_for(&server, TransportKind::Abridged),
        state_for(&server),
    );
    for dc in [1, 3, 4, 5] {
        assert_eq!(nearest(&pool, Some(dc)).await.unwrap(), dc);
    }
    // One key per DC used (DC 2 never was).
    assert_eq!(server.auth_key_count(), 4);
    // An unknown DC is looked up in the home DC's configuration first.
    assert!(matches!(
        nearest(&pool, Some(9)).await,
        Err(InvocationError::UnknownDc(9))
    ));
}

#[tokio::test]
async fn errors_come_back_typed() {
    let server = TestServer::start(Default::default()).await.unwrap();
    let (pool, _events) = Pool::new(
        config_for(&server, TransportKind::Abridged),
        state_for(&server),
    );
    let err = pool
        .invoke(&functions::users::GetUsers {
            id: vec![enums::InputUser::InputUserSelf],
        })
        .await
        .unwrap_err();
    let rpc = err.rpc().expect("an rpc error");
    assert_eq!(
        (rpc.code, rpc.message.as_str()),
        (401, "AUTH_KEY_UNREGISTERED")
    );
}

#[tokio::test]
async fn a_forgotten_key_is_replaced() {
    let server = TestServer::start(Default::default()).await.unwrap();
    let mut state = state_for(&server);
    // A key the server never saw (as after a server reset).
    state.dcs.get_mut(&2).unwrap().key = Some(paperplane_net::KeyState {
        key: paperplane_crypto::AuthKey::from_bytes([7; 256]),
        salt: 0,
        time_offset: 0,
    });
    let (pool, _events) = Pool::new(config_for(&server, TransportKind::Abridged), state);
    let answer = tokio::time::timeout(Duration::from_secs(30), nearest(&pool, None)).await;
    assert_eq!(answer.unwrap().unwrap(), 2);
    let key = pool.snapshot().dcs[&2].key.clone().unwrap();
    assert_ne!(key.key.as_bytes(), &[7; 256]);
}

/// `join_all` without a dependency: polls every future on one task.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

#[tokio::test]
async fn dcs_not_yet_known_are_learned_from_the_config() {
    let server = TestServer::start(Default::default()).await.unwrap();
    let mut state = state_for(&server);
    state.dcs.retain(|id, _| *id == 2);
    let (pool, _events) = Pool::new(config_for(&server, TransportKind::Abridged), state);
    assert_eq!(nearest(&pool, Some(4)).await.unwrap(), 4);
    assert_eq!(pool.snapshot().dcs[&4].addr, server.dc(4).unwrap());
    assert!(matches!(
        nearest(&pool, Some(9)).await,
        Err(InvocationError::UnknownDc(9))
    ));
}

#[tokio::test]
async fn every_dc_is_reached_through_an_mtproxy() {
    use paperplane_mtproto::transport::ProxySecret;
    use paperplane_net::MtProxy;
    let secrets = [
        "00112233445566778899aabbccddeeff",
        "dd00112233445566778899aabbccddeeff",
        // ee + key + "example.com"
        "ee00112233445566778899aabbccddeeff6578616d706c652e636f6d",
    ];
    let server = TestServer::start(paperplane_testserver::Options {
        proxy_secrets: secrets
            .iter()
            .map(|hex| ProxySecret::from_hex(hex).unwrap())
            .collect(),
        ..Default::default()
    })
    .await
    .unwrap();
    let proxy = server.proxy_addr().unwrap();
    for secret in secrets {
        let link = format!(
            "tg://proxy?server={}&port={}&secret={secret}",
            proxy.ip(),
            proxy.port()
        );
        let mut state = state_for(&server);
        // The DCs' own addresses are never used: everything goes to the proxy.
        for dc in state.dcs.values_mut() {
            dc.addr = "192.0.2.1:9".parse().unwrap();
        }
        let config = PoolConfig {
            proxy: Some(MtProxy::from_link(&link).unwrap()),
            ..config_for(&server, TransportKind::Abridged)
        };
        let (pool, _events) = Pool::new(config, state);
        assert_eq!(nearest(&pool, None).await.unwrap(), 2, "{secret}");
        assert_eq!(nearest(&pool, Some(4)).await.unwrap(), 4, "{secret}");
    }
}
