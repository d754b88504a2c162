//! Fuzz target of the daemon's inbound frame handling: [`classify`] and the
//! answer a frame gets when no handler serves it ([`refusal`]), on mutated
//! recorded client frames and generated ones (`protocol::testing::fuzz`;
//! short form here, long form `scripts/fuzz-long.sh`).
//!
//! Beyond "no panic": a served request re-encodes to a frame that
//! classifies the same; every refused frame gets an answer that encodes,
//! correlated by the `requestId` the frame carried (Paseo's clients match
//! answers by it) or a `status: error` when it carried none.

use proptest::prelude::*;
use protocol::testing::fuzz::{self, Corpus, Input, Seeds};
use protocol::{ClientFrame, ServerFrame, SessionMessage, StatusPayload};
use serde_json::Value;

use super::{Inbound, classify, refusal};

/// Short-form inputs (the test command's budget: RELIABILITY.md).
const SHORT: u64 = 100_000;

fn carried_request_id(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    let at = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    at(value.pointer("/message/requestId")).or_else(|| at(value.get("requestId")))
}

fn check(input: Input) -> Result<(), TestCaseError> {
    let text = input.text.as_str();
    match classify(text) {
        Inbound::Request(request) => {
            let frame = ClientFrame::Session {
                message: *request.clone(),
            };
            let encoded = serde_json::to_string(&frame)
                .map_err(|e| TestCaseError::fail(format!("request does not encode: {e}")))?;
            match classify(&encoded) {
                // Equal, floats to f64 precision (`fuzz::json_equal`: found
                // by the long run, serde_json's default float parser).
                Inbound::Request(again) if again != request => {
                    let same = match (serde_json::to_value(&again), serde_json::to_value(&request))
                    {
                        (Ok(a), Ok(b)) => fuzz::json_equal(&a, &b),
                        _ => false,
                    };
                    prop_assert!(same, "re-decoded {:?}\ndiffers from {:?}", again, request);
                }
                Inbound::Request(_) => {}
                other => prop_assert!(false, "re-encoded request classified as {:?}", other),
            }
        }
        Inbound::Hello(_) | Inbound::Ping | Inbound::RecordingState => {}
        refused => {
            let Some(reply) = refusal(refused) else {
                return Err(TestCaseError::fail("a refused frame got no answer"));
            };
            let encoded = serde_json::to_string(&ServerFrame::session(reply.clone()))
                .map_err(|e| TestCaseError::fail(format!("answer does not encode: {e}")))?;
            prop_assert!(!encoded.is_empty());
            match (&reply, carried_request_id(text)) {
                (SessionMessage::RpcError(error), Some(id)) => {
                    prop_assert_eq!(&error.request_id, &id)
                }
                (SessionMessage::Status(StatusPayload::Error { message }), None) => {
                    prop_assert!(message.starts_with("Invalid message"), "{}", message)
                }
                (reply, id) => {
                    prop_assert!(false, "answer {:?} for a frame with id {:?}", reply, id)
                }
            }
        }
    }
    Ok(())
}

/// Found by the long run: a float with 17 significant digits may come back
/// one unit in the last place off; the request is otherwise the same.
#[test]
fn a_long_float_survives_a_round_trip_to_f64_precision() {
    let text = r#"{"message":{"filter":[[-3.223927822096166e+226]],"requestId":"fuzz-1","type":"fetch_agents_request"},"type":"session"}"#;
    let input = Input {
        text: text.to_owned(),
        recipe: "regression".to_owned(),
    };
    check(input).expect("the same request");
}

#[test]
fn fuzz_inbound_frames() {
    let corpus = Corpus::load(Seeds::Client);
    fuzz::run("daemon_inbound", SHORT, fuzz::inputs(corpus), check);
}
