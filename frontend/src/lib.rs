//! The wasm entry point: installs the panic hook and hydrates [`app::App`].
//! Leptos' hydration script calls the exported `hydrate` once the bundle
//! has loaded.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the hydration script in the server-rendered page.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // What `leptos::mount::hydrate_lazy` does (a code-split route, see
    // `app::App`, hydrates once its chunk has loaded), then tells the app
    // that hydration is over so its browser side starts.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::tachys::dom::body();
        let mounted = leptos::mount::hydrate_from_async(body, app::App).await;
        mounted.forget();
        app::hydration_complete();
    });
}
