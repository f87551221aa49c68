//! The storage backends: file (atomic, 0600, corrupt files reported),
//! memory and string, alone and behind `Arc<dyn SessionBackend>`.

mod common;

use std::sync::Arc;

use common::{TestDir, full_session};
use paperplane_session::{
    BinaryFileBackend, InMemoryBackend, Session, SessionBackend, SessionError, StringSessionBackend,
};

#[tokio::test]
async fn file_round_trip() {
    let dir = TestDir::new("round-trip");
    let backend = BinaryFileBackend::new(dir.join("my.session"));
    assert_eq!(backend.path(), dir.join("my.session"));

    assert_eq!(
        backend.load().await.unwrap(),
        None,
        "missing file is no session"
    );

    let session = full_session(1);
    backend.save(&session).await.unwrap();
    assert_eq!(backend.load().await.unwrap(), Some(session.clone()));
    // A second backend on the same path (the next run) sees it too.
    let reopened = BinaryFileBackend::new(dir.join("my.session"));
    assert_eq!(reopened.load().await.unwrap(), Some(session.clone()));
    // The file holds exactly the binary encoding.
    assert_eq!(
        std::fs::read(dir.join("my.session")).unwrap(),
        session.to_bytes()
    );
}

#[tokio::test]
async fn save_replaces_atomically_and_leaves_no_temp_files() {
    let dir = TestDir::new("atomic");
    let backend = BinaryFileBackend::new(dir.join("s.session"));
    for seed in 0..5 {
        let session = full_session(seed);
        backend.save(&session).await.unwrap();
        assert_eq!(
            dir.entries(),
            ["s.session"],
            "only the session file remains"
        );
        let on_disk = std::fs::read(dir.join("s.session")).unwrap();
        assert_eq!(
            on_disk,
            session.to_bytes(),
            "complete content after save {seed}"
        );
    }
}

#[tokio::test]
async fn stale_temp_files_are_ignored() {
    // What a crash between create and rename leaves behind.
    let dir = TestDir::new("stale");
    std::fs::write(dir.join(".s.session.tmp-1-1"), b"half a sess").unwrap();
    let backend = BinaryFileBackend::new(dir.join("s.session"));
    assert_eq!(backend.load().await.unwrap(), None);
    backend.save(&full_session(2)).await.unwrap();
    assert_eq!(backend.load().await.unwrap(), Some(full_session(2)));
}

#[cfg(unix)]
#[tokio::test]
async fn session_file_is_private() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TestDir::new("mode");
    let path = dir.join("private.session");
    // An existing world-readable file (an older tool's) is replaced by a private one.
    std::fs::write(&path, b"old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    let backend = BinaryFileBackend::new(&path);
    backend.save(&full_session(3)).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    backend.save(&full_session(4)).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[tokio::test]
async fn corrupt_file_is_an_error_naming_the_path_and_is_kept() {
    let dir = TestDir::new("corrupt");
    let path = dir.join("broken.session");
    let backend = BinaryFileBackend::new(&path);
    let good = full_session(5).to_bytes();

    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10;
    let cases: [(&str, Vec<u8>); 4] = [
        ("truncated", good[..good.len() - 1].to_vec()),
        ("bit flip", flipped),
        ("empty", Vec::new()),
        ("foreign", b"{\"dc\": 2}".to_vec()),
    ];
    for (what, content) in cases {
        std::fs::write(&path, &content).unwrap();
        let err = backend.load().await.unwrap_err();
        match &err {
            SessionError::CorruptFile { path: p, source } => {
                assert_eq!(p, &path, "{what}");
                assert!(
                    !matches!(**source, SessionError::Io { .. }),
                    "{what}: {source:?}"
                );
            }
            other => panic!("{what}: expected CorruptFile, got {other:?}"),
        }
        assert!(err.to_string().contains("broken.session"), "{what}: {err}");
        // Never silently replaced: the damaged file is still there as it was.
        assert_eq!(std::fs::read(&path).unwrap(), content, "{what}");
    }
}

#[tokio::test]
async fn unreadable_locations_are_io_errors() {
    let dir = TestDir::new("io");
    let backend = BinaryFileBackend::new(dir.join("no-such-dir").join("s.session"));
    assert_eq!(backend.load().await.unwrap(), None);
    let err = backend.save(&full_session(1)).await.unwrap_err();
    assert!(matches!(err, SessionError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");

    // A directory where the file should be.
    std::fs::create_dir(dir.join("is-a-dir")).unwrap();
    let backend = BinaryFileBackend::new(dir.join("is-a-dir"));
    assert!(matches!(
        backend.load().await,
        Err(SessionError::Io { op: "read", .. })
    ));
    assert!(backend.save(&full_session(1)).await.is_err());
    assert!(
        dir.entries().iter().all(|n| !n.contains(".tmp-")),
        "{:?}",
        dir.entries()
    );
}

#[tokio::test]
async fn delete_removes_the_file() {
    let dir = TestDir::new("delete");
    let backend = BinaryFileBackend::new(dir.join("s.session"));
    backend.delete().await.unwrap(); // nothing to delete: fine
    backend.save(&full_session(1)).await.unwrap();
    backend.delete().await.unwrap();
    assert!(dir.entries().is_empty());
    assert_eq!(backend.load().await.unwrap(), None);
    // Saving after a delete works again.
    backend.save(&full_session(2)).await.unwrap();
    assert_eq!(backend.load().await.unwrap(), Some(full_session(2)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_saves_leave_one_intact_session() {
    let dir = TestDir::new("concurrent");
    let backend = Arc::new(BinaryFileBackend::new(dir.join("s.session")));
    let sessions: Vec<Session> = (0..50).map(full_session).collect();

    let tasks: Vec<_> = sessions
        .iter()
        .cloned()
        .map(|session| {
            let backend = Arc::clone(&backend);
            tokio::spawn(async move { backend.save(&session).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    let loaded = backend.load().await.unwrap().unwrap();
    assert!(
        sessions.contains(&loaded),
        "the file holds one of the saved sessions"
    );
    assert_eq!(dir.entries(), ["s.session"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_saves_from_separate_backends_never_corrupt() {
    // Two backends on one path (e.g. two processes) serialise nothing
    // between them; rename still keeps every observed file whole.
    let dir = TestDir::new("two-backends");
    let path = dir.join("s.session");
    let a = Arc::new(BinaryFileBackend::new(&path));
    let b = Arc::new(BinaryFileBackend::new(&path));
    let sessions: Vec<Session> = (0..40).map(full_session).collect();
    a.save(&sessions[0]).await.unwrap();

    let reader = {
        let a = Arc::clone(&a);
        let sessions = sessions.clone();
        tokio::spawn(async move {
            for _ in 0..200 {
                let loaded = a.load().await.unwrap().expect("the file never disappears");
                assert!(
                    sessions.contains(&loaded),
                    "readers only ever see whole sessions"
                );
                tokio::task::yield_now().await;
            }
        })
    };
    let writers: Vec<_> = sessions
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, session)| {
            let backend = Arc::clone(if i % 2 == 0 { &a } else { &b });
            tokio::spawn(async move { backend.save(&session).await })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap().unwrap();
    }
    reader.await.unwrap();
    let loaded = b.load().await.unwrap().unwrap();
    assert!(sessions.contains(&loaded));
    assert_eq!(dir.entries(), ["s.session"]);
}

#[tokio::test]
async fn in_memory_backend() {
    let backend = InMemoryBackend::new();
    assert_eq!(backend.load().await.unwrap(), None);
    backend.save(&full_session(1)).await.unwrap();
    assert_eq!(backend.load().await.unwrap(), Some(full_session(1)));
    assert!(format!("{backend:?}").contains("saved: true"));
    backend.delete().await.unwrap();
    assert_eq!(backend.load().await.unwrap(), None);

    let preloaded = InMemoryBackend::with_session(full_session(2));
    assert_eq!(preloaded.load().await.unwrap(), Some(full_session(2)));
}

#[tokio::test]
async fn string_backend() {
    let backend = StringSessionBackend::new("");
    assert_eq!(
        backend.load().await.unwrap(),
        None,
        "empty string: first run"
    );
    assert_eq!(StringSessionBackend::default().load().await.unwrap(), None);

    let session = full_session(3);
    backend.save(&session).await.unwrap();
    let exported = backend.session_string();
    assert_eq!(exported, session.to_session_string());

    // The next run starts from the exported string (e.g. an env var).
    let next_run = StringSessionBackend::new(format!("{exported}\n"));
    assert_eq!(next_run.load().await.unwrap(), Some(session));

    backend.delete().await.unwrap();
    assert_eq!(backend.session_string(), "");
    assert_eq!(backend.load().await.unwrap(), None);

    let broken = StringSessionBackend::new(&exported[..exported.len() - 4]);
    assert!(
        broken.load().await.is_err(),
        "a broken string is an error, not None"
    );
}

#[tokio::test]
async fn backends_work_as_trait_objects() {
    let dir = TestDir::new("dyn");
    let backends: Vec<Arc<dyn SessionBackend>> = vec![
        Arc::new(BinaryFileBackend::new(dir.join("dyn.session"))),
        Arc::new(InMemoryBackend::new()),
        Arc::new(StringSessionBackend::new("")),
    ];
    let session = full_session(6);
    for backend in &backends {
        backend.save(&session).await.unwrap();
        assert_eq!(
            backend.load().await.unwrap().as_ref(),
            Some(&session),
            "{backend:?}"
        );
        backend.delete().await.unwrap();
        assert_eq!(backend.load().await.unwrap(), None, "{backend:?}");
    }
}

#[test]
fn file_backend_outside_a_runtime_is_an_error_not_a_panic() {
    let backend = BinaryFileBackend::new("/tmp/never-written.session");
    let runtime = FutureRunner;
    let result = runtime.block_on(backend.load());
    assert!(matches!(result, Err(SessionError::Io { .. })), "{result:?}");
}

/// A minimal executor that is not Tokio.
struct FutureRunner;

impl FutureRunner {
    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }
}
