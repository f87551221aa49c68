//! The `paperplane-testserver` binary: what people and other clients see.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::{Client, Key, RawClient, bot_login};
use paperplane_crypto::rsa::RsaPublicKey;
use paperplane_mtproto::transport::{ClientMode, ProxySecret};
use paperplane_tl::{enums, functions};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pp-testserver-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts the binary; returns it with its DCs once it printed `ready`.
fn start(args: &[&str], extra: &[&std::ffi::OsStr]) -> (Child, Vec<(i32, SocketAddr)>) {
    let (child, dcs, proxy) = start_with_proxy(args, extra);
    assert_eq!(proxy, None);
    (child, dcs)
}

/// [`start`], also returning the MTProxy address if it printed one.
fn start_with_proxy(
    args: &[&str],
    extra: &[&std::ffi::OsStr],
) -> (Child, Vec<(i32, SocketAddr)>, Option<SocketAddr>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_paperplane-testserver"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut dcs = Vec::new();
    let mut proxy = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        if let Some(addr) = line.strip_prefix("proxy ") {
            assert_eq!(dcs.len(), 5, "the proxy comes after the DCs");
            proxy = Some(addr.parse().unwrap());
            continue;
        }
        let mut parts = line.split(' ');
        assert_eq!(parts.next(), Some("dc"), "{line}");
        let id: i32 = parts.next().unwrap().parse().unwrap();
        let addr: SocketAddr = parts.next().unwrap().parse().unwrap();
        assert!(addr.ip().is_loopback());
        dcs.push((id, addr));
    }
    (child, dcs, proxy)
}

#[test]
fn prints_its_dcs_then_ready_and_writes_its_public_key() {
    let dir = temp_dir("pem");
    let pem_path = dir.join("server.pem");
    let (mut child, dcs) = start(&["--rsa-pub-out"], &[pem_path.as_os_str()]);
    let ids: Vec<i32> = dcs.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![2, 1, 3, 4, 5], "DC 2 first");
    // Each DC really listens.
    for (_, addr) in &dcs {
        std::net::TcpStream::connect(addr).unwrap();
    }
    let pem = std::fs::read_to_string(&pem_path).unwrap();
    assert!(pem.starts_with("-----BEGIN RSA PUBLIC KEY-----"), "{pem}");
    assert!(RsaPublicKey::from_pem(&pem).is_ok());
    child.kill().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn world_file_bots_strict_mode_and_data_dir() {
    let dir = temp_dir("world");
    let world = dir.join("world.txt");
    std::fs::write(
        &world,
        "# test accounts\nuser 9996621234 Alice @alice\nbot @file_bot 111:from-file\n",
    )
    .unwrap();
    let pem_path = dir.join("server.pem");
    let data = dir.join("data");
    let (child, dcs) = start(
        &[
            "--strict-bots",
            "--require-signup",
            "--bot",
            "@flag_bot=222:from-flag",
        ],
        &[
            "--world".as_ref(),
            world.as_os_str(),
            "--rsa-pub-out".as_ref(),
            pem_path.as_os_str(),
            "--data-dir".as_ref(),
            data.as_os_str(),
        ],
    );
    let rsa = RsaPublicKey::from_pem(&std::fs::read_to_string(&pem_path).unwrap()).unwrap();
    let dc2 = dcs[0].1;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = Client::connect_to(dc2, &rsa, 2).await;
        // Strict: an unknown token is refused, registered ones log in.
        let err = bot_login(&mut client, "333:unknown").await.unwrap_err();
        assert_eq!(err.message, "ACCESS_TOKEN_INVALID");
        assert_eq!(
            bot_login(&mut client, "222:from-flag").await.unwrap().id,
            222
        );
        let mut other = Client::connect_to(dc2, &rsa, 2).await;
        assert_eq!(
            bot_login(&mut other, "111:from-file").await.unwrap().id,
            111
        );
        let enums::contacts::ResolvedPeer::ResolvedPeer(alice) = client
            .call(&functions::contacts::ResolveUsername {
                username: "alice".into(),
                referer: None,
            })
            .await
            .unwrap();
        assert_eq!(alice.users.len(), 1);
    });
    // Ctrl-C saves the world.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let saved = std::fs::read_to_string(data.join("world.json")).unwrap();
    assert!(saved.contains("file_bot") && saved.contains("alice"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_are_a_usage_error_and_help_lists_every_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_paperplane-testserver"))
        .args(["--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
    let out = Command::new(env!("CARGO_BIN_EXE_paperplane-testserver"))
        .args(["--bot", "no-equals-sign"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let help = Command::new(env!("CARGO_BIN_EXE_paperplane-testserver"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stderr);
    for flag in [
        "--listen",
        "--rsa-key",
        "--rsa-pub-out",
        "--data-dir",
        "--world",
        "--bot",
        "--strict-bots",
        "--require-signup",
        "--proxy-secret",
    ] {
        assert!(help.contains(flag), "{flag} missing from usage");
    }
    for bad in ["00112233", "ab00112233445566778899aabbccddeeff", "xyz"] {
        let out = Command::new(env!("CARGO_BIN_EXE_paperplane-testserver"))
            .args(["--proxy-secret", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--proxy-secret"));
    }
    let dir = temp_dir("badworld");
    let world = dir.join("bad.txt");
    std::fs::write(&world, "robot 1 2\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_paperplane-testserver"))
        .arg("--world")
        .arg(&world)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn proxy_secrets_open_an_mtproxy_port_after_the_dcs() {
    let dir = temp_dir("proxy");
    let pem_path = dir.join("server.pem");
    let simple = "00112233445566778899aabbccddeeff";
    let padded = "dd00112233445566778899aabbccddeeff";
    let (mut child, dcs, proxy) = start_with_proxy(
        &["--proxy-secret", simple, "--proxy-secret", padded],
        &["--rsa-pub-out".as_ref(), pem_path.as_os_str()],
    );
    let proxy = proxy.expect("no proxy line");
    assert!(proxy.ip().is_loopback());
    assert!(dcs.iter().all(|(_, addr)| *addr != proxy));
    let rsa = RsaPublicKey::from_pem(&std::fs::read_to_string(&pem_path).unwrap()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for (hex, dc_id) in [(simple, 4), (padded, 2)] {
            let secret = ProxySecret::from_hex(hex).unwrap();
            let mut raw = RawClient::connect(proxy, ClientMode::mtproxy(&secret, dc_id)).await;
            let done = raw.create_key_with(&rsa, i32::from(dc_id)).await;
            let key = Key {
                auth_key: done.auth_key,
                salt: done.first_salt,
                time_offset: done.time_offset,
            };
            let mut client = Client::with_key(raw, key, i32::from(dc_id), proxy).await;
            let enums::NearestDc::NearestDc(nearest) = client
                .call(&functions::help::GetNearestDc {})
                .await
                .unwrap();
            assert_eq!(nearest.this_dc, i32::from(dc_id));
        }
    });
    child.kill().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn world_file_faults_are_armed_at_start() {
    let dir = temp_dir("faults");
    let world = dir.join("world.txt");
    std::fs::write(
        &world,
        "user 9996621234 Alice @alice\n\
         # armed at start\n\
         fault flood_wait help.getConfig 3 times=2\n\
         fault skew_clock 3600\n\
         fault withhold_updates 9996621234 1\n",
    )
    .unwrap();
    let pem_path = dir.join("server.pem");
    let (child, dcs) = start(
        &[],
        &[
            "--world".as_ref(),
            world.as_os_str(),
            "--rsa-pub-out".as_ref(),
            pem_path.as_os_str(),
        ],
    );
    let child = KillOnDrop(child);
    let rsa = RsaPublicKey::from_pem(&std::fs::read_to_string(&pem_path).unwrap()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = Client::connect_to(dcs[0].1, &rsa, 2).await;
        // The server's clock is an hour ahead, from the key exchange on.
        let offset = i64::from(client.key.time_offset);
        assert!((offset - 3600).abs() <= 5, "time offset {offset}");
        // Two flood waits, then the answer.
        for _ in 0..2 {
            let (code, message) = client.call_err(&functions::help::GetConfig {}).await;
            assert_eq!((code, message.as_str()), (420, "FLOOD_WAIT_3"));
        }
        let enums::Config::Config(config) =
            client.call(&functions::help::GetConfig {}).await.unwrap();
        let dated = i64::from(config.date) - paperplane_testserver::unix_now();
        assert!((dated - 3600).abs() <= 5, "config dated {dated} s ahead");
    });
    drop(child);

    // A fault naming an account that does not exist stops the start.
    std::fs::write(
        &world,
        "user 9996621234 Alice\nfault withhold_updates 9996629999 1\n",
    )
    .unwrap();
    let out = refused_start(&world);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 2") && stderr.contains("9996629999"),
        "{stderr}"
    );
    // A bad fault line is a usage error naming the line.
    std::fs::write(
        &world,
        "user 9996621234 Alice\n\nfault flood_wait help.getConfig soon\n",
    )
    .unwrap();
    let out = refused_start(&world);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 3") && stderr.contains("SECONDS"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Kills the server when a test ends, passed or not.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the binary with `--world world`, expecting it to refuse to start:
/// its output once it exited (killed, and the test failed, if it is still
/// running after a while).
fn refused_start(world: &std::path::Path) -> std::process::Output {
    let child = Command::new(env!("CARGO_BIN_EXE_paperplane-testserver"))
        .args(["--listen", "127.0.0.1:0"])
        .arg("--world")
        .arg(world)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.0.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server started despite {}",
            std::fs::read_to_string(world).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let KillOnDrop(child) = &mut child;
    let mut stderr = Vec::new();
    if let Some(mut pipe) = child.stderr.take() {
        std::io::Read::read_to_end(&mut pipe, &mut stderr).unwrap();
    }
    std::process::Output {
        status: child.wait().unwrap(),
        stdout: Vec::new(),
        stderr,
    }
}
