//! CEL expressions: compiling never panics and reports positions inside the source; a
//! compiled expression evaluates (on small values) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use standoff::rules::expr::{Bindings, ProjectData, compile, eval_bool, project_context, to_cel};

fuzz_target!(|source: &str| {
    // Long inputs only make comprehensions slower, not the parser more interesting.
    if source.len() > 512 {
        return;
    }
    match compile(source) {
        Ok(expr) => {
            let ctx = project_context(ProjectData::default());
            let value = to_cel(&serde_json::json!({"a": [1, 2, 3], "b": "48 km/h", "c": {"d": true}}));
            let bindings = Bindings { self_: value.clone(), doc: value.clone(), item: value, project: cel::Value::Null, stage: Some(2) };
            let _ = eval_bool(&expr, &ctx, &bindings);
        }
        Err(error) => {
            assert!(error.offset <= source.len(), "an error position outside the source");
        }
    }
});
