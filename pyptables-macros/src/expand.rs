//! The expansion: the checked [`Model`] → an expression of type `::pyptables::Firewall`.
//!
//! Rules with no run-time values become static data, one `static` array per run of such rules
//! in a chain, turned into the model by `__private::push_static`: the compiler sees one
//! constant per run, so compile time grows linearly with the number of rules. Each `{expr}` is
//! evaluated once, in source order, before the tables are built; a rule using run-time values
//! is built by nested loops over its alternatives (the first list outermost).
//!
//! The generated code names runtime items by absolute paths only and its local names are
//! hygienic (`Span::mixed_site`), so it assumes no prelude and cannot clash with the user's
//! names. Code generation cannot fail.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use pyptables_catalog::TargetKind;

use crate::model::{
    combination, Alt, Body, Chain, Channel as ZoneChannel, Dynamic, HostsValue, Mode, Model, Place,
    Rule, Slot, SlotValue, Table, ZoneRule,
};

fn private() -> TokenStream {
    quote!(::pyptables::__private)
}

fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

fn some_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn u32_lit(n: usize) -> Literal {
    Literal::u32_unsuffixed(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The expression for a checked model.
pub fn expand(model: &Model) -> TokenStream {
    let p = private();
    let dynamics = model
        .dynamics
        .iter()
        .enumerate()
        .map(|(i, d)| dynamic_let(i, d));
    let uses = if model.dynamics.is_empty() {
        quote!()
    } else {
        quote!(
            use ::pyptables::__private::{
                DisplayKind as _, IterKind as _, ScalarKind as _, StrKind as _,
            };
        )
    };
    let [v4, v6] = [local("__pyptables_v4"), local("__pyptables_v6")];
    let families = [
        (&v4, quote!(V4), &model.families[0]),
        (&v6, quote!(V6), &model.families[1]),
    ]
    .map(|(var, family, tables)| {
        let mutability = if tables.is_empty() {
            quote!()
        } else {
            quote!(mut)
        };
        let tables = tables.iter().map(|t| table(var, t, model, &family));
        quote! {
            let #mutability #var = #p::tables(#p::Family::#family);
            #(#tables)*
        }
    });
    let [f4, f6] = families;
    quote! {
        {
            #uses
            #(#dynamics)*
            #f4
            #f6
            #p::firewall(#v4, #v6)
        }
    }
}

fn dynamic_var(i: usize) -> Ident {
    format_ident!("__pyptables_d{}", i, span = Span::mixed_site())
}

/// `let __d = slot(<values of expr>, key, mode, negated);`
fn dynamic_let(i: usize, d: &Dynamic) -> TokenStream {
    let p = private();
    let var = dynamic_var(i);
    let expr = &d.expr;
    let key = &d.key;
    let negated = d.negated;
    let mode = match &d.mode {
        Mode::Each => quote!(#p::ListMode::Each),
        Mode::Join => quote!(#p::ListMode::Join),
        Mode::Ports { single, multi } => {
            quote!(#p::ListMode::Ports { single: #single, multi: #multi })
        }
    };
    // Named with the `{ … }`'s own span, so that a value of a type that cannot be used is
    // reported there (rustc moves spans of the macro's own context to the invocation). This
    // cannot capture anything: the only user code in the block is the expression, which runs
    // before the name exists.
    let value = Ident::new("__pyptables_value", d.span);
    let values = quote_spanned! {d.span=>
        (&&&#p::wrap(&#value)).__pyptables_kind().values(#value)
    };
    quote! {
        let #var = #p::slot({ let #value = #expr; #values }, #key, #mode, #negated);
    }
}

fn table(var: &Ident, t: &Table, model: &Model, family: &TokenStream) -> TokenStream {
    let p = private();
    let tv = local("__pyptables_table");
    let name = &t.name;
    let line = u32_lit(t.line);
    let chains = t.chains.iter().map(|c| chain(&tv, c, model, family));
    let preserve = t.preserve.iter();
    let preserve = (!t.preserve.is_empty()).then(|| quote!(#tv.preserve([#(#preserve),*]);));
    quote! {
        {
            let mut #tv = #p::table(#name, ::core::file!(), #line);
            #preserve
            #(#chains)*
            #p::complete_table(&mut #tv);
            #var.add(#tv);
        }
    }
}

fn chain(tv: &Ident, c: &Chain, model: &Model, family: &TokenStream) -> TokenStream {
    let p = private();
    let cv = local("__pyptables_chain");
    let name = &c.name;
    let builtin = c.builtin;
    let policy = some_str(c.policy.as_deref());
    let comment = some_str(c.comment.as_deref());
    let line = u32_lit(c.line);

    let mut body = Vec::new();
    let mut run: Vec<TokenStream> = Vec::new();
    let mut used = Used::default();
    let flush = |run: &mut Vec<TokenStream>, body: &mut Vec<TokenStream>, used: &mut Used| {
        if run.is_empty() {
            return;
        }
        let n = run.len();
        let rules = std::mem::take(run);
        let imports = std::mem::take(used).imports();
        body.push(quote! {
            #p::push_static(&mut #cv, ::core::file!(), {
                use ::pyptables::__private::{#(#imports),*};
                static __PYPTABLES_RULES: [#p::StaticRule; #n] = [#(#rules),*];
                &__PYPTABLES_RULES
            });
        });
    };
    for rule in &c.rules {
        if let Body::Zone(zone) = &rule.body {
            flush(&mut run, &mut body, &mut used);
            body.push(zone_rules(&cv, rule, zone, model, family));
        } else if rule.is_static() {
            run.extend(static_rules(rule, &mut used));
        } else {
            flush(&mut run, &mut body, &mut used);
            body.push(dynamic_rules(&cv, rule));
        }
    }
    flush(&mut run, &mut body, &mut used);
    let mutability = if body.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    quote! {
        {
            let #mutability #cv = #p::chain(#name, #builtin, #policy, #comment, ::core::file!(), #line);
            #(#body)*
            #tv.add_chain(#cv);
        }
    }
}

/// A constructor of static data (`__private::sa` …), each imported under a `__pyptables_`
/// name by the runs of rules that use it.
#[derive(Clone, Copy)]
enum Ctor {
    /// `sa(key, value)`: an option with a value.
    Arg,
    /// `sf(key)`: a flag.
    Flag,
    /// `sx(module, key, negated, value)`: any other option.
    FullArg,
    /// `sr(line, column, args)`: a rule without a target.
    Rule,
    /// `st(line, column, args, target, target_args)`: a rule with a catalog target.
    Target,
    /// `sj(line, column, args, chain, goto)`: a rule jumping or going to a user chain.
    Jump,
    /// `sw(line, column, text)`: a raw rule.
    Raw,
    /// `su(line, column, text)`: an unchecked raw rule.
    RawUnchecked,
}

impl Ctor {
    const ALL: [Ctor; 8] = [
        Ctor::Arg,
        Ctor::Flag,
        Ctor::FullArg,
        Ctor::Rule,
        Ctor::Target,
        Ctor::Jump,
        Ctor::Raw,
        Ctor::RawUnchecked,
    ];

    /// The function's name in `pyptables::__private`.
    fn function(self) -> &'static str {
        match self {
            Ctor::Arg => "sa",
            Ctor::Flag => "sf",
            Ctor::FullArg => "sx",
            Ctor::Rule => "sr",
            Ctor::Target => "st",
            Ctor::Jump => "sj",
            Ctor::Raw => "sw",
            Ctor::RawUnchecked => "su",
        }
    }
}

/// The constructors a run of rules uses.
#[derive(Default)]
struct Used([bool; Ctor::ALL.len()]);

impl Used {
    /// The local name of `ctor`, marked as used.
    fn name(&mut self, ctor: Ctor) -> Ident {
        self.0[ctor as usize] = true;
        format_ident!("__pyptables_{}", ctor.function())
    }

    /// `sa as __pyptables_sa`, … for each constructor used.
    fn imports(self) -> Vec<TokenStream> {
        Ctor::ALL
            .iter()
            .filter(|c| self.0[**c as usize])
            .map(|c| {
                let (from, to) = (
                    format_ident!("{}", c.function()),
                    format_ident!("__pyptables_{}", c.function()),
                );
                quote!(#from as #to)
            })
            .collect()
    }
}

/// A static option: `sa(key, value)`, `sf(key)`, or `sx(module, key, negated, value)`.
fn static_arg(slot: &Slot, alt: Option<&Alt>, used: &mut Used) -> TokenStream {
    let key = alt.map_or(slot.key.as_str(), |a| a.key.as_str());
    match (&slot.module, slot.negated, alt) {
        (None, false, Some(alt)) => {
            let (f, value) = (used.name(Ctor::Arg), &alt.canon);
            quote!(#f(#key, #value))
        }
        (None, false, None) => {
            let f = used.name(Ctor::Flag);
            quote!(#f(#key))
        }
        (module, negated, alt) => {
            let f = used.name(Ctor::FullArg);
            let module = some_str(module.as_deref());
            let value = some_str(alt.map(|a| a.canon.as_str()));
            quote!(#f(#module, #key, #negated, #value))
        }
    }
}

fn target_kind(kind: TargetKind) -> TokenStream {
    let p = private();
    match kind {
        TargetKind::Builtin => quote!(#p::TargetKind::Builtin),
        TargetKind::Jump => quote!(#p::TargetKind::Jump),
        TargetKind::Goto => quote!(#p::TargetKind::Goto),
    }
}

/// The `StaticRule`s of a rule without run-time values: one per combination of its lists'
/// elements, the first list outermost.
fn static_rules(rule: &Rule, used: &mut Used) -> Vec<TokenStream> {
    let line = u32_lit(rule.line);
    let column = u32_lit(rule.column);
    let (slots, target) = match &rule.body {
        Body::Raw {
            text, unchecked, ..
        } => {
            let f = used.name(if *unchecked {
                Ctor::RawUnchecked
            } else {
                Ctor::Raw
            });
            return vec![quote!(#f(#line, #column, #text))];
        }
        Body::Options { slots, target, .. } => (slots, target),
        Body::Zone(_) => return Vec::new(),
    };
    let counts: Vec<usize> = slots.iter().map(Slot::alternatives).collect();
    let total: usize = counts.iter().product();
    let mut out = Vec::with_capacity(total);
    let mut choice = vec![0usize; slots.len()];
    for n in 0..total {
        combination(n, &counts, &mut choice);
        let mut args = Vec::new();
        let mut targs = Vec::new();
        for (i, slot) in slots.iter().enumerate() {
            let arg = match &slot.value {
                SlotValue::Static(alts) => static_arg(slot, Some(&alts[choice[i]]), used),
                _ => static_arg(slot, None, used),
            };
            if slot.of_target {
                targs.push(arg);
            } else {
                args.push(arg);
            }
        }
        out.push(match target {
            None => {
                let f = used.name(Ctor::Rule);
                quote!(#f(#line, #column, &[#(#args),*]))
            }
            Some(t) if t.kind == TargetKind::Builtin => {
                let (f, name) = (used.name(Ctor::Target), &t.name);
                quote!(#f(#line, #column, &[#(#args),*], #name, &[#(#targs),*]))
            }
            Some(t) => {
                let (f, name, goto) = (used.name(Ctor::Jump), &t.name, t.kind == TargetKind::Goto);
                quote!(#f(#line, #column, &[#(#args),*], #name, #goto))
            }
        });
    }
    out
}

/// The code that expands a zone rule with `pyptables::zones` for `family` and pushes the rules.
fn zone_rules(
    cv: &Ident,
    rule: &Rule,
    zone: &ZoneRule,
    model: &Model,
    family: &TokenStream,
) -> TokenStream {
    let p = private();
    let z = quote!(::pyptables::zones);
    let kind = if zone.input {
        quote!(#z::InputRule)
    } else {
        quote!(#z::ForwardingRule)
    };
    let mut code = match &zone.verdict {
        None => quote!(#kind::log_only()),
        Some(t) => {
            let name = &t.name;
            match (t.kind, name.as_str()) {
                (TargetKind::Builtin, "ACCEPT") => quote!(#kind::accept()),
                (TargetKind::Builtin, "DROP") => quote!(#kind::drop()),
                (TargetKind::Builtin, _) => quote!(#kind::reject()),
                (TargetKind::Jump, _) => quote!(#kind::new(::pyptables::Target::jump(#name))),
                (TargetKind::Goto, _) => quote!(#kind::new(::pyptables::Target::goto(#name))),
            }
        }
    };
    let place = |pl: &Place| -> TokenStream {
        let zone = pl.zone.map(|i| {
            let zd = &model.zones[i];
            let (name, interface) = (&zd.name, &zd.interface);
            let port = some_str(zd.port.as_deref());
            quote!(#p::zone(#name, #interface, #port))
        });
        let hosts = pl.hosts.map(|i| {
            let h = &model.hosts[i];
            let name = &h.name;
            match &h.value {
                HostsValue::List(entries) => {
                    let entries = entries.iter().map(|(e, _)| e);
                    // `?`: the expansion below runs in a closure returning its error.
                    quote!(#p::hosts(#name, &[#(#entries),*])?)
                }
                HostsValue::Set(set) => quote!(#z::IpSet::new(#set)),
            }
        });
        match (zone, hosts) {
            (Some(zone), Some(hosts)) => quote!(#zone.with(#hosts)),
            (Some(zone), None) => zone,
            (None, Some(hosts)) => hosts,
            (None, None) => {
                quote!(#z::Location::new("any", ::core::option::Option::None, ::core::option::Option::None))
            }
        }
    };
    for pl in &zone.from {
        let pl = place(pl);
        code = quote!(#code.from(#pl));
    }
    for pl in &zone.to {
        let pl = place(pl);
        code = quote!(#code.to(#pl));
    }
    let states = zone.states.iter().map(|s| {
        let variant = format_ident!(
            "{}{}",
            s[..1].to_ascii_uppercase(),
            s[1..].to_ascii_lowercase()
        );
        quote!(::pyptables::value::CtState::#variant)
    });
    let states = if zone.states.is_empty() {
        quote!()
    } else {
        quote!(.states([#(#states),*]))
    };
    for ch in &zone.channels {
        let ports = |kind: TokenStream, ports: &[(u16, u16)]| {
            let calls = ports.iter().map(|&(l, h)| {
                if l == h {
                    quote!(.dport(#l))
                } else {
                    quote!(.dport(#l..=#h))
                }
            });
            quote!(#kind::new()#(#calls)*#states)
        };
        let channel = match ch {
            ZoneChannel::Tcp(p) => ports(quote!(#z::TcpChannel), p),
            ZoneChannel::Udp(p) => ports(quote!(#z::UdpChannel), p),
            ZoneChannel::Icmp(None) => quote!(#z::IcmpChannel::new()#states),
            ZoneChannel::Icmp(Some(t)) => quote!(#z::IcmpChannel::new().icmp_type(#t)#states),
        };
        code = quote!(#code.channel(#channel));
    }
    if let Some(prefix) = &zone.log {
        code = quote!(#code.log(#prefix));
    }
    if let Some(comment) = &zone.comment {
        code = quote!(#code.comment(#comment));
    }
    let line = u32_lit(rule.line);
    let column = u32_lit(rule.column);
    quote! {
        #p::push_zone(
            &mut #cv,
            (|| -> ::core::result::Result<::std::vec::Vec<::pyptables::Rule>, #z::ZoneError> {
                #code.rules_for(#p::Family::#family)
            })(),
            ::core::file!(),
            #line,
            #column,
        );
    }
}

/// The code that pushes the rules of a rule with run-time values.
fn dynamic_rules(cv: &Ident, rule: &Rule) -> TokenStream {
    let p = private();
    let Body::Options { slots, target, .. } = &rule.body else {
        return TokenStream::new();
    };
    let line = u32_lit(rule.line);
    let column = u32_lit(rule.column);
    let mut loops: Vec<TokenStream> = Vec::new();
    // How many alternatives each loop has, to cap the product at run time.
    let mut counts: Vec<TokenStream> = Vec::new();
    let mut args = Vec::new();
    let mut targs = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        let module = some_str(slot.module.as_deref());
        let negated = slot.negated;
        let arg = match &slot.value {
            SlotValue::Flag => {
                let key = &slot.key;
                quote!(#p::arg(#module, #key, #negated, ::core::option::Option::None))
            }
            SlotValue::Static(alts) if alts.len() == 1 => {
                let (key, value) = (&alts[0].key, &alts[0].canon);
                quote!(#p::arg(#module, #key, #negated, ::core::option::Option::Some(#value)))
            }
            SlotValue::Static(alts) => {
                let (k, v) = (
                    local(&format!("__pyptables_k{i}")),
                    local(&format!("__pyptables_v{i}")),
                );
                let pairs = alts.iter().map(|a| {
                    let (key, value) = (&a.key, &a.canon);
                    quote!((#key, #value))
                });
                loops.push(quote!(for &(#k, #v) in &[#(#pairs),*]));
                let n = alts.len();
                counts.push(quote!(#n));
                quote!(#p::arg(#module, #k, #negated, ::core::option::Option::Some(#v)))
            }
            SlotValue::Dynamic { index, .. } => {
                let (k, v) = (
                    local(&format!("__pyptables_k{i}")),
                    local(&format!("__pyptables_v{i}")),
                );
                let d = dynamic_var(*index);
                loops.push(quote!(for (#k, #v) in &#d));
                counts.push(quote!(#d.len()));
                quote!(#p::dynamic_arg(#module, *#k, #negated, #v))
            }
        };
        if slot.of_target {
            targs.push(arg);
        } else {
            args.push(arg);
        }
    }
    let target = match target {
        Some(t) => {
            let name = &t.name;
            let kind = target_kind(t.kind);
            quote!(::core::option::Option::Some((#name, #kind)))
        }
        None => quote!(::core::option::Option::None),
    };
    let mut code = quote! {
        #p::push(&mut #cv, #p::dynamic_rule(
            ::core::file!(), #line, #column, [#(#args),*], #target, [#(#targs),*],
        ));
    };
    for header in loops.into_iter().rev() {
        code = quote!(#header { #code });
    }
    if counts.is_empty() {
        return code;
    }
    quote! {
        if #p::expansion(&mut #cv, ::core::file!(), #line, #column, &[#(#counts),*]) {
            #code
        }
    }
}
