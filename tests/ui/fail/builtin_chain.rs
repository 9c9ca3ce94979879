use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        nat {
            FORWARD { accept; }
            PREROUTNG { accept; }
        }
        filter {
            ssh_guard { accept; }
            // No more errors here: `ssh_guard` is taken as the user chain it looks like.
            INPUT { jump ssh_guard; }
        }
    };
}
