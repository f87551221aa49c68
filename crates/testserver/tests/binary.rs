//! The `paperplane-testserver` binary: what people and other clients see.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn prints_its_dcs_then_ready_and_writes_its_public_key() {
    let dir = std::env::temp_dir().join(format!("pp-testserver-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem_path = dir.join("server.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_paperplane-testserver"))
        .args(["--listen", "127.0.0.1:0", "--rsa-pub-out"])
        .arg(&pem_path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut dcs = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        let mut parts = line.split(' ');
        assert_eq!(parts.next(), Some("dc"), "{line}");
        let id: i32 = parts.next().unwrap().parse().unwrap();
        let addr: std::net::SocketAddr = parts.next().unwrap().parse().unwrap();
        assert!(addr.ip().is_loopback());
        dcs.push((id, addr));
    }
    let ids: Vec<i32> = dcs.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![2, 1, 3, 4, 5], "DC 2 first");
    // Each DC really listens.
    for (_, addr) in &dcs {
        std::net::TcpStream::connect(addr).unwrap();
    }
    let pem = std::fs::read_to_string(&pem_path).unwrap();
    assert!(pem.starts_with("-----BEGIN RSA PUBLIC KEY-----"), "{pem}");
    assert!(paperplane_crypto::rsa::RsaPublicKey::from_pem(&pem).is_ok());
    child.kill().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_are_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_paperplane-testserver"))
        .args(["--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
}
