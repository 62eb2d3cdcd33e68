//! RFC 4226 Appendix D (HOTP) and RFC 6238 Appendix B (TOTP) vectors.

use auth::totp::hotp;
use serde_json::Value;

fn vectors(name: &str) -> Value {
    let path = format!("{}/../../shared/identity/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn hotp_rfc4226_appendix_d() {
    let v = vectors("hotp_rfc4226.json");
    let secret = v["secret_ascii"].as_str().unwrap().as_bytes();
    let cases = v["vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 10);
    for case in cases {
        let counter = case["counter"].as_u64().unwrap();
        assert_eq!(hotp::<sha1::Sha1>(secret, counter, 6), case["hotp"].as_str().unwrap(), "counter {counter}");
    }
}

#[test]
fn totp_rfc6238_appendix_b() {
    let v = vectors("totp_rfc6238.json");
    let step = v["step_seconds"].as_u64().unwrap();
    let cases = v["vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 18);
    for case in cases {
        let secret = case["secret_ascii"].as_str().unwrap().as_bytes();
        let counter = case["time"].as_u64().unwrap() / step;
        assert_eq!(u64::from_str_radix(case["step_counter_hex"].as_str().unwrap(), 16).unwrap(), counter);
        let digits = u32::try_from(case["digits"].as_u64().unwrap()).unwrap();
        let code = match case["algorithm"].as_str().unwrap() {
            "SHA1" => hotp::<sha1::Sha1>(secret, counter, digits),
            "SHA256" => hotp::<sha2::Sha256>(secret, counter, digits),
            "SHA512" => hotp::<sha2::Sha512>(secret, counter, digits),
            other => panic!("unexpected algorithm {other}"),
        };
        assert_eq!(code, case["totp"].as_str().unwrap(), "{case}");
    }
}
