//! The wasm entry point: installs the panic hook and hydrates [`app::App`].
//! Leptos' hydration script calls the exported `hydrate` once the bundle
//! has loaded.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the hydration script in the server-rendered page.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
