//! Both shipped schema files parse cleanly and every written id checks out.

use paperplane_tl_parser::{Category, ErrorKind, ParameterKind, parse};

fn schema(name: &str) -> String {
    let path = format!("{}/../../schema/{name}", manifest_dir());
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn api_tl_parses_with_zero_errors() {
    let s = parse(&schema("api.tl")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.layer, Some(230));
    assert!(s.definitions.len() > 2000, "{}", s.definitions.len());
    let send = s
        .definitions
        .iter()
        .find(|d| d.full_name() == "messages.sendMessage")
        .unwrap();
    assert_eq!(send.category, Category::Functions);
    let checked = s
        .definitions
        .iter()
        .filter(|d| d.explicit_id.is_some())
        .count();
    assert!(checked > 2000);
}

#[test]
fn mtproto_tl_parses_with_zero_errors() {
    let s = parse(&schema("mtproto.tl")).unwrap_or_else(|e| panic!("{e}"));
    let res_pq = s.definitions.iter().find(|d| d.name == "resPQ").unwrap();
    assert_eq!(res_pq.id, 0x05162463);
    // Written without an id: the id is computed.
    let hello = s
        .definitions
        .iter()
        .find(|d| d.name == "tlsClientHello")
        .unwrap();
    assert_eq!(hello.explicit_id, None);
    assert_ne!(hello.id, 0);
    // Built-ins are recognised as such.
    let vector = s.definitions.iter().find(|d| d.name == "vector").unwrap();
    assert!(vector.is_core());
    let int = s.definitions.iter().find(|d| d.name == "int").unwrap();
    assert!(int.is_core());
    // Sections switch back and forth.
    let ping = s.definitions.iter().find(|d| d.name == "ping").unwrap();
    assert_eq!(ping.category, Category::Functions);
    let pong = s.definitions.iter().find(|d| d.name == "pong").unwrap();
    assert_eq!(pong.category, Category::Types);
}

#[test]
fn flags_generics_and_bare_types() {
    let s = parse(
        "future_salt#0949d9dc valid_since:int valid_until:int salt:long = FutureSalt;\n\
         future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt> = FutureSalts;\n\
         ---functions---\n\
         invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;\n\
         users.getUsers#0d91a548 id:Vector<InputUser> = Vector<User>;",
    )
    .unwrap();
    let salts = &s.definitions[1];
    let ParameterKind::Field { ty, .. } = &salts.params()[2].kind else {
        panic!()
    };
    assert!(ty.bare);
    assert_eq!(ty.name, "vector");
    assert!(ty.generic_arg.as_ref().unwrap().bare);
    let invoke = &s.definitions[2];
    assert_eq!(invoke.generics[0].name, "X");
    let ParameterKind::Field { ty, .. } = &invoke.params()[1].kind else {
        panic!()
    };
    assert!(ty.generic_ref);
    let get_users = &s.definitions[3];
    assert_eq!(get_users.ty.name, "Vector");
    assert_eq!(get_users.ty.args[0].name, "User");
}

#[test]
fn wrong_id_is_reported_with_position() {
    let err =
        parse("\n  inputPeerUser#dde8a54d user_id:long access_hash:long = InputPeer;").unwrap_err();
    assert_eq!(err.0.len(), 1);
    let e = &err.0[0];
    assert_eq!((e.position.line, e.position.column), (2, 3));
    assert_eq!(
        e.kind,
        ErrorKind::IdMismatch {
            written: 0xdde8a54d,
            computed: 0xdde8a54c
        }
    );
}

#[test]
fn true_flags_and_bytes_normalise_like_telegram() {
    // Ids copied from api.tl: `true` flags are left out, `bytes` hashes as `string`.
    parse("inputMediaPhotoExternal#e5bbfe1a flags:# spoiler:flags.1?true url:string ttl_seconds:flags.0?int = InputMedia;").unwrap();
    parse("resPQ#05162463 nonce:int128 server_nonce:int128 pq:bytes server_public_key_fingerprints:Vector<long> = ResPQ;").unwrap();
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let cases: &[(&str, (u32, u32))] = &[
        ("a#zz = B;", (1, 3)),
        ("a x:flags.0?int = B;", (1, 5)),
        ("a flags:# x:flags.32?int = B;", (1, 13)),
        ("a x:int\n = ;", (2, 4)),
        ("a x:int = B", (1, 1)),
        ("a x:int = B;\n---nonsense---", (2, 1)),
        ("a x:in$t = B;", (1, 7)),
        ("a x:Vector<int = B;", (1, 16)),
        ("a x:int y = B;", (1, 11)),
    ];
    for (text, (line, column)) in cases {
        let err = parse(text).expect_err(text);
        let p = err.0[0].position;
        assert_eq!((p.line, p.column), (*line, *column), "{text}: {err}");
    }
}

/// This checkout's crate directory, read when the test runs: a test binary
/// reused from another checkout of the same sources (a shared target
/// directory) must still read this checkout's schema.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
