//! Fuzz targets of the protocol decoders (short form here; the long form is
//! `scripts/fuzz-long.sh`, see RELIABILITY.md). Inputs: the recorded
//! frames, mutated, and frames generated from their vocabulary
//! (`protocol::testing::fuzz`).
//!
//! Each target checks more than "no panic": whatever decodes must encode,
//! and its encoding must decode to the same value (a frame the daemon or
//! the hub relays must not change on the way).

use proptest::prelude::*;
use protocol::testing::fuzz::{self, Corpus, Input, Seeds};
use protocol::{DecodeError, decode_client_frame, decode_server_frame};

/// The re-decoded frame is the decoded one (floats to f64 precision: see
/// `fuzz::json_equal`).
fn same<T: serde::Serialize + PartialEq + std::fmt::Debug>(
    again: &T,
    frame: &T,
    text: &str,
) -> Result<(), TestCaseError> {
    if again == frame {
        return Ok(());
    }
    let (a, b) = (serde_json::to_value(again), serde_json::to_value(frame));
    match (a, b) {
        (Ok(a), Ok(b)) if fuzz::json_equal(&a, &b) => Ok(()),
        _ => Err(TestCaseError::fail(format!(
            "re-decoded {again:?}\ndiffers from {frame:?}\nencoded as {text}"
        ))),
    }
}

/// Short-form inputs per target (the test command's budget: RELIABILITY.md).
const SHORT: u64 = 100_000;

/// Found by the long run: an integer beyond `u64` is read as a float and
/// may come back one unit in the last place off; nothing else changes.
#[test]
fn a_huge_integer_survives_a_round_trip_to_float_precision() {
    let text = r#"{"message":{"filter":98446744073709551615,"requestId":"r","type":"fetch_agents_request"},"type":"session"}"#;
    let frame = decode_client_frame(text).expect("decodes");
    let encoded = serde_json::to_string(&frame).expect("encodes");
    let again = decode_client_frame(&encoded).expect("re-decodes");
    same(&again, &frame, &encoded).expect("equal to f64 precision");
}

#[test]
fn fuzz_client_frame_decoder() {
    let corpus = Corpus::load(Seeds::Client);
    fuzz::run(
        "protocol_client_decode",
        SHORT,
        fuzz::inputs(corpus),
        |input: Input| {
            match decode_client_frame(&input.text) {
                Ok(frame) => {
                    let text = serde_json::to_string(&frame)
                        .map_err(|e| TestCaseError::fail(format!("does not encode: {e}")))?;
                    let again = decode_client_frame(&text)
                        .map_err(|e| TestCaseError::fail(format!("re-decode: {e}; {text}")))?;
                    same(&again, &frame, &text)?;
                }
                Err(DecodeError::NotJson(reason)) => prop_assert!(!reason.is_empty()),
                Err(DecodeError::Invalid { request_id, .. }) => {
                    // An invalid request is answered under the id it carried.
                    let value: serde_json::Value = serde_json::from_str(&input.text)
                        .map_err(|e| TestCaseError::fail(format!("Invalid but not JSON: {e}")))?;
                    let carried = value
                        .pointer("/message/requestId")
                        .and_then(|v| v.as_str())
                        .or_else(|| value.get("requestId").and_then(|v| v.as_str()));
                    prop_assert_eq!(request_id.as_deref(), carried);
                }
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_server_frame_decoder() {
    let corpus = Corpus::load(Seeds::Server);
    fuzz::run(
        "protocol_server_decode",
        SHORT,
        fuzz::inputs(corpus),
        |input: Input| {
            if let Ok(frame) = decode_server_frame(&input.text) {
                let text = serde_json::to_string(&frame)
                    .map_err(|e| TestCaseError::fail(format!("does not encode: {e}")))?;
                let again = decode_server_frame(&text)
                    .map_err(|e| TestCaseError::fail(format!("re-decode: {e}; {text}")))?;
                same(&again, &frame, &text)?;
            }
            Ok(())
        },
    );
}
