fn main() {
    let _ = pyptables::firewall! {
        filter {
            preserve DOCKER*, f2b-*;
            INPUT {
                jump f2b-sshd;        // preserved: fine
                jump DOCKER-USER;     // preserved: fine
                jump ssh_gaurd;       // a typo of a defined chain, not preserved
                jump KUBE-SERVICES;   // neither defined nor preserved
            }
            chain ssh_guard { return; }
        }
        nat { preserve "DO*CKER", "*", INPUT; }
        mangle { preserve DOCKER *; }
    };
}
