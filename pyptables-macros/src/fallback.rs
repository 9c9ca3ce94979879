//! What the macro expands to when there are errors: every error as a `compile_error!`, and a
//! value of the right type so that nothing else is reported about the code around the macro.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast;

/// What to emit when there are errors: every error, and a value of the right type so that
/// nothing else is reported. The `{expr}` values are still type-checked (in a closure that is
/// never called), so their own mistakes show and their variables count as used.
pub fn fallback(fw: &ast::Firewall, errors: Vec<syn::Error>) -> TokenStream {
    let errors = crate::parse::combine_errors(errors).map(|e| e.into_compile_error());
    let mut exprs = Vec::new();
    for chain in fw
        .sections
        .iter()
        .flat_map(|s| &s.tables)
        .flat_map(|t| &t.chains)
    {
        collect_exprs(&chain.items, &mut exprs);
    }
    let uses = if exprs.is_empty() {
        quote!()
    } else {
        quote!(let _ = || { #(let _ = &(#exprs);)* };)
    };
    quote! {
        {
            #errors
            #uses
            ::pyptables::Firewall::new()
        }
    }
}

fn collect_exprs<'a>(items: &'a [ast::Item], out: &mut Vec<&'a syn::Expr>) {
    let opts = |options: &'a [ast::Opt], out: &mut Vec<&'a syn::Expr>| {
        for o in options {
            if let Some(ast::Value::Expr(e)) = &o.value {
                out.push(&e.expr);
            }
        }
    };
    for item in items {
        match item {
            ast::Item::Rule(r) => opts(&r.options, out),
            ast::Item::Block(b) => {
                opts(&b.options, out);
                collect_exprs(&b.items, out);
            }
        }
    }
}
