//! Internal: the `firewall!` procedural macro. Depend on `pyptables` and use `pyptables::firewall`.
use proc_macro::TokenStream;

#[proc_macro]
pub fn firewall(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
