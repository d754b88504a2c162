//! The wasm entry point: installs the panic hook and hydrates [`app::App`].
//! Leptos' hydration script calls the exported `hydrate` once the bundle
//! has loaded.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the hydration script in the server-rendered page.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_lazy`: a code-split route (see `app::App`) hydrates once its
    // chunk has loaded.
    leptos::mount::hydrate_lazy(app::App);
}
