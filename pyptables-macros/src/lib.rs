//! Internal: the `firewall!` procedural macro. Depend on `pyptables` and use `pyptables::firewall`.
use proc_macro::TokenStream;

// The AST is read by the check and expansion stages; until they land, some of it is unused.
#[allow(dead_code)]
mod ast;
mod parse;

#[proc_macro]
pub fn firewall(input: TokenStream) -> TokenStream {
    let (_firewall, errors) = parse::parse_firewall(input.into());
    match parse::combine_errors(errors) {
        // In a block, so that several `compile_error!`s are valid in expression position.
        Some(error) => {
            let errors = error.into_compile_error();
            quote::quote!({ #errors }).into()
        }
        None => TokenStream::new(),
    }
}
