//! python-pyptables' rule template example: one `SSH` rule, used three times.
//!
//! In pyptables a `Rule` is callable: `SSH = Rule(proto='tcp', dport='22')`, then
//! `SSH(jump='ACCEPT', source='1.1.1.1', comment=…)`. Here a [`Rule`] is a value: clone the
//! template and add what differs. Each clone remembers its own line, so the annotated output
//! points at each use rather than at the template.
//!
//! ```text
//! cargo run --example ssh_template
//! ```

use pyptables::{default_tables, Rule, Tables};

/// The firewall of the example.
pub fn tables() -> Tables {
    let mut tables = default_tables();

    // The template: SSH is TCP to port 22.
    let ssh = Rule::new().proto("tcp").dport(22);

    let filter = &mut tables["filter"];
    // SSH to this machine only from the workstation…
    filter["INPUT"].push(
        ssh.clone()
            .source("1.1.1.1")
            .comment("Allow SSH from my workstation")
            .accept(),
    );
    // …and refused from anywhere else.
    filter["INPUT"].push(
        ssh.clone()
            .comment("Prevent any other access to local SSH")
            .reject(),
    );
    // No SSH is routed through this machine.
    filter["FORWARD"].push(ssh.clone().comment("Don't route any SSH traffic").reject());

    tables
}

fn main() {
    let tables = tables();
    if let Err(problems) = tables.validate() {
        eprintln!("{problems}");
        std::process::exit(1);
    }
    print!("{}", tables.to_iptables());
}
