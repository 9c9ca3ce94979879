// With a mistake in the firewall, only that mistake is reported: the variables used in `{…}`
// still count as used, and a type error in an expression is still shown.
#![deny(warnings)]

use pyptables::firewall;

fn main() {
    let port: u16 = 22;
    let _fw = firewall! {
        filter {
            INPUT { accept proto=tcp dport={port}; acept; }
            OUTPUT { accept out_interface={1 + "eth0"}; }
        }
    };
}
