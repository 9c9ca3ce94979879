fn main() {
    let _ = pyptables::firewall! {
        filter {
            INPUT { jump a; }
            chain a { jump b; }
            chain b { jump c; }
            chain c { jump a; }
        }
    };
}
