//! Decodes TL bytes of any known type and pretty-prints them.
//!
//! ```text
//! cargo run -p paperplane-tl --example decode               # the documentation's key-exchange sample
//! cargo run -p paperplane-tl --example decode -- 15c4b51c…  # your own hex (spaces allowed)
//! ```

use std::process::ExitCode;

use paperplane_tl::{Cursor, deserialize_any, name_for_id};

/// `resPQ`, the server's first answer in Telegram's published key-exchange
/// sample (core.telegram.org/mtproto/samples-auth_key).
const SAMPLE: &str = "632416 05 75E622F3BC7D714632B833821FD7BB0C 8EC53EC050CB2D475B457BAF445B49F5
    0816E748B29522C68F000000 15C4B51C03000000 85FD64DE851D9DD0 A5B7F709355FC30B 216BE86C022BB4C3";

fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).map_err(|_| "not hex".to_string())?;
            u8::from_str_radix(s, 16).map_err(|_| format!("`{s}` is not a hex byte"))
        })
        .collect()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = if args.is_empty() {
        SAMPLE.to_owned()
    } else {
        args.join("")
    };
    let bytes = match parse_hex(&text) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let id = bytes
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let name = id.and_then(name_for_id).unwrap_or("unknown");
    println!(
        "{} bytes, constructor {:#010x} ({name})",
        bytes.len(),
        id.unwrap_or(0)
    );
    let mut cur = Cursor::new(&bytes);
    match deserialize_any(&mut cur) {
        Ok(value) => {
            println!("{value:?}");
            let rest = cur.remaining().len();
            if rest > 0 {
                println!("({rest} bytes after the value were not read)");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
