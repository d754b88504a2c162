//! The wasm entry point: installs the panic hook and hydrates [`app::App`].
//! Leptos' hydration script calls the exported `hydrate` once the bundle
//! has loaded.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the hydration script in the server-rendered page.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The current route's chunk first (a code-split route, see `app::chunks`),
    // then the whole page hydrates synchronously: the async hydration path
    // would cost an async copy of every view's hydration code in this
    // module. Then the app is told hydration is over, so its browser side
    // starts.
    wasm_bindgen_futures::spawn_local(async {
        let path = leptos::prelude::window()
            .location()
            .pathname()
            .unwrap_or_default();
        app::chunks::preload_for_path(&path).await;
        let body = leptos::tachys::dom::body();
        let mounted = leptos::mount::hydrate_from(body, app::App);
        mounted.forget();
        app::hydration_complete();
    });
}
